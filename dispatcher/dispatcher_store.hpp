// Persistence for the dispatcher: campaigns with their template snapshots and links, and the
// durable delivery queue the worker claims from (schema: store/migrations/*/0003_dispatch.sql).
// The database is the queue, as Postfix's queue directories are: every Delivery has one
// explicit state, every state change is one transaction, every move is checked against
// dispatcher_states.hpp, and memory holds only a bounded window of work.
//
// Contract:
// - CampaignStore is what the CLI and the admin API call; DeliveryQueue is what the worker
//   calls. Both run their own transactions (call them outside one).
// - A Delivery becomes sent only in record(), from an accepted Outcome. Between settle()
//   and record() it is `sending`: a worker that dies there leaves it for recover(), which makes
//   it ambiguous, never pending (DATA may have begun).
// - Expected refusals (an unknown campaign, a move the state machine forbids, a template that
//   does not compile) are values naming the problem; a failing database is an exception.
// - Nothing here logs personal data; messages name campaigns and deliveries by id.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "consent/consent_result.hpp"
#include "dispatcher/dispatcher_backoff.hpp"
#include "dispatcher/dispatcher_states.hpp"
#include "smtp/smtp_outcome.hpp"
#include "store/store_database.hpp"
#include "templates/templates_campaign.hpp"

namespace brevduva::dispatcher {

using Time = std::chrono::system_clock::time_point;
using CampaignId = std::int64_t;
using DeliveryId = std::int64_t;

struct Audience {
    std::vector<std::string> lists;          // at least one; a contact on several counts once
    std::vector<std::string> organisations;  // empty: every organisation (and none)
};

// What `campaign create` is given.
struct CampaignSpec {
    std::string name;
    std::string purpose = "product_marketing";
    std::string template_folder;
    std::vector<std::string> attributes;  // contact attributes the template may use
    Audience audience;
    std::string from_name;     // empty: the config's sender
    std::string from_address;  // empty: the config's sender
    std::string reply_to;      // empty: the config's sender
    std::optional<Time> send_at;
    std::string sending_window;  // SendingWindow text; empty: any time
};

struct Campaign {
    CampaignId id = 0;
    CampaignSpec spec;
    CampaignState state = CampaignState::draft;
    bool fire_overdue = false;
    std::string template_hash;  // set when queued
    std::int64_t recipients = 0;
    std::string created_by;
    Time created_at;
    Time updated_at;
    std::optional<Time> queued_at;
    std::optional<Time> started_at;
    std::optional<Time> finished_at;
};

// Deliveries of a campaign by state, and the skipped ones by reason.
struct CampaignCounts {
    std::int64_t total = 0;
    std::map<DeliveryState, std::int64_t> by_state;
    std::map<std::string, std::int64_t> skipped_by_reason;
    std::int64_t sent_last_minute = 0;  // for the send rate
    std::optional<Time> first_sent_at;
    std::optional<Time> last_sent_at;

    [[nodiscard]] std::int64_t in(DeliveryState state) const {
        const auto it = by_state.find(state);
        return it == by_state.end() ? 0 : it->second;
    }
    // Neither final nor ambiguous: still to be decided by the worker.
    [[nodiscard]] std::int64_t open() const;
};

// The compiled template of a queued campaign, from its stored snapshot.
struct CampaignSnapshot {
    templates::CampaignSources sources;
    std::string hash;
};

class CampaignStore {
  public:
    CampaignStore(store::Database& db, const config::Settings& settings);

    // Checks the spec (a name, a configured purpose, at least one list, a window that parses,
    // a template folder that compiles for the purpose) and stores a draft. The error lists
    // every problem, one per line.
    [[nodiscard]] consent::Result<CampaignId, std::string> create(const CampaignSpec& spec,
                                                                  std::string_view actor);

    [[nodiscard]] std::optional<Campaign> find(CampaignId id);
    // Newest first.
    [[nodiscard]] std::vector<Campaign> list(std::size_t limit = 100);

    struct Queued {
        std::int64_t recipients = 0;
        std::string template_hash;
        std::size_t links = 0;
    };
    // draft → scheduled: reads and compiles the template folder once more and stores it as
    // the campaign's snapshot (with its hash and links), then streams the audience into one
    // pending Delivery per distinct contact, `batch` contacts per transaction, due at send_at
    // (or now). Memory stays bounded whatever the audience. The campaign becomes scheduled only
    // when every batch is in: a queue that is interrupted leaves a draft whose deliveries a
    // second `queue` completes (each contact once). `force` lets a send_at older than the
    // schedule guard fire.
    [[nodiscard]] consent::Result<Queued, std::string> queue(CampaignId id, std::string_view actor,
                                                             bool force, Time now,
                                                             std::size_t batch = 10000);

    // Sets send_at of a draft or scheduled campaign (and due_at of its pending deliveries).
    [[nodiscard]] consent::Result<Campaign, std::string> schedule(CampaignId id, Time send_at,
                                                                  bool force,
                                                                  std::string_view actor);

    [[nodiscard]] consent::Result<Campaign, std::string> pause(CampaignId id,
                                                               std::string_view actor);
    [[nodiscard]] consent::Result<Campaign, std::string> resume(CampaignId id,
                                                                std::string_view actor);
    // Ends the campaign: its pending and deferred deliveries become skipped(campaign_cancelled)
    // at once; claimed ones follow when their worker looks (within a second); sending ones end
    // as their relay answers.
    [[nodiscard]] consent::Result<Campaign, std::string> cancel(CampaignId id,
                                                                std::string_view actor);
    // ambiguous → pending for every ambiguous delivery of the campaign; the count.
    [[nodiscard]] consent::Result<std::int64_t, std::string> resend_ambiguous(
        CampaignId id, std::string_view actor);

    [[nodiscard]] CampaignCounts counts(CampaignId id, Time now);
    // The ambiguous deliveries (id, contact id, when the attempt began), oldest first.
    struct AmbiguousDelivery {
        DeliveryId id = 0;
        std::int64_t contact_id = 0;
        std::optional<Time> decided_at;
        std::string last_reply;
    };
    [[nodiscard]] std::vector<AmbiguousDelivery> ambiguous(CampaignId id, std::size_t limit);

    [[nodiscard]] CampaignSnapshot snapshot(CampaignId id);
    // The URL of the campaign's tracked link, as stored when it was queued.
    [[nodiscard]] std::optional<std::string> link_url(CampaignId id, std::int64_t link_id);

    // The worker's campaign housekeeping, each in a transaction of its own:
    // scheduled → running for every campaign due by now, unless its send_at is older than the
    // guard and it was not forced: those stay scheduled and are returned, to be reported.
    struct Overdue {
        CampaignId id = 0;
        Time send_at;
    };
    [[nodiscard]] std::vector<Overdue> fire_due(Time now, std::chrono::seconds guard);
    // running → finished for every campaign whose deliveries are all final; their ids.
    [[nodiscard]] std::vector<CampaignId> finish_done(Time now);
    // The running campaigns, oldest first.
    [[nodiscard]] std::vector<Campaign> running();

  private:
    [[nodiscard]] consent::Result<Campaign, std::string> move(CampaignId id, CampaignState to,
                                                              std::string_view actor,
                                                              std::string_view note);

    store::Database& db_;
    const config::Settings& settings_;
};

// A delivery the worker holds under its lease.
struct Claimed {
    DeliveryId id = 0;
    CampaignId campaign_id = 0;
    std::int64_t contact_id = 0;
    int attempts = 0;
    std::optional<Time> first_attempt_at;
};

// What the worker decided for a claimed delivery before anything left.
struct GateVerdict {
    enum class Kind { send, skip, release, fail };
    DeliveryId id = 0;
    Kind kind = Kind::send;
    std::string reason;  // skip: the gate's reason; fail: why it could not be built
    Time due_at;         // release: when to try again
    bool open_tracking = false;
    bool click_tracking = false;
};

// The relay's word on one attempt, with what the worker knew of the delivery when it began.
struct AttemptOutcome {
    DeliveryId id = 0;
    smtp::Outcome outcome;
    std::int64_t contact_id = 0;
    int attempts = 1;       // including this one
    Time first_attempt_at;  // the first attempt's decision time
};

// What record() did, for logs, metrics and STATUS=.
struct Recorded {
    std::int64_t sent = 0;
    std::int64_t deferred = 0;
    std::int64_t failed = 0;
    std::int64_t ambiguous = 0;
    std::int64_t suppressed = 0;  // hard bounces that added a suppression
};

class DeliveryQueue {
  public:
    // owner: this worker's lease name (worker_identity()).
    DeliveryQueue(store::Database& db, std::string owner);

    [[nodiscard]] const std::string& owner() const { return owner_; }

    // Deliveries left by a worker that is gone: its lease ran out, or it ran on this host and
    // its process no longer exists. claimed → pending (nothing left for them), sending →
    // ambiguous (DATA may have begun). Counts of each.
    struct Recovered {
        std::int64_t released = 0;
        std::int64_t ambiguous = 0;
    };
    Recovered recover(Time now);

    // Claims up to `limit` due deliveries (pending, or deferred whose time has come) of a
    // running campaign, oldest due first, under a lease until `lease_until`.
    [[nodiscard]] std::vector<Claimed> claim(CampaignId campaign, std::size_t limit, Time now,
                                             Time lease_until);

    // In one transaction (the caller's when one is open): skip, fail, release, or move to
    // sending (attempts + 1) each claimed delivery as decided. Verdicts for deliveries no longer
    // claimed by this owner (an erased contact, a recovered lease) are ignored; the ids that did
    // move to sending are returned.
    std::vector<DeliveryId> settle(std::span<const GateVerdict> verdicts, Time now);

    // In one transaction: each outcome's move out of sending. accepted → sent; transient →
    // deferred (due after the backoff) or failed past the maximum age; permanent → failed, and
    // a hard bounce adds an all-purposes suppression under `suppression_key(contact)`;
    // ambiguous → ambiguous.
    Recorded record(std::span<const AttemptOutcome> outcomes, const BackoffPolicy& policy, Time now,
                    const UnitRandom& random,
                    const std::function<std::string(std::int64_t contact_id)>& suppression_key);

    // Extends the lease of everything this owner holds.
    void renew(Time lease_until);
    // claimed → pending for everything this owner still holds unstarted (a drain).
    std::int64_t release_unstarted(Time now);

    // The earliest due_at among pending and deferred deliveries of running campaigns.
    [[nodiscard]] std::optional<Time> next_due();

  private:
    store::Database& db_;
    std::string owner_;
};

// What a campaign's template is checked against: marketing unless service_status, and the
// attributes the campaign declares.
[[nodiscard]] templates::CampaignCheck campaign_check(const CampaignSpec& spec);

// This process's lease name: host, pid and process start time, so that a restarted worker on
// the same host can tell its dead predecessor's leases from a live neighbour's.
[[nodiscard]] std::string worker_identity();
// Whether the lease owner named so is a process that no longer exists on this host (false for
// another host's owner: only its lease's expiry can tell).
[[nodiscard]] bool owner_is_gone(std::string_view owner);

}  // namespace brevduva::dispatcher
