#include "smtp/smtp_shaping.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace brevduva::smtp {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

struct FakeClock {
    TimePoint now = TimePoint{} + 1000h;
    ShapingClock function() {
        return [this] { return now; };
    }
};

config::SendingSettings sending(double global_rate) {
    config::SendingSettings s;
    s.global_rate = global_rate;
    s.destinations = {{"google", {"gmail.com", "googlemail.com"}, 60, 2},
                      {"slow", {"slow.example"}, 6, 0}};
    return s;
}

Outcome rate_limited_reply(Stage stage = Stage::rcpt_to) {
    ReplyParser parser;
    parser.feed("421 4.7.28 Our system has detected an unusual rate of mail\r\n");
    return Outcome::from_reply(std::get<SmtpReply>(*parser.next()), stage);
}

Outcome accepted_reply() {
    ReplyParser parser;
    parser.feed("250 2.0.0 OK queued\r\n");
    return Outcome::from_reply(std::get<SmtpReply>(*parser.next()), Stage::end_of_data);
}

TEST(Shaper, GroupsDomainsIntoOneDestinationCaseInsensitively) {
    FakeClock clock;
    Shaper shaper(sending(0), clock.function());
    EXPECT_EQ(shaper.destination_of("anna@GMail.com"), "google");
    EXPECT_EQ(shaper.destination_of("bo@googlemail.com"), "google");
    EXPECT_EQ(shaper.destination_of("cia@Example.SE"), "example.se");
    EXPECT_EQ(shaper.destination_of("example.se"), "example.se");
}

TEST(Shaper, LimitsConcurrentTransactionsPerDestinationAndFreesSlotsOnCompletion) {
    FakeClock clock;
    auto settings = sending(0);
    settings.destinations[0].messages_per_minute = 0;  // only the concurrency limit
    Shaper shaper(settings, clock.function());
    Admission first = shaper.admit("a@gmail.com");
    Admission second = shaper.admit("b@googlemail.com");
    ASSERT_TRUE(first.admitted());
    ASSERT_TRUE(second.admitted());
    const Admission third = shaper.admit("c@gmail.com");
    EXPECT_FALSE(third.admitted());
    EXPECT_EQ(third.reason, WaitReason::destination_concurrency);
    EXPECT_EQ(shaper.in_flight("google"), 2);
    // Other destinations are not held up by google's limit.
    EXPECT_TRUE(shaper.admit("d@example.se").admitted());
    first.permit.complete(accepted_reply());
    EXPECT_EQ(shaper.in_flight("google"), 1);
    EXPECT_TRUE(shaper.admit("c@gmail.com").admitted());
}

TEST(Shaper, DroppingAPermitFreesItsSlotToo) {
    FakeClock clock;
    auto settings = sending(0);
    settings.destinations[0].messages_per_minute = 0;
    Shaper shaper(settings, clock.function());
    {
        Admission a = shaper.admit("a@gmail.com");
        Admission b = shaper.admit("b@gmail.com");
        EXPECT_EQ(shaper.in_flight("google"), 2);
    }
    EXPECT_EQ(shaper.in_flight("google"), 0);
}

TEST(Shaper, SpacesMessagesToADestinationByItsRatePerMinute) {
    FakeClock clock;
    Shaper shaper(sending(0), clock.function());
    // 6 per minute: one every 10 s, a burst of one.
    EXPECT_TRUE(shaper.admit("x@slow.example").admitted());
    const Admission held = shaper.admit("y@slow.example");
    ASSERT_FALSE(held.admitted());
    EXPECT_EQ(held.reason, WaitReason::destination_rate);
    EXPECT_EQ(held.retry_at, clock.now + 10s);
    EXPECT_TRUE(shaper.admit("z@example.se").admitted());  // others go on meanwhile
    clock.now += 10s;
    EXPECT_TRUE(shaper.admit("y@slow.example").admitted());
}

TEST(Shaper, TheGlobalRateHoldsEveryoneAndAllowsABurstOfOneSecond) {
    FakeClock clock;
    Shaper shaper(sending(5), clock.function());
    int admitted = 0;
    std::vector<Admission> kept;
    for (int i = 0; i < 20; ++i) {
        Admission a = shaper.admit("u" + std::to_string(i) + "@example.se");
        if (a.admitted()) ++admitted;
        kept.push_back(std::move(a));
    }
    EXPECT_EQ(admitted, 5);
    const Admission held = shaper.admit("late@example.se");
    EXPECT_EQ(held.reason, WaitReason::global_rate);
    EXPECT_EQ(held.retry_at, clock.now + 200ms);
    clock.now += 200ms;
    EXPECT_TRUE(shaper.admit("late@example.se").admitted());
}

TEST(Shaper, ARateLimitedReplyHalvesTheRateThenItRecoversStepByStep) {
    FakeClock clock;
    ShapingPolicy policy;
    policy.cooldown = 5min;
    policy.recovery_step = 1min;
    policy.recovery_fraction = 0.25;
    Shaper shaper(sending(0), clock.function(), policy);
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("google"), 60);
    shaper.admit("a@gmail.com").permit.complete(rate_limited_reply());
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("google"), 30);
    // Every message in flight hears the same "slow down": it counts once.
    clock.now += 2s;
    shaper.admit("b@gmail.com").permit.complete(rate_limited_reply(Stage::end_of_data));
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("google"), 30);
    clock.now += 5min - 1s;  // the cool-down restarted with the second reply
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("google"), 30);
    clock.now += 1s;
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("google"), 45);
    clock.now += 1min;
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("google"), 60);
    clock.now += 10min;
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("google"), 60);
}

TEST(Shaper, ARepeatedSlowDownAfterTheGuardHalvesAgainButNeverBelowTheMinimum) {
    FakeClock clock;
    ShapingPolicy policy;
    policy.minimum_per_minute = 10;
    Shaper shaper(sending(0), clock.function(), policy);
    for (int i = 0; i < 5; ++i) {
        clock.now += policy.halve_guard;
        shaper.admit("a@gmail.com").permit.complete(rate_limited_reply());
    }
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("google"), 10);
}

TEST(Shaper, ADomainWithoutARuleLearnsALimitWhenItSaysSlowDownAndForgetsIt) {
    FakeClock clock;
    ShapingPolicy policy;
    policy.cooldown = 1min;
    policy.recovery_step = 1min;
    policy.recovery_fraction = 0.5;
    Shaper shaper(sending(2), clock.function(), policy);  // 2/s = 120 per minute
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("example.se"), 0);
    shaper.admit("a@example.se").permit.complete(rate_limited_reply());
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("example.se"), 60);
    clock.now += 2s;
    EXPECT_TRUE(shaper.admit("b@example.se").admitted());
    const Admission held = shaper.admit("c@example.se");
    EXPECT_EQ(held.reason, WaitReason::destination_rate);
    EXPECT_TRUE(shaper.admit("d@other.example").admitted());
    clock.now += 2min;
    Admission later = shaper.admit("e@example.se");
    ASSERT_TRUE(later.admitted());
    later.permit.complete(accepted_reply());
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("example.se"), 0);  // forgotten: no limit again
}

TEST(Shaper, SlowDownsOutsideATransactionAreNotHeldAgainstTheDestination) {
    FakeClock clock;
    Shaper shaper(sending(0), clock.function());
    shaper.admit("a@gmail.com").permit.complete(rate_limited_reply(Stage::greeting));
    EXPECT_DOUBLE_EQ(shaper.rate_per_minute("google"), 60);
}

TEST(Shaper, APermitCompletesOnlyOnce) {
    FakeClock clock;
    Shaper shaper(sending(0), clock.function());
    Admission a = shaper.admit("a@gmail.com");
    clock.now += 1s;
    Admission b = shaper.admit("b@gmail.com");
    ASSERT_TRUE(b.admitted());
    a.permit.complete(accepted_reply());
    a.permit.complete(accepted_reply());
    EXPECT_EQ(shaper.in_flight("google"), 1);
    ShapingPermit moved = std::move(b.permit);
    EXPECT_FALSE(b.permit);
    EXPECT_EQ(moved.destination(), "google");
}

}  // namespace
}  // namespace brevduva::smtp
