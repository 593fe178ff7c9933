// CampaignStore against a real SQLite database, as the CLI and the admin API use it: what
// `campaign create` refuses and why, who gets a delivery when a campaign is queued, that the
// template is frozen when it is queued, which state moves are refused, and what the worker's
// housekeeping (fire_due, finish_done) and the counts show.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "dispatcher/dispatcher_snapshot.hpp"
#include "dispatcher/dispatcher_store_test_support.hpp"

namespace brevduva::dispatcher::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::set<std::int64_t> contacts_of(const std::vector<DeliveryRow>& rows) {
    std::set<std::int64_t> out;
    for (const auto& r : rows) out.insert(r.contact_id);
    return out;
}

smtp::Outcome accepted() {
    smtp::Outcome o;
    o.kind = smtp::OutcomeKind::accepted;
    o.classification = smtp::Classification::none;
    o.stage = smtp::Stage::end_of_data;
    o.cause = smtp::Cause::reply;
    o.code = 250;
    o.text = "queued as 4711";
    return o;
}

smtp::Outcome lost_after_data() {
    return smtp::Outcome::without_reply(smtp::Cause::connection_lost, smtp::Stage::end_of_data);
}

class CampaignStoreTest : public DispatchStoreTest {
  protected:
    std::string create_error(const CampaignSpec& s) {
        auto created = campaigns_.create(s, "tester");
        if (created) return fmt::format("(created campaign {})", created.value());
        return created.error();
    }

    // Claims every due delivery at t0 and decides them as given: for each delivery in id
    // order, "sent", "ambiguous", "failed" (a permanent reply) or a skip reason.
    void decide(CampaignId id, const std::vector<std::string>& decisions) {
        DeliveryQueue queue(db_, "test-worker");
        const auto claimed = queue.claim(id, decisions.size(), t0, t0 + 5min);
        ASSERT_EQ(claimed.size(), decisions.size());
        std::vector<GateVerdict> verdicts;
        std::vector<AttemptOutcome> outcomes;
        for (std::size_t i = 0; i < claimed.size(); ++i) {
            GateVerdict v;
            v.id = claimed[i].id;
            const auto& d = decisions[i];
            if (d == "sent" || d == "ambiguous" || d == "failed") {
                smtp::Outcome o = d == "sent" ? accepted() : lost_after_data();
                if (d == "failed") {
                    o = accepted();
                    o.kind = smtp::OutcomeKind::permanent;
                    o.classification = smtp::Classification::other;
                    o.code = 554;
                }
                AttemptOutcome attempt;
                attempt.id = v.id;
                attempt.outcome = o;
                attempt.contact_id = claimed[i].contact_id;
                attempt.attempts = claimed[i].attempts + 1;
                attempt.first_attempt_at = claimed[i].first_attempt_at.value_or(t0);
                outcomes.push_back(attempt);
            } else {
                v.kind = GateVerdict::Kind::skip;
                v.reason = d;
            }
            verdicts.push_back(v);
        }
        (void)queue.settle(verdicts, t0);
        const UnitRandom random = [] { return 0.0; };
        (void)queue.record(outcomes, BackoffPolicy{}, t0, random,
                           [](std::int64_t) { return std::string(); });
    }
};

TEST_F(CampaignStoreTest, CreateRefusesEachProblemByName) {
    (void)contact("anna@kund.example", {"kunder"}, "Kund AB");

    auto unknown_purpose = spec({"kunder"});
    unknown_purpose.purpose = "spam";
    EXPECT_THAT(create_error(unknown_purpose), HasSubstr("purpose 'spam' is not configured"));

    EXPECT_THAT(create_error(spec({})), HasSubstr("needs an audience: at least one list"));

    EXPECT_THAT(create_error(spec({"kunder", "okänd"})),
                HasSubstr("there is no list named 'okänd'"));

    auto unknown_organisation = spec({"kunder"});
    unknown_organisation.audience.organisations = {"Ingen AB"};
    EXPECT_THAT(create_error(unknown_organisation),
                HasSubstr("there is no organisation named 'Ingen AB'"));

    auto bad_window = spec({"kunder"});
    bad_window.sending_window = "mon-fri 08:00-17:00 Europe/Stokholm";
    EXPECT_THAT(create_error(bad_window),
                HasSubstr("sending window: unknown time zone 'Europe/Stokholm'"));

    const auto broken = folder_ / "trasig";
    write_file(broken / "subject.mustache", "Hej\n");
    write_file(broken / "body.html.mustache", "<p>{{#contact.name}}Hej</p>\n");
    auto bad_template = spec({"kunder"});
    bad_template.template_folder = broken.string();
    EXPECT_THAT(create_error(bad_template),
                HasSubstr((broken / "body.html.mustache").string() + ":1:4: {{#contact.name}} is"
                                                                     " never closed"));

    const auto no_unsubscribe = folder_ / "utan-avregistrering";
    write_file(no_unsubscribe / "subject.mustache", "Hej\n");
    write_file(no_unsubscribe / "body.html.mustache", "<p>Hej</p>\n");
    auto marketing_without_unsubscribe = spec({"kunder"});
    marketing_without_unsubscribe.template_folder = no_unsubscribe.string();
    EXPECT_THAT(create_error(marketing_without_unsubscribe), HasSubstr("unsubscribe_url"));

    auto missing_folder = spec({"kunder"});
    missing_folder.template_folder = (folder_ / "finns-inte").string();
    EXPECT_THAT(create_error(missing_folder), HasSubstr("finns-inte"));

    // Every problem at once, one per line.
    auto everything = spec({"okänd"});
    everything.name.clear();
    everything.sending_window = "mon-fri 8-17 Europe/Stockholm";
    const auto all = create_error(everything);
    EXPECT_THAT(all, HasSubstr("needs a name"));
    EXPECT_THAT(all, HasSubstr("there is no list named 'okänd'"));
    EXPECT_THAT(all, HasSubstr("'8-17' is not HH:MM-HH:MM"));
    EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 2);

    EXPECT_TRUE(campaigns_.list().empty());
}

TEST_F(CampaignStoreTest, CreateStoresADraftWithItsWindowNormalised) {
    (void)contact("anna@kund.example", {"kunder"});
    auto s = spec({"kunder"});
    s.sending_window = "  mon-fri  08:00-17:00 Europe/Stockholm";
    s.send_at = t0 + 24h;
    const auto id = create(s);
    const auto campaign = campaigns_.find(id);
    ASSERT_TRUE(campaign);
    EXPECT_EQ(campaign->state, CampaignState::draft);
    EXPECT_EQ(campaign->spec.name, "Nyheter i mars");
    EXPECT_EQ(campaign->spec.audience.lists, std::vector<std::string>{"kunder"});
    EXPECT_EQ(campaign->spec.sending_window, "mon-fri 08:00-17:00 Europe/Stockholm");
    EXPECT_EQ(campaign->spec.send_at, t0 + 24h);
    EXPECT_EQ(campaign->created_by, "tester");
    EXPECT_TRUE(campaign->template_hash.empty());
    EXPECT_TRUE(rows(id).empty());  // no deliveries before it is queued
    EXPECT_FALSE(campaigns_.find(id + 1));
}

TEST_F(CampaignStoreTest, QueueMakesOneDeliveryPerDistinctContact) {
    const auto a = contact("a@kund.example", {"kunder"});
    const auto b = contact("b@kund.example", {"kunder"});
    const auto c = contact("c@kund.example", {"kunder", "seminarium"});
    const auto d = contact("d@kund.example", {"kunder", "seminarium"});
    const auto e = contact("e@kund.example", {"seminarium"});
    (void)contact("f@kund.example", {"annat"});

    const auto id = create(spec({"kunder", "seminarium"}));
    const auto result = campaigns_.queue(id, "tester", false, t0);
    ASSERT_TRUE(result) << result.error();
    EXPECT_EQ(result.value().recipients, 5);
    EXPECT_EQ(contacts_of(rows(id)), (std::set<std::int64_t>{a, b, c, d, e}));
    for (const auto& r : rows(id)) {
        EXPECT_EQ(r.state, "pending");
        EXPECT_EQ(r.due_at, store::stored_time(t0));  // no send_at: due when queued
    }
    const auto campaign = campaigns_.find(id);
    EXPECT_EQ(campaign->state, CampaignState::scheduled);
    EXPECT_EQ(campaign->recipients, 5);
    EXPECT_EQ(campaign->queued_at, t0);
    EXPECT_EQ(campaign->spec.send_at, t0);
    EXPECT_EQ(campaigns_.counts(id, t0).in(DeliveryState::pending), 5);

    // Queued again: refused, and nobody gets a second delivery.
    EXPECT_THAT(campaigns_.queue(id, "tester", false, t0).error(),
                HasSubstr("only a draft can be queued"));
    EXPECT_EQ(rows(id).size(), 5U);
}

TEST_F(CampaignStoreTest, QueueInSmallBatchesGivesTheSameAudience) {
    for (int i = 0; i < 11; ++i) {
        std::vector<std::string> lists;
        if (i % 2 == 0) lists.emplace_back("jämna");
        if (i % 3 == 0) lists.emplace_back("tredje");
        if (lists.empty()) lists.emplace_back("övriga");
        (void)contact(fmt::format("k{}@kund.example", i), lists);
    }
    const auto whole = queued(spec({"jämna", "tredje"}));
    const auto by_three = queued(spec({"jämna", "tredje"}), t0, 3);
    const auto by_one = queued(spec({"jämna", "tredje"}), t0, 1);
    EXPECT_EQ(rows(whole).size(), 8U);  // 0 2 3 4 6 8 9 10
    EXPECT_EQ(contacts_of(rows(by_three)), contacts_of(rows(whole)));
    EXPECT_EQ(contacts_of(rows(by_one)), contacts_of(rows(whole)));
    EXPECT_EQ(campaigns_.find(by_three)->recipients, 8);
    EXPECT_EQ(campaigns_.find(by_one)->recipients, 8);
}

TEST_F(CampaignStoreTest, QueueHonoursTheOrganisationFilter) {
    const auto a = contact("a@alfa.example", {"kunder"}, "Alfa AB");
    const auto b = contact("b@beta.example", {"kunder"}, "Beta AB");
    const auto c = contact("c@alfa.example", {"kunder", "seminarium"}, "Alfa AB");
    (void)contact("d@privat.example", {"kunder"});
    (void)contact("e@gamma.example", {"seminarium"}, "Gamma AB");

    auto alfa = spec({"kunder", "seminarium"});
    alfa.audience.organisations = {"Alfa AB"};
    EXPECT_EQ(contacts_of(rows(queued(alfa, t0, 1))), (std::set<std::int64_t>{a, c}));

    auto alfa_beta = spec({"kunder"});
    alfa_beta.audience.organisations = {"Alfa AB", "Beta AB"};
    EXPECT_EQ(contacts_of(rows(queued(alfa_beta))), (std::set<std::int64_t>{a, b, c}));

    EXPECT_EQ(rows(queued(spec({"kunder"}))).size(), 4U);  // no filter: with and without one
}

TEST_F(CampaignStoreTest, EditingTheFolderAfterQueueChangesNothingSent) {
    (void)contact("anna@kund.example", {"kunder"});
    const auto id = create(spec({"kunder"}));
    const auto result = campaigns_.queue(id, "tester", false, t0);
    ASSERT_TRUE(result) << result.error();
    const auto before = campaigns_.snapshot(id);
    EXPECT_EQ(before.sources.subject, "Nyheter i mars\n");
    EXPECT_EQ(before.sources.partials.count("footer"), 1U);
    EXPECT_EQ(before.hash, result.value().template_hash);
    EXPECT_EQ(before.hash, campaigns_.find(id)->template_hash);
    EXPECT_EQ(before.hash, sha256_hex(snapshot_json(before.sources)));

    write_file(template_folder() / "subject.mustache", "Nyheter i april\n");
    write_file(template_folder() / "partials" / "footer.mustache",
               "<p><a href=\"https://www.example.se/nytt\">Nytt</a></p>\n");
    const auto after = campaigns_.snapshot(id);
    EXPECT_EQ(after.sources.subject, "Nyheter i mars\n");
    EXPECT_EQ(after.sources.partials, before.sources.partials);
    EXPECT_EQ(after.hash, before.hash);
    EXPECT_EQ(campaigns_.link_url(id, 2), "https://www.example.se/om-oss");

    // A campaign queued now takes the edited folder, and its hash says so.
    const auto later = queued(spec({"kunder"}));
    EXPECT_EQ(campaigns_.snapshot(later).sources.subject, "Nyheter i april\n");
    EXPECT_NE(campaigns_.snapshot(later).hash, before.hash);
}

TEST_F(CampaignStoreTest, TheTemplatesLinksAreStored) {
    (void)contact("anna@kund.example", {"kunder"});
    const auto id = create(spec({"kunder"}));
    const auto result = campaigns_.queue(id, "tester", false, t0);
    ASSERT_TRUE(result) << result.error();
    EXPECT_EQ(result.value().links, 2U);
    EXPECT_EQ(campaigns_.link_url(id, 1), "https://www.example.se/erbjudande");
    EXPECT_EQ(campaigns_.link_url(id, 2), "https://www.example.se/om-oss");
    EXPECT_EQ(campaigns_.link_url(id, 3), std::nullopt);
    EXPECT_EQ(campaigns_.link_url(id + 1, 1), std::nullopt);
}

TEST_F(CampaignStoreTest, StateMovesAreEnforced) {
    (void)contact("a@kund.example", {"kunder"});
    (void)contact("b@kund.example", {"kunder"});
    const auto id = create(spec({"kunder"}));

    EXPECT_THAT(campaigns_.pause(id, "tester").error(), HasSubstr("is draft"));
    EXPECT_THAT(campaigns_.resume(id, "tester").error(),
                HasSubstr("only a paused campaign can be resumed"));
    EXPECT_EQ(state(id), CampaignState::draft);

    ASSERT_TRUE(campaigns_.queue(id, "tester", false, t0));
    EXPECT_THAT(campaigns_.resume(id, "tester").error(),
                HasSubstr("is scheduled: only a paused campaign can be resumed"));
    EXPECT_EQ(state(id), CampaignState::scheduled);

    (void)campaigns_.fire_due(t0, 6h);
    ASSERT_EQ(state(id), CampaignState::running);
    EXPECT_EQ(campaigns_.pause(id, "tester").value().state, CampaignState::paused);
    EXPECT_THAT(campaigns_.pause(id, "tester").error(), HasSubstr("is paused"));
    EXPECT_EQ(campaigns_.resume(id, "tester").value().state, CampaignState::running);

    EXPECT_THAT(campaigns_.pause(9999, "tester").error(), HasSubstr("there is no campaign 9999"));
    EXPECT_THAT(campaigns_.resume(9999, "tester").error(), HasSubstr("there is no campaign 9999"));
    EXPECT_THAT(campaigns_.cancel(9999, "tester").error(), HasSubstr("there is no campaign 9999"));
}

TEST_F(CampaignStoreTest, CancelSkipsWhatIsStillToBeSent) {
    for (int i = 0; i < 4; ++i) (void)contact(fmt::format("k{}@kund.example", i), {"kunder"});
    const auto id = running(spec({"kunder"}));
    decide(id, {"sent"});  // the first went out before the operator cancelled

    const auto cancelled = campaigns_.cancel(id, "tester");
    ASSERT_TRUE(cancelled) << cancelled.error();
    EXPECT_EQ(cancelled.value().state, CampaignState::cancelled);
    EXPECT_TRUE(cancelled.value().finished_at.has_value());
    const auto all = rows(id);
    EXPECT_EQ(all[0].state, "sent");
    for (std::size_t i = 1; i < all.size(); ++i) {
        EXPECT_EQ(all[i].state, "skipped");
        EXPECT_EQ(all[i].skip_reason, "campaign_cancelled");
    }
    const auto counts = campaigns_.counts(id, t0);
    EXPECT_EQ(counts.skipped_by_reason.at("campaign_cancelled"), 3);
    EXPECT_EQ(counts.in(DeliveryState::sent), 1);

    EXPECT_THAT(campaigns_.resume(id, "tester").error(), HasSubstr("is cancelled"));
    EXPECT_THAT(campaigns_.pause(id, "tester").error(), HasSubstr("is cancelled"));
    EXPECT_THAT(campaigns_.cancel(id, "tester").error(), HasSubstr("is cancelled"));
    DeliveryQueue queue(db_, "test-worker");
    EXPECT_TRUE(queue.claim(id, 10, t0 + 1h, t0 + 2h).empty());
}

TEST_F(CampaignStoreTest, FireDueStartsWhatIsDueAndHoldsWhatIsLongOverdue) {
    (void)contact("anna@kund.example", {"kunder"});
    const auto guard = std::chrono::duration_cast<std::chrono::seconds>(6h);
    auto at = [&](Time send_at) {
        auto s = spec({"kunder"});
        s.send_at = send_at;
        return queued(s);
    };
    const auto future = at(t0 + 1h);
    const auto due = at(t0 - 1h);
    const auto overdue = at(t0 - 7h);

    const auto reported = campaigns_.fire_due(t0, guard);
    ASSERT_EQ(reported.size(), 1U);
    EXPECT_EQ(reported[0].id, overdue);
    EXPECT_EQ(reported[0].send_at, t0 - 7h);
    EXPECT_EQ(state(future), CampaignState::scheduled);
    EXPECT_EQ(state(due), CampaignState::running);
    EXPECT_EQ(state(overdue), CampaignState::scheduled);
    EXPECT_TRUE(campaigns_.find(due)->started_at.has_value());

    // Still held, and still reported, at the next look; the future one fires when its time
    // comes.
    const auto again = campaigns_.fire_due(t0 + 1h, guard);
    ASSERT_EQ(again.size(), 1U);
    EXPECT_EQ(again[0].id, overdue);
    EXPECT_EQ(state(future), CampaignState::running);

    // The operator forces it: it fires.
    ASSERT_TRUE(campaigns_.schedule(overdue, t0 - 7h, true, "tester"));
    EXPECT_TRUE(campaigns_.fire_due(t0 + 1h, guard).empty());
    EXPECT_EQ(state(overdue), CampaignState::running);

    // Queued with --force, an overdue schedule fires at once.
    auto forced_spec = spec({"kunder"});
    forced_spec.send_at = t0 - 48h;
    const auto forced = create(forced_spec);
    ASSERT_TRUE(campaigns_.queue(forced, "tester", true, t0));
    EXPECT_TRUE(campaigns_.fire_due(t0, guard).empty());
    EXPECT_EQ(state(forced), CampaignState::running);
}

TEST_F(CampaignStoreTest, FinishesOnlyWhenEveryDeliveryIsFinal) {
    for (int i = 0; i < 3; ++i) (void)contact(fmt::format("k{}@kund.example", i), {"kunder"});
    const auto done = running(spec({"kunder"}));
    const auto open = running(spec({"kunder"}));
    const auto unsure = running(spec({"kunder"}));
    EXPECT_TRUE(campaigns_.finish_done(t0).empty());

    decide(done, {"sent", "no_basis", "failed"});
    decide(open, {"sent", "sent"});  // one still pending
    decide(unsure, {"sent", "ambiguous", "sent"});
    EXPECT_THAT(campaigns_.finish_done(t0), ElementsAre(done));
    EXPECT_EQ(state(done), CampaignState::finished);
    EXPECT_TRUE(campaigns_.find(done)->finished_at.has_value());
    EXPECT_EQ(state(open), CampaignState::running);
    EXPECT_EQ(state(unsure), CampaignState::running);  // waits for the operator
    EXPECT_TRUE(campaigns_.finish_done(t0).empty());

    const auto ambiguous = campaigns_.ambiguous(unsure, 10);
    ASSERT_EQ(ambiguous.size(), 1U);
    EXPECT_EQ(ambiguous[0].id, rows(unsure)[1].id);
    EXPECT_EQ(ambiguous[0].decided_at, t0);
}

TEST_F(CampaignStoreTest, ResendAmbiguousPutsThemBackInTheQueue) {
    for (int i = 0; i < 3; ++i) (void)contact(fmt::format("k{}@kund.example", i), {"kunder"});
    const auto id = running(spec({"kunder"}));
    decide(id, {"ambiguous", "sent", "ambiguous"});
    EXPECT_EQ(campaigns_.counts(id, t0).in(DeliveryState::ambiguous), 2);

    const auto resent = campaigns_.resend_ambiguous(id, "tester");
    ASSERT_TRUE(resent) << resent.error();
    EXPECT_EQ(resent.value(), 2);
    const auto all = rows(id);
    EXPECT_EQ(all[0].state, "pending");
    EXPECT_EQ(all[1].state, "sent");
    EXPECT_EQ(all[2].state, "pending");
    EXPECT_EQ(all[0].attempts, 1);  // the earlier attempt stays counted
    EXPECT_TRUE(campaigns_.ambiguous(id, 10).empty());
    EXPECT_EQ(campaigns_.resend_ambiguous(id, "tester").value(), 0);

    const auto draft = create(spec({"kunder"}));
    EXPECT_THAT(campaigns_.resend_ambiguous(draft, "tester").error(),
                HasSubstr("only while it is running or paused"));
    EXPECT_THAT(campaigns_.resend_ambiguous(9999, "tester").error(),
                HasSubstr("there is no campaign 9999"));
}

TEST_F(CampaignStoreTest, CountsByStateAndSkipReason) {
    for (int i = 0; i < 8; ++i) (void)contact(fmt::format("k{}@kund.example", i), {"kunder"});
    const auto id = running(spec({"kunder"}));
    decide(id, {"sent", "sent", "no_basis", "no_basis", "suppressed:hard_bounce", "failed",
                "ambiguous"});

    const auto counts = campaigns_.counts(id, t0 + 30s);
    EXPECT_EQ(counts.total, 8);
    EXPECT_EQ(counts.in(DeliveryState::sent), 2);
    EXPECT_EQ(counts.in(DeliveryState::skipped), 3);
    EXPECT_EQ(counts.in(DeliveryState::failed), 1);
    EXPECT_EQ(counts.in(DeliveryState::ambiguous), 1);
    EXPECT_EQ(counts.in(DeliveryState::pending), 1);
    EXPECT_EQ(counts.in(DeliveryState::deferred), 0);
    EXPECT_EQ(counts.open(), 1);
    EXPECT_EQ(counts.skipped_by_reason, (std::map<std::string, std::int64_t>{
                                            {"no_basis", 2}, {"suppressed:hard_bounce", 1}}));
    EXPECT_EQ(counts.sent_last_minute, 2);
    EXPECT_EQ(counts.first_sent_at, t0);
    EXPECT_EQ(counts.last_sent_at, t0);
    EXPECT_EQ(campaigns_.counts(id, t0 + 2min).sent_last_minute, 0);

    const auto none = campaigns_.counts(9999, t0);
    EXPECT_EQ(none.total, 0);
    EXPECT_FALSE(none.first_sent_at.has_value());
}

}  // namespace
}  // namespace brevduva::dispatcher::test
