#include "app/app_service.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <limits>
#include <string>
#include <system_error>

#include "app/app_context.hpp"

namespace brevduva::app {
namespace {

// sd_notify is safe to call from any thread: each call opens its own socket. Its result is
// ignored on purpose: a lost notification must never take the service down, and when it
// matters (READY=1, WATCHDOG=1) systemd notices by itself and acts on the unit.
void notify(const std::string& state) { static_cast<void>(sd_notify(0, state.c_str())); }

std::string one_line(std::string_view text) {
    std::string line(text);
    std::replace_if(
        line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return line;
}

sigset_t service_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

// One pending signal from the signalfd, or none when nothing is pending.
ServiceSignal read_one(int fd) {
    signalfd_siginfo info{};
    const ssize_t got = ::read(fd, &info, sizeof info);
    if (got != static_cast<ssize_t>(sizeof info)) return ServiceSignal::none;
    return info.ssi_signo == SIGHUP ? ServiceSignal::reload : ServiceSignal::stop;
}

}  // namespace

ServiceNotifier::ServiceNotifier() = default;

void ServiceNotifier::ready() { notify("READY=1\nSTATUS=ready"); }

void ServiceNotifier::status(std::string_view text) { notify("STATUS=" + one_line(text)); }

void ServiceNotifier::watchdog() { notify("WATCHDOG=1"); }

void ServiceNotifier::stopping() { notify("STOPPING=1"); }

void ServiceNotifier::reloading() {
    // systemd ≥ 253 (Type=notify-reload) matches the reload to the request by this timestamp.
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1'000'000ULL +
                      static_cast<unsigned long long>(now.tv_nsec) / 1'000ULL;
    notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", usec));
}

void ServiceNotifier::reloaded() { notify("READY=1"); }

std::optional<std::chrono::microseconds> ServiceNotifier::watchdog_interval() const {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
    return std::chrono::microseconds(usec / 2);
}

SignalEvents::SignalEvents() {
    const sigset_t set = service_signals();
    if (const int error = pthread_sigmask(SIG_BLOCK, &set, &previous_mask_); error != 0) {
        throw std::system_error(error, std::generic_category(), "blocking SIGTERM/SIGHUP");
    }
    fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd_ < 0) {
        const int error = errno;
        pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
        throw std::system_error(error, std::generic_category(), "signalfd");
    }
}

SignalEvents::~SignalEvents() {
    // Signals that came but were not read would act the moment the mask is lifted (SIGTERM
    // would kill a process that is already on its way out): consume them first.
    while (read_one(fd_) != ServiceSignal::none) {
    }
    ::close(fd_);
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

ServiceSignal SignalEvents::wait(std::chrono::milliseconds timeout) {
    pollfd entry{fd_, POLLIN, 0};
    const auto ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(
        timeout.count(), 0, std::numeric_limits<int>::max()));
    // EINTR (another signal's handler ran) counts as "nothing yet"; the caller loops anyway.
    if (::poll(&entry, 1, ms) <= 0) return ServiceSignal::none;
    return read_one(fd_);
}

int SignalEvents::fd() const { return fd_; }

void refuse_root(std::string_view command, bool allow_root) {
    if (allow_root || ::geteuid() != 0) return;
    throw CommandFailure(
        exit_usage,
        fmt::format("{} refuses to run as root: run it as an unprivileged user, as the systemd "
                    "units do (brevduva, brevduva-web), or pass --allow-root if you really mean it",
                    command));
}

}  // namespace brevduva::app
