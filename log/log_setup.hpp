// Process-wide logging set-up on spdlog. Logs go to stderr (stdout belongs to command output)
// in one of three shapes, chosen once at start-up:
//   - on a terminal: "09:31:02.123 info  message", for people;
//   - under systemd (JOURNAL_STREAM names stderr): "<6>message", syslog priority prefixes that
//     journald turns into priorities and timestamps itself;
//   - otherwise: "2026-11-25T09:31:02.123Z info message";
//   - or, when configured, JSON lines {"time":…,"level":…,"message":…} for log shippers.
// Addresses are masked in every shape unless masking is switched off in config.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>

#include "config/config_settings.hpp"

namespace brevduva::log {

enum class TextStyle { terminal, journal, plain };

class Formatter final : public spdlog::formatter {
  public:
    Formatter(config::LogFormat format, TextStyle style, bool mask);
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;

  private:
    config::LogFormat format_;
    TextStyle style_;
    bool mask_;
    std::string scratch_;
};

// The style that fits where stderr goes now.
[[nodiscard]] TextStyle detect_text_style();

// Installs the default logger. Safe to call again (e.g. after the config is read or reloaded).
// An unknown level name is treated as "info"; config validation refuses it earlier.
void configure_logging(const config::LoggingSettings& settings);

}  // namespace brevduva::log
