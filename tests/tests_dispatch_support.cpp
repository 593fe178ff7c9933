#include "tests/tests_dispatch_support.hpp"

#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <stdexcept>

#include "config/config_load.hpp"

namespace brevduva::tests {
namespace {

using namespace std::chrono_literals;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

const std::string source_dir = BREVDUVA_SOURCE_DIR;

}  // namespace

DispatchEnvironment::DispatchEnvironment(const DispatchOptions& options) {
    std::filesystem::create_directories(dir_ / "secrets");
    write_file(dir_ / "secrets/token", std::string(48, 't'));
    write_file(dir_ / "secrets/suppression", std::string(48, 's'));
    std::vector<std::string> server{"/usr/bin/python3",
                                    source_dir + "/tests/tools/smtp_server.py",
                                    "--log",
                                    (dir_ / "received.jsonl").string(),
                                    "--defer-percent",
                                    fmt::format("{}", options.defer_percent),
                                    "--drop-percent",
                                    fmt::format("{}", options.drop_percent),
                                    "--seed",
                                    std::to_string(options.seed),
                                    "--pipelining"};
    if (options.maildir) {
        server.push_back("--maildir");
        server.push_back(maildir().string());
    }
    server_ = std::make_unique<smtp::testkit::ChildProcess>(server, true, dir_ / "server.log");
    const auto line = server_->read_line(20s);
    if (!line)
        throw std::runtime_error("aiosmtpd did not start: " + read_file(dir_ / "server.log"));
    write_file(dir_ / "config.yaml", fmt::format(R"(database:
  sqlite_path: brevduva.db
sender:
  from_address: nyheter@exempel.se
  from_name: "Exempel AB – Nyheter"
  bounce_domain: bounces.exempel.se
public:
  base_url: https://mail.exempel.se
  token_secret_file: secrets/token
consent:
  suppression_secret_file: secrets/suppression
relays:
  - host: 127.0.0.1
    port: {}
    tls: none
    connections: 4
    ehlo_name: brevduva.test
sending:
  global_rate: {}
  retry_initial: 1s
  retry_max: 2s
  drain_timeout: 10s
{}
logging:
  level: info
)",
                                                 *line, options.global_rate, options.extra_yaml));
    auto loaded = config::load_settings(config(), {});
    if (!loaded.settings) throw std::runtime_error("the test configuration has problems");
    settings_ = std::make_unique<config::Settings>(std::move(*loaded.settings));
    brevduva_ok({"db", "migrate"});
}

DispatchEnvironment::~DispatchEnvironment() {
    if (server_) server_->stop();
}

ProcessResult DispatchEnvironment::brevduva(const std::vector<std::string>& args) const {
    std::vector<std::string> all{"--config", config().string()};
    all.insert(all.end(), args.begin(), args.end());
    return run_brevduva(all);
}

std::string DispatchEnvironment::brevduva_ok(const std::vector<std::string>& args) const {
    const auto result = brevduva(args);
    EXPECT_EQ(result.exit_code, 0)
        << fmt::format("brevduva {}\n{}{}", fmt::join(args, " "), result.out, result.err);
    return result.out;
}

std::unique_ptr<smtp::testkit::ChildProcess> DispatchEnvironment::start_worker(
    const std::vector<std::string>& options) const {
    std::vector<std::string> argv{BREVDUVA_BINARY, "--config", config().string()};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"worker", "--allow-root"});
    return std::make_unique<smtp::testkit::ChildProcess>(argv, false, dir_ / "worker.log");
}

store::Database DispatchEnvironment::open_database() const {
    return store::Database::open_sqlite(dir_ / "brevduva.db", std::chrono::seconds(30));
}

std::int64_t DispatchEnvironment::queue_campaign(const std::string& list,
                                                 const std::vector<std::string>& extra) {
    std::vector<std::string> args{"campaign",   "create",
                                  "--name",     "Test " + list,
                                  "--template", source_dir + "/templates/examples/nyhetsbrev",
                                  "--list",     list};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string out = brevduva_ok(args);
    std::smatch match;
    if (!std::regex_search(out, match, std::regex("campaign ([0-9]+) created"))) {
        ADD_FAILURE() << "no campaign id in: " << out;
        return 0;
    }
    const std::string id = match[1];
    brevduva_ok({"campaign", "queue", id});
    return std::stoll(id);
}

std::map<std::string, int> DispatchEnvironment::received() const {
    std::map<std::string, int> counts;
    std::ifstream in(dir_ / "received.jsonl");
    std::string line;
    Poco::JSON::Parser parser;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        parser.reset();
        const auto object = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
        const auto recipients = object->getArray("rcpt_tos");
        for (std::size_t i = 0; i < recipients->size(); ++i) {
            ++counts[recipients->getElement<std::string>(i)];
        }
    }
    return counts;
}

std::size_t DispatchEnvironment::received_total() const {
    std::size_t total = 0;
    for (const auto& [address, n] : received()) total += static_cast<std::size_t>(n);
    return total;
}

std::map<std::string, std::int64_t> DispatchEnvironment::states(std::int64_t campaign) const {
    auto db = open_database();
    std::vector<std::string> names;
    std::vector<std::int64_t> counts;
    db.session() << "SELECT state, count(*) FROM deliveries WHERE campaign_id = $1 GROUP BY state",
        use(campaign), into(names), into(counts), now;
    std::map<std::string, std::int64_t> out;
    for (std::size_t i = 0; i < names.size(); ++i) out[names[i]] = counts[i];
    return out;
}

std::string DispatchEnvironment::worker_log() const {
    return std::filesystem::exists(dir_ / "worker.log") ? read_file(dir_ / "worker.log") : "";
}

}  // namespace brevduva::tests
