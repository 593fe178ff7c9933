// Test-only support for the MIME and DKIM tests: a private temporary folder and a way to run
// the independent Python oracles under tests/tools/ with Debian's own /usr/bin/python3 (the
// interpreter that sees python3-dkim and the standard email package as Debian ships them).
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace brevduva::templates::testkit {

class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "brevduva-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path operator/(std::string_view name) const {
        return path_ / name;
    }

  private:
    std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& file, std::string_view bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

inline std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline std::string shell_quote(std::string_view arg) {
    std::string quoted = "'";
    for (const char c : arg) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

struct ToolRun {
    int exit_code = -1;
    std::string output;  // stdout
    std::string errors;  // stderr, for failure messages
};

// Runs tests/tools/<script> with the given arguments; its output is captured through files in
// `scratch` so nothing depends on pipes or the test's own stdout.
inline ToolRun run_python_tool(const TempDir& scratch, std::string_view script,
                               const std::vector<std::string>& args) {
    const std::filesystem::path tool =
        std::filesystem::path(BREVDUVA_SOURCE_DIR) / "tests" / "tools" / script;
    const std::filesystem::path log = scratch / "tool-stdout.txt";
    const std::filesystem::path err = scratch / "tool-stderr.txt";
    std::string command = "/usr/bin/python3 " + shell_quote(tool.string());
    for (const std::string& arg : args) command += " " + shell_quote(arg);
    command += " >" + shell_quote(log.string()) + " 2>" + shell_quote(err.string());
    // Every argument is quoted by shell_quote(); the shell only redirects the tool's output.
    const int status = std::system(command.c_str());  // NOLINT(cert-env33-c)
    ToolRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.output = read_file(log);
    run.errors = read_file(err);
    return run;
}

}  // namespace brevduva::templates::testkit
