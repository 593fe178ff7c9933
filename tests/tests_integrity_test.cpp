// One database, every process at once, as in production: `web`, `worker` and `serve` as
// separate processes on one SQLite file, CLI commands in a loop beside them, recipients
// unsubscribing, confirming and changing preferences over HTTP, campaigns queued and cancelled
// from the CLI, and web killed with SIGKILL and started again in the middle. What is
// acknowledged (an HTTP 200, a CLI exit 0) must be visible at once from another process and
// after every process restarted; the worker never mails a person whose unsubscribe committed
// before its decision; every process writes into the -wal file that is on disk; and the file
// passes PRAGMA integrity_check at the end. Also: case variants of one address through the
// real CLI and worker, and a second listener on a port already in use.
#include <Poco/Data/Session.h>
#include <dirent.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <variant>

#include "consent/consent_store.hpp"
#include "consent/consent_token.hpp"
#include "store/store_time.hpp"
#include "tests/tests_dispatch_support.hpp"
#include "tests/tests_http_support.hpp"

namespace brevduva::tests {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;
using smtp::testkit::ChildProcess;

const std::string kTokenSecret(48, 't');  // what DispatchEnvironment writes
const std::string kSuppressionSecret(48, 's');

std::pair<std::uint16_t, std::uint16_t> two_free_ports(std::set<std::uint16_t>& taken) {
    std::uint16_t a = 0, b = 0;
    do a = smtp::testkit::free_port();
    while (taken.contains(a));
    taken.insert(a);
    do b = smtp::testkit::free_port();
    while (taken.contains(b));
    taken.insert(b);
    return {a, b};
}

// `brevduva web` or `serve` on the given ports, logging to a file of the test's folder.
std::unique_ptr<ChildProcess> start_listener(const DispatchEnvironment& env,
                                             const std::string& verb, std::uint16_t public_port,
                                             std::uint16_t admin_port, const std::string& log) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{
            BREVDUVA_BINARY, "--config", env.config().string(), "--set",
            fmt::format("http.public_listener=127.0.0.1:{}", public_port), "--set",
            fmt::format("http.admin_listener=127.0.0.1:{}", admin_port), verb, "--allow-root"},
        false, env.folder() / log);
}

// Every -wal descriptor a live process holds must be the -wal on disk: a process that writes
// into a WAL another process deleted loses what it commits.
class WalWatch {
  public:
    explicit WalWatch(std::filesystem::path wal) : wal_(std::move(wal)) {}

    void look(pid_t pid, const std::string& who) {
        struct stat on_disk {};
        const bool exists = ::stat(wal_.c_str(), &on_disk) == 0;
        const std::string folder = fmt::format("/proc/{}/fd", pid);
        DIR* fds = ::opendir(folder.c_str());
        if (fds == nullptr) return;
        while (const dirent* entry = ::readdir(fds)) {
            const std::string fd = folder + "/" + entry->d_name;
            char target[4096];
            const ssize_t n = ::readlink(fd.c_str(), target, sizeof target - 1);
            if (n <= 0) continue;
            const std::string link(target, static_cast<std::size_t>(n));
            if (link.rfind(wal_.string(), 0) != 0) continue;
            std::lock_guard lock(mutex_);
            ++seen_;
            struct stat held {};
            const bool deleted = link.ends_with(" (deleted)");
            if (deleted || ::stat(fd.c_str(), &held) != 0 || !exists ||
                held.st_ino != on_disk.st_ino) {
                problems_.push_back(fmt::format("{} (pid {}) holds {}", who, pid, link));
            }
        }
        ::closedir(fds);
    }

    [[nodiscard]] std::size_t seen() const { return seen_; }
    [[nodiscard]] std::vector<std::string> problems() const {
        std::lock_guard lock(mutex_);
        return problems_;
    }

  private:
    std::filesystem::path wal_;
    mutable std::mutex mutex_;
    std::size_t seen_ = 0;
    std::vector<std::string> problems_;
};

struct Person {
    std::string address;
    std::int64_t id = 0;
    bool confirmed = false;  // product_marketing confirmed before the run
};

// What was acknowledged, and when (the acknowledging process's answer had arrived).
struct Acknowledged {
    std::mutex mutex;
    std::map<std::string, Clock::time_point> unsubscribed, confirmed, preferences_off, suppressed;
    std::optional<Clock::time_point> cancelled;
    std::vector<std::string> failures;
    std::map<std::string, int> refused;  // HTTP status, or why there was none → how often

    void fail(std::string what) {
        std::lock_guard lock(mutex);
        failures.push_back(std::move(what));
    }
};

class Tokens {
  public:
    Tokens(store::Database& db, std::int64_t campaign)
        : keys_(1, kTokenSecret),
          campaign_(campaign),
          purpose_(consent::purpose_id(db, "product_marketing")) {}

    [[nodiscard]] std::string path(consent::TokenKind kind, const Person& p,
                                   std::int64_t delivery) const {
        consent::TokenClaims claims;
        claims.kind = kind;
        claims.campaign_id = static_cast<std::uint64_t>(campaign_);
        claims.contact_id = static_cast<std::uint64_t>(p.id);
        claims.delivery_id = static_cast<std::uint64_t>(delivery);
        claims.purpose_id = static_cast<std::uint64_t>(purpose_);
        claims.issued_at = std::chrono::floor<std::chrono::seconds>(Clock::now());
        const char* prefix = kind == consent::TokenKind::unsubscribe ? "/u/"
                             : kind == consent::TokenKind::confirm   ? "/confirm/"
                                                                     : "/p/";
        return prefix + consent::mint(keys_, claims);
    }

  private:
    consent::TokenKeys keys_;
    std::int64_t campaign_;
    std::int64_t purpose_;
};

// A POST from a distinct client address (behind the loopback proxy the listeners trust), so
// the per-client page limit does not stand in for what is tested. The status, or why there was
// none: the listener is down (web killed), or it was cut off.
std::variant<int, std::string> post(std::uint16_t port, const std::string& path,
                                    const std::string& body, int client) {
    try {
        return http_request(port,
                            {"POST",
                             path,
                             {{"Content-Type", "application/x-www-form-urlencoded"},
                              {"X-Forwarded-For", fmt::format("198.51.100.{}", client % 250)}},
                             body})
            .status;
    } catch (const Poco::Exception& e) {
        return e.displayText();
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
}

// The end of a process's log, for a failure message.
std::string log_tail(const std::filesystem::path& log, std::size_t lines = 40) {
    if (!std::filesystem::exists(log)) return fmt::format("{}: none\n", log.filename().string());
    const std::string text = read_file(log);
    std::size_t start = text.size();
    for (std::size_t n = 0; start > 0 && n <= lines; --start) {
        if (text[start - 1] == '\n') ++n;
    }
    return fmt::format("--- {} ---\n{}\n", log.filename().string(), text.substr(start));
}

// `consent check`, a separate process: 0 send, 3 skip.
int check(const DispatchEnvironment& env, const std::string& address) {
    return env.brevduva({"consent", "check", address, "product_marketing"}).exit_code;
}

TEST(Integrity, AcknowledgedChoicesHoldAcrossEveryProcessKillsAndRestarts) {
    DispatchOptions options;
    options.global_rate = 25;  // a run of some seconds, while the rest goes on beside it
    options.extra_yaml = double_opt_in_purposes;
    DispatchEnvironment env(options);
    const auto& purposes = env.settings().purposes;

    // 300 people on one list: two thirds confirmed, a third still waiting for confirmation.
    std::vector<Person> people;
    {
        auto db = env.open_database();
        consent::ContactStore contacts(db, purposes);
        consent::Ledger ledger(db, purposes);
        store::Transaction transaction(db);
        const auto start = Clock::now() - 48h;
        for (int i = 0; i < 300; ++i) {
            consent::ContactUpdate update;
            update.address = {fmt::format("mottagare{}", i), fmt::format("kund{}.example", i % 7)};
            update.lists = {"alla"};
            Person p{update.address.text(), contacts.upsert(update).value().id, i % 3 != 2};
            const auto event = [&](consent::Action action, std::string purpose, int hour) {
                consent::LedgerEntry e;
                e.contact_id = p.id;
                e.event = {0,
                           std::move(purpose),
                           action,
                           consent::LawfulBasis::consent,
                           start + std::chrono::hours(hour),
                           "signup form",
                           "",
                           "test"};
                ASSERT_TRUE(ledger.append(e));
            };
            event(consent::Action::grant, "product_marketing", 1);
            event(consent::Action::grant, "open_tracking", 1);
            if (p.confirmed) event(consent::Action::confirm, "product_marketing", 2);
            people.push_back(std::move(p));
        }
        transaction.commit();
    }
    const auto campaign = env.queue_campaign("alla", {"--purpose", "product_marketing"});
    const auto doomed = env.queue_campaign("alla", {"--purpose", "product_marketing"});
    std::map<std::int64_t, std::int64_t> delivery_of;  // contact → its delivery in `campaign`
    {
        auto db = env.open_database();
        std::vector<std::int64_t> contacts, deliveries;
        std::int64_t id = campaign;
        db.session() << "SELECT contact_id, id FROM deliveries WHERE campaign_id = $1", use(id),
            into(contacts), into(deliveries), now;
        for (std::size_t i = 0; i < contacts.size(); ++i) delivery_of[contacts[i]] = deliveries[i];
    }
    std::unique_ptr<Tokens> tokens;
    {
        auto db = env.open_database();
        tokens = std::make_unique<Tokens>(db, campaign);
    }

    std::set<std::uint16_t> taken;
    // Plain locals, not structured bindings: the lambdas below capture them.
    const auto web_ports = two_free_ports(taken);
    const auto serve_ports = two_free_ports(taken);
    const auto web_public = web_ports.first;
    const auto web_admin = web_ports.second;
    const auto serve_public = serve_ports.first;
    const auto serve_admin = serve_ports.second;
    auto web = start_listener(env, "web", web_public, web_admin, "web.log");
    auto serve = start_listener(env, "serve", serve_public, serve_admin, "serve.log");
    auto worker = env.start_worker();
    ASSERT_TRUE(smtp::testkit::wait_until_listening(web_admin, 20s))
        << read_file(env.folder() / "web.log");
    ASSERT_TRUE(smtp::testkit::wait_until_listening(serve_admin, 20s))
        << read_file(env.folder() / "serve.log");

    WalWatch wal(env.folder() / "brevduva.db-wal");
    std::mutex web_mutex;     // guards `web` while it is killed and started again
    std::mutex worker_mutex;  // guards `worker` while it is stopped and started again
    std::atomic<bool> stop{false};
    Acknowledged ack;

    std::thread watcher([&] {
        while (!stop) {
            {
                std::lock_guard lock(web_mutex);
                if (web) wal.look(web->pid(), "web");
            }
            wal.look(serve->pid(), "serve");
            {
                std::lock_guard lock(worker_mutex);
                if (worker) wal.look(worker->pid(), "worker");
            }
            std::this_thread::sleep_for(20ms);
        }
    });

    // Operators at work: every command a separate process, one after another, all the time.
    std::atomic<int> cli_rounds{0};
    std::thread operators([&] {
        std::mt19937 random(7);
        for (int round = 0; !stop && round < 400; ++round) {
            const Person& p = people[random() % people.size()];
            const auto expect_ok = [&](const std::vector<std::string>& args) {
                const auto r = env.brevduva(args);
                if (r.exit_code != 0) {
                    ack.fail(fmt::format("brevduva {} exited {}: {}", fmt::join(args, " "),
                                         r.exit_code, r.err));
                }
                return r.exit_code == 0;
            };
            expect_ok({"db", "status"});
            expect_ok({"campaign", "list"});
            const int checked = check(env, p.address);
            if (checked != 0 && checked != 3) ack.fail(fmt::format("consent check: {}", checked));
            expect_ok({"gdpr", "export", p.address});
            expect_ok(
                {"db", "backup", (env.folder() / fmt::format("backup-{}.db", round)).string()});
            std::filesystem::remove(env.folder() / fmt::format("backup-{}.db", round));
            // A suppression for someone the recipients leave alone (every fifth person), so
            // that each person's record has one author.
            const Person& quiet = people[5 * (random() % (people.size() / 5)) + 4];
            if (round % 4 == 1 && quiet.confirmed) {
                if (expect_ok({"suppress", "add", quiet.address, "--reason", "manual", "--actor",
                               "operator"})) {
                    std::lock_guard lock(ack.mutex);
                    ack.suppressed.emplace(quiet.address, Clock::now());
                }
                // Seen at once by another process.
                if (check(env, quiet.address) != 3) {
                    ack.fail("a suppression acknowledged with exit 0 was not seen at once");
                }
            }
            ++cli_rounds;
        }
    });

    // Recipients: one-click unsubscribes, confirmations and preference changes, through web
    // and serve in turn (and serve alone while web is down).
    std::atomic<int> recipient_actions{0};
    std::thread recipients([&] {
        std::mt19937 random(11);
        std::vector<std::size_t> order(people.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::shuffle(order.begin(), order.end(), random);
        int client = 0;
        for (const std::size_t index : order) {
            if (stop) break;
            const Person& p = people[index];
            if (index % 5 == 4) continue;  // left alone: the operators' to suppress
            const auto delivery = delivery_of.at(p.id);
            std::string path, body;
            std::map<std::string, Clock::time_point>* acknowledged = nullptr;
            bool sends_afterwards = false;
            if (!p.confirmed) {
                path = tokens->path(consent::TokenKind::confirm, p, delivery);
                body = "action=confirm";
                acknowledged = &ack.confirmed;
                sends_afterwards = true;
            } else if (index % 3 == 0) {
                path = tokens->path(consent::TokenKind::preferences, p, delivery);
                body = "action=save&purpose=open_tracking";
                acknowledged = &ack.preferences_off;
            } else {
                path = tokens->path(consent::TokenKind::unsubscribe, p, delivery);
                body = "List-Unsubscribe=One-Click";
                acknowledged = &ack.unsubscribed;
            }
            std::variant<int, std::string> status;
            const int first = client;
            for (int attempt = 0; attempt < 4 && status != decltype(status)(200); ++attempt) {
                const bool to_web = (first + attempt) % 2 == 0;
                status = post(to_web ? web_public : serve_public, path, body, ++client);
            }
            if (status != decltype(status)(200)) {  // never acknowledged: nothing promised
                std::lock_guard lock(ack.mutex);
                ++ack.refused[std::visit([](const auto& v) { return fmt::format("{}", v); },
                                         status)];
                continue;
            }
            {
                std::lock_guard lock(ack.mutex);
                acknowledged->emplace(p.address, Clock::now());
            }
            // Seen at once by another process (a CLI command).
            const int checked = check(env, p.address);
            if (checked != (sends_afterwards ? 0 : 3)) {
                ack.fail(fmt::format("{} acknowledged for contact {}, but consent check said {}",
                                     body, p.id, checked));
            }
            ++recipient_actions;
            std::this_thread::sleep_for(10ms);
        }
    });

    // Campaign control from the CLI; the worker stopping and starting again (web and serve
    // then the only long-lived users of the file, with CLI commands opening and closing it
    // beside them); and web killed in the middle of it all.
    std::this_thread::sleep_for(1500ms);
    if (env.brevduva({"campaign", "cancel", std::to_string(doomed)}).exit_code == 0) {
        ack.cancelled = Clock::now();
        const auto shown = env.brevduva({"campaign", "show", std::to_string(doomed)});
        if (shown.out.find("cancelled") == std::string::npos) {
            ack.fail("an acknowledged cancel was not seen at once: " + shown.out);
        }
    }
    std::this_thread::sleep_for(1s);
    {
        std::lock_guard lock(worker_mutex);
        worker->stop();
        worker.reset();
    }
    std::this_thread::sleep_for(3s);
    {
        std::lock_guard lock(web_mutex);
        ::kill(web->pid(), SIGKILL);
        (void)web->wait(10s);
        web.reset();
    }
    std::this_thread::sleep_for(1s);
    {
        std::lock_guard lock(web_mutex);
        web = start_listener(env, "web", web_public, web_admin, "web-restarted.log");
    }
    ASSERT_TRUE(smtp::testkit::wait_until_listening(web_admin, 20s))
        << read_file(env.folder() / "web-restarted.log");
    std::this_thread::sleep_for(1s);
    {
        std::lock_guard lock(worker_mutex);
        worker = env.start_worker();
    }

    recipients.join();
    // The campaign runs to its end; the operators keep going meanwhile.
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto s = env.states(campaign);
        const auto open = [&](const char* state) {
            const auto it = s.find(state);
            return it == s.end() ? 0 : it->second;
        };
        if (open("pending") + open("claimed") + open("sending") + open("deferred") == 0) break;
        std::this_thread::sleep_for(200ms);
    }
    stop = true;
    operators.join();
    watcher.join();
    {
        std::lock_guard lock(web_mutex);
        if (const auto status = web->wait(0ms)) {
            ack.fail(fmt::format("web ended by itself (wait status {:#x})", *status));
        }
        ::kill(web->pid(), SIGTERM);
        EXPECT_TRUE(web->wait(30s));
    }
    if (const auto status = serve->wait(0ms)) {
        ack.fail(fmt::format("serve ended by itself (wait status {:#x})", *status));
    }
    ::kill(serve->pid(), SIGTERM);
    EXPECT_TRUE(serve->wait(60s)) << "serve did not stop";
    worker->stop();

    const std::string summary =
        fmt::format("{} CLI rounds, {} recipient actions, not acknowledged: {}", cli_rounds.load(),
                    recipient_actions.load(), ack.refused);
    std::cerr << summary << "\n";
    SCOPED_TRACE(summary);
    EXPECT_TRUE(ack.failures.empty()) << fmt::format("{}", fmt::join(ack.failures, "\n"));
    EXPECT_TRUE(wal.problems().empty()) << fmt::format("{}", fmt::join(wal.problems(), "\n"));
    EXPECT_GT(wal.seen(), 0U) << "no -wal descriptor was ever looked at";
    EXPECT_GT(cli_rounds.load(), 5);
    EXPECT_GT(ack.unsubscribed.size(), 20U);
    EXPECT_GT(ack.confirmed.size(), 20U);
    EXPECT_GT(ack.preferences_off.size(), 10U);
    if (HasFailure() || !ack.cancelled) {
        for (const char* log : {"web.log", "web-restarted.log", "serve.log", "worker.log"}) {
            std::cerr << log_tail(env.folder() / log);
        }
    }
    ASSERT_TRUE(ack.cancelled);

    // After every process stopped: all of it is there, and the file is sound.
    auto db = env.open_database();
    std::string integrity;
    db.session() << "PRAGMA integrity_check", into(integrity), now;
    EXPECT_EQ(integrity, "ok");
    EXPECT_EQ(env.brevduva({"consent", "verify"}).exit_code, 0);

    consent::ContactStore contacts(db, purposes);
    consent::Ledger ledger(db, purposes);
    const auto received = env.received();
    struct SentRow {
        std::int64_t campaign;
        Clock::time_point decided;
    };
    std::map<std::int64_t, std::vector<SentRow>> sent_to;  // contact → its sent deliveries
    {
        std::vector<std::int64_t> ids, campaigns;
        std::vector<std::string> decided;
        db.session() << "SELECT contact_id, campaign_id, decided_at FROM deliveries"
                        " WHERE state = 'sent'",
            into(ids), into(campaigns), into(decided), now;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            sent_to[ids[i]].push_back({campaigns[i], store::read_stored_time(decided[i])});
        }
    }
    const auto last_event = [&](std::int64_t contact, consent::Action action) {
        std::optional<consent::LedgerEntry> found;
        for (const auto& e : ledger.history(contact)) {
            if (e.event.purpose == "product_marketing" && e.event.action == action) found = e;
        }
        return found;
    };
    const auto contact_of = [&](const std::string& address) {
        return contacts.find(consent::normalise_address(address).value()).value();
    };
    // An unsubscribe or preference change: on record, and no message decided after it
    // committed (the in-flight window of docs/dispatcher.md: decided before, sent just after).
    for (const auto* acknowledged : {&ack.unsubscribed, &ack.preferences_off}) {
        for (const auto& [address, at] : *acknowledged) {
            const auto contact = contact_of(address);
            const auto withdrawal = last_event(contact.id, consent::Action::withdraw);
            ASSERT_TRUE(withdrawal) << address << ": an acknowledged withdrawal is lost";
            EXPECT_LE(withdrawal->recorded_at, at);
            for (const auto& sent : sent_to[contact.id]) {
                EXPECT_LT(sent.decided, withdrawal->recorded_at)
                    << address << " was mailed after its unsubscribe committed";
            }
            EXPECT_EQ(check(env, address), 3) << address;
        }
    }
    for (const auto& [address, at] : ack.confirmed) {
        const auto contact = contact_of(address);
        EXPECT_TRUE(last_event(contact.id, consent::Action::confirm))
            << address << ": an acknowledged confirmation is lost";
    }
    {
        consent::SuppressionStore suppressions(db, kSuppressionSecret);
        for (const auto& [address, at] : ack.suppressed) {
            const auto key = suppressions.key_for(consent::normalise_address(address).value());
            const auto entries = suppressions.for_key(key);
            ASSERT_FALSE(entries.empty()) << address << ": an acknowledged suppression is lost";
            for (const auto& sent : sent_to[contact_of(address).id]) {
                EXPECT_LT(sent.decided, entries.front().at) << address;
            }
        }
    }
    // The cancelled campaign: no message decided after the cancel was acknowledged.
    for (const auto& [contact, rows] : sent_to) {
        for (const auto& sent : rows) {
            if (sent.campaign == doomed) {
                EXPECT_LT(sent.decided, *ack.cancelled);
            }
        }
    }
    EXPECT_EQ(env.brevduva({"campaign", "show", std::to_string(doomed)}).out.find("cancelled") ==
                  std::string::npos,
              false);
    // What the server received is what the deliveries say, one copy each.
    std::size_t sent_total = 0;
    for (const auto& [contact, rows] : sent_to) sent_total += rows.size();
    EXPECT_EQ(env.received_total(), sent_total);
    for (const auto& [address, copies] : received) EXPECT_LE(copies, 2) << address;

    // web started again shows every person what they chose: product_marketing off for each
    // acknowledged unsubscribe and preference change, on for each acknowledged confirmation.
    auto again = start_listener(env, "web", web_public, web_admin, "web-after.log");
    ASSERT_TRUE(smtp::testkit::wait_until_listening(web_admin, 20s))
        << read_file(env.folder() / "web-after.log");
    const std::string marketing_on = "value=\"product_marketing\" checked";
    int client = 0;
    for (const auto& person : people) {
        const bool off = ack.unsubscribed.contains(person.address) ||
                         ack.preferences_off.contains(person.address);
        const bool on = ack.confirmed.contains(person.address);
        if (!off && !on) continue;
        const auto page = http_request(
            web_public,
            {"GET",
             tokens->path(consent::TokenKind::preferences, person, delivery_of.at(person.id)),
             {{"X-Forwarded-For", fmt::format("203.0.113.{}", ++client % 250)}},
             {}});
        ASSERT_EQ(page.status, 200);
        EXPECT_EQ(page.body.find(marketing_on) != std::string::npos, on) << person.address;
    }
    ::kill(again->pid(), SIGTERM);
    EXPECT_TRUE(again->wait(30s));
}

// The worker through the real CLI: one person imported under three capitalisations is one
// contact, and a suppression written under a fourth reaches every copy of the list's rows.
TEST(Integrity, CaseVariantsOfOnePersonAreOneRecipientWhomASuppressionStops) {
    DispatchEnvironment env;
    const auto csv = env.folder() / "variants.csv";
    write_file(csv,
               "email,name,lists,consent:product_marketing,consent_at,consent_source\n"
               "a.person@kund.example,A Person,alla,granted,2026-01-01T10:00:00Z,crm\n"
               "A.Person@kund.example,A Person,alla,granted,2026-01-01T10:00:00Z,crm\n"
               "A.PERSON@KUND.EXAMPLE,A Person,alla,granted,2026-01-01T10:00:00Z,crm\n"
               "twin@kund.example,Twin,alla,granted,2026-01-01T10:00:00Z,crm\n"
               "Twin@kund.example,Twin,alla,granted,2026-01-01T10:00:00Z,crm\n"
               "other@kund.example,Other,alla,granted,2026-01-01T10:00:00Z,crm\n");
    env.brevduva_ok({"contacts", "import", csv.string(), "--actor", "test"});
    const std::string listed = env.brevduva_ok({"contacts", "list", "--list", "alla"});
    EXPECT_EQ(std::count(listed.begin(), listed.end(), '\n'), 1 + 3) << listed;  // header + 3
    env.brevduva_ok({"suppress", "add", "a.Person@Kund.Example", "--reason", "manual"});
    // A withdrawal under one spelling covers the others.
    env.brevduva_ok({"consent", "withdraw", "TWIN@kund.example", "product_marketing"});
    EXPECT_EQ(
        env.brevduva({"consent", "check", "twin@kund.example", "product_marketing"}).exit_code, 3);
    (void)env.queue_campaign("alla");
    env.brevduva_ok({"worker", "--until-idle", "--allow-root"});
    const auto received = env.received();
    EXPECT_EQ(received.size(), 1U);
    EXPECT_EQ(received.count("other@kund.example"), 1U);
    // gdpr export of any spelling finds the one contact.
    const std::string exported = env.brevduva_ok({"gdpr", "export", "A.PERSON@kund.example"});
    EXPECT_NE(exported.find("\"name\": \"A Person\""), std::string::npos) << exported;
}

// A second web on ports another web holds is refused, naming the address and port, instead of
// sharing the port's requests with the first.
TEST(Integrity, ASecondListenerOnAPortInUseExitsNamingThePort) {
    DispatchEnvironment env;
    std::set<std::uint16_t> taken;
    const auto [public_port, admin_port] = two_free_ports(taken);
    auto first = start_listener(env, "web", public_port, admin_port, "first.log");
    ASSERT_TRUE(smtp::testkit::wait_until_listening(admin_port, 20s))
        << read_file(env.folder() / "first.log");
    for (const std::string verb : {"web", "serve"}) {
        // Bounded: a second listener that did start would otherwise run until killed.
        auto second = start_listener(env, verb, public_port, admin_port, verb + "-second.log");
        const auto status = second->wait(15s);
        ASSERT_TRUE(status) << verb << " started on a port in use";
        EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0) << verb;
        const std::string said = read_file(env.folder() / (verb + "-second.log"));
        EXPECT_NE(said.find(fmt::format("127.0.0.1:{}", public_port)), std::string::npos)
            << verb << ": " << said;
    }
    // The first one still answers, alone.
    EXPECT_TRUE(smtp::testkit::wait_until_listening(public_port, 1s));
    ::kill(first->pid(), SIGTERM);
    EXPECT_TRUE(first->wait(20s));
}

}  // namespace
}  // namespace brevduva::tests
