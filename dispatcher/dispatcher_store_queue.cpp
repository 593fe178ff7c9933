// DeliveryQueue: the worker's side of the durable queue. Claims, gate verdicts and outcomes,
// each batch in one transaction; leases and the recovery of a dead worker's leases.
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

#include "consent/consent_event.hpp"
#include "dispatcher/dispatcher_backoff.hpp"
#include "dispatcher/dispatcher_store.hpp"
#include "dispatcher/dispatcher_store_sql.hpp"

namespace brevduva::dispatcher {
using detail::optional_time;
using detail::read_stored_time;
using detail::stored_time;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

// Field 22 of /proc/<pid>/stat: the process's start time in clock ticks since boot. With the
// pid it names one process for the life of the machine (pids are reused, start times not).
std::string start_time_of(long pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(in, line)) return {};
    const auto close = line.rfind(')');  // the command name may hold spaces and parentheses
    if (close == std::string::npos) return {};
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22) return field;
    }
    return {};
}

// Text that cannot break a column or a log line: the relay's reply, shortened.
std::string reply_text(const smtp::Outcome& outcome) {
    std::string text = outcome.code != 0 ? fmt::format("{} ", outcome.code) : std::string();
    if (outcome.enhanced) {
        text += smtp::to_string(*outcome.enhanced) + ' ';
    }
    text += outcome.text;
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    if (text.size() > 500) text.resize(500);
    return fmt::format("{} ({} at {})", text, smtp::to_string(outcome.cause),
                       smtp::to_string(outcome.stage));
}

}  // namespace

std::string worker_identity() {
    const long pid = ::getpid();
    return fmt::format("{}/{}/{}", host_name(), pid, start_time_of(pid));
}

bool owner_is_gone(std::string_view owner) {
    const auto first = owner.find('/');
    const auto second = owner.find('/', first == std::string_view::npos ? 0 : first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) return false;
    if (owner.substr(0, first) != host_name()) return false;
    long pid = 0;
    for (char c : owner.substr(first + 1, second - first - 1)) {
        if (c < '0' || c > '9') return false;
        pid = pid * 10 + (c - '0');
    }
    if (pid <= 0) return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return true;
    // The pid lives, but is it the same process?
    const std::string started = start_time_of(pid);
    return !started.empty() && started != owner.substr(second + 1);
}

DeliveryQueue::DeliveryQueue(store::Database& db, std::string owner)
    : db_(db), owner_(std::move(owner)) {}

DeliveryQueue::Recovered DeliveryQueue::recover(Time now_at) {
    store::Transaction transaction(db_);
    Recovered recovered;
    std::vector<std::string> owners;
    db_.session() << "SELECT DISTINCT lease_owner FROM deliveries"
                     " WHERE state IN ('claimed', 'sending') AND lease_owner <> ''",
        into(owners), now;
    std::string at = stored_time(now_at);
    for (auto& owner : owners) {
        if (owner == owner_) continue;
        // A dead process on this host gives up its leases at once; elsewhere only expiry can.
        int gone = owner_is_gone(owner) ? 1 : 0;
        Poco::Data::Statement released(db_.session());
        released
            << "UPDATE deliveries SET state = 'pending', lease_owner = '',"
               " lease_until = NULL, updated_at = $1"
               " WHERE state = 'claimed' AND lease_owner = $2 AND ($3 = 1 OR lease_until < $1)",
            use(at), use(owner), use(gone);
        recovered.released += static_cast<std::int64_t>(released.execute());
        Poco::Data::Statement lost(db_.session());
        lost << "UPDATE deliveries SET state = 'ambiguous', lease_owner = '', lease_until = NULL,"
                " last_reply = 'the worker stopped after the transaction began', updated_at = $1"
                " WHERE state = 'sending' AND lease_owner = $2 AND ($3 = 1 OR lease_until < $1)",
            use(at), use(owner), use(gone);
        recovered.ambiguous += static_cast<std::int64_t>(lost.execute());
    }
    transaction.commit();
    return recovered;
}

std::vector<Claimed> DeliveryQueue::claim(CampaignId campaign, std::size_t limit, Time now_at,
                                          Time lease_until) {
    store::Transaction transaction(db_);
    std::vector<std::int64_t> ids, contacts;
    std::vector<int> attempts;
    std::vector<Poco::Nullable<std::string>> first;
    std::string at = stored_time(now_at), until = stored_time(lease_until);
    auto n = static_cast<std::int64_t>(limit);
    // Due first: pending in queue order, deferred when their backoff has passed. PostgreSQL
    // workers on several machines skip rows another one is claiming.
    const std::string lock =
        db_.backend() == store::Backend::postgresql ? " FOR UPDATE SKIP LOCKED" : "";
    db_.session() << "SELECT d.id, d.contact_id, d.attempts, d.first_attempt_at FROM deliveries d"
                     " JOIN campaigns c ON c.id = d.campaign_id AND c.state = 'running'"
                     " WHERE d.campaign_id = $1 AND d.state IN ('pending', 'deferred')"
                     " AND d.due_at <= $2 ORDER BY d.due_at, d.id LIMIT $3" +
                         lock,
        use(campaign), use(at), use(n), into(ids), into(contacts), into(attempts), into(first), now;
    std::vector<Claimed> claimed;
    if (ids.empty()) return claimed;
    db_.session() << "UPDATE deliveries SET state = 'claimed', lease_owner = $1,"
                     " lease_until = $2, updated_at = $3 WHERE id IN (" +
                         detail::id_list(ids) + ")",
        use(owner_), use(until), use(at), now;
    transaction.commit();
    claimed.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        claimed.push_back({ids[i], campaign, contacts[i], attempts[i], optional_time(first[i])});
    }
    return claimed;
}

std::vector<DeliveryId> DeliveryQueue::settle(std::span<const GateVerdict> verdicts, Time now_at) {
    std::vector<DeliveryId> sending;
    if (verdicts.empty()) return sending;
    std::string at = stored_time(now_at);
    // A few statements per batch, one per kind of verdict (and reason), not one per delivery:
    // a statement costs its parse, whatever the number of rows it moves.
    std::vector<std::int64_t> to_send, open, click;
    std::map<std::string, std::vector<std::int64_t>> skipped, failed, released;
    for (const auto& v : verdicts) {
        switch (v.kind) {
            case GateVerdict::Kind::send:
                to_send.push_back(v.id);
                if (v.open_tracking) open.push_back(v.id);
                if (v.click_tracking) click.push_back(v.id);
                break;
            case GateVerdict::Kind::skip:
                skipped[v.reason].push_back(v.id);
                break;
            case GateVerdict::Kind::fail:
                failed[v.reason].push_back(v.id);
                break;
            case GateVerdict::Kind::release: {
                // "Not before" allows rounding up to a tenth of a second, and then a batch's
                // shaper waits share a few statements instead of one each.
                using Tenths = std::chrono::duration<std::int64_t, std::deci>;
                const Time due = std::chrono::ceil<Tenths>(v.due_at);
                released[stored_time(due)].push_back(v.id);
                break;
            }
        }
    }
    const std::string mine = " AND state = 'claimed' AND lease_owner = $3";

    // Joins the caller's transaction: the worker reads the gate's facts and settles in one, so
    // that a withdrawal either commits before the gate reads or after the row is sending.
    std::optional<store::Transaction> own;
    if (!db_.in_transaction()) own.emplace(db_);
    for (auto& [key, ids] : skipped) {
        std::string reason = key;
        db_.session() << "UPDATE deliveries SET state = 'skipped', skip_reason = $1,"
                         " lease_owner = '', lease_until = NULL, decided_at = $2, updated_at = $2"
                         " WHERE id IN (" +
                             detail::id_list(ids) + ")" + mine,
            use(reason), use(at), use(owner_), now;
    }
    for (auto& [key, ids] : failed) {
        std::string reason = key;
        db_.session() << "UPDATE deliveries SET state = 'failed', last_reply = $1,"
                         " lease_owner = '', lease_until = NULL, updated_at = $2"
                         " WHERE id IN (" +
                             detail::id_list(ids) + ")" + mine,
            use(reason), use(at), use(owner_), now;
    }
    for (auto& [key, ids] : released) {
        std::string due = key;
        db_.session() << "UPDATE deliveries SET state = 'pending', due_at = $1,"
                         " lease_owner = '', lease_until = NULL, updated_at = $2"
                         " WHERE id IN (" +
                             detail::id_list(ids) + ")" + mine,
            use(due), use(at), use(owner_), now;
    }
    if (!to_send.empty()) {
        std::vector<std::int64_t> moved;
        db_.session() << "UPDATE deliveries SET state = 'sending', attempts = attempts + 1,"
                         " first_attempt_at = COALESCE(first_attempt_at, $1), decided_at = $1,"
                         " open_tracking = CASE WHEN id IN (" +
                             detail::id_list(open) +
                             ") THEN 1 ELSE 0 END, click_tracking = CASE WHEN id IN (" +
                             detail::id_list(click) +
                             ") THEN 1 ELSE 0 END, updated_at = $1"
                             " WHERE id IN (" +
                             detail::id_list(to_send) + ")" +
                             " AND state = 'claimed' AND lease_owner = $2 RETURNING id",
            use(at), use(owner_), into(moved), now;
        // In the order decided, which is the queue's.
        const std::unordered_set<std::int64_t> moved_ids(moved.begin(), moved.end());
        for (const auto id : to_send) {
            if (moved_ids.contains(id)) sending.push_back(id);
        }
    }
    if (own) own->commit();
    return sending;
}

namespace {

// One delivery's move out of sending, as record() decided it.
struct Move {
    std::int64_t id = 0;
    std::string state, reply, due;
    std::size_t outcome = 0;  // its index in record()'s outcomes
};

// Rows per UPDATE … FROM (VALUES …): 4 parameters each, well inside SQLite's 32,766.
constexpr std::size_t kMovesPerStatement = 500;

// Applies the moves of deliveries this owner still has sending; the ids it moved. The
// per-row values go in as a VALUES table joined by UPDATE … FROM … RETURNING (SQLite 3.35
// and PostgreSQL alike), so a chunk of rows costs one statement. Ids must be distinct.
std::vector<std::int64_t> apply_moves(store::Database& db, std::vector<Move>& moves,
                                      std::string& at, std::string& owner) {
    std::vector<std::int64_t> moved;
    for (std::size_t first = 0; first < moves.size(); first += kMovesPerStatement) {
        const std::size_t last = std::min(moves.size(), first + kMovesPerStatement);
        // Placeholders are numbered in order of appearance, as they are bound.
        std::string values;
        int n = 0;
        for (std::size_t i = first; i < last; ++i) {
            if (i != first) values += ", ";
            values += fmt::format(
                "(CAST(${} AS BIGINT), CAST(${} AS TEXT), CAST(${} AS TEXT),"
                " CAST(${} AS TEXT))",
                n + 1, n + 2, n + 3, n + 4);
            n += 4;
        }
        Poco::Data::Statement update(db.session());
        update << fmt::format(
            "WITH moves (id, state, reply, due) AS (VALUES {0})"
            " UPDATE deliveries SET state = moves.state, last_reply = moves.reply,"
            " due_at = moves.due,"
            " sent_at = CASE WHEN moves.state = 'sent' THEN ${1} ELSE sent_at END,"
            " lease_owner = '', lease_until = NULL, updated_at = ${1} FROM moves"
            " WHERE deliveries.id = moves.id AND deliveries.state = 'sending'"
            " AND deliveries.lease_owner = ${2} RETURNING deliveries.id",
            values, n + 1, n + 2);
        for (std::size_t i = first; i < last; ++i) {
            update.addBind(use(moves[i].id));
            update.addBind(use(moves[i].state));
            update.addBind(use(moves[i].reply));
            update.addBind(use(moves[i].due));
        }
        update.addBind(use(at));
        update.addBind(use(owner));
        std::vector<std::int64_t> ids;
        update.addExtract(into(ids));
        update.execute();
        moved.insert(moved.end(), ids.begin(), ids.end());
    }
    return moved;
}

}  // namespace

Recorded DeliveryQueue::record(std::span<const AttemptOutcome> outcomes,
                               const BackoffPolicy& policy, Time now_at, const UnitRandom& random,
                               const std::function<std::string(std::int64_t)>& suppression_key) {
    Recorded recorded;
    if (outcomes.empty()) return recorded;
    std::string at = stored_time(now_at);
    std::vector<Move> moves;
    moves.reserve(outcomes.size());
    std::unordered_set<std::int64_t> seen;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const auto& o = outcomes[i];
        // One word per attempt: a second outcome for the same delivery changes nothing, as
        // when it comes in a later call and the row is no longer sending.
        if (!seen.insert(o.id).second) continue;
        Move& m = moves.emplace_back();
        m.id = o.id;
        m.outcome = i;
        m.reply = reply_text(o.outcome);
        m.due = at;
        switch (o.outcome.kind) {
            case smtp::OutcomeKind::accepted:
                m.state = o.outcome.accepted() ? "sent" : "deferred";
                break;
            case smtp::OutcomeKind::ambiguous:
                m.state = "ambiguous";
                break;
            case smtp::OutcomeKind::permanent:
                m.state = "failed";
                break;
            case smtp::OutcomeKind::transient:
                m.state = "deferred";
                break;
        }
        if (m.state == "deferred") {
            // An outcome the worker lost track of counts its age from now, never from 1970.
            const Time began = o.first_attempt_at == Time{} ? now_at : o.first_attempt_at;
            const auto next =
                next_attempt_at(policy, std::max(o.attempts, 1), began, now_at, random);
            if (next) {
                m.due = stored_time(*next);
            } else {
                m.state = "failed";
                m.reply += "; gave up after the maximum age";
            }
        }
    }

    store::Transaction transaction(db_);
    // Rows erased meanwhile, or recovered by another worker, are not moved and not counted.
    const auto moved = apply_moves(db_, moves, at, owner_);
    const std::unordered_set<std::int64_t> moved_ids(moved.begin(), moved.end());
    for (const Move& m : moves) {
        if (!moved_ids.contains(m.id)) continue;
        if (m.state == "sent") ++recorded.sent;
        if (m.state == "deferred") ++recorded.deferred;
        if (m.state == "failed") ++recorded.failed;
        if (m.state == "ambiguous") ++recorded.ambiguous;
        const auto& o = outcomes[m.outcome];
        if (m.state == "failed" &&
            o.outcome.classification == smtp::Classification::recipient_invalid) {
            // A hard bounce: never mail this address again, for any purpose.
            std::string key = o.contact_id != 0 ? suppression_key(o.contact_id) : std::string();
            if (!key.empty()) {
                std::string reason(consent::to_string(consent::SuppressionReason::hard_bounce));
                std::string actor = "worker", purpose;
                Poco::Data::Statement add(db_.session());
                add << "INSERT INTO suppressions (address_key, purpose, reason, suppressed_at,"
                       " actor) VALUES ($1, $2, $3, $4, $5)"
                       " ON CONFLICT (address_key, purpose) DO NOTHING",
                    use(key), use(purpose), use(reason), use(at), use(actor);
                recorded.suppressed += static_cast<std::int64_t>(add.execute());
            }
        }
    }
    transaction.commit();
    return recorded;
}

void DeliveryQueue::renew(Time lease_until) {
    std::string until = stored_time(lease_until);
    store::Transaction transaction(db_);
    db_.session() << "UPDATE deliveries SET lease_until = $1"
                     " WHERE lease_owner = $2 AND state IN ('claimed', 'sending')",
        use(until), use(owner_), now;
    transaction.commit();
}

std::int64_t DeliveryQueue::release_unstarted(Time now_at) {
    std::string at = stored_time(now_at);
    store::Transaction transaction(db_);
    Poco::Data::Statement update(db_.session());
    update << "UPDATE deliveries SET state = 'pending', lease_owner = '', lease_until = NULL,"
              " updated_at = $1 WHERE lease_owner = $2 AND state = 'claimed'",
        use(at), use(owner_);
    const auto released = static_cast<std::int64_t>(update.execute());
    transaction.commit();
    return released;
}

std::optional<Time> DeliveryQueue::next_due() {
    Poco::Nullable<std::string> due;
    db_.session() << "SELECT min(d.due_at) FROM deliveries d JOIN campaigns c"
                     " ON c.id = d.campaign_id AND c.state = 'running'"
                     " WHERE d.state IN ('pending', 'deferred')",
        into(due), now;
    return optional_time(due);
}

}  // namespace brevduva::dispatcher
