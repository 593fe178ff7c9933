// DeliveryQueue against a real database (SQLite; PostgreSQL too under scripts/test), as the
// worker uses it: what a claim takes, how
// the gate's verdicts and the relay's outcomes move a delivery, and what happens to the work of
// a worker that died or whose lease ran out. What a user would notice: nobody mailed twice by
// accident, nobody forgotten, a hard bounce never mailed again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dispatcher/dispatcher_snapshot.hpp"
#include "dispatcher/dispatcher_store_test_support.hpp"

namespace brevduva::dispatcher::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<DeliveryId> ids_of(const std::vector<Claimed>& claimed) {
    std::vector<DeliveryId> out;
    out.reserve(claimed.size());
    for (const auto& c : claimed) out.push_back(c.id);
    return out;
}

std::string this_host() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

// A pid no process has: a child that has exited and been reaped.
pid_t vanished_pid() {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    int status = 0;
    (void)::waitpid(child, &status, 0);
    return child;
}

GateVerdict send(DeliveryId id, bool open_tracking = false) {
    GateVerdict v;
    v.id = id;
    v.open_tracking = open_tracking;
    return v;
}

GateVerdict verdict(DeliveryId id, GateVerdict::Kind kind, std::string reason = {}, Time due = {}) {
    GateVerdict v;
    v.id = id;
    v.kind = kind;
    v.reason = std::move(reason);
    v.due_at = due;
    return v;
}

smtp::Outcome outcome(smtp::OutcomeKind kind, int code,
                      smtp::Classification classification = smtp::Classification::other) {
    smtp::Outcome o;
    o.kind = kind;
    o.classification = classification;
    o.stage = smtp::Stage::end_of_data;
    o.cause = smtp::Cause::reply;
    o.code = code;
    o.text = "relay says so";
    return o;
}

class DeliveryQueueTest : public DispatchStoreTest {
  protected:
    // A running campaign with n recipients, due at t0.
    CampaignId campaign(int n, const std::string& list = "kunder") {
        for (int i = 0; i < n; ++i)
            (void)contact(fmt::format("{}{}@kund.example", list, i), {list});
        return running(spec({list}));
    }

    // Claims and moves to sending, as the worker does before it talks to the relay.
    std::vector<DeliveryId> sending(DeliveryQueue& queue, CampaignId id, std::size_t n, Time at,
                                    Time lease_until) {
        std::vector<GateVerdict> verdicts;
        for (const auto& c : queue.claim(id, n, at, lease_until)) verdicts.push_back(send(c.id));
        return queue.settle(verdicts, at);
    }

    // What the worker knew of the delivery when the attempt began, as it hands it to record().
    AttemptOutcome attempt(DeliveryId id, const smtp::Outcome& o) {
        AttemptOutcome a;
        a.id = id;
        a.outcome = o;
        for (const auto& r : all_rows()) {
            if (r.id != id) continue;
            a.contact_id = r.contact_id;
            a.attempts = r.attempts;
            if (r.first_attempt_at) a.first_attempt_at = *r.first_attempt_at;
        }
        return a;
    }

    std::vector<DeliveryRow> all_rows() {
        std::vector<DeliveryRow> out;
        for (const auto& c : campaigns_.list()) {
            for (auto& r : rows(c.id)) out.push_back(std::move(r));
        }
        return out;
    }

    Recorded record(DeliveryQueue& queue, DeliveryId id, const smtp::Outcome& o, Time at,
                    double random = 0.0) {
        const std::vector<AttemptOutcome> outcomes{attempt(id, o)};
        const UnitRandom unit = [random] { return random; };
        return queue.record(outcomes, policy_, at, unit, [](std::int64_t contact_id) {
            return sha256_hex(fmt::format("contact {}", contact_id));
        });
    }

    struct Suppression {
        std::string purpose, reason, actor;
    };
    std::vector<Suppression> suppressions(const std::string& key) {
        using Poco::Data::Keywords::into;
        using Poco::Data::Keywords::now;
        using Poco::Data::Keywords::use;
        std::string k = key;
        std::vector<std::string> purposes, reasons, actors;
        db_.session() << "SELECT purpose, reason, actor FROM suppressions WHERE address_key = $1",
            use(k), into(purposes), into(reasons), into(actors), now;
        std::vector<Suppression> out;
        for (std::size_t i = 0; i < purposes.size(); ++i) {
            out.push_back({purposes[i], reasons[i], actors[i]});
        }
        return out;
    }

    const BackoffPolicy policy_{60s, 3600s, 72h};
    DeliveryQueue worker_{db_, "this-host/1/1"};
};

TEST_F(DeliveryQueueTest, ClaimTakesOnlyDueDeliveriesOfRunningCampaigns) {
    const auto id = campaign(5);
    const auto all = rows(id);

    // Nothing before it is due; a scheduled campaign gives nothing.
    EXPECT_THAT(worker_.claim(id, 10, t0 - 1s, t0 + 5min), IsEmpty());
    auto later = spec({"kunder"});
    later.send_at = t0 + 1h;
    const auto scheduled = queued(later);
    EXPECT_THAT(worker_.claim(scheduled, 10, t0 + 2h, t0 + 3h), IsEmpty());

    // At most `limit`, each once.
    const auto first = worker_.claim(id, 2, t0, t0 + 5min);
    EXPECT_THAT(ids_of(first), ElementsAre(all[0].id, all[1].id));
    EXPECT_EQ(first[0].campaign_id, id);
    EXPECT_EQ(first[0].contact_id, all[0].contact_id);
    EXPECT_EQ(first[0].attempts, 0);
    EXPECT_FALSE(first[0].first_attempt_at.has_value());
    const auto second = worker_.claim(id, 10, t0, t0 + 5min);
    EXPECT_THAT(ids_of(second), ElementsAre(all[2].id, all[3].id, all[4].id));
    EXPECT_THAT(worker_.claim(id, 10, t0, t0 + 5min), IsEmpty());
    DeliveryQueue other(db_, "other-host/2/2");
    EXPECT_THAT(other.claim(id, 10, t0 + 1min, t0 + 5min), IsEmpty());
    for (const auto& r : rows(id)) {
        EXPECT_EQ(r.state, "claimed");
        EXPECT_EQ(r.lease_owner, "this-host/1/1");
    }
}

TEST_F(DeliveryQueueTest, ClaimTakesTheOldestDueFirst) {
    const auto id = campaign(5);
    const auto claimed = worker_.claim(id, 5, t0, t0 + 5min);
    ASSERT_EQ(claimed.size(), 5U);
    // Released with different times (the window was closed for some, a throttle for others).
    const std::vector<Time> due{t0 + 5min, t0 + 1min, t0 + 3min, t0 + 2min, t0 + 4min};
    std::vector<GateVerdict> verdicts;
    for (std::size_t i = 0; i < 5; ++i) {
        verdicts.push_back(verdict(claimed[i].id, GateVerdict::Kind::release, "", due[i]));
    }
    EXPECT_THAT(worker_.settle(verdicts, t0), IsEmpty());
    EXPECT_EQ(worker_.next_due(), t0 + 1min);

    EXPECT_THAT(ids_of(worker_.claim(id, 10, t0 + 150s, t0 + 10min)),
                ElementsAre(claimed[1].id, claimed[3].id));
    EXPECT_THAT(ids_of(worker_.claim(id, 2, t0 + 10min, t0 + 15min)),
                ElementsAre(claimed[2].id, claimed[4].id));
    EXPECT_EQ(worker_.next_due(), t0 + 5min);
    EXPECT_THAT(ids_of(worker_.claim(id, 2, t0 + 10min, t0 + 15min)), ElementsAre(claimed[0].id));
    EXPECT_EQ(worker_.next_due(), std::nullopt);
}

TEST_F(DeliveryQueueTest, APausedCampaignGivesNothingUntilResumed) {
    const auto id = campaign(2);
    EXPECT_EQ(worker_.next_due(), t0);
    ASSERT_TRUE(campaigns_.pause(id, "tester"));
    EXPECT_THAT(worker_.claim(id, 10, t0, t0 + 5min), IsEmpty());
    EXPECT_EQ(worker_.next_due(), std::nullopt);
    ASSERT_TRUE(campaigns_.resume(id, "tester"));
    EXPECT_EQ(worker_.claim(id, 10, t0, t0 + 5min).size(), 2U);
}

TEST_F(DeliveryQueueTest, SettleMovesEachClaimedDeliveryAsDecided) {
    const auto id = campaign(5);
    const auto c = ids_of(worker_.claim(id, 4, t0, t0 + 5min));
    ASSERT_EQ(c.size(), 4U);
    DeliveryQueue other(db_, "other-host/2/2");
    const auto theirs = ids_of(other.claim(id, 1, t0, t0 + 5min));
    ASSERT_EQ(theirs.size(), 1U);

    const std::vector<GateVerdict> verdicts{
        send(c[0], true),
        verdict(c[1], GateVerdict::Kind::skip, "withdrawn"),
        verdict(c[2], GateVerdict::Kind::fail, "the template could not be rendered"),
        verdict(c[3], GateVerdict::Kind::release, "", t0 + 1h),
        send(theirs[0]),  // not ours: ignored
    };
    EXPECT_THAT(worker_.settle(verdicts, t0 + 1s), ElementsAre(c[0]));

    const auto sent = row(id, c[0]);
    EXPECT_EQ(sent.state, "sending");
    EXPECT_EQ(sent.attempts, 1);
    EXPECT_TRUE(sent.open_tracking);
    EXPECT_EQ(sent.lease_owner, "this-host/1/1");  // held until the relay answers
    EXPECT_EQ(row(id, c[1]).state, "skipped");
    EXPECT_EQ(row(id, c[1]).skip_reason, "withdrawn");
    EXPECT_EQ(row(id, c[2]).state, "failed");
    EXPECT_EQ(row(id, c[2]).last_reply, "the template could not be rendered");
    EXPECT_EQ(row(id, c[3]).state, "pending");
    EXPECT_EQ(row(id, c[3]).due_at, store::stored_time(t0 + 1h));
    EXPECT_EQ(row(id, c[3]).lease_owner, "");
    EXPECT_EQ(row(id, theirs[0]).state, "claimed");
    EXPECT_EQ(row(id, theirs[0]).lease_owner, "other-host/2/2");

    // A verdict for a delivery no longer claimed changes nothing.
    EXPECT_THAT(worker_.settle(std::vector<GateVerdict>{send(c[1]), send(c[3])}, t0 + 2s),
                IsEmpty());
    EXPECT_EQ(row(id, c[1]).state, "skipped");
    EXPECT_EQ(row(id, c[3]).state, "pending");
    EXPECT_EQ(row(id, c[0]).attempts, 1);
}

// A batch larger than one statement's share of rows, with every kind of verdict and outcome
// mixed: each row gets its own verdict, flags, state and reply, as if settled one by one.
TEST_F(DeliveryQueueTest, ALargeMixedBatchMovesEachDeliveryAsDecided) {
    const int n = 1201;
    const auto id = campaign(n);
    const auto c = ids_of(worker_.claim(id, n, t0, t0 + 5min));
    ASSERT_EQ(c.size(), static_cast<std::size_t>(n));
    std::vector<GateVerdict> verdicts;
    for (int i = 0; i < n; ++i) {
        if (i % 10 == 9) {
            verdicts.push_back(
                verdict(c[i], GateVerdict::Kind::skip, i % 20 == 9 ? "withdrawn" : "no_basis"));
            continue;
        }
        GateVerdict v = send(c[i], i % 3 == 0);
        v.click_tracking = i % 5 == 0;
        verdicts.push_back(v);
    }
    const auto moved = worker_.settle(verdicts, t0 + 1s);
    ASSERT_EQ(moved.size(), static_cast<std::size_t>(n - n / 10));
    for (std::size_t k = 1; k < moved.size(); ++k) ASSERT_LT(moved[k - 1], moved[k]);

    std::vector<AttemptOutcome> outcomes;
    for (int i = 0; i < n; ++i) {
        if (i % 10 == 9) continue;
        smtp::Outcome o =
            i % 4 == 0   ? outcome(smtp::OutcomeKind::transient, 451)
            : i % 4 == 1 ? outcome(smtp::OutcomeKind::permanent, 550)
                         : outcome(smtp::OutcomeKind::accepted, 250, smtp::Classification::none);
        o.text = fmt::format("Ok: queued as 'Q{}' ($1, {{}}, \\)", i);
        AttemptOutcome a;
        a.id = c[i];
        a.outcome = o;
        a.attempts = 1;
        a.first_attempt_at = t0 + 1s;
        outcomes.push_back(a);
    }
    const UnitRandom unit = [] { return 0.5; };
    const auto recorded = worker_.record(outcomes, policy_, t0 + 2s, unit,
                                         [](std::int64_t) { return std::string(); });
    EXPECT_EQ(recorded.sent + recorded.deferred + recorded.failed,
              static_cast<std::int64_t>(outcomes.size()));

    std::int64_t sent = 0, deferred = 0, failed = 0, skipped = 0;
    const auto all = rows(id);
    ASSERT_EQ(all.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const auto& r = all[i];
        ASSERT_EQ(r.id, c[i]);
        if (i % 10 == 9) {
            ++skipped;
            EXPECT_EQ(r.state, "skipped");
            EXPECT_EQ(r.skip_reason, i % 20 == 9 ? "withdrawn" : "no_basis");
            continue;
        }
        EXPECT_EQ(r.open_tracking, i % 3 == 0) << i;
        EXPECT_EQ(r.click_tracking, i % 5 == 0) << i;
        EXPECT_EQ(r.attempts, 1);
        EXPECT_EQ(r.lease_owner, "");
        EXPECT_THAT(r.last_reply, HasSubstr(fmt::format("Ok: queued as 'Q{}' ($1, {{}}, \\)", i)));
        const std::string expected = i % 4 == 0 ? "deferred" : i % 4 == 1 ? "failed" : "sent";
        EXPECT_EQ(r.state, expected) << i;
        EXPECT_EQ(r.sent_at.empty(), expected != "sent") << i;
        if (expected == "deferred") {
            ++deferred;
            EXPECT_GT(r.due_at, store::stored_time(t0 + 2s));
        }
        if (expected == "failed") ++failed;
        if (expected == "sent") ++sent;
    }
    EXPECT_EQ(recorded.sent, sent);
    EXPECT_EQ(recorded.deferred, deferred);
    EXPECT_EQ(recorded.failed, failed);
    EXPECT_EQ(skipped, n / 10);
}

TEST_F(DeliveryQueueTest, AnAcceptedMessageIsSent) {
    const auto id = campaign(1);
    const auto s = sending(worker_, id, 1, t0, t0 + 5min);
    ASSERT_EQ(s.size(), 1U);
    const auto recorded =
        record(worker_, s[0], outcome(smtp::OutcomeKind::accepted, 250, smtp::Classification::none),
               t0 + 2s);
    EXPECT_EQ(recorded.sent, 1);
    const auto r = row(id, s[0]);
    EXPECT_EQ(r.state, "sent");
    EXPECT_EQ(r.sent_at, store::stored_time(t0 + 2s));
    EXPECT_EQ(r.lease_owner, "");
    EXPECT_THAT(r.last_reply, HasSubstr("250 relay says so"));

    // A second word on the same attempt changes nothing.
    EXPECT_EQ(record(worker_, s[0], outcome(smtp::OutcomeKind::permanent, 550), t0 + 3s).failed, 0);
    EXPECT_EQ(row(id, s[0]).state, "sent");
}

TEST_F(DeliveryQueueTest, ASecondOutcomeForTheSameAttemptInOneBatchChangesNothing) {
    const auto id = campaign(1);
    const auto s = sending(worker_, id, 1, t0, t0 + 5min);
    ASSERT_EQ(s.size(), 1U);
    const std::vector<AttemptOutcome> outcomes{
        attempt(s[0], outcome(smtp::OutcomeKind::accepted, 250, smtp::Classification::none)),
        attempt(s[0], outcome(smtp::OutcomeKind::permanent, 550,
                              smtp::Classification::recipient_invalid))};
    const UnitRandom unit = [] { return 0.0; };
    std::int64_t asked_for_a_key = 0;
    const auto recorded = worker_.record(outcomes, policy_, t0 + 2s, unit, [&](std::int64_t) {
        ++asked_for_a_key;
        return std::string("key");
    });
    EXPECT_EQ(recorded.sent, 1);
    EXPECT_EQ(recorded.failed, 0);
    EXPECT_EQ(recorded.suppressed, 0);
    EXPECT_EQ(asked_for_a_key, 0);
    EXPECT_EQ(row(id, s[0]).state, "sent");
}

TEST_F(DeliveryQueueTest, ATransientFailureWaitsForItsBackoff) {
    const auto id = campaign(1);
    const auto s = sending(worker_, id, 1, t0, t0 + 5min);
    ASSERT_EQ(s.size(), 1U);
    // Attempt 1, random 0: half of the initial 60 s.
    const auto recorded = record(worker_, s[0], outcome(smtp::OutcomeKind::transient, 451), t0);
    EXPECT_EQ(recorded.deferred, 1);
    EXPECT_EQ(row(id, s[0]).state, "deferred");
    EXPECT_EQ(row(id, s[0]).due_at, store::stored_time(t0 + 30s));
    EXPECT_THAT(worker_.claim(id, 10, t0 + 29s, t0 + 5min), IsEmpty());
    EXPECT_EQ(worker_.next_due(), t0 + 30s);

    // Attempt 2 at t0 + 30 s, random almost 1: the doubled delay, 120 s.
    const auto again = sending(worker_, id, 1, t0 + 30s, t0 + 5min);
    ASSERT_THAT(again, ElementsAre(s[0]));
    EXPECT_EQ(row(id, s[0]).attempts, 2);
    (void)record(worker_, s[0], outcome(smtp::OutcomeKind::transient, 421), t0 + 30s, 0.999999);
    EXPECT_EQ(row(id, s[0]).due_at, store::stored_time(t0 + 150s));
}

TEST_F(DeliveryQueueTest, ATransientFailurePastTheMaximumAgeFails) {
    const auto id = campaign(1);
    const auto s = sending(worker_, id, 1, t0, t0 + 5min);  // first attempt at t0
    ASSERT_EQ(s.size(), 1U);
    (void)record(worker_, s[0], outcome(smtp::OutcomeKind::transient, 451), t0);
    // Three days later it is tried once more and deferred again: too old to wait any longer.
    const auto late = t0 + 72h - 10s;
    ASSERT_EQ(sending(worker_, id, 1, late, late + 5min).size(), 1U);
    const auto recorded = record(worker_, s[0], outcome(smtp::OutcomeKind::transient, 451), late);
    EXPECT_EQ(recorded.failed, 1);
    EXPECT_EQ(recorded.deferred, 0);
    EXPECT_EQ(row(id, s[0]).state, "failed");
    EXPECT_THAT(row(id, s[0]).last_reply, HasSubstr("gave up after the maximum age"));
    EXPECT_THAT(suppressions(sha256_hex(fmt::format("contact {}", row(id, s[0]).contact_id))),
                IsEmpty());
}

TEST_F(DeliveryQueueTest, AHardBounceFailsAndSuppressesForEveryPurpose) {
    const auto id = campaign(2);
    const auto s = sending(worker_, id, 2, t0, t0 + 5min);
    ASSERT_EQ(s.size(), 2U);
    const auto bounce_key = sha256_hex(fmt::format("contact {}", row(id, s[0]).contact_id));
    const auto policy_key = sha256_hex(fmt::format("contact {}", row(id, s[1]).contact_id));

    auto unknown_user =
        outcome(smtp::OutcomeKind::permanent, 550, smtp::Classification::recipient_invalid);
    const auto bounced = record(worker_, s[0], unknown_user, t0 + 1s);
    EXPECT_EQ(bounced.failed, 1);
    EXPECT_EQ(bounced.suppressed, 1);
    EXPECT_EQ(row(id, s[0]).state, "failed");
    const auto added = suppressions(bounce_key);
    ASSERT_EQ(added.size(), 1U);
    EXPECT_EQ(added[0].purpose, "");  // all purposes
    EXPECT_EQ(added[0].reason, "hard_bounce");
    EXPECT_EQ(added[0].actor, "worker");

    // A refusal that is about us, not the recipient, suppresses nobody.
    const auto refused =
        record(worker_, s[1],
               outcome(smtp::OutcomeKind::permanent, 550, smtp::Classification::policy), t0 + 1s);
    EXPECT_EQ(refused.failed, 1);
    EXPECT_EQ(refused.suppressed, 0);
    EXPECT_THAT(suppressions(policy_key), IsEmpty());
}

TEST_F(DeliveryQueueTest, ALostConnectionAfterTheDataIsAmbiguous) {
    const auto id = campaign(1);
    const auto s = sending(worker_, id, 1, t0, t0 + 5min);
    ASSERT_EQ(s.size(), 1U);
    const std::vector<AttemptOutcome> outcomes{
        attempt(s[0], smtp::Outcome::without_reply(smtp::Cause::connection_lost,
                                                   smtp::Stage::end_of_data, "reset by peer"))};
    const UnitRandom unit = [] { return 0.5; };
    const auto recorded = worker_.record(outcomes, policy_, t0 + 1s, unit,
                                         [](std::int64_t) { return std::string(); });
    EXPECT_EQ(recorded.ambiguous, 1);
    EXPECT_EQ(row(id, s[0]).state, "ambiguous");
    EXPECT_THAT(worker_.claim(id, 10, t0 + 1h, t0 + 2h), IsEmpty());  // never resent by itself
    EXPECT_EQ(campaigns_.resend_ambiguous(id, "tester").value(), 1);
    EXPECT_EQ(row(id, s[0]).state, "pending");
}

TEST_F(DeliveryQueueTest, RecoverFreesTheWorkOfAWorkerThatIsGone) {
    const auto id = campaign(8);
    const std::string dead_owner = fmt::format("{}/{}/12345", this_host(), vanished_pid());
    const std::string remote_owner = "another-host.example/4242/777";
    DeliveryQueue dead(db_, dead_owner);
    DeliveryQueue live(db_, worker_identity());  // this process: alive
    DeliveryQueue remote(db_, remote_owner);
    DeliveryQueue restarted(db_, "restarted-worker");

    // Each holds one delivery claimed and one sending; leases until t0 + 10 min, the other
    // host's until t0 + 1 min.
    const auto dead_sending = sending(dead, id, 1, t0, t0 + 10min);
    const auto dead_claimed = ids_of(dead.claim(id, 1, t0, t0 + 10min));
    const auto live_sending = sending(live, id, 1, t0, t0 + 10min);
    const auto live_claimed = ids_of(live.claim(id, 1, t0, t0 + 10min));
    const auto remote_sending = sending(remote, id, 1, t0, t0 + 1min);
    const auto remote_claimed = ids_of(remote.claim(id, 1, t0, t0 + 1min));
    for (const auto* held : {&dead_sending, &dead_claimed, &live_sending, &live_claimed,
                             &remote_sending, &remote_claimed}) {
        ASSERT_EQ(held->size(), 1U);
    }

    // At t0 + 30 s: the dead process's leases go at once, though they have not expired.
    auto recovered = restarted.recover(t0 + 30s);
    EXPECT_EQ(recovered.released, 1);
    EXPECT_EQ(recovered.ambiguous, 1);
    EXPECT_EQ(row(id, dead_claimed[0]).state, "pending");
    EXPECT_EQ(row(id, dead_claimed[0]).lease_owner, "");
    EXPECT_EQ(row(id, dead_sending[0]).state, "ambiguous");
    EXPECT_THAT(row(id, dead_sending[0]).last_reply, HasSubstr("the worker stopped"));
    EXPECT_EQ(row(id, live_claimed[0]).state, "claimed");
    EXPECT_EQ(row(id, live_sending[0]).state, "sending");
    EXPECT_EQ(row(id, remote_claimed[0]).state, "claimed");
    EXPECT_EQ(row(id, remote_sending[0]).state, "sending");

    // At t0 + 2 min the other host's lease has run out: only its expiry can tell.
    recovered = restarted.recover(t0 + 2min);
    EXPECT_EQ(recovered.released, 1);
    EXPECT_EQ(recovered.ambiguous, 1);
    EXPECT_EQ(row(id, remote_claimed[0]).state, "pending");
    EXPECT_EQ(row(id, remote_sending[0]).state, "ambiguous");
    EXPECT_EQ(row(id, live_claimed[0]).state, "claimed");
    EXPECT_EQ(row(id, live_sending[0]).state, "sending");

    // A live worker that renews keeps its work past the old lease.
    live.renew(t0 + 20min);
    recovered = restarted.recover(t0 + 15min);
    EXPECT_EQ(recovered.released, 0);
    EXPECT_EQ(recovered.ambiguous, 0);
    EXPECT_EQ(row(id, live_claimed[0]).state, "claimed");

    // A worker never recovers its own leases; once a live one's have expired, others do.
    EXPECT_EQ(live.recover(t0 + 1h).released, 0);
    recovered = restarted.recover(t0 + 1h);
    EXPECT_EQ(recovered.released, 1);
    EXPECT_EQ(recovered.ambiguous, 1);
    EXPECT_EQ(row(id, live_sending[0]).state, "ambiguous");

    // The three released and the two never claimed are claimed again; the three ambiguous
    // ones wait for the operator.
    EXPECT_EQ(restarted.claim(id, 10, t0 + 1h, t0 + 2h).size(), 5U);
    EXPECT_EQ(campaigns_.counts(id, t0 + 1h).in(DeliveryState::ambiguous), 3);
}

TEST_F(DeliveryQueueTest, OwnerIsGoneOnlyForADeadProcessOnThisHost) {
    EXPECT_FALSE(owner_is_gone(worker_identity()));
    EXPECT_THAT(worker_identity(), HasSubstr(fmt::format("{}/{}/", this_host(), ::getpid())));
    EXPECT_TRUE(owner_is_gone(fmt::format("{}/{}/1", this_host(), vanished_pid())));
    // The pid lives, but started at another time: another process that reused the pid.
    EXPECT_TRUE(owner_is_gone(fmt::format("{}/{}/1", this_host(), ::getpid())));
    EXPECT_FALSE(owner_is_gone(fmt::format("another-host.example/{}/1", vanished_pid())));
    EXPECT_FALSE(owner_is_gone("not an identity"));
    EXPECT_FALSE(owner_is_gone(""));
}

TEST_F(DeliveryQueueTest, ReleaseUnstartedGivesBackOnlyWhatHasNotBegun) {
    const auto id = campaign(5);
    const auto begun = sending(worker_, id, 1, t0, t0 + 5min);
    const auto held = ids_of(worker_.claim(id, 2, t0, t0 + 5min));
    DeliveryQueue other(db_, "other-host/2/2");
    const auto theirs = ids_of(other.claim(id, 1, t0, t0 + 5min));
    ASSERT_EQ(begun.size() + held.size() + theirs.size(), 4U);

    EXPECT_EQ(worker_.release_unstarted(t0 + 1s), 2);
    EXPECT_EQ(row(id, held[0]).state, "pending");
    EXPECT_EQ(row(id, held[1]).state, "pending");
    EXPECT_EQ(row(id, held[1]).lease_owner, "");
    EXPECT_EQ(row(id, begun[0]).state, "sending");
    EXPECT_EQ(row(id, theirs[0]).state, "claimed");
    EXPECT_EQ(worker_.release_unstarted(t0 + 2s), 0);
}

}  // namespace
}  // namespace brevduva::dispatcher::test
