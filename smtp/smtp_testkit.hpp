// Test and benchmark support for the transport, never linked into brevduva: child processes
// for the real peers (aiosmtpd, smtp-sink, smtp-source, openssl), free loopback ports, a
// temporary folder, a self-signed certificate. Every wait is bounded; every child is stopped by
// its PID when its object goes away (SIGTERM, then SIGKILL), and closing its stdin tells
// well-behaved children (tests/tools/smtp_server.py) to stop on their own.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace brevduva::smtp::testkit {

class ChildProcess {
  public:
    // argv[0] is the program's path; no shell. stdout is read through read_line() when
    // capture_stdout is set, else inherited; stderr goes to `stderr_file` (or is inherited).
    explicit ChildProcess(const std::vector<std::string>& argv, bool capture_stdout = true,
                          const std::filesystem::path& stderr_file = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    [[nodiscard]] std::optional<std::string> read_line(std::chrono::milliseconds timeout);
    // Waits for the child to exit by itself; nullopt on timeout (it keeps running).
    [[nodiscard]] std::optional<int> wait(std::chrono::milliseconds timeout);
    // SIGTERM, up to 5 s, then SIGKILL; returns the wait status. Idempotent.
    int stop();
    [[nodiscard]] pid_t pid() const { return pid_; }
    // CPU the child used; valid once it has exited (after wait() or stop()).
    [[nodiscard]] const struct rusage& usage() const { return usage_; }

  private:
    bool reap(int options);

    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
    std::string buffered_;
    int status_ = 0;
    bool exited_ = false;
    struct rusage usage_ {};
};

// A port on 127.0.0.1 that nothing listens on right now.
[[nodiscard]] std::uint16_t free_port();
// Polls until a TCP connection to 127.0.0.1:port succeeds.
[[nodiscard]] bool wait_until_listening(std::uint16_t port, std::chrono::milliseconds timeout);

class TempFolder {
  public:
    TempFolder();
    ~TempFolder();
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

struct Certificate {
    std::filesystem::path cert;  // PEM, self-signed, also usable as the CA file
    std::filesystem::path key;
};

// A self-signed certificate for `host` (a DNS name in subjectAltName), made by openssl(1).
[[nodiscard]] Certificate make_certificate(const std::filesystem::path& folder,
                                           const std::string& name, const std::string& host);

[[nodiscard]] std::string read_file(const std::filesystem::path& path);
[[nodiscard]] bool running_as_root();

}  // namespace brevduva::smtp::testkit
