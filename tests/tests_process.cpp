#include "tests/tests_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace brevduva::tests {
namespace {

[[noreturn]] void exec_child(const std::filesystem::path& program,
                             const std::vector<std::string>& args, const ProcessOptions& options,
                             int in_fd, int out_fd, int err_fd) {
    ::dup2(in_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    if (!options.working_directory.empty() && ::chdir(options.working_directory.c_str()) != 0) {
        ::_exit(126);
    }
    // In the child after fork(): the one thread there is this one.
    for (const auto& e : options.env) {
        ::putenv(const_cast<char*>(e.c_str()));  // NOLINT(concurrency-mt-unsafe)
    }
    if (options.as_nobody && ::geteuid() == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) {
            ::_exit(126);
        }
    }
    std::vector<char*> argv;
    std::string prog = program.string();
    argv.push_back(prog.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execve(prog.c_str(), argv.data(), environ);
    ::_exit(127);
}

}  // namespace

ProcessResult run_process(const std::filesystem::path& program,
                          const std::vector<std::string>& args, const ProcessOptions& options) {
    TempDir io;
    // A user dropped to nobody may not reach the build folder (a clone in root's home, mode
    // 0700): it runs a copy of the program from the world-readable temporary folder instead.
    std::filesystem::path runnable = program;
    if (options.as_nobody && ::geteuid() == 0) {
        runnable = io / program.filename();
        std::filesystem::copy_file(program, runnable);
        std::filesystem::permissions(
            runnable, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                          std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                          std::filesystem::perms::others_exec);
    }
    write_file(io / "in", options.stdin_text);
    const int in_fd = ::open((io / "in").c_str(), O_RDONLY | O_CLOEXEC);
    const int out_fd = ::open((io / "out").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    const int err_fd = ::open((io / "err").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) throw std::runtime_error("cannot open temp files");
    const pid_t pid = ::fork();
    if (pid == 0) exec_child(runnable, args, options, in_fd, out_fd, err_fd);
    ::close(in_fd);
    ::close(out_fd);
    ::close(err_fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ProcessResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = read_file(io / "out");
    result.err = read_file(io / "err");
    return result;
}

std::filesystem::path brevduva_binary() { return BREVDUVA_BINARY; }

ProcessResult run_brevduva(const std::vector<std::string>& args, const ProcessOptions& options) {
    return run_process(brevduva_binary(), args, options);
}

TempDir::TempDir() {
    std::random_device rd;
    const auto base = std::filesystem::temp_directory_path();
    do {
        path_ = base / ("brevduva-test-" + std::to_string(rd()) + std::to_string(rd()));
    } while (!std::filesystem::create_directory(path_));
    // World-accessible so that a child dropped to nobody can reach files the test put here.
    std::filesystem::permissions(path_, std::filesystem::perms::all);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& path, const std::string& contents) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace brevduva::tests
