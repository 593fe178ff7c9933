// The Brevduva half of brevduva_bench_dispatch: everything goes through the real binary, as an
// operator would run it (db migrate, contacts import, dkim keygen, campaign create and queue,
// worker --until-idle), each step a measured child process with its own output file.
#include <fstream>
#include <regex>
#include <stdexcept>

#include "bench/bench_dispatch.hpp"
#include "smtp/smtp_testkit.hpp"

namespace brevduva::bench {
namespace {

constexpr const char* kList = "news";

void copy_database(const fs::path& from, const fs::path& to) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const fs::path source = from.string() + suffix;
        const fs::path target = to.string() + suffix;
        fs::remove(target);
        if (fs::exists(source)) fs::copy_file(source, target);
    }
}

std::string one_line(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    for (char& c : text) {
        if (c == '\n') c = ',';
        if (c == '|') c = '=';
    }
    return text;
}

}  // namespace

BrevduvaBench::BrevduvaBench(fs::path binary, fs::path source_dir, fs::path folder)
    : binary_(std::move(binary)), source_dir_(std::move(source_dir)), folder_(std::move(folder)) {}

std::optional<std::string> BrevduvaBench::missing_commands() const {
    if (!fs::exists(binary_)) return binary_.string() + " does not exist";
    for (const char* name : {"campaign", "worker"}) {
        const auto m = run_child({{binary_.string(), name, "--help"}, folder_ / "help.out", {}});
        if (m.exit_code != 0) {
            return binary_.string() + " has no '" + name + "' command yet";
        }
    }
    return std::nullopt;
}

fs::path BrevduvaBench::write_config(const std::string& name, const std::string& database,
                                     std::uint16_t port, bool dkim) const {
    fs::path config = folder_ / (name + ".yaml");
    std::ofstream out(config);
    out << "database:\n  sqlite_path: " << database
        << "\nsender:\n  from_address: news@example.se\n"
           "  from_name: \"Exempelföretaget – Nyheter\"\n"
           "  bounce_domain: bounces.example.se\n"
           "relays:\n  - host: 127.0.0.1\n    port: "
        << port
        << "\n    tls: none\n    connections: 4\n    ehlo_name: bench.example.se\n"
           "public:\n  base_url: https://mail.example.se\n"
           "  token_secret_file: token-secret\n"
           "consent:\n  suppression_secret_file: suppression-secret\n"
           "sending:\n  global_rate: 0\n"
           "logging:\n  level: warn\n";
    if (dkim) {
        out << "dkim:\n  domain: example.se\n  selector: bench\n  rsa_key_file: dkim-rsa.pem\n";
    }
    if (!out.flush()) throw std::runtime_error("cannot write " + config.string());
    return config;
}

std::vector<std::string> BrevduvaBench::command(const fs::path& config,
                                                std::vector<std::string> args) const {
    args.insert(args.begin(), {binary_.string(), "--config", config.string()});
    return args;
}

Measured BrevduvaBench::prepare_database(const std::string& name, const fs::path& csv) {
    std::ofstream(folder_ / "token-secret") << "bench-token-secret-0123456789-0123456789-abcdef\n";
    std::ofstream(folder_ / "suppression-secret") << "bench-suppression-secret-0123456789-abcdef\n";
    if (!fs::exists(folder_ / "dkim-rsa.pem")) {
        (void)run_checked({{binary_.string(), "dkim", "keygen", "--domain", "example.se",
                            "--selector", "bench", "--out", (folder_ / "dkim-rsa.pem").string()},
                           folder_ / "keygen.out",
                           {}});
    }
    // The relay is never contacted: these steps do not send, so port 25 is only a valid value.
    const fs::path config = write_config(name, name + ".db", 25, true);
    (void)run_checked({command(config, {"db", "migrate"}), folder_ / (name + ".migrate.out"), {}});
    return run_checked({command(config, {"contacts", "import", "--batch", "10000", csv.string()}),
                        folder_ / (name + ".import.out"),
                        {}});
}

void BrevduvaBench::write_preview(const std::string& database, const std::string& email,
                                  const fs::path& out) {
    const fs::path config = write_config("preview", database + ".db", 25, true);
    const fs::path crlf = folder_ / "preview.eml";
    (void)run_checked({command(config, {"template", "preview",
                                        (source_dir_ / "templates/examples/nyhetsbrev").string(),
                                        "--contact", email, "--out", crlf.string()}),
                       folder_ / "preview.out",
                       {}});
    std::string text = read_text(crlf);
    std::erase(text, '\r');  // smtp-source wants LF lines and adds the CR itself
    std::ofstream(out, std::ios::binary) << text;
}

BrevduvaRun BrevduvaBench::run_campaign(const std::string& label, const std::string& database,
                                        bool dkim, std::chrono::seconds deadline) {
    BrevduvaRun run;
    run.label = label;
    const std::string name = "run-" + database + (dkim ? "-dkim" : "-plain");
    copy_database(folder_ / (database + ".db"), folder_ / (name + ".db"));
    Sink sink(folder_ / (name + ".sink.out"));
    const fs::path config = write_config(name, name + ".db", sink.port(), dkim);

    const fs::path created = folder_ / (name + ".create.out");
    (void)run_checked({command(config, {"campaign", "create", "--name", "Bench " + name,
                                        "--purpose", "product_marketing", "--template",
                                        (source_dir_ / "templates/examples/nyhetsbrev").string(),
                                        "--list", kList}),
                       created,
                       {}});
    std::smatch id;
    const std::string text = read_text(created);
    if (!std::regex_search(text, id, std::regex(R"(campaign\D{0,3}(\d+))"))) {
        throw std::runtime_error("no campaign id in: " + text);
    }
    run.queue = run_checked(
        {command(config, {"campaign", "queue", id[1].str()}), folder_ / (name + ".queue.out"), {}});

    std::vector<std::string> worker{"worker", "--until-idle"};
    if (smtp::testkit::running_as_root()) worker.push_back("--allow-root");
    const fs::path worker_out = folder_ / (name + ".worker.out");
    run.worker = run_child({command(config, worker), worker_out, {}, deadline});
    run.received = sink.stop();
    if (run.worker.stopped_at_deadline) {
        run.note = "stopped after " + std::to_string(deadline.count()) + " s";
    } else if (run.worker.exit_code != 0) {
        run.note =
            "worker exit " + std::to_string(run.worker.exit_code) + ", see " + worker_out.string();
    }
    (void)run_child({command(config, {"campaign", "status", id[1].str()}),
                     folder_ / (name + ".status.out"),
                     {}});
    const fs::path states = folder_ / (name + ".states.out");
    (void)run_child({{"/usr/bin/sqlite3", (folder_ / (name + ".db")).string(),
                      "SELECT state, count(*) FROM deliveries GROUP BY state ORDER BY state"},
                     states,
                     {}});
    run.states = one_line(read_text(states));
    return run;
}

}  // namespace brevduva::bench
