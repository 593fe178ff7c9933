#include "consent/consent_time.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace brevduva::consent {
namespace {

using namespace std::chrono;
using ::testing::HasSubstr;

TimePoint utc(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
    return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

TEST(Timestamp, ReadsUtcAndOffsets) {
    EXPECT_EQ(parse_timestamp("2025-03-01T09:30:00Z").value(), utc(2025, 3, 1, 9, 30, 0));
    EXPECT_EQ(parse_timestamp("2025-03-01 10:30:00+01:00").value(), utc(2025, 3, 1, 9, 30, 0));
    EXPECT_EQ(parse_timestamp("2025-03-01T04:30-0500").value(), utc(2025, 3, 1, 9, 30, 0));
    EXPECT_EQ(parse_timestamp("2025-01-01T00:30:00+02:00").value(), utc(2024, 12, 31, 22, 30, 0));
}

TEST(Timestamp, KeepsFractionsToMicroseconds) {
    EXPECT_EQ(parse_timestamp("2025-03-01T09:30:00.25Z").value(),
              utc(2025, 3, 1, 9, 30, 0) + milliseconds{250});
    EXPECT_EQ(parse_timestamp("2025-03-01T09:30:00,1234567Z").value(),
              utc(2025, 3, 1, 9, 30, 0) + microseconds{123456});
}

TEST(Timestamp, RefusesWhatCouldBeMisreadAndSaysWhy) {
    EXPECT_THAT(parse_timestamp("2025-03-01T09:30:00").error(), HasSubstr("time zone"));
    EXPECT_THAT(parse_timestamp("2025-03-01").error(), HasSubstr("only a date"));
    EXPECT_THAT(parse_timestamp("2025-02-30T09:30:00Z").error(), HasSubstr("not a valid date"));
    EXPECT_THAT(parse_timestamp("2025-03-01T24:00:00Z").error(), HasSubstr("not a valid"));
    // Outside what the clock can hold (1677-2262) the arithmetic would overflow.
    EXPECT_THAT(parse_timestamp("2525-05-01T08:00:00Z").error(),
                HasSubstr("between 1970 and 2200"));
    EXPECT_THAT(parse_timestamp("1000-01-01T00:00:00Z").error(),
                HasSubstr("between 1970 and 2200"));
    for (const char* bad :
         {"", "yesterday", "01/03/2025 09:30", "2025-3-1T09:30Z", "2025-03-01T09:30:00Zjunk",
          "2025-03-01T09:30:00+1", "2025-03-01T09:30:00."}) {
        EXPECT_FALSE(parse_timestamp(bad).ok()) << bad;
    }
}

}  // namespace
}  // namespace brevduva::consent
