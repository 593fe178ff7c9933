#include "http/http_tracking.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <unordered_map>

#include "consent/consent_gate.hpp"
#include "consent/consent_store.hpp"
#include "http/http_classify.hpp"
#include "http/http_tracking_rows.hpp"

namespace brevduva::http {
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

struct TrackedDelivery {
    std::int64_t campaign_id = 0;
    std::int64_t contact_id = 0;
    std::int64_t merged_from = 0;  // the contact it was made for, before a merge; 0: none
    std::optional<store::Time> sent_at;
};

// What the contact had said and what was suppressed, for the gate at each hit's time.
// A decision of the gate that holds for every hit at or after valid_from (the newest event or
// suppression of the contact) and before valid_until (when a consent lapses).
struct CachedDecision {
    bool send = false;
    store::Time valid_from;
    store::Time valid_until = store::Time::max();
};

struct TrackedContact {
    std::array<std::optional<CachedDecision>, 2> decisions;  // by TrackingKind
    bool exists = false;
    consent::ContactFacts facts;
    std::vector<consent::ConsentEvent> events;
    std::vector<consent::Suppression> suppressions;
};

// What the writer knows about deliveries and contacts, kept from batch to batch while nothing
// that could change a decision has happened: the newest ledger event id and the newest
// suppression time are read (both from an index) at the start of every batch, and any
// difference empties the cache. Every append, withdrawal, erasure (which deletes events and
// adds a suppression) and new suppression, from any process, changes one of them. A lifted
// suppression alone changes neither; the cache then keeps the hit unattributed until the next
// change, which errs on the side of the person.
struct FactsCache {
    static constexpr std::size_t max_entries = 200'000;
    std::int64_t ledger_mark = -1;
    std::string suppression_mark;
    std::unordered_map<std::int64_t, std::optional<TrackedDelivery>> deliveries;
    std::unordered_map<std::int64_t, TrackedContact> contacts;

    void refresh(store::Database& db) {
        std::int64_t ledger = 0;
        Poco::Nullable<std::string> suppressed;
        db.session() << "SELECT coalesce(max(id), 0) FROM consent_events", into(ledger), now;
        db.session() << "SELECT max(suppressed_at) FROM suppressions", into(suppressed), now;
        const std::string mark = suppressed.isNull() ? std::string() : suppressed.value();
        if (ledger != ledger_mark || mark != suppression_mark ||
            deliveries.size() + contacts.size() > max_entries) {
            deliveries.clear();
            contacts.clear();
            ledger_mark = ledger;
            suppression_mark = mark;
        }
    }
};

namespace {

// (campaign, kind, link, UTC day since 1970, source class): numbers, turned into the table's
// text only when the counts are written.
using CountKey = std::tuple<std::int64_t, int, std::int64_t, std::int64_t, int>;
struct Count {
    std::int64_t hits = 0;
    std::int64_t attributed = 0;
};

std::string_view kind_name(TrackingKind kind) {
    return kind == TrackingKind::open ? "open" : "click";
}

// One batch, in one transaction: look the deliveries and contacts up once, decide each hit,
// insert the attributed rows and add to the counts.
class BatchWriter {
  public:
    BatchWriter(store::Database& db, const std::vector<config::PurposeSettings>& purposes,
                const std::string& secret, FactsCache& cache, TrackingRows& rows)
        : db_(db),
          rows_(rows),
          purposes_(purposes),
          contacts_(db, purposes),
          ledger_(db, purposes),
          suppressions_(db, secret),
          deliveries_(cache.deliveries),
          contacts_seen_(cache.contacts) {}

    // Returns the number of hits stored against a delivery.
    std::uint64_t write(std::span<const QueuedHit> batch, FactsCache& cache) {
        counts_.clear();
        store::Transaction transaction(db_);
        cache.refresh(db_);
        std::uint64_t attributed = 0;
        for (const auto& hit : batch) {
            if (write_one(hit)) ++attributed;
        }
        rows_.flush();
        write_counts();
        transaction.commit();
        return attributed;
    }

  private:
    bool write_one(const QueuedHit& queued) {
        const TrackingHit& hit = queued.hit;
        const TrackedDelivery* delivery = find_delivery(hit.delivery_id);
        // A message sent before its contact was merged into another carries the old id.
        const auto token_contact = static_cast<std::int64_t>(hit.contact_id);
        const bool belongs =
            delivery != nullptr &&
            delivery->campaign_id == static_cast<std::int64_t>(hit.campaign_id) &&
            (delivery->contact_id == token_contact || delivery->merged_from == token_contact);
        std::optional<std::chrono::seconds> since;
        if (belongs && delivery->sent_at) {
            since = std::chrono::floor<std::chrono::seconds>(hit.at - *delivery->sent_at);
        }
        // Only a human agent can turn into a scanner by timing: the rest keep the cached class.
        const Classification& agent = by_agent(queued);
        std::optional<Classification> timed;
        if (agent.source_class == SourceClass::human && since && *since < scanner_window) {
            timed = with_timing(agent, since);
        }
        const Classification& classification = timed ? *timed : agent;
        const bool consented = belongs && consented_at(hit, delivery->contact_id);
        if (hit.campaign_id != 0) {
            const auto day = std::chrono::floor<std::chrono::days>(hit.at);
            Count& count = counts_[CountKey{
                static_cast<std::int64_t>(hit.campaign_id), static_cast<int>(hit.kind),
                static_cast<std::int64_t>(hit.link_id), day.time_since_epoch().count(),
                static_cast<int>(classification.source_class)}];
            ++count.hits;
            if (consented) ++count.attributed;
        }
        if (!consented) return false;
        rows_.add(TrackingRow{hit.kind == TrackingKind::click, hit.delivery_id, hit.campaign_id,
                              hit.link_id, hit.at, since, to_string(classification.source_class),
                              classification.reason, hit.head, *queued.user_agent,
                              *queued.ip_prefix});
        return true;
    }

    // What the method and user agent say, worked out once per distinct agent in the batch. The
    // key is the interned string: every hit of the batch holds its agent, so no address is
    // reused while the batch is written.
    const Classification& by_agent(const QueuedHit& queued) {
        auto& agents = agents_[queued.hit.head ? 1 : 0];
        const std::string* key = queued.user_agent.get();
        auto it = agents.find(key);
        if (it == agents.end()) {
            it = agents.emplace(key, classify_agent(queued.hit.head ? "HEAD" : "GET", *key)).first;
        }
        return it->second;
    }

    const TrackedDelivery* find_delivery(std::uint64_t id) {
        if (id == 0) return nullptr;
        const auto key = static_cast<std::int64_t>(id);
        if (auto it = deliveries_.find(key); it != deliveries_.end()) {
            return it->second ? &*it->second : nullptr;
        }
        std::int64_t campaign = 0, contact = 0, found = 0;
        Poco::Nullable<std::string> sent;
        std::int64_t lookup = key, merged_from = 0;
        db_.session() << "SELECT count(*), coalesce(max(campaign_id), 0), "
                         "coalesce(max(contact_id), 0), coalesce(max(merged_from), 0),"
                         " max(sent_at) FROM deliveries WHERE id = $1",
            into(found), into(campaign), into(contact), into(merged_from), into(sent), use(lookup),
            now;
        std::optional<TrackedDelivery> facts;
        if (found == 1) {
            facts = TrackedDelivery{campaign, contact, merged_from, std::nullopt};
            if (!sent.isNull()) facts->sent_at = store::read_stored_time(sent.value());
        }
        auto& slot = deliveries_[key] = facts;
        return slot ? &*slot : nullptr;
    }

    TrackedContact& contact_facts(std::int64_t id) {
        if (auto it = contacts_seen_.find(id); it != contacts_seen_.end()) return it->second;
        TrackedContact facts;
        if (auto contact = contacts_.find(id)) {
            facts.exists = true;
            facts.facts.has_organisation = !contact->organisation.empty();
            facts.events = ledger_.events(id);
            if (auto address = consent::normalise_address(contact->address)) {
                facts.suppressions = suppressions_.for_key(suppressions_.key_for(address.value()));
            }
        }
        return contacts_seen_.emplace(id, std::move(facts)).first->second;
    }

    // The gate for the delivery's contact, as at the hit's time: only what had happened by then
    // counts.
    bool consented_at(const TrackingHit& hit, std::int64_t contact_id) {
        const std::string_view purpose_name =
            hit.kind == TrackingKind::open ? "open_tracking" : "click_tracking";
        const auto purpose = std::find_if(purposes_.begin(), purposes_.end(),
                                          [&](const auto& p) { return p.name == purpose_name; });
        if (purpose == purposes_.end()) return false;
        TrackedContact& facts = contact_facts(contact_id);
        if (!facts.exists) return false;
        auto& cached = facts.decisions[static_cast<std::size_t>(hit.kind)];
        if (cached && hit.at >= cached->valid_from && hit.at < cached->valid_until) {
            return cached->send;
        }
        std::vector<consent::ConsentEvent> events;
        store::Time newest{};
        for (const auto& e : facts.events) {
            newest = std::max(newest, e.at);
            if (e.at <= hit.at) events.push_back(e);
        }
        std::vector<consent::Suppression> suppressions;
        for (const auto& s : facts.suppressions) {
            newest = std::max(newest, s.at);
            if (s.at <= hit.at) suppressions.push_back(s);
        }
        const bool send = consent::decide(facts.facts, events, suppressions, *purpose, hit.at).send;
        if (hit.at >= newest) {
            const auto state = consent::fold(events, *purpose, facts.facts);
            cached = CachedDecision{send, newest, state.lapses_at.value_or(store::Time::max())};
        }
        return send;
    }

    void write_counts() {
        for (const auto& [key, count] : counts_) {
            auto [campaign, kind_number, link, day_number, class_number] = key;
            std::string kind(kind_name(static_cast<TrackingKind>(kind_number)));
            std::string day =
                store::stored_time(store::Time(std::chrono::days(day_number))).substr(0, 10);
            std::string source_class(to_string(static_cast<SourceClass>(class_number)));
            std::int64_t hits = count.hits, attributed = count.attributed;
            db_.session() << "INSERT INTO tracking_counts (campaign_id, kind, link_id, day, "
                             "source_class, hits, attributed) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                             "ON CONFLICT (campaign_id, kind, link_id, day, source_class) DO "
                             "UPDATE SET hits = tracking_counts.hits + excluded.hits, "
                             "attributed = tracking_counts.attributed + excluded.attributed",
                use(campaign), use(kind), use(link), use(day), use(source_class), use(hits),
                use(attributed), now;
        }
    }

    store::Database& db_;
    TrackingRows& rows_;
    const std::vector<config::PurposeSettings>& purposes_;
    consent::ContactStore contacts_;
    consent::Ledger ledger_;
    consent::SuppressionStore suppressions_;
    std::unordered_map<std::int64_t, std::optional<TrackedDelivery>>& deliveries_;
    std::unordered_map<std::int64_t, TrackedContact>& contacts_seen_;
    std::map<CountKey, Count> counts_;
    std::array<std::unordered_map<const std::string*, Classification>, 2> agents_;  // GET, HEAD
};

}  // namespace

TrackingRecorder::TrackingRecorder(DatabaseOpener open,
                                   std::vector<config::PurposeSettings> purposes,
                                   std::string suppression_secret, Metrics& metrics,
                                   TrackingOptions options)
    : open_(std::move(open)),
      purposes_(std::move(purposes)),
      suppression_secret_(std::move(suppression_secret)),
      metrics_(metrics),
      options_(options) {}

TrackingRecorder::~TrackingRecorder() { stop(); }

void TrackingRecorder::start() {
    const std::lock_guard lock(mutex_);
    if (running_) return;
    auto db = std::make_unique<store::Database>(open_());
    stopping_ = false;
    running_ = true;
    writer_ = std::thread([this, db = std::move(db)]() mutable { run(std::move(db)); });
}

InternedText TrackingRecorder::intern(std::string_view text) {
    if (auto it = interned_.find(text); it != interned_.end()) return it->second;
    // Hits already queued keep their own references: starting again frees nothing they use.
    if (interned_.size() >= max_interned) interned_.clear();
    auto shared = std::make_shared<const std::string>(text);
    interned_.emplace(*shared, shared);
    return shared;
}

bool TrackingRecorder::record(const TrackingHit& hit, std::string_view user_agent,
                              std::string_view ip_prefix) {
    user_agent = user_agent.substr(0, max_user_agent_bytes);
    std::string cleaned;
    if (!std::all_of(user_agent.begin(), user_agent.end(),
                     [](char c) { return c >= 0x20 && c < 0x7f; })) {
        cleaned.assign(user_agent);
        std::replace_if(
            cleaned.begin(), cleaned.end(), [](char c) { return c < 0x20 || c >= 0x7f; }, '?');
        user_agent = cleaned;
    }
    std::unique_lock lock(mutex_);
    const bool room = room_.wait_for(lock, options_.enqueue_wait, [this] {
        return queue_.size() + in_hand_ < options_.queue_capacity || stopping_ || !running_;
    });
    if (!room || stopping_ || !running_) {
        lock.unlock();
        metrics_.tracking_dropped();
        return false;
    }
    queue_.push_back(QueuedHit{hit, intern(user_agent), intern(ip_prefix)});
    ++queued_total_;
    if (queue_.size() == 1) work_.notify_one();
    return true;
}

void TrackingRecorder::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = queued_total_;
    work_.notify_one();
    progress_.wait(lock, [&] { return written_total_ >= target || !running_; });
}

void TrackingRecorder::stop() {
    {
        const std::lock_guard lock(mutex_);
        if (!running_ && !writer_.joinable()) return;
        stopping_ = true;
    }
    work_.notify_all();
    room_.notify_all();
    if (writer_.joinable()) writer_.join();
    const std::lock_guard lock(mutex_);
    running_ = false;
    progress_.notify_all();
}

std::size_t TrackingRecorder::depth() const {
    const std::lock_guard lock(mutex_);
    return queue_.size() + in_hand_;
}

void TrackingRecorder::run(std::unique_ptr<store::Database> db) {
    std::vector<QueuedHit> taken;
    FactsCache cache;
    std::unique_ptr<TrackingRows> rows;  // declared after db: finalised before it closes
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            work_.wait(lock, [this] { return !queue_.empty() || stopping_; });
            if (queue_.empty() && stopping_) break;
            // Take everything; the request threads go on with the (empty) vector handed back,
            // whose capacity stays, so queueing allocates nothing once warm.
            taken.swap(queue_);
            in_hand_ = taken.size();
        }
        const std::span<const QueuedHit> all(taken);
        for (std::size_t from = 0; from < all.size(); from += options_.batch_max) {
            const auto batch = all.subspan(from, std::min(options_.batch_max, all.size() - from));
            write_with_retry(batch, db, rows, cache);
            {
                const std::lock_guard lock(mutex_);
                written_total_ += batch.size();
                in_hand_ -= batch.size();
            }
            room_.notify_all();
            progress_.notify_all();
        }
        taken.clear();
    }
}

// The database may be busy or briefly gone: the batch stays in hand and is tried again, so a
// hit is lost only when the process is told to stop while the database keeps failing.
void TrackingRecorder::write_with_retry(std::span<const QueuedHit> batch,
                                        std::unique_ptr<store::Database>& db,
                                        std::unique_ptr<TrackingRows>& rows, FactsCache& cache) {
    for (int attempt = 1;; ++attempt) {
        try {
            if (!db) db = std::make_unique<store::Database>(open_());
            if (!rows) rows = std::make_unique<TrackingRows>(*db);
            BatchWriter writer(*db, purposes_, suppression_secret_, cache, *rows);
            const std::uint64_t attributed = writer.write(batch, cache);
            metrics_.tracking_written(attributed, batch.size() - attributed);
            return;
        } catch (const Poco::Exception& e) {
            spdlog::error("writing {} tracking hits failed (attempt {}): {}", batch.size(), attempt,
                          e.displayText());
        } catch (const std::exception& e) {
            spdlog::error("writing {} tracking hits failed (attempt {}): {}", batch.size(), attempt,
                          e.what());
        }
        rows.reset();
        db.reset();
        cache = FactsCache{};
        bool stopping = false;
        {
            std::unique_lock lock(mutex_);
            stopping = work_.wait_for(lock, options_.retry_delay, [this] { return stopping_; });
        }
        if (stopping && attempt >= 3) {
            spdlog::error(
                "{} tracking hits were not written: the database kept failing while "
                "stopping",
                batch.size());
            return;
        }
    }
}

}  // namespace brevduva::http
