// brevduva worker and brevduva serve: the long-running sender, alone or with the HTTP
// listeners in the same process (serve). Under systemd it says READY=1 once the database,
// keys and transport are up, keeps the watchdog fed from the worker loop itself, reports its
// progress in STATUS=, drains on SIGTERM/SIGINT (STOPPING=1) and re-reads its configuration on
// SIGHUP (RELOADING=1): the running worker drains what is in flight and a new one starts with
// the new settings; a configuration with problems is refused and the old one stays.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "app/app_commands.hpp"
#include "app/app_consent_arguments.hpp"
#include "app/app_service.hpp"
#include "dispatcher/dispatcher_worker.hpp"
#include "http/http_listeners.hpp"

namespace brevduva::app {
namespace {

struct WorkerCommandOptions {
    bool until_idle = false;
    bool allow_root = false;
    bool serve_http = false;  // `serve`: the HTTP listeners beside the worker
};

// systemd's view of the worker: the watchdog fed from the loop, progress as STATUS=.
class ServiceHooks final : public dispatcher::WorkerHooks {
  public:
    explicit ServiceHooks(ServiceNotifier& notifier)
        : notifier_(notifier), interval_(notifier.watchdog_interval()) {}

    void alive() override {
        if (!interval_) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_watchdog_ >= *interval_) {
            notifier_.watchdog();
            last_watchdog_ = now;
        }
    }

    void progress(const dispatcher::WorkerProgress& p) override {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_status_ < std::chrono::seconds(1)) return;
        last_status_ = now;
        notifier_.status(fmt::format(
            "sending {} campaign{}: {} sent, {} skipped, {} deferred, {} failed, {} ambiguous, "
            "{} in flight",
            p.running.size(), p.running.size() == 1 ? "" : "s", p.sent, p.skipped, p.deferred,
            p.failed, p.ambiguous, p.in_flight));
    }

  private:
    ServiceNotifier& notifier_;
    std::optional<std::chrono::microseconds> interval_;
    std::chrono::steady_clock::time_point last_watchdog_{};
    std::chrono::steady_clock::time_point last_status_{};
};

// The worker that signals should reach, while one runs.
class Current {
  public:
    void set(dispatcher::Worker* worker) {
        std::lock_guard lock(mutex_);
        worker_ = worker;
        if (worker_ != nullptr && (stop_pending_ || interrupt_pending_)) worker_->stop();
        if (worker_ != nullptr) interrupt_pending_ = false;
    }
    // For good: a worker set later is stopped at once.
    void stop() {
        std::lock_guard lock(mutex_);
        stop_pending_ = true;
        if (worker_ != nullptr) worker_->stop();
    }
    // This worker only (a reload), or the next one set when none runs now; later ones run.
    void interrupt() {
        std::lock_guard lock(mutex_);
        if (worker_ != nullptr) {
            worker_->stop();
        } else {
            interrupt_pending_ = true;
        }
    }

  private:
    std::mutex mutex_;
    dispatcher::Worker* worker_ = nullptr;
    bool stop_pending_ = false;
    bool interrupt_pending_ = false;
};

void run_worker(Context& context, const WorkerCommandOptions& o) {
    refuse_root(o.serve_http ? "brevduva serve" : "brevduva worker", o.allow_root);
    SignalEvents signals;  // before any thread starts, so that every thread inherits the mask
    ServiceNotifier notifier;
    const config::Settings* settings = &context.settings();
    std::unique_ptr<config::Settings> reloaded;
    store::Database& db = current_database(context);

    // serve: the listeners start first, so that READY=1 means both halves are up; a reload
    // replaces them too.
    std::unique_ptr<http::Listeners> listeners;
    if (o.serve_http) {
        try {
            listeners =
                std::make_unique<http::Listeners>(*settings, database_opener(settings->database));
            listeners->start();
        } catch (const std::exception& e) {
            throw CommandFailure(exit_failure, fmt::format("the HTTP listeners cannot start: {}",
                                                           describe_exception(e)));
        }
        spdlog::info("listening: public port {}, admin port {}", listeners->public_port(),
                     listeners->admin_port());
    }

    dispatcher::WorkerOptions options;
    options.until_idle = o.until_idle;
    ServiceHooks hooks(notifier);

    std::atomic<bool> stop_requested{false}, reload_requested{false}, finished{false};
    Current current;
    std::thread watcher([&] {
        while (!finished) {
            switch (signals.wait(std::chrono::milliseconds(200))) {
                case ServiceSignal::stop:
                    if (!stop_requested.exchange(true)) {
                        spdlog::info("stopping: finishing the messages in flight (up to {} s)",
                                     settings->sending.drain_timeout.count());
                        notifier.stopping();
                    }
                    current.stop();
                    break;
                case ServiceSignal::reload:
                    spdlog::info("reloading: re-reading {}",
                                 context.options().config_path.string());
                    notifier.reloading();
                    reload_requested = true;
                    current.interrupt();
                    break;
                case ServiceSignal::none:
                    break;
            }
        }
    });
    struct Join {
        std::atomic<bool>& finished;
        std::thread& thread;
        ~Join() {
            finished = true;
            thread.join();
        }
    } join{finished, watcher};

    dispatcher::WorkerProgress total;
    bool announced = false;
    for (;;) {
        std::unique_ptr<dispatcher::Worker> worker;
        try {
            worker = std::make_unique<dispatcher::Worker>(*settings, db, options,
                                                          dispatcher::TransportFactory{}, &hooks);
        } catch (const std::exception& e) {
            throw CommandFailure(exit_failure,
                                 fmt::format("the worker cannot start: {}", describe_exception(e)));
        }
        if (!announced) {
            notifier.ready();
            spdlog::info("worker ready{}", o.until_idle ? " (until idle)" : "");
            announced = true;
        }
        current.set(worker.get());
        const auto done = worker->run();
        current.set(nullptr);
        total.sent += done.sent;
        total.skipped += done.skipped;
        total.deferred += done.deferred;
        total.failed += done.failed;
        total.ambiguous += done.ambiguous;
        if (stop_requested || !reload_requested.exchange(false)) break;
        std::string problems;
        if (auto fresh = context.reload_settings(problems)) {
            if (fresh->database.sqlite_path != settings->database.sqlite_path ||
                fresh->database.postgres_url != settings->database.postgres_url) {
                spdlog::warn("reload: the database setting changed; it takes effect on restart");
            }
            auto next = std::make_unique<config::Settings>(std::move(*fresh));
            if (listeners) {
                // The old listeners finish what is in progress before the new ones bind.
                listeners->stop();
                listeners.reset();
                listeners =
                    std::make_unique<http::Listeners>(*next, database_opener(next->database));
                listeners->start();
            }
            reloaded = std::move(next);
            settings = reloaded.get();
            spdlog::info("reload: the new configuration is in force");
        } else {
            spdlog::error("reload refused, the old configuration stays in force: {}", problems);
        }
        notifier.reloaded();
    }
    if (listeners) listeners->stop();  // requests in progress end, recorded hits are written
    fmt::print("worker: {} sent, {} skipped, {} deferred, {} failed, {} ambiguous\n", total.sent,
               total.skipped, total.deferred, total.failed, total.ambiguous);
}

}  // namespace

void add_worker_commands(CLI::App& app, Context& context) {
    auto o = std::make_shared<WorkerCommandOptions>();
    auto* worker = app.add_subcommand(
        "worker", "Send queued campaigns: claim, check consent, render, sign, send, record");
    worker->add_flag("--until-idle", o->until_idle,
                     "Stop once nothing is due (retries minutes away are left for later)");
    worker->add_flag("--allow-root", o->allow_root, "Run even as root (not recommended)");
    worker->callback([&context, o] { run_worker(context, *o); });

    auto s = std::make_shared<WorkerCommandOptions>();
    s->serve_http = true;
    auto* serve = app.add_subcommand(
        "serve", "The worker and the HTTP listeners (public pages, admin API) in one process");
    serve->add_flag("--allow-root", s->allow_root, "Run even as root (not recommended)");
    serve->callback([&context, s] { run_worker(context, *s); });
}

}  // namespace brevduva::app
