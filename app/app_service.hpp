// What the long-running commands (serve, worker, web) share to live under systemd: the
// notification protocol (readiness, status, watchdog, stop and reload), SIGTERM/SIGINT/SIGHUP
// as events instead of handlers, and the refusal to run as root. Nothing here knows about
// campaigns, listeners or the database; the commands decide when to say what. See
// docs/operations.md for how the units use it.
#pragma once

#include <signal.h>

#include <chrono>
#include <optional>
#include <string_view>

namespace brevduva::app {

// systemd's notification protocol through libsystemd (sd_notify); every call does nothing when
// not started by systemd (no NOTIFY_SOCKET). Thread-safe.
class ServiceNotifier {
  public:
    ServiceNotifier();
    void ready();                        // READY=1 (and STATUS=ready)
    void status(std::string_view text);  // STATUS=<text>, one line, no personal data
    void watchdog();                     // WATCHDOG=1
    void stopping();                     // STOPPING=1
    // RELOADING=1 with MONOTONIC_USEC= (systemd ≥ 253 wants it; harmless on 252)
    void reloading();
    void reloaded();  // READY=1 after a reload
    // How often to call watchdog(): half of WatchdogSec (sd_watchdog_enabled), or nullopt.
    [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_interval() const;
};

enum class ServiceSignal { none, stop, reload };

// SIGTERM and SIGINT (stop) and SIGHUP (reload) as events read from a signalfd. Construct it
// in main's thread BEFORE any other thread starts: it blocks those signals in the calling
// thread, and threads started later inherit the mask. The destructor restores the mask.
class SignalEvents {
  public:
    SignalEvents();
    ~SignalEvents();
    SignalEvents(const SignalEvents&) = delete;
    SignalEvents& operator=(const SignalEvents&) = delete;
    // Waits up to `timeout` for a signal; none when none came.
    [[nodiscard]] ServiceSignal wait(std::chrono::milliseconds timeout);
    [[nodiscard]] int fd() const;

  private:
    sigset_t previous_mask_;
    int fd_ = -1;
};

// Throws CommandFailure(exit_usage, "<command> refuses to run as root: … pass --allow-root …")
// when the effective user is root and allow_root is false.
void refuse_root(std::string_view command, bool allow_root);

}  // namespace brevduva::app
