// One readable test per rule of the consent gate; the property test checks the rules against
// an independent model over random histories.
#include "consent/consent_gate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace brevduva::consent {
namespace {

using namespace std::chrono;
using enum LawfulBasis;

const TimePoint t0 = sys_days{2025y / January / 31} + 12h;

TimePoint day(int n) { return t0 + days{n}; }

PurposeSettings marketing() {
    return PurposeSettings{"product_marketing", {consent}, false, 0, true};
}

class Ledger {
  public:
    Ledger& add(Action action, LawfulBasis basis, TimePoint at,
                std::string purpose = "product_marketing") {
        events.push_back(
            ConsentEvent{next_id++, std::move(purpose), action, basis, at, "test", "", "test"});
        return *this;
    }
    std::vector<ConsentEvent> events;
    std::int64_t next_id = 1;
};

std::string decide_text(const Ledger& ledger, const PurposeSettings& purpose, TimePoint now,
                        ContactFacts contact = {}, std::vector<Suppression> suppressions = {}) {
    return to_string(decide(contact, ledger.events, suppressions, purpose, now));
}

TEST(ConsentGate, NoEventsMeansNoBasis) {
    EXPECT_EQ(decide_text(Ledger{}, marketing(), day(1)), "no_basis");
}

TEST(ConsentGate, AConsentGrantAllowsSending) {
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0));
    EXPECT_EQ(decide_text(ledger, marketing(), day(1)), "send");
}

TEST(ConsentGate, EventsOfOtherPurposesDoNotCount) {
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0), "open_tracking");
    EXPECT_EQ(decide_text(ledger, marketing(), day(1)), "no_basis");
}

TEST(ConsentGate, ALaterWithdrawalBeatsAnEarlierGrantAndALaterGrantRestores) {
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0)).add(Action::withdraw, consent, day(2));
    EXPECT_EQ(decide_text(ledger, marketing(), day(3)), "withdrawn");
    ledger.add(Action::grant, consent, day(4));
    EXPECT_EQ(decide_text(ledger, marketing(), day(5)), "send");
}

TEST(ConsentGate, EventsApplyInTimeOrderNotInputOrder) {
    Ledger ledger;
    ledger.add(Action::withdraw, consent, day(2)).add(Action::grant, consent, day(1));
    EXPECT_EQ(decide_text(ledger, marketing(), day(3)), "withdrawn");
}

// A grant and an ending stamped with the same time: the ending wins whichever was recorded
// first (the later id), so that a tie never sends.
TEST(ConsentGate, ATieBetweenAGrantAndAWithdrawalOrObjectionFailsClosed) {
    for (const bool grant_first : {true, false}) {
        Ledger withdrawal;
        if (grant_first) withdrawal.add(Action::grant, consent, day(1));
        withdrawal.add(Action::withdraw, consent, day(1));
        if (!grant_first) withdrawal.add(Action::grant, consent, day(1));
        EXPECT_EQ(decide_text(withdrawal, marketing(), day(3)), "withdrawn") << grant_first;

        const PurposeSettings b2b{
            "product_marketing", {consent, legitimate_interest}, false, 0, true};
        Ledger objection;
        if (grant_first) objection.add(Action::grant, legitimate_interest, day(1));
        objection.add(Action::object, legitimate_interest, day(1));
        if (!grant_first) objection.add(Action::grant, legitimate_interest, day(1));
        EXPECT_EQ(decide_text(objection, b2b, day(3), {true}), "objected") << grant_first;
    }
    // A withdrawal and an objection of one time: the objection stands, the stronger ending.
    Ledger both;
    both.add(Action::object, consent, day(1)).add(Action::withdraw, consent, day(1));
    EXPECT_EQ(decide_text(both, marketing(), day(3)), "objected");
    // A confirmation of the same time as a withdrawal confirms nothing that still stands.
    auto double_opt_in = marketing();
    double_opt_in.double_opt_in = true;
    Ledger confirm;
    confirm.add(Action::grant, consent, day(0));
    confirm.add(Action::withdraw, consent, day(1)).add(Action::confirm, consent, day(1));
    EXPECT_EQ(decide_text(confirm, double_opt_in, day(3)), "withdrawn");
}

TEST(ConsentGate, AGrantUnderABasisThePurposeDoesNotAllowDoesNotCount) {
    Ledger ledger;
    ledger.add(Action::grant, legitimate_interest, day(0));
    EXPECT_EQ(decide_text(ledger, marketing(), day(1), {true}), "no_basis");
    // Nor does it replace an earlier grant that counts.
    Ledger both;
    both.add(Action::grant, consent, day(0)).add(Action::grant, contract, day(1));
    EXPECT_EQ(decide_text(both, marketing(), day(2)), "send");
}

TEST(ConsentGate, DoubleOptInCountsOnlyOnceConfirmedAndANewGrantResetsIt) {
    auto purpose = marketing();
    purpose.double_opt_in = true;
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0));
    EXPECT_EQ(decide_text(ledger, purpose, day(1)), "unconfirmed");
    ledger.add(Action::confirm, consent, day(1));
    EXPECT_EQ(decide_text(ledger, purpose, day(2)), "send");
    ledger.add(Action::grant, consent, day(3));
    EXPECT_EQ(decide_text(ledger, purpose, day(4)), "unconfirmed");
}

TEST(ConsentGate, AConfirmBeforeTheGrantOrAfterAWithdrawalConfirmsNothing) {
    auto purpose = marketing();
    purpose.double_opt_in = true;
    Ledger ledger;
    ledger.add(Action::confirm, consent, day(0)).add(Action::grant, consent, day(1));
    EXPECT_EQ(decide_text(ledger, purpose, day(2)), "unconfirmed");
    Ledger withdrawn;
    withdrawn.add(Action::grant, consent, day(0))
        .add(Action::withdraw, consent, day(1))
        .add(Action::confirm, consent, day(2));
    EXPECT_EQ(decide_text(withdrawn, purpose, day(3)), "withdrawn");
}

TEST(ConsentGate, DoubleOptInDoesNotApplyToOtherBases) {
    PurposeSettings purpose{"service_status", {contract, consent}, true, 0, true};
    Ledger ledger;
    ledger.add(Action::grant, contract, day(0), "service_status");
    EXPECT_EQ(decide_text(ledger, purpose, day(1)), "send");
}

TEST(ConsentGate, ConsentLapsesCalendarMonthsAfterTheGrant) {
    auto purpose = marketing();
    purpose.lapse_months = 1;
    Ledger ledger;
    ledger.add(Action::grant, consent, t0);  // 31 January, noon
    const TimePoint lapse = sys_days{2025y / February / 28} + 12h;
    EXPECT_EQ(decide_text(ledger, purpose, lapse - 1s), "send");
    EXPECT_EQ(decide_text(ledger, purpose, lapse), "lapsed");
    ledger.add(Action::grant, consent, lapse + 1h);  // a renewed grant starts a new period
    EXPECT_EQ(decide_text(ledger, purpose, lapse + 2h), "send");
}

TEST(ConsentGate, LapseRunsFromTheGrantNotTheConfirmation) {
    auto purpose = marketing();
    purpose.lapse_months = 1;
    purpose.double_opt_in = true;
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0)).add(Action::confirm, consent, day(20));
    EXPECT_EQ(decide_text(ledger, purpose, add_months(day(0), 1)), "lapsed");
}

TEST(ConsentGate, LapsedBeatsUnconfirmed) {
    auto purpose = marketing();
    purpose.lapse_months = 1;
    purpose.double_opt_in = true;
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0));
    EXPECT_EQ(decide_text(ledger, purpose, day(100)), "lapsed");
}

TEST(ConsentGate, OnlyConsentLapses) {
    PurposeSettings purpose{"service_status", {contract}, false, 1, false};
    Ledger ledger;
    ledger.add(Action::grant, contract, day(0), "service_status");
    EXPECT_EQ(decide_text(ledger, purpose, day(400)), "send");
}

TEST(ConsentGate, LegitimateInterestNeedsAnOrganisationWhenThePurposeSaysSo) {
    PurposeSettings purpose{"product_marketing", {consent, legitimate_interest}, false, 0, true};
    Ledger ledger;
    ledger.add(Action::grant, legitimate_interest, day(0));
    EXPECT_EQ(decide_text(ledger, purpose, day(1), {.has_organisation = false}), "no_basis");
    EXPECT_EQ(decide_text(ledger, purpose, day(1), {.has_organisation = true}), "send");
    purpose.legitimate_interest_needs_organisation = false;
    EXPECT_EQ(decide_text(ledger, purpose, day(1), {.has_organisation = false}), "send");
}

TEST(ConsentGate, AnObjectionEndsLegitimateInterestForGoodButNotALaterConsent) {
    PurposeSettings purpose{"product_marketing", {consent, legitimate_interest}, false, 0, false};
    Ledger ledger;
    ledger.add(Action::grant, legitimate_interest, day(0)).add(Action::object, consent, day(1));
    EXPECT_EQ(decide_text(ledger, purpose, day(2)), "objected");
    ledger.add(Action::grant, legitimate_interest, day(3));
    EXPECT_EQ(decide_text(ledger, purpose, day(4)), "objected");
    ledger.add(Action::grant, consent, day(5));
    EXPECT_EQ(decide_text(ledger, purpose, day(6)), "send");
    ledger.add(Action::withdraw, consent, day(7)).add(Action::grant, legitimate_interest, day(8));
    EXPECT_EQ(decide_text(ledger, purpose, day(9)), "withdrawn");
}

TEST(ConsentGate, AnObjectionAlsoEndsAConsentGrant) {
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0)).add(Action::object, consent, day(1));
    EXPECT_EQ(decide_text(ledger, marketing(), day(2)), "objected");
}

TEST(ConsentGate, SuppressionBeatsEverything) {
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0));
    const std::vector<Suppression> all{{SuppressionReason::hard_bounce, "", day(5)}};
    EXPECT_EQ(decide_text(ledger, marketing(), day(1), {}, all), "suppressed:hard_bounce");
    const std::vector<Suppression> this_one{
        {SuppressionReason::unsubscribed, "product_marketing", day(-5)}};
    EXPECT_EQ(decide_text(ledger, marketing(), day(1), {}, this_one), "suppressed:unsubscribed");
    const std::vector<Suppression> other{{SuppressionReason::complaint, "open_tracking", day(0)}};
    EXPECT_EQ(decide_text(ledger, marketing(), day(1), {}, other), "send");
}

TEST(ConsentGate, TheEarliestSuppressionIsNamed) {
    const std::vector<Suppression> several{{SuppressionReason::erased, "", day(3)},
                                           {SuppressionReason::manual, "", day(1)},
                                           {SuppressionReason::complaint, "", day(1)}};
    EXPECT_EQ(decide_text(Ledger{}, marketing(), day(4), {}, several), "suppressed:complaint");
}

TEST(ConsentGate, FutureDatedWithdrawalsStillCount) {
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0)).add(Action::withdraw, consent, day(2));
    EXPECT_EQ(decide_text(ledger, marketing(), day(1)), "withdrawn");
}

TEST(ConsentFold, RecordsTheCurrentGrantAndTheObjection) {
    PurposeSettings purpose{"product_marketing", {consent, legitimate_interest}, true, 12, false};
    Ledger ledger;
    ledger.add(Action::grant, legitimate_interest, day(0))
        .add(Action::object, consent, day(1))
        .add(Action::grant, consent, day(2))
        .add(Action::confirm, consent, day(3))
        .add(Action::confirm, consent, day(4))
        .add(Action::grant, legitimate_interest, day(5));
    const auto state = fold(ledger.events, purpose, {});
    EXPECT_EQ(state.purpose, "product_marketing");
    EXPECT_EQ(state.status, ConsentStatus::granted);
    EXPECT_EQ(state.basis, consent);
    EXPECT_EQ(state.granted_at, day(2));
    EXPECT_EQ(state.confirmed_at, day(3));
    EXPECT_EQ(state.lapses_at, add_months(day(2), 12));
    EXPECT_EQ(state.objected_at, day(1));
    EXPECT_EQ(state.ended_at, std::nullopt);
    EXPECT_EQ(state.last_event_id, 6);
}

TEST(ConsentFold, IsTheSameWhateverOrderTheEventsArriveIn) {
    Ledger ledger;
    ledger.add(Action::grant, consent, day(0))
        .add(Action::withdraw, consent, day(1))
        .add(Action::grant, consent, day(1))
        .add(Action::confirm, consent, day(2));
    auto reversed = ledger.events;
    std::reverse(reversed.begin(), reversed.end());
    EXPECT_EQ(fold(ledger.events, marketing(), {}), fold(reversed, marketing(), {}));
}

TEST(AddMonths, ClampsToTheEndOfShortMonthsAndKeepsTheTimeOfDay) {
    EXPECT_EQ(add_months(t0, 1), sys_days{2025y / February / 28} + 12h);
    EXPECT_EQ(add_months(sys_days{2024y / January / 31} + 1s, 1),
              sys_days{2024y / February / 29} + 1s);
    EXPECT_EQ(add_months(t0, 24), sys_days{2027y / January / 31} + 12h);
    EXPECT_EQ(add_months(sys_days{2025y / March / 15}, 11), sys_days{2026y / February / 15});
}

TEST(ConsentNames, RoundTripEveryEnumerator) {
    for (auto a : {Action::grant, Action::confirm, Action::withdraw, Action::object}) {
        EXPECT_EQ(parse_action(to_string(a)), a);
    }
    for (int r = 0; r <= static_cast<int>(SuppressionReason::manual); ++r) {
        const auto reason = static_cast<SuppressionReason>(r);
        EXPECT_EQ(parse_suppression_reason(to_string(reason)), reason);
        const SkipReason skip{SkipKind::suppressed, reason};
        EXPECT_EQ(parse_skip_reason(to_string(skip)), skip);
    }
    for (auto b : {consent, legitimate_interest, contract}) {
        EXPECT_EQ(parse_lawful_basis(lawful_basis_name(b)), b);
    }
    for (int s = 0; s <= static_cast<int>(ConsentStatus::objected); ++s) {
        const auto status = static_cast<ConsentStatus>(s);
        EXPECT_EQ(parse_consent_status(to_string(status)), status);
    }
    for (auto k : {SkipKind::none, SkipKind::no_basis, SkipKind::withdrawn, SkipKind::objected,
                   SkipKind::unconfirmed, SkipKind::lapsed}) {
        EXPECT_EQ(parse_skip_reason(to_string(SkipReason{k, {}})), (SkipReason{k, {}}));
    }
    EXPECT_EQ(to_string(SkipReason{SkipKind::suppressed, SuppressionReason::hard_bounce}),
              "suppressed:hard_bounce");
    EXPECT_EQ(to_string(SkipReason{SkipKind::no_basis, {}}), "no_basis");
    EXPECT_EQ(lawful_basis_name(legitimate_interest), "legitimate_interest");
    EXPECT_EQ(parse_skip_reason("suppressed"), std::nullopt);
    EXPECT_EQ(parse_skip_reason("suppressed:bogus"), std::nullopt);
    EXPECT_EQ(parse_action("Grant"), std::nullopt);
}

}  // namespace
}  // namespace brevduva::consent
