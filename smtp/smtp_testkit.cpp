#include "smtp/smtp_testkit.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace brevduva::smtp::testkit {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::generic_category().message(errno));
}

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// Runs in the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const std::vector<char*>& args, int in_fd, int out_fd, int err_fd) {
    if (in_fd >= 0) dup2(in_fd, STDIN_FILENO);
    if (out_fd >= 0) dup2(out_fd, STDOUT_FILENO);
    if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, bool capture_stdout,
                           const std::filesystem::path& stderr_file) {
    int in_pipe[2];
    int out_pipe[2] = {-1, -1};
    if (pipe2(in_pipe, O_CLOEXEC) != 0) fail("pipe");
    if (capture_stdout && pipe2(out_pipe, O_CLOEXEC) != 0) fail("pipe");
    int err_fd = -1;
    if (!stderr_file.empty()) {
        err_fd = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (err_fd < 0) fail("open " + stderr_file.string());
    }
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    args.reserve(copy.size() + 1);
    for (auto& arg : copy) args.push_back(arg.data());
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) fail("fork");
    if (pid_ == 0) exec_child(args, in_pipe[0], out_pipe[1], err_fd);
    close(in_pipe[0]);
    stdin_fd_ = in_pipe[1];
    if (capture_stdout) {
        close(out_pipe[1]);
        stdout_fd_ = out_pipe[0];
    }
    if (err_fd >= 0) close(err_fd);
}

ChildProcess::~ChildProcess() {
    stop();
    if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::optional<std::string> ChildProcess::read_line(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        if (const auto end = buffered_.find('\n'); end != std::string::npos) {
            std::string line = buffered_.substr(0, end);
            buffered_.erase(0, end + 1);
            return line;
        }
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (stdout_fd_ < 0 || left.count() <= 0) return std::nullopt;
        pollfd p{stdout_fd_, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char chunk[4096];
        const ssize_t n = read(stdout_fd_, chunk, sizeof chunk);
        if (n <= 0) return std::nullopt;
        buffered_.append(chunk, static_cast<std::size_t>(n));
    }
}

bool ChildProcess::reap(int options) {
    if (exited_) return true;
    const pid_t done = wait4(pid_, &status_, options, &usage_);
    if (done == pid_) exited_ = true;
    return exited_;
}

std::optional<int> ChildProcess::wait(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!reap(WNOHANG)) {
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(milliseconds(5));
    }
    return status_;
}

int ChildProcess::stop() {
    if (pid_ <= 0) return status_;
    if (stdin_fd_ >= 0) {
        close(stdin_fd_);
        stdin_fd_ = -1;
    }
    if (!exited_) {
        kill(pid_, SIGTERM);
        if (!wait(milliseconds(5000))) {
            kill(pid_, SIGKILL);
            reap(0);
        }
    }
    return status_;
}

std::uint16_t free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        close(fd);
        fail("bind");
    }
    close(fd);
    return ntohs(address.sin_port);
}

bool wait_until_listening(std::uint16_t port, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address = loopback(port);
        const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        close(fd);
        if (ok) return true;
        std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
}

TempFolder::TempFolder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "brevduva-smtp-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) fail("mkdtemp");
    path_ = pattern;
}

TempFolder::~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

Certificate make_certificate(const std::filesystem::path& folder, const std::string& name,
                             const std::string& host) {
    Certificate made{folder / (name + ".pem"), folder / (name + ".key")};
    ChildProcess openssl(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + host, "-addext",
         "subjectAltName=DNS:" + host, "-keyout", made.key.string(), "-out", made.cert.string()},
        false, folder / "openssl.log");
    const auto status = openssl.wait(milliseconds(30000));
    if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
        throw std::runtime_error("openssl could not make a certificate for " + host);
    }
    return made;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

bool running_as_root() { return geteuid() == 0; }

}  // namespace brevduva::smtp::testkit
