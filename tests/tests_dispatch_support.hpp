// What the dispatcher's end-to-end tests share: a real SMTP server (Debian's aiosmtpd through
// tests/tools/smtp_server.py, logging one JSON line per accepted message, optionally answering
// 451 or 421 to a share of transactions), a configuration and SQLite database in a temporary
// folder, a population of contacts with ledger histories written through the consent
// component itself, and the real brevduva binary as the worker, in the foreground or as a
// child that can be killed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "smtp/smtp_testkit.hpp"
#include "store/store_database.hpp"
#include "tests/tests_process.hpp"

namespace brevduva::tests {

// purposes: as configured by default, but product_marketing with double opt-in, for
// DispatchOptions::extra_yaml.
inline constexpr const char* double_opt_in_purposes = R"(purposes:
  - name: service_status
    allowed_bases: [contract, legitimate_interest]
  - name: product_marketing
    allowed_bases: [consent]
    double_opt_in: true
  - name: open_tracking
    allowed_bases: [consent]
  - name: click_tracking
    allowed_bases: [consent]
)";

struct DispatchOptions {
    double defer_percent = 0;  // the server answers 451 at the end of DATA
    double drop_percent = 0;   // … or 421 and closes the connection
    int seed = 1;
    double global_rate = 0;  // sending.global_rate: messages per second, 0 unlimited
    std::string extra_yaml;  // more top-level configuration (purposes:, …)
    bool maildir = false;    // the server also keeps every message, in maildir()
};

class DispatchEnvironment {
  public:
    explicit DispatchEnvironment(const DispatchOptions& options = {});
    ~DispatchEnvironment();
    DispatchEnvironment(const DispatchEnvironment&) = delete;
    DispatchEnvironment& operator=(const DispatchEnvironment&) = delete;

    [[nodiscard]] const std::filesystem::path& folder() const { return dir_.path(); }
    [[nodiscard]] std::filesystem::path config() const { return dir_ / "config.yaml"; }
    // The messages the server accepted, one file each in new/ (DispatchOptions::maildir).
    [[nodiscard]] std::filesystem::path maildir() const { return dir_ / "maildir"; }
    [[nodiscard]] const config::Settings& settings() const { return *settings_; }

    // brevduva --config CONFIG ARGS…, waiting for it.
    [[nodiscard]] ProcessResult brevduva(const std::vector<std::string>& args) const;
    // The same, failing the test (with its output) unless it exits 0; returns stdout.
    std::string brevduva_ok(const std::vector<std::string>& args) const;
    // `brevduva --config CONFIG OPTIONS… worker --allow-root` as a child that runs until
    // stopped or killed, logging to worker.log; OPTIONS are global ones such as --set.
    [[nodiscard]] std::unique_ptr<smtp::testkit::ChildProcess> start_worker(
        const std::vector<std::string>& options = {}) const;

    // A fresh connection to the test's database.
    [[nodiscard]] store::Database open_database() const;

    // Creates and queues a campaign of the example newsletter for list `list`; its id.
    std::int64_t queue_campaign(const std::string& list,
                                const std::vector<std::string>& extra = {});

    // Recipient address → how many messages the server accepted for it.
    [[nodiscard]] std::map<std::string, int> received() const;
    [[nodiscard]] std::size_t received_total() const;

    // State → count of the campaign's deliveries.
    [[nodiscard]] std::map<std::string, std::int64_t> states(std::int64_t campaign) const;

    [[nodiscard]] std::string worker_log() const;

  private:
    TempDir dir_;
    std::unique_ptr<smtp::testkit::ChildProcess> server_;
    std::unique_ptr<config::Settings> settings_;
};

}  // namespace brevduva::tests
