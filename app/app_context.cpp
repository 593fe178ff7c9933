#include "app/app_context.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "config/config_load.hpp"
#include "config/config_secret.hpp"
#include "log/log_setup.hpp"
#include "store/store_database.hpp"

namespace brevduva::app {

Context::Context() = default;

Context::~Context() = default;

const config::Settings& Context::settings() {
    if (settings_) return *settings_;
    auto result = config::load_settings(options_.config_path, options_.overrides);
    if (!result.settings) {
        for (const auto& problem : result.problems) {
            fmt::print(stderr, "{}\n", config::to_string(problem));
        }
        throw CommandFailure(
            exit_usage,
            fmt::format("{} has {} problem{}; nothing was changed", options_.config_path.string(),
                        result.problems.size(), result.problems.size() == 1 ? "" : "s"));
    }
    settings_ = std::move(*result.settings);
    for (const auto& warning : result.warnings) warnings_.push_back(config::to_string(warning));
    log::configure_logging(settings_->logging);
    return *settings_;
}

std::optional<config::Settings> Context::reload_settings(std::string& problems) {
    auto result = config::load_settings(options_.config_path, options_.overrides);
    if (!result.settings) {
        for (const auto& problem : result.problems) {
            problems += (problems.empty() ? "" : "\n") + config::to_string(problem);
        }
        return std::nullopt;
    }
    return std::move(*result.settings);
}

store::Database& Context::database() {
    if (database_) return *database_;
    const auto& db = settings().database;
    const std::string password =
        db.postgres_password.configured() ? config::read_secret(db.postgres_password) : "";
    database_ = std::make_unique<store::Database>(store::Database::open(
        db.sqlite_path, db.postgres_url, password, db.busy_timeout, db.file_group));
    return *database_;
}

}  // namespace brevduva::app
