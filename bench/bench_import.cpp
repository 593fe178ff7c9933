// brevduva_bench_import: how fast `brevduva contacts import` stores generated contacts with
// consent columns, beside `sqlite3 .import` of the same CSV into a plain table of a fresh
// database, both measured in this run on this machine: wall time and the child's peak RSS
// (wait4's ru_maxrss). A program, not a test: it prints figures and goals, it never fails on
// them. Usage: brevduva_bench_import [--rows N] [--batch N] [--keep] [--brevduva PATH]
// [--sqlite3 PATH]
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Options {
    std::size_t rows = 1'000'000;
    std::string batch;  // empty: the command's default
    bool keep = false;
    std::string brevduva = BREVDUVA_BINARY;
    std::string sqlite3 = "/usr/bin/sqlite3";
};

struct Measured {
    double seconds = 0;
    double cpu_seconds = 0;  // user + system: steadier than wall time on a shared machine
    long peak_rss_kib = 0;
    int exit_code = -1;
};

// One contact per row, about 160 bytes: every column an import of a CRM export would carry,
// a quoted two-line postal address, and consent for two purposes at distinct times.
void generate(const fs::path& path, std::size_t rows) {
    std::ofstream out(path, std::ios::binary);
    out << "email,name,phone,organisation,address,locale,lists,consent:product_marketing,"
           "consent:open_tracking,consent_at,consent_source,consent_evidence\n";
    std::string line;
    for (std::size_t i = 0; i < rows; ++i) {
        line.clear();
        fmt::format_to(std::back_inserter(line),
                       "person.{0}@example{1}.se,Person {0},+46 8 {0:07},Org {2} AB,"
                       "\"Storgatan {3}\n1{4} 22 Stockholm\",{5},news|{6},{7},{8},"
                       "2024-{9:02}-{10:02}T{11:02}:{12:02}:00Z,web form,checkbox v3\n",
                       i, i % 100, i % 1000, i % 90, i % 10, i % 3 == 0 ? "en" : "sv",
                       i % 2 == 0 ? "events" : "webinars", i % 4 == 0 ? "withdrawn" : "granted",
                       i % 2 == 0 ? "granted" : "", 1 + i % 12, 1 + i % 28, i % 24, i % 60);
        out << line;
    }
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

Measured measure(const std::vector<std::string>& args, const fs::path& output) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const auto started = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::execve(argv[0], argv.data(), environ);
        ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    Measured m;
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    m.peak_rss_kib = usage.ru_maxrss;
    const auto cpu = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    m.cpu_seconds = cpu(usage.ru_utime) + cpu(usage.ru_stime);
    m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return m;
}

std::string contents(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path write_config(const fs::path& dir) {
    std::ofstream(dir / "secret") << "bench-secret-bench-secret-bench-secret-0123456789\n";
    fs::path config = dir / "config.yaml";
    std::ofstream(config) << "database:\n  sqlite_path: " << (dir / "brevduva.db").string()
                          << "\nsender:\n  from_address: news@example.se\n"
                             "  bounce_domain: bounces.example.se\n"
                             "public:\n  base_url: https://mail.example.se\n"
                             "  token_secret_file: secret\n"
                             "consent:\n  suppression_secret_file: secret\n";
    return config;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--rows" && has_value) {
            o.rows = std::stoul(argv[++i]);
        } else if (a == "--batch" && has_value) {
            o.batch = argv[++i];
        } else if (a == "--keep") {
            o.keep = true;
        } else if (a == "--brevduva" && has_value) {
            o.brevduva = argv[++i];
        } else if (a == "--sqlite3" && has_value) {
            o.sqlite3 = argv[++i];
        } else {
            throw std::invalid_argument(
                "usage: brevduva_bench_import [--rows N] [--batch N] [--keep] "
                "[--brevduva PATH] [--sqlite3 PATH]");
        }
    }
    return o;
}

void report(const Options& o, const Measured& ours, const Measured& raw, std::uintmax_t bytes) {
    const auto rate = [&](const Measured& m) { return static_cast<double>(o.rows) / m.seconds; };
    const double ratio = ours.seconds / raw.seconds;
    const double peak_mb = static_cast<double>(ours.peak_rss_kib) / 1024.0;
    fmt::print("rows: {}, CSV {:.1f} MB, batch {}\n", o.rows, static_cast<double>(bytes) / 1e6,
               o.batch.empty() ? "the command's default" : o.batch);
    fmt::print(
        "brevduva contacts import: {:8.2f} s {:10.0f} rows/s  cpu {:7.2f} s  peak RSS {:6.1f} "
        "MB\n",
        ours.seconds, rate(ours), ours.cpu_seconds, peak_mb);
    fmt::print(
        "sqlite3 .import (raw):    {:8.2f} s {:10.0f} rows/s  cpu {:7.2f} s  peak RSS {:6.1f} "
        "MB\n",
        raw.seconds, rate(raw), raw.cpu_seconds, static_cast<double>(raw.peak_rss_kib) / 1024.0);
    fmt::print("ratio (import time / raw time): {:.2f}x wall, {:.2f}x cpu\n", ratio,
               ours.cpu_seconds / raw.cpu_seconds);
    fmt::print("goal: within 3x of raw import ... {} ({:.2f}x)\n", ratio <= 3.0 ? "PASS" : "MISS",
               ratio);
    fmt::print("goal: peak RSS under 200 MB ...... {} ({:.1f} MB)\n",
               peak_mb < 200.0 ? "PASS" : "MISS", peak_mb);
}

int run(const Options& o) {
    std::string pattern = (fs::temp_directory_path() / "brevduva-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    const fs::path dir = pattern;
    const fs::path csv = dir / "contacts.csv";
    fmt::print("generating {} contacts in {} ...\n", o.rows, csv.string());
    (void)std::fflush(stdout);
    generate(csv, o.rows);
    const fs::path config = write_config(dir);
    const auto migrated =
        measure({o.brevduva, "--config", config.string(), "db", "migrate"}, dir / "migrate.out");
    if (migrated.exit_code != 0) throw std::runtime_error(contents(dir / "migrate.out"));

    std::vector<std::string> import{o.brevduva, "--config", config.string(),
                                    "contacts", "import",   csv.string()};
    if (!o.batch.empty()) import.insert(import.end(), {"--batch", o.batch});
    const auto ours = measure(import, dir / "import.out");
    fmt::print("{}", contents(dir / "import.out"));
    const auto raw =
        measure({o.sqlite3, (dir / "raw.db").string(), ".import --csv " + csv.string() + " t"},
                dir / "raw.out");
    if (ours.exit_code != 0 || raw.exit_code != 0) {
        fmt::print(stderr, "a run failed: import exit {}, sqlite3 exit {}\n{}", ours.exit_code,
                   raw.exit_code, contents(dir / "raw.out"));
        return 1;
    }
    report(o, ours, raw, fs::file_size(csv));
    if (o.keep) {
        fmt::print("kept {}\n", dir.string());
    } else {
        fs::remove_all(dir);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse(argc, argv));
    } catch (const std::exception& e) {
        fmt::print(stderr, "brevduva_bench_import: {}\n", e.what());
        return 1;
    }
}
