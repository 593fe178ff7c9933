// Child processes of brevduva_bench_dispatch: every contender, the sink and openssl run as
// children of the benchmark, each measured by wait4 and stopped by its PID, never by name.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench/bench_dispatch.hpp"
#include "smtp/smtp_testkit.hpp"

extern char** environ;

namespace brevduva::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace testkit = smtp::testkit;

double seconds_of(const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

pid_t spawn(const std::vector<std::string>& args, const fs::path& output,
            const std::vector<std::string>& extra_env) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
    for (const auto& e : extra_env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) ::dup2(null, STDIN_FILENO);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    return pid;
}

}  // namespace

Measured run_child(const ChildSpec& spec) {
    const auto started = Clock::now();
    const pid_t pid = spawn(spec.argv, spec.output, spec.extra_env);
    Measured m;
    int status = 0;
    rusage usage{};
    std::optional<Clock::time_point> terminated;
    // Polled rather than blocked on, so that a deadline can stop a long run; 2 ms of latency
    // is nothing against runs of seconds.
    while (::wait4(pid, &status, WNOHANG, &usage) == 0) {
        const auto now = Clock::now();
        if (spec.deadline.count() > 0 && !terminated && now - started >= spec.deadline) {
            ::kill(pid, SIGTERM);
            terminated = now;
            m.stopped_at_deadline = true;
        } else if (terminated && now - *terminated > 30s) {
            ::kill(pid, SIGKILL);
        }
        std::this_thread::sleep_for(2ms);
    }
    m.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    m.cpu_seconds = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
    m.peak_rss_kib = usage.ru_maxrss;
    m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return m;
}

Measured run_checked(const ChildSpec& spec) {
    const Measured m = run_child(spec);
    if (m.exit_code != 0 && !m.stopped_at_deadline) {
        std::string command;
        for (const auto& a : spec.argv) command += (command.empty() ? "" : " ") + a;
        throw std::runtime_error(command + " exited with " + std::to_string(m.exit_code) + ":\n" +
                                 read_text(spec.output));
    }
    return m;
}

Sink::Sink(const fs::path& counter_file)
    : counter_file_(counter_file), port_(testkit::free_port()) {
    std::vector<std::string> argv{"/usr/sbin/smtp-sink", "-c"};
    if (testkit::running_as_root()) argv.insert(argv.end(), {"-u", "nobody"});
    argv.insert(argv.end(), {"127.0.0.1:" + std::to_string(port_), "1000"});
    pid_ = spawn(argv, counter_file_, {});
    if (!testkit::wait_until_listening(port_, 10s)) {
        stop();
        throw std::runtime_error("smtp-sink did not listen:\n" + read_text(counter_file_));
    }
}

Sink::~Sink() { stop(); }

std::uint64_t Sink::stop() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    // -c rewrites one line per transaction: "sess=4 quit=4 mesg=85000\r".
    const std::string text = read_text(counter_file_);
    const auto at = text.rfind("mesg=");
    return at == std::string::npos ? 0 : std::strtoull(text.c_str() + at + 5, nullptr, 10);
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double per_second(std::uint64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

}  // namespace brevduva::bench
