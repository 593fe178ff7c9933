// brevduva_bench_dispatch: end-to-end messages per second of a Brevduva campaign into Postfix's
// smtp-sink on loopback (consent gate, rendering, MIME, rsa-sha256 DKIM, outcomes persisted:
// `brevduva worker --until-idle` with the real binary), side by side in the same run with
//   - smtp-source sending the same number of Brevduva-like messages over as many sessions as
//     Brevduva's relay has connections (4): the loopback limit;
//   - bench/peers/python_smtplib_jinja2.py (4 processes) and bench/peers/node_nodemailer.js (a
//     pool of 16): what a user might script instead, without consent or state, once unsigned
//     (compared with the unsigned run) and once signing rsa-sha256 with the same key
//     (compared with the signed run);
//   - `openssl speed -multi 1 rsa2048`, what one core signs: the DKIM run's yardstick (the
//     worker signs on every core, which it shares with the sink);
// then without DKIM, and a 1,000,000-recipient campaign for peak RSS. Every contender is a
// child measured by wait4 (wall time, user+system CPU, peak RSS) against a fresh smtp-sink
// child that counts what it received. A program, not a test: it prints figures, ratios and
// PASS or MISS against the goals, and never fails on them.
// Usage: brevduva_bench_dispatch [--recipients N] [--quick] [--peer-messages N] [--million N]
// [--million-seconds S] [--keep] [--brevduva PATH]
#include "bench/bench_dispatch.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "bench/bench_openssl.hpp"

namespace brevduva::bench {
namespace {

using namespace std::chrono_literals;

constexpr int kSessions = 4;
constexpr double kGoalSourceRatio = 0.5;
constexpr double kGoalPeerRatio = 10.0;
constexpr double kGoalOpensslRatio = 0.5;
constexpr double kGoalRssMb = 150.0;

struct Options {
    std::uint64_t recipients = 100'000;
    std::uint64_t peer_messages = 0;  // 0: min(recipients, 20,000)
    std::uint64_t million = 1'000'000;
    int million_seconds = 600;
    int openssl_seconds = 5;
    bool keep = false;
    fs::path brevduva = BREVDUVA_BINARY;
};

struct Row {
    std::string name;
    std::uint64_t messages = 0;
    Measured m;
    std::string note;
    [[nodiscard]] double rate() const { return per_second(messages, m.seconds); }
};

// One contact per row: Swedish names with å, ä and ö, a few hundred organisations, all on one
// list; one in ten has withdrawn consent to product_marketing and one in twenty never gave it,
// so the gate has work. Returns how many may be mailed.
std::uint64_t generate(const fs::path& path, std::uint64_t rows) {
    static const char* const first[] = {"Åsa",  "Örjan", "Anna", "Per",  "Märta",
                                        "Lars", "Göran", "Eva",  "Ulla", "Björn"};
    static const char* const last[] = {"Öberg", "Ängström", "Lind", "Svensson", "Åkesson", "Berg"};
    std::ofstream out(path, std::ios::binary);
    out << "email,name,organisation,lists,consent:product_marketing,consent_at\n";
    std::uint64_t eligible = 0;
    std::string line;
    for (std::uint64_t i = 0; i < rows; ++i) {
        const char* consent = i % 10 == 0 ? "withdrawn" : i % 20 == 5 ? "" : "granted";
        if (consent[0] == 'g') ++eligible;
        line.clear();
        fmt::format_to(std::back_inserter(line),
                       "kontakt.{0}@kund{1}.se,{2} {3},Kund {1} AB,news,{4},"
                       "2025-{5:02}-{6:02}T10:00:00Z\n",
                       i, i % 397, first[i % 10], last[i % 6], consent, 6 + i % 6, 1 + i % 28);
        out << line;
    }
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
    return eligible;
}

// node_modules for the nodemailer peer, from the npm registry, once per build folder: again
// only when bench/peers/package.json changed.
fs::path install_nodemailer(const fs::path& folder) {
    const fs::path wanted = fs::path(BREVDUVA_SOURCE_DIR) / "bench/peers/package.json";
    const fs::path installed = folder / "package.json";
    fs::create_directories(folder);
    if (!fs::exists(folder / "node_modules/nodemailer/package.json") ||
        read_text(installed) != read_text(wanted)) {
        fmt::print("installing nodemailer from the npm registry into {} ...\n", folder.string());
        (void)std::fflush(stdout);
        fs::copy_file(wanted, installed, fs::copy_options::overwrite_existing);
        (void)run_checked({{"/usr/bin/npm", "install", "--omit=dev", "--no-audit", "--no-fund",
                            "--prefix", folder.string()},
                           folder / "npm.out",
                           {}});
    }
    return folder / "node_modules";
}

Row run_smtp_source(const fs::path& dir, const fs::path& message, std::uint64_t count) {
    Sink sink(dir / "source.sink.out");
    Row row{fmt::format("smtp-source -s {}", kSessions), 0, {}, {}};
    row.m = run_child(
        {{"/usr/sbin/smtp-source", "-d", "-s", std::to_string(kSessions), "-m",
          std::to_string(count), "-F", message.string(), "-f", "bounces@bounces.example.se", "-t",
          "kontakt.1@kund1.se", "127.0.0.1:" + std::to_string(sink.port())},
         dir / "source.out",
         {}});
    row.messages = sink.stop();
    if (row.m.exit_code != 0) row.note = "exit " + std::to_string(row.m.exit_code);
    return row;
}

Row run_peer(const std::string& name, std::vector<std::string> argv, const fs::path& output,
             const std::vector<std::string>& env, const fs::path& sink_out) {
    Sink sink(sink_out);
    argv.insert(argv.end(), {"--port", std::to_string(sink.port())});
    Row row{name, 0, run_child({argv, output, env}), {}};
    row.messages = sink.stop();
    if (row.m.exit_code != 0) {
        row.note = "exit " + std::to_string(row.m.exit_code) + ", see " + output.string();
    }
    return row;
}

void print_row(const Row& row) {
    const double per_thousand =
        row.messages > 0 ? row.m.cpu_seconds / static_cast<double>(row.messages) * 1000 : 0;
    fmt::print("{:<34} {:>9} {:>8.2f} {:>9.0f} {:>10.3f} {:>9.1f}  {}\n", row.name, row.messages,
               row.m.seconds, row.rate(), per_thousand,
               static_cast<double>(row.m.peak_rss_kib) / 1024.0, row.note);
    (void)std::fflush(stdout);
}

void print_goal(const std::string& what, double value, double goal, const std::string& unit,
                bool below = false) {
    const bool pass = below ? value < goal : value >= goal;
    fmt::print("  {:<58} {:>7.2f}{:<3}  goal {:>2} {:>3}{:<3}  {}\n", what, value, unit,
               below ? "<" : ">=", goal, unit, pass ? "PASS" : "MISS");
}

Options parse(int argc, char** argv) {
    Options o;
    bool peers_given = false;
    bool million_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--recipients" && has_value) {
            o.recipients = std::stoull(argv[++i]);
        } else if (a == "--quick") {
            o.recipients = 10'000;
            o.openssl_seconds = 3;
            if (!peers_given) o.peer_messages = 2'000;
            if (!million_given) o.million = 0;
        } else if (a == "--peer-messages" && has_value) {
            o.peer_messages = std::stoull(argv[++i]);
            peers_given = true;
        } else if (a == "--million" && has_value) {
            o.million = std::stoull(argv[++i]);
            million_given = true;
        } else if (a == "--million-seconds" && has_value) {
            o.million_seconds = std::stoi(argv[++i]);
        } else if (a == "--keep") {
            o.keep = true;
        } else if (a == "--brevduva" && has_value) {
            o.brevduva = argv[++i];
        } else {
            throw std::invalid_argument(
                "usage: brevduva_bench_dispatch [--recipients N] [--quick] [--peer-messages N] "
                "[--million N (0: skip)] [--million-seconds S] [--keep] [--brevduva PATH]");
        }
    }
    if (o.peer_messages == 0) o.peer_messages = std::min<std::uint64_t>(o.recipients, 20'000);
    return o;
}

Row from(const BrevduvaRun& run) {
    Row row{run.label, run.received, run.worker, run.note};
    if (!run.states.empty()) row.note += (row.note.empty() ? "" : "; ") + run.states;
    return row;
}

// Each peer unsigned, then signing with `dkim_key` (the key Brevduva signs with).
struct Peers {
    std::vector<Row> unsigned_rows;
    std::vector<Row> signed_rows;
};

struct Results {
    Row source;
    Peers peers;
    std::optional<BrevduvaRun> dkim;
    std::optional<BrevduvaRun> plain;
    std::optional<BrevduvaRun> million;
    double openssl = 0;  // sign/s
};

Peers run_peers(const Options& o, const fs::path& dir, const fs::path& csv,
                const fs::path& dkim_key) {
    const fs::path peers = fs::path(BREVDUVA_SOURCE_DIR) / "bench/peers";
    const std::string limit = std::to_string(o.peer_messages);
    const fs::path modules = install_nodemailer(BREVDUVA_BENCH_NODE_DIR);
    Peers out;
    for (const bool sign : {false, true}) {
        const std::vector<std::string> signing =
            sign ? std::vector<std::string>{"--dkim-key", dkim_key.string(), "--dkim-selector",
                                            "bench",      "--dkim-domain",   "example.se"}
                 : std::vector<std::string>{};
        const std::string suffix = sign ? "-dkim" : "";
        auto& rows = sign ? out.signed_rows : out.unsigned_rows;
        std::vector<std::string> python{"/usr/bin/python3",
                                        (peers / "python_smtplib_jinja2.py").string(),
                                        "--csv",
                                        csv.string(),
                                        "--processes",
                                        "4",
                                        "--limit",
                                        limit};
        python.insert(python.end(), signing.begin(), signing.end());
        rows.push_back(run_peer(
            sign ? "python smtplib+jinja2+dkimpy, 4 p." : "python smtplib+jinja2, 4 processes",
            python, dir / ("python" + suffix + ".out"), {},
            dir / ("python" + suffix + ".sink.out")));
        print_row(rows.back());
        std::vector<std::string> node{"/usr/bin/node", (peers / "node_nodemailer.js").string(),
                                      "--csv",         csv.string(),
                                      "--connections", "16",
                                      "--limit",       limit};
        node.insert(node.end(), signing.begin(), signing.end());
        rows.push_back(
            run_peer(sign ? "node nodemailer+dkim, pool of 16" : "node nodemailer, pool of 16",
                     node, dir / ("node" + suffix + ".out"), {"NODE_PATH=" + modules.string()},
                     dir / ("node" + suffix + ".sink.out")));
        print_row(rows.back());
    }
    return out;
}

void run_brevduva(const Options& o, BrevduvaBench& brevduva, const fs::path& dir, Results& r) {
    // openssl runs just before and just after the signing run and the mean is the baseline:
    // on a shared machine the load drifts.
    const double before = openssl_rsa2048_signs(o.openssl_seconds);
    r.dkim = brevduva.run_campaign("brevduva worker, rsa-sha256", "base", true);
    const double after = openssl_rsa2048_signs(o.openssl_seconds);
    r.openssl = (before + after) / 2;
    print_row(from(*r.dkim));
    fmt::print("{:<34} {:>9.0f} sign/s (before {:.0f}, after {:.0f})\n",
               "openssl speed -multi 1 rsa2048", r.openssl, before, after);
    print_row({"  its campaign queue", o.recipients, r.dkim->queue, {}});
    r.plain = brevduva.run_campaign("brevduva worker, no DKIM", "base", false);
    print_row(from(*r.plain));
    print_row({"  its campaign queue", o.recipients, r.plain->queue, {}});
    if (o.million == 0) return;
    const fs::path big = dir / "million.csv";
    (void)generate(big, o.million);
    const Measured imported = brevduva.prepare_database("million", big);
    fmt::print("{} contacts imported in {:.1f} s\n", o.million, imported.seconds);
    r.million = brevduva.run_campaign(fmt::format("brevduva worker, {}, no DKIM", o.million),
                                      "million", false, std::chrono::seconds(o.million_seconds));
    print_row(from(*r.million));
    print_row({"  its campaign queue", o.million, r.million->queue, {}});
}

// The faster of two peers, and its first word for the goal lines.
const Row& faster(const std::vector<Row>& rows) {
    return rows[0].rate() >= rows[1].rate() ? rows[0] : rows[1];
}
std::string short_name(const Row& row) { return row.name.substr(0, row.name.find(' ')); }

void print_goals(const Options& o, const Results& r) {
    const Row& peer = faster(r.peers.unsigned_rows);
    const Row& signing_peer = faster(r.peers.signed_rows);
    fmt::print("\ngoals (ratios of messages/s measured above):\n");
    if (r.plain) {
        const double rate = per_second(r.plain->received, r.plain->worker.seconds);
        print_goal("no DKIM vs smtp-source at 4 sessions", rate / r.source.rate(), kGoalSourceRatio,
                   "x");
        print_goal("no DKIM vs the faster unsigned peer (" + short_name(peer) + ")",
                   rate / peer.rate(), kGoalPeerRatio, "x");
    }
    if (r.dkim) {
        const double rate = per_second(r.dkim->received, r.dkim->worker.seconds);
        print_goal("rsa-sha256 vs the faster signing peer (" + short_name(signing_peer) + ")",
                   rate / signing_peer.rate(), kGoalPeerRatio, "x");
        print_goal(fmt::format("rsa-sha256 vs openssl -multi 1 rsa2048 ({:.0f} sign/s)", r.openssl),
                   r.openssl > 0 ? rate / r.openssl : 0, kGoalOpensslRatio, "x");
        fmt::print("  {:<58} {:>7.2f}x  (signed against unsigned: no goal)\n",
                   "rsa-sha256 vs the faster unsigned peer (" + short_name(peer) + ")",
                   rate / peer.rate());
    }
    if (r.million) {
        const auto mb = [](const Measured& m) {
            return static_cast<double>(m.peak_rss_kib) / 1024;
        };
        print_goal(fmt::format("{} recipients: campaign queue peak RSS", o.million),
                   mb(r.million->queue), kGoalRssMb, " MB", true);
        print_goal(fmt::format("{} recipients: worker peak RSS", o.million), mb(r.million->worker),
                   kGoalRssMb, " MB", true);
        fmt::print("  (the worker {})\n",
                   r.million->worker.stopped_at_deadline
                       ? fmt::format("sent the first {} messages and was stopped at {} s",
                                     r.million->received, o.million_seconds)
                       : fmt::format("sent the whole campaign, {} messages", r.million->received));
    }
}

int run(const Options& o) {
    std::string pattern = (fs::temp_directory_path() / "brevduva-bench-dispatch-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    const fs::path dir = pattern;
    const fs::path csv = dir / "contacts.csv";
    const std::uint64_t eligible = generate(csv, o.recipients);
    fmt::print(
        "brevduva_bench_dispatch: {} recipients ({} with consent), peers send the first {}; "
        "{} cores; working folder {}\n",
        o.recipients, eligible, o.peer_messages, std::thread::hardware_concurrency(), dir.string());
    (void)std::fflush(stdout);

    // A private copy: a rebuild of the binary during the run must not mix two versions.
    const fs::path binary = dir / "brevduva";
    if (fs::exists(o.brevduva)) fs::copy_file(o.brevduva, binary);
    BrevduvaBench brevduva(binary, BREVDUVA_SOURCE_DIR, dir);
    const auto missing = brevduva.missing_commands();
    const Measured import = brevduva.prepare_database("base", csv);
    const fs::path message = dir / "message.eml";
    brevduva.write_preview("base", "kontakt.1@kund1.se", message);
    fmt::print("contacts import: {:.1f} s; message for smtp-source: Brevduva's, {} bytes\n\n",
               import.seconds, fs::file_size(message));
    fmt::print("{:<34} {:>9} {:>8} {:>9} {:>10} {:>9}  {}\n", "contender", "messages", "wall s",
               "msg/s", "CPU s/1000", "RSS MB", "note");

    Results results;
    results.source = run_smtp_source(dir, message, eligible);
    print_row(results.source);
    results.peers = run_peers(o, dir, csv, dir / "dkim-rsa.pem");
    if (missing) {
        fmt::print("brevduva: skipped, {}\n", *missing);
    } else {
        run_brevduva(o, brevduva, dir, results);
    }
    fmt::print(
        "\nCPU s/1000: user+system per 1,000 messages received, of the sender's whole process "
        "tree; RSS: the largest single process (Python runs 4 of them).\n");
    print_goals(o, results);
    if (o.keep) {
        fmt::print("kept {}\n", dir.string());
    } else {
        fs::remove_all(dir);
    }
    return 0;
}

}  // namespace
}  // namespace brevduva::bench

int main(int argc, char** argv) {
    try {
        return brevduva::bench::run(brevduva::bench::parse(argc, argv));
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "brevduva_bench_dispatch: %s\n", e.what());
        return 1;
    }
}
