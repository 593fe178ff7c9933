// Runs the real brevduva binary (or another program) as a child process for end-to-end tests:
// arguments passed without a shell, stdout and stderr captured whole, the exit code returned.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace brevduva::tests {

struct ProcessResult {
    int exit_code = -1;  // -1 when killed by a signal
    std::string out;
    std::string err;
};

struct ProcessOptions {
    std::vector<std::string> env;             // extra NAME=value entries
    std::filesystem::path working_directory;  // empty: inherit
    bool as_nobody = false;  // drop to uid/gid 65534 (for permission tests as root)
    std::string stdin_text;
};

[[nodiscard]] ProcessResult run_process(const std::filesystem::path& program,
                                        const std::vector<std::string>& args,
                                        const ProcessOptions& options = {});

// The brevduva binary under test, and a run of it.
[[nodiscard]] std::filesystem::path brevduva_binary();
[[nodiscard]] ProcessResult run_brevduva(const std::vector<std::string>& args,
                                         const ProcessOptions& options = {});

// A fresh, empty folder removed when the object goes away.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
        return path_ / name;
    }

  private:
    std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& contents);
[[nodiscard]] std::string read_file(const std::filesystem::path& path);

}  // namespace brevduva::tests
