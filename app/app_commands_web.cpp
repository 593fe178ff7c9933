// brevduva web: the HTTP listeners alone (public pages and endpoints, admin API), the unit that
// faces the internet. It reads the token secret, the suppression secret and the admin token,
// never SMTP passwords or DKIM keys. Under systemd it says READY=1 once both listeners are
// bound, feeds the watchdog, and on SIGTERM/SIGINT stops accepting, lets requests in progress
// finish and writes every recorded open and click before it exits (STOPPING=1). SIGHUP is
// logged and ignored: the listeners' settings take effect on restart.
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
        return store::Database::open(db.sqlite_path, db.postgres_url, password, db.busy_timeout);
    };
}

namespace {

void run_web(Context& context, const WebOptions& o) {
    refuse_root("brevduva web", o.allow_root);
    SignalEvents signals;  // before any thread starts, so that every thread inherits the mask
    ServiceNotifier notifier;
    const config::Settings& settings = context.settings();
    (void)current_database(context);  // refuses a database behind this binary, once

    std::unique_ptr<http::Listeners> listeners;
    try {
        listeners = std::make_unique<http::Listeners>(settings, database_opener(settings.database));
        listeners->start();
    } catch (const std::exception& e) {
        throw CommandFailure(exit_failure, fmt::format("the HTTP listeners cannot start: {}",
                                                       describe_exception(e)));
    }
    notifier.ready();
    notifier.status(fmt::format("serving: public port {}, admin port {}", listeners->public_port(),
                                listeners->admin_port()));
    const auto watchdog = notifier.watchdog_interval();
    const auto tick = watchdog ? std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog)
                               : std::chrono::milliseconds(1000);
    for (;;) {
        const auto signal = signals.wait(tick);
        if (signal == ServiceSignal::stop) break;
        if (signal == ServiceSignal::reload) {
            spdlog::info("SIGHUP: the HTTP listeners' settings take effect on restart");
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
