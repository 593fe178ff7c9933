// What durability costs: the same database work with SQLite's synchronous = FULL (what
// Brevduva runs: every commit's WAL synced before it returns, so an acknowledgement survives a
// power loss) and with NORMAL (synced only at checkpoints), measured in one run, on the disk
// the database folder is on (--folder, default the system's temporary folder).
//
//   worker    the worker's database work per batch: claim, settle to sending, record sent,
//             three transactions per batch of --batch deliveries (sending.batch_size)
//   pixel     opens written by the public listener's tracking writer, in its own batches
//   ack       acknowledgements one at a time: a withdrawal appended to the ledger, one
//             transaction each, as an unsubscribe, a confirmation or a CLI command commits
//
// Each mode runs --rounds times, alternating, on a fresh database; the better round counts.
// The figures go to docs/operations.md, "Durability".
#include <Poco/Data/Session.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "consent/consent_migrations.hpp"
#include "consent/consent_store.hpp"
#include "dispatcher/dispatcher_store.hpp"
#include "http/http_metrics.hpp"
#include "http/http_tracking.hpp"
#include "store/store_database.hpp"
#include "store/store_migrate.hpp"
#include "store/store_time.hpp"

namespace brevduva::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

struct Options {
    fs::path folder = fs::temp_directory_path();
    int deliveries = 20'000;
    int batch = 100;
    int hits = 100'000;
    int acks = 500;
    int rounds = 3;
};

struct Figures {
    double worker_per_second = 0;  // deliveries through claim, settle, record
    double pixel_per_second = 0;   // opens written
    double ack_mean_ms = 0;        // per acknowledged change
    double ack_p99_ms = 0;
};

std::string secret() { return std::string(48, 's'); }

store::Database open(const fs::path& path, bool full) {
    auto db = store::Database::open_sqlite(path, std::chrono::seconds(30));
    if (!full) db.execute_script("PRAGMA synchronous = NORMAL");
    return db;
}

// A running campaign with one pending delivery per contact, each contact with open-tracking
// and marketing consent.
std::int64_t seed(store::Database& db, int contacts) {
    const auto purposes = config::Settings::default_purposes();
    (void)store::Migrator(db, consent::builtin_migrations(db.backend(), purposes)).migrate();
    std::string at = store::stored_time(std::chrono::system_clock::now() - std::chrono::hours(1));
    store::Transaction transaction(db);
    std::int64_t n = contacts;
    db.session() << "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < $1)"
                    " INSERT INTO contacts (address, folded_address, address_given, created_at,"
                    " updated_at) SELECT 'p' || n || '@bench.example.se', 'p' || n ||"
                    " '@bench.example.se', 'p' || n || '@bench.example.se', $2, $2 FROM i",
        use(n), use(at), now;
    for (const char* purpose : {"product_marketing", "open_tracking"}) {
        std::string name = purpose;
        db.session() << "INSERT INTO consent_events (contact_id, purpose, action, basis, source,"
                        " actor, occurred_at, recorded_at) SELECT id, $1, 'grant', 'consent',"
                        " 'bench', 'bench', $2, $2 FROM contacts",
            use(name), use(at), now;
    }
    db.session() << "INSERT INTO campaigns (name, purpose, template_folder, audience_lists, state,"
                    " created_by, created_at, updated_at) VALUES ('bench', 'product_marketing',"
                    " '/none', '[\"bench\"]', 'running', 'bench', $1, $1)",
        use(at), now;
    std::int64_t campaign = 0;
    db.session() << "SELECT max(id) FROM campaigns", into(campaign), now;
    db.session() << "INSERT INTO deliveries (campaign_id, contact_id, due_at, updated_at)"
                    " SELECT $1, id, $2, $2 FROM contacts",
        use(campaign), use(at), now;
    transaction.commit();
    consent::Ledger(db, purposes).rebuild();
    return campaign;
}

double worker_path(store::Database& db, std::int64_t campaign, int batch) {
    dispatcher::DeliveryQueue queue(db, "bench-worker");
    const dispatcher::UnitRandom random = [] { return 0.5; };
    smtp::SmtpReply queued;
    queued.code = 250;
    queued.text = "2.0.0 queued";
    const auto accepted = smtp::Outcome::from_reply(queued, smtp::Stage::end_of_data);
    std::size_t done = 0;
    const auto start = Clock::now();
    for (;;) {
        const auto now_at = std::chrono::system_clock::now();
        const auto claimed = queue.claim(campaign, static_cast<std::size_t>(batch), now_at,
                                         now_at + std::chrono::minutes(5));
        if (claimed.empty()) break;
        std::vector<dispatcher::GateVerdict> verdicts;
        std::vector<dispatcher::AttemptOutcome> outcomes;
        for (const auto& c : claimed) {
            dispatcher::GateVerdict v;
            v.id = c.id;
            v.open_tracking = true;
            verdicts.push_back(v);
            outcomes.push_back({c.id, accepted, c.contact_id, c.attempts + 1, now_at});
        }
        (void)queue.settle(verdicts, now_at);
        (void)queue.record(outcomes, dispatcher::BackoffPolicy{}, now_at, random,
                           [](std::int64_t) { return std::string(); });
        done += claimed.size();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return static_cast<double>(done) / seconds;
}

double pixel_path(const fs::path& path, bool full, std::int64_t campaign, int deliveries,
                  int hits) {
    http::Metrics metrics;
    http::TrackingRecorder recorder([path, full] { return open(path, full); },
                                    config::Settings::default_purposes(), secret(), metrics, {});
    recorder.start();
    std::mt19937_64 random(1);
    const auto start = Clock::now();
    for (int i = 0; i < hits; ++i) {
        http::TrackingHit hit;
        hit.campaign_id = static_cast<std::uint64_t>(campaign);
        const auto id = 1 + random() % static_cast<std::uint64_t>(deliveries);
        hit.contact_id = id;  // seeded one to one: delivery n is contact n's
        hit.delivery_id = id;
        hit.at = std::chrono::system_clock::now();
        if (!recorder.record(hit, "Mozilla/5.0 (X11; Linux x86_64) Thunderbird/128.0",
                             "192.0.2.0/24")) {
            throw std::runtime_error("an open was dropped");
        }
    }
    recorder.flush();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    recorder.stop();
    return hits / seconds;
}

std::pair<double, double> ack_path(store::Database& db, int acks) {
    consent::Ledger ledger(db, config::Settings::default_purposes());
    std::vector<double> ms;
    for (int i = 0; i < acks; ++i) {
        consent::LedgerEntry entry;
        entry.contact_id = 1 + i;
        entry.event = {0,
                       "product_marketing",
                       consent::Action::withdraw,
                       config::LawfulBasis::consent,
                       std::chrono::system_clock::now(),
                       "unsubscribe_link",
                       "bench",
                       "recipient"};
        const auto start = Clock::now();
        (void)ledger.append(entry).value();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    double sum = 0;
    for (const double m : ms) sum += m;
    return {sum / static_cast<double>(ms.size()), ms[ms.size() * 99 / 100]};
}

Figures measure(const Options& o, bool full, int round) {
    const fs::path path = o.folder / fmt::format("brevduva-bench-durability-{}-{}.db",
                                                 full ? "full" : "normal", round);
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
    Figures f;
    {
        auto db = open(path, full);
        const auto campaign = seed(db, o.deliveries);
        f.worker_per_second = worker_path(db, campaign, o.batch);
        f.pixel_per_second = pixel_path(path, full, campaign, o.deliveries, o.hits);
        std::tie(f.ack_mean_ms, f.ack_p99_ms) = ack_path(db, std::min(o.acks, o.deliveries));
    }
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
    return f;
}

Figures best(const std::vector<Figures>& rounds) {
    Figures b = rounds.front();
    for (const auto& f : rounds) {
        b.worker_per_second = std::max(b.worker_per_second, f.worker_per_second);
        b.pixel_per_second = std::max(b.pixel_per_second, f.pixel_per_second);
        b.ack_mean_ms = std::min(b.ack_mean_ms, f.ack_mean_ms);
        b.ack_p99_ms = std::min(b.ack_p99_ms, f.ack_p99_ms);
    }
    return b;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        const std::string v = argv[++i];
        if (a == "--folder") {
            o.folder = v;
        } else if (a == "--deliveries") {
            o.deliveries = std::stoi(v);
        } else if (a == "--batch") {
            o.batch = std::stoi(v);
        } else if (a == "--hits") {
            o.hits = std::stoi(v);
        } else if (a == "--acks") {
            o.acks = std::stoi(v);
        } else if (a == "--rounds") {
            o.rounds = std::stoi(v);
        } else {
            throw std::invalid_argument("unknown option " + a);
        }
    }
    if (o.deliveries < 1 || o.batch < 1 || o.hits < 1 || o.acks < 1 || o.rounds < 1) {
        throw std::invalid_argument("every count must be at least 1");
    }
    return o;
}

}  // namespace
}  // namespace brevduva::bench

int main(int argc, char** argv) {
    using namespace brevduva::bench;
    try {
        const Options o = parse(argc, argv);
        spdlog::set_level(spdlog::level::warn);  // the migrations' lines are not figures
        fmt::print(
            "durability: {} deliveries in batches of {}, {} opens, {} acknowledgements, "
            "{} rounds, in {}\n",
            o.deliveries, o.batch, o.hits, o.acks, o.rounds, o.folder.string());
        std::vector<Figures> full, normal;
        for (int round = 0; round < o.rounds; ++round) {
            // Alternating, so that a noisy neighbour weighs on both modes alike.
            normal.push_back(measure(o, false, round));
            full.push_back(measure(o, true, round));
        }
        const Figures f = best(full), n = best(normal);
        fmt::print("{:<44} {:>14} {:>14} {:>8}\n", "", "FULL (ours)", "NORMAL", "FULL/NORMAL");
        fmt::print("{:<44} {:>14.0f} {:>14.0f} {:>8.2f}\n",
                   "worker: deliveries/s (claim+settle+record)", f.worker_per_second,
                   n.worker_per_second, f.worker_per_second / n.worker_per_second);
        fmt::print("{:<44} {:>14.0f} {:>14.0f} {:>8.2f}\n", "pixel: opens written/s",
                   f.pixel_per_second, n.pixel_per_second, f.pixel_per_second / n.pixel_per_second);
        fmt::print("{:<44} {:>14.2f} {:>14.2f} {:>8.2f}\n",
                   "ack: ms per acknowledged change (mean)", f.ack_mean_ms, n.ack_mean_ms,
                   f.ack_mean_ms / n.ack_mean_ms);
        fmt::print("{:<44} {:>14.2f} {:>14.2f} {:>8.2f}\n", "ack: ms per acknowledged change (p99)",
                   f.ack_p99_ms, n.ack_p99_ms, f.ack_p99_ms / n.ack_p99_ms);
        return 0;
    } catch (const std::exception& e) {
        fmt::print(stderr, "bench_durability: {}\n", e.what());
        return 1;
    }
}
