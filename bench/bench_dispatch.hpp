// Shared by the parts of brevduva_bench_dispatch: measuring a child process (wall time, CPU and
// peak RSS from wait4), a counting smtp-sink child stopped by its PID, openssl's RSA signing rate,
// and the steps that prepare and run a Brevduva campaign with the real binary.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace brevduva::bench {

namespace fs = std::filesystem;

// One child process run to its end (or stopped at its deadline), measured by wait4.
struct Measured {
    double seconds = 0;
    double cpu_seconds = 0;  // user + system of the child and the children it waited for
    long peak_rss_kib = 0;   // the largest single process of that tree
    int exit_code = -1;      // -1: killed by a signal
    bool stopped_at_deadline = false;
};

struct ChildSpec {
    std::vector<std::string> argv;       // argv[0] is a path; no shell
    fs::path output;                     // stdout and stderr go here
    std::vector<std::string> extra_env;  // NAME=VALUE added to this process's environment
    // After this long the child gets SIGTERM (and SIGKILL 30 s later); zero: no deadline.
    std::chrono::seconds deadline{0};
};

[[nodiscard]] Measured run_child(const ChildSpec& spec);
// run_child, and an exception carrying the output when the child did not exit with 0.
Measured run_checked(const ChildSpec& spec);

// Postfix's smtp-sink on a free loopback port with -c, its counter written to a file; stopped by
// its PID when the object goes away or stop() is called.
class Sink {
  public:
    explicit Sink(const fs::path& counter_file);
    ~Sink();
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;
    [[nodiscard]] std::uint16_t port() const { return port_; }
    // Stops the sink and returns how many messages it accepted (the last "mesg=" of -c).
    std::uint64_t stop();

  private:
    fs::path counter_file_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

[[nodiscard]] std::string read_text(const fs::path& path);
[[nodiscard]] double per_second(std::uint64_t count, double seconds);

// The Brevduva side: one working folder holding the generated contacts, the secrets, a DKIM
// key, the migrated and imported base database, and a configuration per run.
struct BrevduvaRun {
    std::string label;
    Measured queue;
    Measured worker;
    std::uint64_t received = 0;  // by the sink
    std::string states;          // deliveries by state, from the database
    std::string note;
};

class BrevduvaBench {
  public:
    BrevduvaBench(fs::path binary, fs::path source_dir, fs::path folder);

    // Whether this build has `campaign` and `worker`; else why not.
    [[nodiscard]] std::optional<std::string> missing_commands() const;
    // db migrate + contacts import of `csv` into a database named `name` in the folder.
    Measured prepare_database(const std::string& name, const fs::path& csv);
    // The exact message one contact would get, as smtp-source wants it (LF lines).
    void write_preview(const std::string& database, const std::string& email, const fs::path& out);
    // Creates and queues a campaign to `list` in a copy of `database`, then runs the worker
    // into a fresh sink until idle, or until `deadline` when it is not zero.
    BrevduvaRun run_campaign(const std::string& label, const std::string& database, bool dkim,
                             std::chrono::seconds deadline = std::chrono::seconds{0});

  private:
    fs::path write_config(const std::string& name, const std::string& database, std::uint16_t port,
                          bool dkim) const;
    [[nodiscard]] std::vector<std::string> command(const fs::path& config,
                                                   std::vector<std::string> args) const;

    fs::path binary_;
    fs::path source_dir_;
    fs::path folder_;
};

}  // namespace brevduva::bench
