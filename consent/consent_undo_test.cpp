// judge_undo, one rule per test: an unsubscribe page's undo answers only its own link's
// withdrawal, only within the window, and never lifts what came from elsewhere.
#include "consent/consent_undo.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace brevduva::consent {
namespace {

using namespace std::chrono;
using enum LawfulBasis;

const TimePoint t0 = sys_days{2026y / March / 2} + 9h;
constexpr std::int64_t link = 41;  // the delivery whose unsubscribe link was used
constexpr seconds window = hours(24);
const std::string purpose = "product_marketing";
const PurposeSettings marketing{purpose, {consent, legitimate_interest}, false, 0, true};

class History {
  public:
    History& add(Action action, TimePoint at, std::string source = "crm.csv",
                 std::int64_t delivery = 0, std::string of = purpose) {
        LedgerEntry e;
        e.contact_id = 7;
        e.event = {next_id_++, std::move(of), action, consent, at, std::move(source), "", "x"};
        e.delivery_id = delivery;
        entries.push_back(e);
        return *this;
    }
    History& withdrawn_by_link(TimePoint at, std::int64_t delivery = link) {
        return add(Action::withdraw, at, std::string(source_unsubscribe_link), delivery);
    }
    std::vector<LedgerEntry> entries;

  private:
    std::int64_t next_id_ = 1;
};

Suppression own_suppression(TimePoint at) { return {SuppressionReason::unsubscribed, purpose, at}; }

UndoVerdict judge(const History& h, const std::vector<Suppression>& s, TimePoint now,
                  std::int64_t delivery = link, const PurposeSettings& settings = marketing) {
    return judge_undo(h.entries, s, settings, ContactFacts{true}, delivery, now, window);
}

TEST(Undo, AllowedJustAfterItsOwnLinksWithdrawal) {
    History h;
    h.add(Action::grant, t0).withdrawn_by_link(t0 + 1h);
    EXPECT_EQ(judge(h, {own_suppression(t0 + 1h)}, t0 + 2h), UndoVerdict::allowed);
    EXPECT_EQ(judge(h, {}, t0 + 1h + window), UndoVerdict::allowed);  // the window's last moment
}

TEST(Undo, RefusedOnceTheWindowHasPassedOrWhenItIsZero) {
    History h;
    h.add(Action::grant, t0).withdrawn_by_link(t0 + 1h);
    EXPECT_EQ(judge(h, {own_suppression(t0 + 1h)}, t0 + 1h + window + 1s),
              UndoVerdict::window_passed);
    EXPECT_EQ(judge_undo(h.entries, {}, marketing, ContactFacts{true}, link, t0 + 2h, seconds(0)),
              UndoVerdict::window_passed);
}

TEST(Undo, RefusedForAnotherMessagesLinkOrATokenWithoutOne) {
    History h;
    h.add(Action::grant, t0).withdrawn_by_link(t0 + 1h, 99);
    EXPECT_EQ(judge(h, {}, t0 + 2h), UndoVerdict::not_this_link);
    History none;
    none.add(Action::grant, t0).withdrawn_by_link(t0 + 1h, 0);
    EXPECT_EQ(judge(none, {}, t0 + 2h, 0), UndoVerdict::not_this_link);
}

TEST(Undo, RefusedForAWithdrawalOrObjectionFromElsewhere) {
    History letter;
    letter.add(Action::grant, t0).add(Action::withdraw, t0 + 1h, "admin");
    EXPECT_EQ(judge(letter, {}, t0 + 2h), UndoVerdict::not_this_link);
    History objection;
    objection.add(Action::grant, t0).withdrawn_by_link(t0 + 1h).add(Action::object, t0 + 1h, "api");
    EXPECT_EQ(judge(objection, {}, t0 + 2h), UndoVerdict::not_this_link);
}

// Something that came after the link's withdrawal decides, not the link.
TEST(Undo, RefusedWhenAnythingCameAfterTheLinksWithdrawal) {
    History h;
    h.add(Action::grant, t0).withdrawn_by_link(t0 + 1h).add(Action::withdraw, t0 + 90min, "api");
    EXPECT_EQ(judge(h, {}, t0 + 2h), UndoVerdict::not_this_link);
    // Recorded after it, though dated before it (a letter entered with the day it arrived).
    for (const Action ending : {Action::withdraw, Action::object}) {
        History letter;
        letter.add(Action::grant, t0).withdrawn_by_link(t0 + 1h).add(ending, t0 + 30min, "cli");
        EXPECT_EQ(judge(letter, {}, t0 + 2h), UndoVerdict::not_this_link) << to_string(ending);
    }
}

// An undo restores what the link ended only while it would still count: a lapsed grant that
// the link withdrew stays ended.
TEST(Undo, ALapsedGrantIsNotRevived) {
    PurposeSettings lapsing = marketing;
    lapsing.lapse_months = 1;
    History h;
    h.add(Action::grant, t0 - days(40)).withdrawn_by_link(t0);
    EXPECT_EQ(judge(h, {}, t0 + 1h, link, lapsing), UndoVerdict::nothing_to_restore);
    History fresh;
    fresh.add(Action::grant, t0 - days(10)).withdrawn_by_link(t0);
    EXPECT_EQ(judge(fresh, {}, t0 + 1h, link, lapsing), UndoVerdict::allowed);
}

TEST(Undo, NothingToUndoWhenThePurposeIsOn) {
    History h;
    h.add(Action::grant, t0)
        .withdrawn_by_link(t0 + 1h)
        .add(Action::grant, t0 + 90min, std::string(source_unsubscribe_link), link);
    EXPECT_EQ(judge(h, {}, t0 + 2h), UndoVerdict::nothing_to_undo);
    EXPECT_EQ(judge(History{}, {}, t0), UndoVerdict::nothing_to_undo);
    // Another purpose's withdrawal is not this one's.
    History other;
    other.add(Action::withdraw, t0, std::string(source_unsubscribe_link), link, "open_tracking");
    EXPECT_EQ(judge(other, {}, t0 + 1h), UndoVerdict::nothing_to_undo);
}

TEST(Undo, RefusedWhileAnyOtherSuppressionCoversThePurpose) {
    History h;
    h.add(Action::grant, t0).withdrawn_by_link(t0 + 1h);
    const auto own = own_suppression(t0 + 1h);
    for (const Suppression& other :
         {Suppression{SuppressionReason::complaint, "", t0 + 90min},
          Suppression{SuppressionReason::hard_bounce, "", t0},
          Suppression{SuppressionReason::manual, purpose, t0 + 90min},
          // An unsubscription from the CLI before the link's, of the same purpose.
          Suppression{SuppressionReason::unsubscribed, purpose, t0 + 30min}}) {
        EXPECT_EQ(judge(h, {own, other}, t0 + 2h), UndoVerdict::other_suppression)
            << to_string(other.reason);
    }
    // One of another purpose does not stand in the way.
    EXPECT_EQ(judge(h, {own, {SuppressionReason::manual, "open_tracking", t0}}, t0 + 2h),
              UndoVerdict::allowed);
}

// A tie fails closed here too: the link's withdrawal stamped with the same time as the grant
// before it is still the event that decides, and it may be undone; a grant of that time
// recorded after it is someone's later word, and the undo leaves it to them.
TEST(Undo, ATiedGrantDoesNotHideTheLinksWithdrawal) {
    History h;
    h.add(Action::grant, t0).withdrawn_by_link(t0);
    EXPECT_EQ(judge(h, {}, t0 + 1h), UndoVerdict::allowed);
    History later;
    later.withdrawn_by_link(t0).add(Action::grant, t0);
    EXPECT_EQ(judge(later, {}, t0 + 1h), UndoVerdict::not_this_link);
}

}  // namespace
}  // namespace brevduva::consent
