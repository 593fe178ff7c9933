#include "log/log_setup.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "log/log_mask.hpp"

namespace brevduva::log {
namespace {

int syslog_priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return 7;
        case spdlog::level::info:
            return 6;
        case spdlog::level::warn:
            return 4;
        case spdlog::level::err:
            return 3;
        case spdlog::level::critical:
            return 2;
        default:
            return 6;
    }
}

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warn";
        case spdlog::level::err:
            return "error";
        case spdlog::level::critical:
            return "critical";
        default:
            return "off";
    }
}

void append_json_string(std::string_view s, spdlog::memory_buf_t& dest) {
    dest.push_back('"');
    for (char c : s) {
        switch (c) {
            case '"':
                dest.append(std::string_view("\\\""));
                break;
            case '\\':
                dest.append(std::string_view("\\\\"));
                break;
            case '\n':
                dest.append(std::string_view("\\n"));
                break;
            case '\r':
                dest.append(std::string_view("\\r"));
                break;
            case '\t':
                dest.append(std::string_view("\\t"));
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    fmt::format_to(std::back_inserter(dest), "\\u{:04x}", static_cast<int>(c));
                } else {
                    dest.push_back(c);
                }
        }
    }
    dest.push_back('"');
}

}  // namespace

Formatter::Formatter(config::LogFormat format, TextStyle style, bool mask)
    : format_(format), style_(style), mask_(mask) {}

void Formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    std::string_view text(msg.payload.data(), msg.payload.size());
    if (mask_) {
        scratch_.clear();
        append_masked(text, scratch_);
        text = scratch_;
    }
    const auto time = std::chrono::time_point_cast<std::chrono::milliseconds>(msg.time);
    auto out = std::back_inserter(dest);
    if (format_ == config::LogFormat::json) {
        fmt::format_to(out, R"({{"time":"{:%FT%T}Z","level":"{}","message":)", time,
                       level_name(msg.level));
        append_json_string(text, dest);
        dest.append(std::string_view("}\n"));
        return;
    }
    switch (style_) {
        case TextStyle::journal:
            fmt::format_to(out, "<{}>{}\n", syslog_priority(msg.level), text);
            break;
        case TextStyle::terminal:
            fmt::format_to(out, "{:%T} {:<5} {}\n", time, level_name(msg.level), text);
            break;
        case TextStyle::plain:
            fmt::format_to(out, "{:%FT%T}Z {} {}\n", time, level_name(msg.level), text);
            break;
    }
}

std::unique_ptr<spdlog::formatter> Formatter::clone() const {
    return std::make_unique<Formatter>(format_, style_, mask_);
}

TextStyle detect_text_style() {
    if (std::getenv("JOURNAL_STREAM") != nullptr) return TextStyle::journal;
    if (::isatty(STDERR_FILENO) != 0) return TextStyle::terminal;
    return TextStyle::plain;
}

void configure_logging(const config::LoggingSettings& settings) {
    auto logger = spdlog::get("brevduva");
    if (!logger) {
        logger = spdlog::stderr_logger_mt("brevduva");
    }
    logger->set_formatter(
        std::make_unique<Formatter>(settings.format, detect_text_style(), settings.mask_addresses));
    auto level = spdlog::level::from_str(settings.level);
    if (level == spdlog::level::off && settings.level != "off") level = spdlog::level::info;
    logger->set_level(level);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

}  // namespace brevduva::log
