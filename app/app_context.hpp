// What every command shares: the global options, the settings loaded from them on first use,
// and the database opened on first use. Commands ask for what they need, so `--help` and
// `--version` need no config file and `config check` needs no database.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config_settings.hpp"

namespace brevduva::store {
class Database;
}

namespace brevduva::app {

// Exit codes shared by every command.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;  // the environment failed: database, relay, files
inline constexpr int exit_usage = 2;    // bad command line or configuration

// A command ends with a message for the user and an exit code; thrown, caught once in run().
class CommandFailure : public std::runtime_error {
  public:
    CommandFailure(int exit_code, const std::string& message)
        : std::runtime_error(message), exit_code_(exit_code) {}
    [[nodiscard]] int exit_code() const { return exit_code_; }

  private:
    int exit_code_;
};

struct GlobalOptions {
    std::filesystem::path config_path = "/etc/brevduva/config.yaml";
    std::vector<std::string> overrides;  // --set key.path=value
};

class Context {
  public:
    Context();
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    // Filled in by the command-line parser before any command runs.
    [[nodiscard]] GlobalOptions& options() { return options_; }

    // Loads and validates the configuration once; on problems prints them (one per line, with
    // file:line:column and key) and throws CommandFailure(exit_usage). Also sets up logging.
    const config::Settings& settings();

    // What config validation found questionable but allowed; `config check` shows them.
    [[nodiscard]] const std::vector<std::string>& warnings() {
        settings();
        return warnings_;
    }

    // Reads the configuration file again (SIGHUP) without touching the settings in use: the
    // new settings, or nullopt with every problem written to `problems` (one per line).
    [[nodiscard]] std::optional<config::Settings> reload_settings(std::string& problems);

    // Opens the configured database once (without migrating it).
    store::Database& database();

  private:
    GlobalOptions options_;
    std::optional<config::Settings> settings_;
    std::vector<std::string> warnings_;
    std::unique_ptr<store::Database> database_;
};

}  // namespace brevduva::app
