// brevduva web: the HTTP listeners alone (public pages and endpoints, admin API), the unit that
// faces the internet. It reads the token secret, the suppression secret and the admin token,
// never SMTP passwords or DKIM keys. Under systemd it says READY=1 once both listeners are
// bound, feeds the watchdog, and on SIGTERM/SIGINT stops accepting, lets requests in progress
// finish and writes every recorded open and click before it exits (STOPPING=1). SIGHUP
// re-reads the configuration (RELOADING=1): a good one replaces the listeners after they have
// finished what is in progress; one with problems is refused with a log line.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "app/app_commands.hpp"
#include "app/app_consent_arguments.hpp"
#include "app/app_service.hpp"
#include "config/config_secret.hpp"
#include "http/http_listeners.hpp"
#include "store/store_database.hpp"

namespace brevduva::app {
namespace {

struct WebOptions {
    bool allow_root = false;
};

}  // namespace

http::DatabaseOpener database_opener(const config::DatabaseSettings& db) {
    const std::string password =
        db.postgres_password.configured() ? config::read_secret(db.postgres_password) : "";
    return [db, password] {
        return store::Database::open(db.sqlite_path, db.postgres_url, password, db.busy_timeout,
                                     db.file_group);
    };
}

namespace {

// The listeners on these settings, started; a failure is the command's.
std::unique_ptr<http::Listeners> start_listeners(const config::Settings& settings) {
    try {
        auto listeners =
            std::make_unique<http::Listeners>(settings, database_opener(settings.database));
        listeners->start();
        return listeners;
    } catch (const std::exception& e) {
        throw CommandFailure(exit_failure, fmt::format("the HTTP listeners cannot start: {}",
                                                       describe_exception(e)));
    }
}

void run_web(Context& context, const WebOptions& o) {
    refuse_root("brevduva web", o.allow_root);
    SignalEvents signals;  // before any thread starts, so that every thread inherits the mask
    ServiceNotifier notifier;
    const config::Settings* settings = &context.settings();
    std::unique_ptr<config::Settings> reloaded;
    (void)current_database(context);  // refuses a database behind this binary, once

    auto listeners = start_listeners(*settings);
    notifier.ready();
    const auto announce = [&] {
        notifier.status(fmt::format("serving: public port {}, admin port {}",
                                    listeners->public_port(), listeners->admin_port()));
    };
    announce();
    const auto watchdog = notifier.watchdog_interval();
    const auto tick = watchdog ? std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog)
                               : std::chrono::milliseconds(1000);
    for (;;) {
        const auto signal = signals.wait(tick);
        if (signal == ServiceSignal::stop) break;
        if (signal == ServiceSignal::reload) {
            // A good new configuration replaces the listeners: the old ones finish the requests
            // in progress and write their recorded hits first. A bad one changes nothing.
            notifier.reloading();
            std::string problems;
            if (auto fresh = context.reload_settings(problems)) {
                auto next = std::make_unique<config::Settings>(std::move(*fresh));
                listeners->stop();
                listeners.reset();
                listeners = start_listeners(*next);
                reloaded = std::move(next);
                settings = reloaded.get();
                spdlog::info("reload: the new configuration is in force");
            } else {
                spdlog::error("reload refused, the old configuration stays in force: {}", problems);
            }
            notifier.reloaded();
            announce();
        }
        if (watchdog) notifier.watchdog();
    }
    spdlog::info("stopping: finishing requests in progress and writing recorded opens and clicks");
    notifier.stopping();
    listeners->stop();
}

}  // namespace

void add_web_commands(CLI::App& app, Context& context) {
    auto o = std::make_shared<WebOptions>();
    auto* web = app.add_subcommand(
        "web", "Serve the public pages and endpoints and the admin API (no sending)");
    web->add_flag("--allow-root", o->allow_root, "Run even as root (not recommended)");
    web->callback([&context, o] { run_web(context, *o); });
}

}  // namespace brevduva::app
