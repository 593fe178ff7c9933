#include <gtest/gtest.h>

#include "dispatcher/dispatcher_backoff.hpp"
#include "dispatcher/dispatcher_states.hpp"

namespace brevduva::dispatcher {
namespace {

using namespace std::chrono_literals;

TEST(CampaignStates, FollowTheLifecycle) {
    using enum CampaignState;
    EXPECT_TRUE(can_move(draft, scheduled));
    EXPECT_TRUE(can_move(scheduled, running));
    EXPECT_TRUE(can_move(running, paused));
    EXPECT_TRUE(can_move(paused, running));
    EXPECT_TRUE(can_move(running, finished));
    EXPECT_TRUE(can_move(paused, cancelled));
    EXPECT_FALSE(can_move(finished, running));
    EXPECT_FALSE(can_move(cancelled, running));
    EXPECT_FALSE(can_move(paused, finished));
    EXPECT_FALSE(can_move(draft, paused));
    EXPECT_TRUE(is_final(finished));
    EXPECT_FALSE(is_final(paused));
}

TEST(DeliveryStates, SentOnlyFromSendingAndNeverLeft) {
    using D = DeliveryState;
    for (auto from : {D::pending, D::claimed, D::deferred, D::failed, D::skipped, D::ambiguous}) {
        EXPECT_FALSE(can_move(from, D::sent)) << to_string(from);
    }
    EXPECT_TRUE(can_move(D::sending, D::sent));
    for (auto to :
         {D::pending, D::claimed, D::sending, D::deferred, D::failed, D::skipped, D::ambiguous}) {
        EXPECT_FALSE(can_move(D::sent, to)) << to_string(to);
    }
}

TEST(DeliveryStates, AmbiguousOnlyFromSendingAndOnlyBackToPending) {
    using D = DeliveryState;
    EXPECT_TRUE(can_move(D::sending, D::ambiguous));
    EXPECT_FALSE(can_move(D::claimed, D::ambiguous));
    EXPECT_TRUE(can_move(D::ambiguous, D::pending));
    EXPECT_FALSE(can_move(D::ambiguous, D::sent));
    EXPECT_FALSE(is_final(D::ambiguous));
}

TEST(States, NamesRoundTrip) {
    for (auto s : {CampaignState::draft, CampaignState::scheduled, CampaignState::running,
                   CampaignState::paused, CampaignState::finished, CampaignState::cancelled}) {
        EXPECT_EQ(parse_campaign_state(to_string(s)), s);
    }
    for (int i = 0; i <= static_cast<int>(DeliveryState::ambiguous); ++i) {
        const auto s = static_cast<DeliveryState>(i);
        EXPECT_EQ(parse_delivery_state(to_string(s)), s);
    }
    EXPECT_EQ(parse_delivery_state("delivered"), std::nullopt);
}

TEST(Backoff, DoublesUpToTheCapWithinTheJitterBand) {
    const BackoffPolicy policy{60s, 3600s, 72h};
    const UnitRandom low = [] { return 0.0; };
    const UnitRandom high = [] { return 0.999999; };
    EXPECT_EQ(retry_delay(policy, 1, low), 30s);
    EXPECT_EQ(retry_delay(policy, 1, high), 60s);
    EXPECT_EQ(retry_delay(policy, 2, high), 120s);
    EXPECT_EQ(retry_delay(policy, 4, high), 480s);
    EXPECT_EQ(retry_delay(policy, 10, high), 3600s);
    EXPECT_EQ(retry_delay(policy, 1000, low), 1800s);
}

TEST(Backoff, FailsOnceTheMaximumAgeWouldBePassed) {
    const BackoffPolicy policy{60s, 3600s, 2h};
    const UnitRandom high = [] { return 0.999999; };
    const auto first = std::chrono::system_clock::time_point{} + 1000h;
    EXPECT_EQ(next_attempt_at(policy, 1, first, first, high), first + 60s);
    EXPECT_EQ(next_attempt_at(policy, 8, first, first + 1h, high), first + 2h);
    EXPECT_EQ(next_attempt_at(policy, 8, first, first + 1h + 1s, high), std::nullopt);
}

}  // namespace
}  // namespace brevduva::dispatcher
