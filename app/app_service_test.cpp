// The service plumbing as systemd sees it: what arrives on NOTIFY_SOCKET (a unix datagram
// socket this test binds, like systemd's), which signals become which events, and the root
// refusal.
#include "app/app_service.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "app/app_context.hpp"

namespace brevduva::app {
namespace {

namespace fs = std::filesystem;

// These tests change the environment only while no other thread of theirs runs.
void set_environment(const char* name, const std::string& value) {
    ::setenv(name, value.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
}
void unset_environment(const char* name) {
    ::unsetenv(name);  // NOLINT(concurrency-mt-unsafe)
}

// A stand-in for systemd's notification socket, announced through NOTIFY_SOCKET for the life
// of the fixture.
class NotifySocket {
  public:
    NotifySocket() {
        folder_ = fs::temp_directory_path() / ("brevduva-notify-" + std::to_string(::getpid()));
        fs::create_directories(folder_);
        path_ = (folder_ / "notify").string();
        fs::remove(path_);
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
        bound_ = fd_ >= 0 &&
                 ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
        set_environment("NOTIFY_SOCKET", path_);
    }
    ~NotifySocket() {
        unset_environment("NOTIFY_SOCKET");
        if (fd_ >= 0) ::close(fd_);
        std::error_code ignored;
        fs::remove_all(folder_, ignored);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    [[nodiscard]] bool bound() const { return bound_; }

    // The next datagram, or nullopt when none comes within a generous bound (a hang guard,
    // not a timing assertion: sd_notify sends before it returns).
    [[nodiscard]] std::optional<std::string> next(int wait_ms = 5000) const {
        pollfd entry{fd_, POLLIN, 0};
        if (::poll(&entry, 1, wait_ms) != 1) return std::nullopt;
        std::array<char, 4096> buffer{};
        const ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (got < 0) return std::nullopt;
        return std::string(buffer.data(), static_cast<std::size_t>(got));
    }

  private:
    fs::path folder_;
    std::string path_;
    int fd_ = -1;
    bool bound_ = false;
};

TEST(ServiceNotifier, SendsEachStateInSystemdsWords) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    ServiceNotifier notifier;

    notifier.ready();
    EXPECT_EQ(socket.next(), "READY=1\nSTATUS=ready");
    notifier.status("campaign 7: 120 of 500 sent");
    EXPECT_EQ(socket.next(), "STATUS=campaign 7: 120 of 500 sent");
    notifier.watchdog();
    EXPECT_EQ(socket.next(), "WATCHDOG=1");
    notifier.stopping();
    EXPECT_EQ(socket.next(), "STOPPING=1");
    notifier.reloaded();
    EXPECT_EQ(socket.next(), "READY=1");
}

TEST(ServiceNotifier, StatusIsOneLine) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    ServiceNotifier notifier;
    notifier.status("draining\nsecond line\r");
    EXPECT_EQ(socket.next(), "STATUS=draining second line ");
}

TEST(ServiceNotifier, ReloadingCarriesTheMonotonicClock) {
    NotifySocket socket;
    ASSERT_TRUE(socket.bound());
    ServiceNotifier notifier;
    timespec before{};
    clock_gettime(CLOCK_MONOTONIC, &before);
    notifier.reloading();
    const auto message = socket.next();
    ASSERT_TRUE(message);
    const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
    ASSERT_EQ(message->rfind(prefix, 0), 0U) << *message;
    const auto usec = std::stoull(message->substr(prefix.size()));
    EXPECT_GE(usec, static_cast<unsigned long long>(before.tv_sec) * 1'000'000ULL);
}

TEST(ServiceNotifier, DoesNothingOutsideSystemd) {
    unset_environment("NOTIFY_SOCKET");
    ServiceNotifier notifier;
    notifier.ready();
    notifier.status("x");
    notifier.watchdog();
    notifier.stopping();
    notifier.reloading();
    notifier.reloaded();
    SUCCEED();
}

TEST(ServiceNotifier, WatchdogIntervalIsHalfOfWatchdogSec) {
    set_environment("WATCHDOG_USEC", "20000000");
    set_environment("WATCHDOG_PID", std::to_string(::getpid()));
    EXPECT_EQ(ServiceNotifier{}.watchdog_interval(), std::chrono::microseconds(10'000'000));

    // The watchdog belongs to another process (a child that inherited the environment).
    set_environment("WATCHDOG_PID", std::to_string(::getpid() + 1));
    EXPECT_EQ(ServiceNotifier{}.watchdog_interval(), std::nullopt);

    unset_environment("WATCHDOG_USEC");
    unset_environment("WATCHDOG_PID");
    EXPECT_EQ(ServiceNotifier{}.watchdog_interval(), std::nullopt);
}

bool blocked(int signal) {
    sigset_t mask;
    pthread_sigmask(SIG_BLOCK, nullptr, &mask);
    return sigismember(&mask, signal) == 1;
}

constexpr std::chrono::milliseconds hang_guard{5000};

TEST(SignalEvents, NoSignalIsNone) {
    SignalEvents events;
    EXPECT_GE(events.fd(), 0);
    EXPECT_EQ(events.wait(std::chrono::milliseconds(0)), ServiceSignal::none);
}

TEST(SignalEvents, TermAndIntStopHupReloads) {
    SignalEvents events;
    ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
    EXPECT_EQ(events.wait(hang_guard), ServiceSignal::reload);
    ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
    EXPECT_EQ(events.wait(hang_guard), ServiceSignal::stop);
    ASSERT_EQ(::kill(::getpid(), SIGINT), 0);
    EXPECT_EQ(events.wait(hang_guard), ServiceSignal::stop);
    EXPECT_EQ(events.wait(std::chrono::milliseconds(0)), ServiceSignal::none);
}

TEST(SignalEvents, ThreadsStartedLaterInheritTheMask) {
    SignalEvents events;
    bool blocked_in_thread = false;
    std::thread later([&] { blocked_in_thread = blocked(SIGTERM) && blocked(SIGHUP); });
    later.join();
    EXPECT_TRUE(blocked_in_thread);
}

TEST(SignalEvents, DestructorRestoresTheMaskAndSwallowsWhatWasNotRead) {
    ASSERT_FALSE(blocked(SIGTERM));
    {
        SignalEvents events;
        EXPECT_TRUE(blocked(SIGTERM));
        EXPECT_TRUE(blocked(SIGINT));
        EXPECT_TRUE(blocked(SIGHUP));
        // Unread when the events go: it must not kill this test once the mask is lifted.
        ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
    }
    EXPECT_FALSE(blocked(SIGTERM));
    EXPECT_FALSE(blocked(SIGINT));
    EXPECT_FALSE(blocked(SIGHUP));
}

TEST(RefuseRoot, RootNeedsAllowRoot) {
    EXPECT_NO_THROW(refuse_root("brevduva serve", true));
    if (::geteuid() != 0) {
        EXPECT_NO_THROW(refuse_root("brevduva serve", false));
        return;
    }
    try {
        refuse_root("brevduva serve", false);
        FAIL() << "root was let through";
    } catch (const CommandFailure& e) {
        EXPECT_EQ(e.exit_code(), exit_usage);
        const std::string message = e.what();
        EXPECT_EQ(message.rfind("brevduva serve refuses to run as root", 0), 0U) << message;
        EXPECT_NE(message.find("--allow-root"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace brevduva::app
