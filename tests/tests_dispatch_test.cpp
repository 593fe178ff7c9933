// The dispatcher end to end: the real brevduva worker against a real SMTP server (aiosmtpd),
// over a SQLite database filled through the consent component. What a user would notice:
// who got mail, how many copies, and what the campaign's counts say.
#include <Poco/Data/Session.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "consent/consent_gate.hpp"
#include "consent/consent_store.hpp"
#include "store/store_time.hpp"
#include "tests/tests_dispatch_support.hpp"

namespace brevduva::tests {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;
using ::testing::HasSubstr;

const std::string kSuppressionSecret(48, 's');  // what DispatchEnvironment writes

// Waits (bounded) until no delivery of the campaign is pending, claimed, sending or deferred.
bool wait_until_settled(const DispatchEnvironment& env, std::int64_t campaign,
                        std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto s = env.states(campaign);
        const auto open = [&](const char* state) {
            const auto it = s.find(state);
            return it == s.end() ? 0 : it->second;
        };
        if (open("pending") + open("claimed") + open("sending") + open("deferred") == 0) {
            return true;
        }
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

// Waits (bounded) until the server has accepted at least n messages.
bool wait_until_received(const DispatchEnvironment& env, std::size_t n,
                         std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (env.received_total() >= n) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

// A CSV of n contacts on list `list`, all with product_marketing granted.
std::filesystem::path granted_contacts(const DispatchEnvironment& env, int n,
                                       const std::string& list) {
    auto path = env.folder() / (list + ".csv");
    std::ofstream out(path);
    out << "email,name,organisation,lists,consent:product_marketing,consent_at,consent_source\n";
    for (int i = 0; i < n; ++i) {
        out << fmt::format(
            "mottagare{}@kund{}.example,Mottagare {},Kund {} AB,{},granted,"
            "2026-01-01T10:00:00Z,test fixture\n",
            i, i % 13, i, i % 13, list);
    }
    return path;
}

// `audience` contacts on list `list` who granted product_marketing, and a campaign to them
// queued; its id.
std::int64_t queue_granted(DispatchEnvironment& env, int audience,
                           const std::string& list = "alla") {
    env.brevduva_ok(
        {"contacts", "import", granted_contacts(env, audience, list).string(), "--actor", "test"});
    return env.queue_campaign(list);
}

struct DeliveryRow {
    std::string address;
    std::int64_t contact_id = 0;
    std::string state;
    std::string skip_reason;
    std::optional<Clock::time_point> decided_at;
};

std::vector<DeliveryRow> deliveries(store::Database& db, std::int64_t campaign) {
    std::vector<std::string> addresses, states, reasons;
    std::vector<std::int64_t> contacts;
    std::vector<Poco::Nullable<std::string>> decided;
    db.session() << "SELECT c.address, d.contact_id, d.state, d.skip_reason, d.decided_at"
                    " FROM deliveries d JOIN contacts c ON c.id = d.contact_id"
                    " WHERE d.campaign_id = $1 ORDER BY d.id",
        use(campaign), into(addresses), into(contacts), into(states), into(reasons), into(decided),
        now;
    std::vector<DeliveryRow> rows;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        rows.push_back({addresses[i], contacts[i], states[i], reasons[i],
                        decided[i].isNull()
                            ? std::nullopt
                            : std::optional(store::read_stored_time(decided[i].value()))});
    }
    return rows;
}

// ---- the consent invariant ------------------------------------------------------------------

enum class History { none, confirmed, unconfirmed, withdrawn, suppressed, objected };

TEST(Dispatch, TheServerReceivesExactlyWhomTheGateAllowedAtSendTime) {
    DispatchOptions options;
    options.global_rate = 40;  // a run of a few seconds, while withdrawals arrive
    options.extra_yaml = double_opt_in_purposes;
    DispatchEnvironment env(options);
    const auto& purposes = env.settings().purposes;
    const auto& marketing = purposes[1];
    ASSERT_EQ(marketing.name, "product_marketing");

    const unsigned seed = 20261125;
    SCOPED_TRACE(fmt::format("population seed {}", seed));
    std::mt19937 random(seed);
    std::map<std::string, History> history;
    std::vector<std::string> confirmed;
    {
        auto db = env.open_database();
        consent::ContactStore contacts(db, purposes);
        consent::Ledger ledger(db, purposes);
        consent::SuppressionStore suppressions(db, kSuppressionSecret);
        store::Transaction transaction(db);
        const auto start = Clock::now() - std::chrono::hours(24 * 60);
        for (int i = 0; i < 400; ++i) {
            consent::ContactUpdate update;
            update.address = {fmt::format("person{}", i), fmt::format("kund{}.example", i % 7)};
            update.name = fmt::format("Person {}", i);
            if (i % 2 == 0) update.organisation = fmt::format("Kund {} AB", i % 7);
            update.lists = {"alla"};
            const auto id = contacts.upsert(update).value().id;
            // Half of them allowed, the rest spread over the ways of not being allowed.
            constexpr std::array kinds{
                History::confirmed,  History::confirmed, History::confirmed,   History::confirmed,
                History::confirmed,  History::none,      History::unconfirmed, History::withdrawn,
                History::suppressed, History::objected};
            const auto kind = kinds[random() % kinds.size()];
            history[update.address.text()] = kind;
            auto at = start + std::chrono::hours(random() % 500);
            const auto event = [&](consent::Action action, const std::string& purpose) {
                at += std::chrono::hours(1 + random() % 48);
                consent::LedgerEntry e;
                e.contact_id = id;
                e.event.purpose = purpose;
                e.event.action = action;
                e.event.basis = consent::LawfulBasis::consent;
                e.event.at = at;
                e.event.source = "test";
                e.event.actor = "test";
                ASSERT_TRUE(ledger.append(e));
            };
            if (random() % 2 == 0) event(consent::Action::grant, "open_tracking");
            if (kind == History::none) continue;
            event(consent::Action::grant, "product_marketing");
            if (kind == History::unconfirmed) continue;
            event(consent::Action::confirm, "product_marketing");
            if (kind == History::withdrawn) event(consent::Action::withdraw, "product_marketing");
            if (kind == History::objected) event(consent::Action::object, "product_marketing");
            if (kind == History::suppressed) {
                suppressions.add(suppressions.key_for(update.address),
                                 {consent::SuppressionReason::manual, "", at}, "test");
            }
            if (kind == History::confirmed) confirmed.push_back(update.address.text());
        }
        transaction.commit();
    }
    ASSERT_GT(confirmed.size(), 40U);

    const auto campaign = env.queue_campaign("alla", {"--purpose", "product_marketing"});
    auto worker = env.start_worker();

    // While it runs: withdrawals and unsubscribe suppressions for people who were allowed,
    // each in a write transaction of its own, as the public listener would write them.
    std::shuffle(confirmed.begin(), confirmed.end(), random);
    std::set<std::string> injected;
    {
        auto db = env.open_database();
        consent::ContactStore contacts(db, purposes);
        consent::Ledger ledger(db, purposes);
        consent::SuppressionStore suppressions(db, kSuppressionSecret);
        for (std::size_t i = 0; i < 60 && i < confirmed.size(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(15 + random() % 30));
            const auto address = consent::normalise_address(confirmed[i]).value();
            store::Transaction transaction(db);
            const auto contact = contacts.find(address);
            ASSERT_TRUE(contact);
            if (i % 2 == 0) {
                consent::LedgerEntry e;
                e.contact_id = contact->id;
                e.event = {0,
                           "product_marketing",
                           consent::Action::withdraw,
                           consent::LawfulBasis::consent,
                           Clock::now(),
                           "unsubscribe link",
                           "",
                           "recipient"};
                ASSERT_TRUE(ledger.append(e));
            } else {
                suppressions.add(
                    suppressions.key_for(address),
                    {consent::SuppressionReason::unsubscribed, "product_marketing", Clock::now()},
                    "recipient");
            }
            transaction.commit();
            injected.insert(confirmed[i]);
        }
    }
    ASSERT_TRUE(wait_until_settled(env, campaign, 120s)) << env.worker_log();
    worker->stop();

    const auto received = env.received();
    auto db = env.open_database();
    consent::Ledger ledger(db, purposes);
    consent::SuppressionStore suppressions(db, kSuppressionSecret);
    const auto rows = deliveries(db, campaign);
    ASSERT_EQ(rows.size(), 400U);
    std::size_t sent = 0, withdrawn_in_flight = 0;
    for (const auto& row : rows) {
        SCOPED_TRACE(fmt::format("contact {} ({})", row.contact_id, row.state));
        ASSERT_TRUE(row.decided_at);
        const auto it = received.find(row.address);
        const int copies = it == received.end() ? 0 : it->second;
        // The server got it exactly when the delivery says sent, and never twice.
        EXPECT_EQ(copies, row.state == "sent" ? 1 : 0);
        ASSERT_TRUE(row.state == "sent" || row.state == "skipped");
        // The gate's answer on what was recorded by the moment of the decision.
        std::vector<consent::ConsentEvent> known;
        for (const auto& entry : ledger.history(row.contact_id)) {
            if (entry.recorded_at <= *row.decided_at) known.push_back(entry.event);
        }
        std::vector<consent::Suppression> suppressed;
        for (const auto& s : suppressions.for_key(
                 suppressions.key_for(consent::normalise_address(row.address).value()))) {
            if (s.at <= *row.decided_at) suppressed.push_back(s);
        }
        const bool has_organisation = std::stoi(row.address.substr(6)) % 2 == 0;
        const auto decision = consent::decide(consent::ContactFacts{has_organisation}, known,
                                              suppressed, marketing, *row.decided_at);
        EXPECT_EQ(row.state == "sent", decision.send) << consent::to_string(decision);
        // And in plain words: nobody withdrawn, objecting, suppressed or unconfirmed before
        // the campaign began gets anything.
        if (history[row.address] != History::confirmed) {
            EXPECT_EQ(copies, 0);
        }
        if (row.state == "sent") ++sent;
        if (injected.contains(row.address) && row.state == "skipped") ++withdrawn_in_flight;
    }
    EXPECT_GT(sent, 0U);
    EXPECT_GT(withdrawn_in_flight, 0U) << "no withdrawal arrived before its message was sent";
}

// ---- crash safety ---------------------------------------------------------------------------

TEST(Dispatch, AWorkerKilledAtRandomMomentsLosesNobodyAndDuplicatesOnlyAmbiguousOnes) {
    // Capped at 1,000 messages a second, so that the campaign lasts long enough for its twenty
    // deaths on a fast machine; the kills land anywhere in the cycle all the same.
    DispatchOptions options;
    options.global_rate = 1000;
    DispatchEnvironment env(options);
    constexpr int audience = 20000;
    const auto campaign = queue_granted(env, audience);

    std::mt19937 random(4711);
    int kills = 0;
    for (int i = 0; i < 60 && kills < 24; ++i) {
        auto worker = env.start_worker();
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 400));
        const auto s = env.states(campaign);
        if (s.contains("pending") || s.contains("claimed") || s.contains("sending")) {
            ::kill(worker->pid(), SIGKILL);
            (void)worker->wait(10s);
            ++kills;
        } else {
            worker->stop();
            break;
        }
    }
    EXPECT_GE(kills, 20) << "the campaign ended before the worker was killed 20 times";

    // Finish, then decide about the ambiguous ones as an operator would: resend them.
    env.brevduva_ok({"worker", "--until-idle", "--allow-root"});
    std::set<std::string> ambiguous;
    {
        auto db = env.open_database();
        for (const auto& row : deliveries(db, campaign)) {
            if (row.state == "ambiguous") ambiguous.insert(row.address);
        }
    }
    const std::string status = env.brevduva_ok({"campaign", "status", std::to_string(campaign)});
    if (!ambiguous.empty()) {
        EXPECT_NE(status.find(fmt::format("{} ambiguous", ambiguous.size())), std::string::npos)
            << status;
        env.brevduva_ok({"campaign", "resend-ambiguous", std::to_string(campaign)});
        env.brevduva_ok({"worker", "--until-idle", "--allow-root"});
    }

    const auto states = env.states(campaign);
    EXPECT_EQ(states.size(), 1U) << "every delivery should be sent";
    EXPECT_EQ(states.count("sent") != 0 ? states.at("sent") : 0, audience);
    const auto received = env.received();
    EXPECT_EQ(received.size(), static_cast<std::size_t>(audience)) << "someone was lost";
    for (const auto& [address, copies] : received) {
        if (ambiguous.contains(address)) {
            EXPECT_LE(copies, 2) << address;
        } else {
            EXPECT_EQ(copies, 1) << address << " got a duplicate without being reported ambiguous";
        }
    }
    const std::string final_status =
        env.brevduva_ok({"campaign", "status", std::to_string(campaign)});
    EXPECT_NE(final_status.find("finished"), std::string::npos) << final_status;
}

// ---- transient failures ---------------------------------------------------------------------

TEST(Dispatch, A451ToAThirdOfTransactionsAndDropped421sStillEndInOneCopyEach) {
    DispatchOptions options;
    options.defer_percent = 30;
    options.drop_percent = 4;
    options.seed = 7;
    DispatchEnvironment env(options);
    constexpr int audience = 400;
    const auto campaign = queue_granted(env, audience);
    for (int round = 0; round < 5; ++round) {
        env.brevduva_ok({"worker", "--until-idle", "--allow-root"});
        if (env.states(campaign).size() == 1) break;
    }
    const auto states = env.states(campaign);
    EXPECT_EQ(states.count("sent") != 0 ? states.at("sent") : 0, audience);
    const auto received = env.received();
    EXPECT_EQ(received.size(), static_cast<std::size_t>(audience));
    for (const auto& [address, copies] : received) EXPECT_EQ(copies, 1) << address;
    // The retries really happened.
    auto db = env.open_database();
    std::int64_t retried = 0;
    db.session() << "SELECT count(*) FROM deliveries WHERE attempts > 1", into(retried), now;
    EXPECT_GT(retried, audience / 5);
}

// ---- signing -------------------------------------------------------------------------------

// `brevduva dkim keygen`: the key file, and the TXT record it prints to publish.
std::string keygen(const std::filesystem::path& file, const std::string& type,
                   const std::string& selector) {
    const auto r =
        run_process(BREVDUVA_BINARY, {"dkim", "keygen", "--domain", "exempel.se", "--selector",
                                      selector, "--type", type, "--out", file.string()});
    if (r.exit_code != 0) throw std::runtime_error("dkim keygen failed: " + r.err);
    // The record is printed as quoted strings to be joined, zone-file style.
    std::string record;
    for (std::size_t at = r.out.find('"'); at != std::string::npos; at = r.out.find('"', at)) {
        const auto end = r.out.find('"', at + 1);
        record += r.out.substr(at + 1, end - at - 1);
        at = end + 1;
    }
    return record;
}

// The worker builds and signs a batch's messages on several threads, each with its own signer:
// every message of a signed campaign must still verify, under both of its signatures, with an
// independent verifier (dkimpy).
TEST(Dispatch, EveryMessageOfASignedCampaignVerifies) {
    TempDir keys;
    const std::string rsa = keygen(keys / "rsa.pem", "rsa", "rsa2026");
    const std::string ed = keygen(keys / "ed.pem", "ed25519", "ed2026");
    ASSERT_THAT(rsa, HasSubstr("k=rsa; p="));
    ASSERT_THAT(ed, HasSubstr("k=ed25519; p="));
    DispatchOptions options;
    options.maildir = true;
    options.extra_yaml = fmt::format(
        "dkim:\n  domain: exempel.se\n  selector: rsa2026\n  rsa_key_file: {}\n"
        "  ed25519_selector: ed2026\n  ed25519_key_file: {}",
        (keys / "rsa.pem").string(), (keys / "ed.pem").string());
    DispatchEnvironment env(options);
    constexpr int audience = 250;  // several batches, each split over the lanes
    const auto campaign = queue_granted(env, audience);
    env.brevduva_ok({"worker", "--until-idle", "--allow-root"});
    EXPECT_EQ(env.states(campaign), (std::map<std::string, std::int64_t>{{"sent", audience}}));
    ASSERT_EQ(env.received_total(), static_cast<std::size_t>(audience));

    const auto verified = run_process(
        "/usr/bin/python3", {std::string(BREVDUVA_SOURCE_DIR) + "/tests/tools/dkim_verify.py",
                             (env.maildir() / "new").string(), "rsa2026=" + rsa, "ed2026=" + ed});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    std::size_t passed = 0;
    for (std::size_t at = verified.out.find(": pass"); at != std::string::npos;
         at = verified.out.find(": pass", at + 1)) {
        ++passed;
    }
    EXPECT_EQ(passed, 2U * audience) << verified.out;
}

// ---- pause, resume, cancel, schedules -------------------------------------------------------

// A template that passes `template check` but nests sections over a contact's long list: that
// one message fails with the reason, the worker goes on, and the rest of the batch is sent.
// (Unbounded, the render asked for a billion iterations and the worker died with bad_alloc,
// again after each restart, leaving the batch claimed.)
TEST(Dispatch, AMessageTooBigToRenderFailsAloneAndTheWorkerGoesOn) {
    DispatchEnvironment env;
    const auto folder = env.folder() / "nested";
    std::filesystem::create_directories(folder);
    write_file(folder / "subject.mustache", "Nyheter\n");
    write_file(folder / "body.html.mustache",
               "<html><body><p>Hej!</p>{{#attributes.items}}{{#attributes.items}}"
               "{{#attributes.items}}<i>{{.}}</i>{{/attributes.items}}{{/attributes.items}}"
               "{{/attributes.items}}<p><a href=\"{{unsubscribe_url}}\">Avregistrera</a></p>"
               "</body></html>\n");
    std::string items = "[";
    for (int i = 0; i < 1000; ++i) items += (i == 0 ? "" : ",") + std::to_string(i);
    items += "]";
    std::string csv =
        "email,lists,consent:product_marketing,consent_at,consent_source,attributes\n";
    for (int i = 0; i < 20; ++i) {
        csv += fmt::format("p{}@kund.example,alla,granted,2026-01-01T10:00:00Z,crm,", i);
        csv += i == 7 ? "\"{\"\"items\"\":" + items + "}\"\n" : "\"{\"\"items\"\":[1,2]}\"\n";
    }
    write_file(env.folder() / "nested.csv", csv);
    env.brevduva_ok({"contacts", "import", (env.folder() / "nested.csv").string()});
    const std::string created =
        env.brevduva_ok({"campaign", "create", "--name", "Nested", "--template", folder.string(),
                         "--list", "alla", "--attribute", "items"});
    const std::string id = created.substr(created.find("campaign ") + 9,
                                          created.find(" created") - created.find("campaign ") - 9);
    env.brevduva_ok({"campaign", "queue", id});
    const auto run = env.brevduva({"worker", "--until-idle", "--allow-root"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    const auto states = env.states(std::stoll(id));
    EXPECT_EQ(states.at("sent"), 19);
    EXPECT_EQ(states.at("failed"), 1);
    EXPECT_EQ(env.received_total(), 19U);
    auto db = env.open_database();
    std::string reply;
    db.session() << "SELECT d.last_reply FROM deliveries d JOIN contacts c ON c.id = d.contact_id"
                    " WHERE c.address = 'p7@kund.example'",
        into(reply), now;
    EXPECT_NE(reply.find("the rendering"), std::string::npos) << reply;
}

TEST(Dispatch, PauseStopsSendingResumeContinuesCancelEnds) {
    DispatchOptions options;
    options.global_rate = 40;
    DispatchEnvironment env(options);
    constexpr int audience = 400;
    const auto campaign = queue_granted(env, audience);
    const std::string id = std::to_string(campaign);
    auto worker = env.start_worker();
    ASSERT_TRUE(wait_until_received(env, 40, 60s)) << env.worker_log();

    env.brevduva_ok({"campaign", "pause", id});
    std::this_thread::sleep_for(1500ms);  // what was already in the relay's hands ends
    const auto paused_at = env.received_total();
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(env.received_total(), paused_at) << "mail went out while the campaign was paused";
    auto states = env.states(campaign);
    EXPECT_FALSE(states.contains("claimed"));
    EXPECT_FALSE(states.contains("sending"));
    EXPECT_LT(paused_at, static_cast<std::size_t>(audience));

    env.brevduva_ok({"campaign", "resume", id});
    ASSERT_TRUE(wait_until_received(env, paused_at + 20, 60s));

    env.brevduva_ok({"campaign", "cancel", id});
    std::this_thread::sleep_for(1500ms);
    const auto cancelled_at = env.received_total();
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(env.received_total(), cancelled_at);
    worker->stop();

    states = env.states(campaign);
    EXPECT_EQ(states["sent"], static_cast<std::int64_t>(cancelled_at));
    EXPECT_EQ(states["sent"] + states["skipped"], audience);
    const std::string status = env.brevduva_ok({"campaign", "status", id});
    EXPECT_NE(status.find("cancelled"), std::string::npos) << status;
    EXPECT_NE(status.find("campaign_cancelled"), std::string::npos) << status;
    // A cancelled campaign cannot be resumed.
    EXPECT_EQ(env.brevduva({"campaign", "resume", id}).exit_code, 1);
}

TEST(Dispatch, AScheduleLongPastDueIsNotFiredWithoutForce) {
    DispatchEnvironment env;
    env.brevduva_ok(
        {"contacts", "import", granted_contacts(env, 20, "alla").string(), "--actor", "test"});
    const std::string yesterday = fmt::format(
        "{:%Y-%m-%dT%H:%M:%SZ}",
        std::chrono::floor<std::chrono::seconds>(Clock::now() - std::chrono::hours(26)));
    const auto campaign = env.queue_campaign("alla", {"--send-at", yesterday});
    const std::string id = std::to_string(campaign);

    const auto idle = env.brevduva({"worker", "--until-idle", "--allow-root"});
    EXPECT_EQ(idle.exit_code, 0) << idle.err;
    EXPECT_NE(idle.err.find("past due"), std::string::npos) << idle.err;
    EXPECT_EQ(env.received_total(), 0U);
    EXPECT_NE(env.brevduva_ok({"campaign", "status", id}).find("scheduled"), std::string::npos);

    env.brevduva_ok({"campaign", "schedule", id, "--at", yesterday, "--force"});
    env.brevduva_ok({"worker", "--until-idle", "--allow-root"});
    EXPECT_EQ(env.received_total(), 20U);
}

// ---- serve: the worker beside the HTTP listeners; SIGTERM drains -----------------------------

// SIGBUS stands in for the page fault of a -shm file whose file system turned read-only or full:
// the worker must end with the problem named, not die without a word, and a worker started
// again must finish the campaign with nobody mailed twice.
TEST(Dispatch, ABusErrorEndsTheWorkerWithTheProblemNamedAndNothingLost) {
    DispatchOptions options;
    options.global_rate = 50;
    DispatchEnvironment env(options);
    constexpr int audience = 200;
    const auto campaign = queue_granted(env, audience);
    const auto worker = env.start_worker();
    ASSERT_TRUE(wait_until_received(env, 20, 60s)) << read_file(env.folder() / "worker.log");
    ::kill(worker->pid(), SIGBUS);
    const auto status = worker->wait(60s);
    ASSERT_TRUE(status) << "the worker did not end";
    const std::string log = read_file(env.folder() / "worker.log");
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << log;
    EXPECT_NE(log.find("SIGBUS"), std::string::npos) << log;
    EXPECT_NE(log.find("-shm"), std::string::npos) << log;

    env.brevduva_ok({"worker", "--until-idle", "--allow-root"});
    auto states = env.states(campaign);
    EXPECT_EQ(states["sent"] + states["ambiguous"], audience);
    EXPECT_LE(env.received_total(), static_cast<std::size_t>(audience)) << "someone mailed twice";
    EXPECT_GE(env.received_total(), static_cast<std::size_t>(states["sent"]));
}

// Another process holding the write lock longer than the worker's busy timeout (a large
// import, a stuck process) is waited out: the worker keeps going, with its outcomes kept until
// they can be written, and the campaign ends with everyone mailed once.
TEST(Dispatch, AWorkerWaitsOutADatabaseLockedPastItsBusyTimeout) {
    DispatchOptions options;
    options.global_rate = 50;
    DispatchEnvironment env(options);
    constexpr int audience = 150;
    const auto campaign = queue_granted(env, audience);
    const auto worker = env.start_worker({"--set", "database.busy_timeout=200ms"});
    ASSERT_TRUE(wait_until_received(env, 20, 60s)) << read_file(env.folder() / "worker.log");
    {
        auto db = env.open_database();
        store::Transaction lock(db);  // BEGIN IMMEDIATE: the write lock, for 15 busy timeouts
        std::this_thread::sleep_for(3s);
        EXPECT_FALSE(worker->wait(0ms)) << "the worker ended while the database was locked:\n"
                                        << read_file(env.folder() / "worker.log");
    }  // rolled back: the lock is released
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    std::map<std::string, std::int64_t> states;
    while (std::chrono::steady_clock::now() < deadline) {
        states = env.states(campaign);
        if (states["sent"] == audience) break;
        std::this_thread::sleep_for(200ms);
    }
    const int status = worker->stop();
    const std::string log = read_file(env.folder() / "worker.log");
    EXPECT_EQ(states["sent"], audience) << log;
    EXPECT_EQ(states["ambiguous"], 0) << log;
    EXPECT_EQ(env.received_total(), static_cast<std::size_t>(audience)) << "mailed twice or not";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
    EXPECT_THAT(log, HasSubstr("the database stayed locked past database.busy_timeout (200 ms)"));
    EXPECT_THAT(log, HasSubstr("the database is writable again"));
}

TEST(Dispatch, ServeSendsAnswersHttpAndDrainsOnSigterm) {
    DispatchOptions options;
    options.global_rate = 50;
    DispatchEnvironment env(options);
    constexpr int audience = 300;
    const auto campaign = queue_granted(env, audience);
    const auto public_port = smtp::testkit::free_port();
    auto admin_port = smtp::testkit::free_port();
    while (admin_port == public_port) admin_port = smtp::testkit::free_port();
    smtp::testkit::ChildProcess serve(
        {BREVDUVA_BINARY, "--config", env.config().string(), "--set",
         fmt::format("http.public_listener=127.0.0.1:{}", public_port), "--set",
         fmt::format("http.admin_listener=127.0.0.1:{}", admin_port), "serve", "--allow-root"},
        false, env.folder() / "serve.log");
    ASSERT_TRUE(smtp::testkit::wait_until_listening(admin_port, 20s))
        << read_file(env.folder() / "serve.log");
    ASSERT_TRUE(wait_until_received(env, 30, 60s)) << read_file(env.folder() / "serve.log");
    const auto health = run_process(
        "/usr/bin/python3",
        {"-c",
         "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).status, end='')",
         fmt::format("http://127.0.0.1:{}/healthz", admin_port)});
    EXPECT_EQ(health.out, "200");

    // SIGHUP with a broken configuration: refused, and the old one keeps serving.
    const std::string good = read_file(env.config());
    write_file(env.config(), good + "\nsending:\n  global_rate: -5\n");
    ::kill(serve.pid(), SIGHUP);
    bool refused = false;
    for (int i = 0; i < 100 && !refused; ++i) {
        std::this_thread::sleep_for(100ms);
        refused = read_file(env.folder() / "serve.log").find("reload refused") != std::string::npos;
    }
    EXPECT_TRUE(refused) << read_file(env.folder() / "serve.log");
    // … and with a good one: in force, listening again.
    write_file(env.config(), good);
    ::kill(serve.pid(), SIGHUP);
    bool in_force = false;
    for (int i = 0; i < 200 && !in_force; ++i) {
        std::this_thread::sleep_for(100ms);
        in_force = read_file(env.folder() / "serve.log").find("new configuration is in force") !=
                   std::string::npos;
    }
    EXPECT_TRUE(in_force) << read_file(env.folder() / "serve.log");
    EXPECT_TRUE(smtp::testkit::wait_until_listening(admin_port, 20s));

    // SIGTERM in the middle: what is in flight ends, nothing stays claimed or sending, exit 0.
    ::kill(serve.pid(), SIGTERM);
    const auto status = serve.wait(60s);
    ASSERT_TRUE(status) << "serve did not stop";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << read_file(env.folder() / "serve.log");
    auto states = env.states(campaign);
    EXPECT_FALSE(states.contains("claimed"));
    EXPECT_FALSE(states.contains("sending"));
    EXPECT_FALSE(states.contains("ambiguous"));
    EXPECT_EQ(states["sent"], static_cast<std::int64_t>(env.received_total()));
    EXPECT_GT(states["pending"], 0) << "the campaign ended before the signal";

    // A worker started again finishes the rest, each person once.
    env.brevduva_ok({"worker", "--until-idle", "--allow-root"});
    const auto received = env.received();
    EXPECT_EQ(received.size(), static_cast<std::size_t>(audience));
    for (const auto& [address, copies] : received) EXPECT_EQ(copies, 1) << address;
}

}  // namespace
}  // namespace brevduva::tests
