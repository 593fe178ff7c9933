// SendingWindow as a campaign's author meets it: the errors of a mistyped window, and when
// mail may go in Stockholm across ordinary weeks and the two summer-time changes of 2026
// (Sunday 29 March, clocks 02:00 → 03:00; Sunday 25 October, clocks 03:00 → 02:00). Every time
// is given explicitly in UTC; nothing depends on today's date.
#include "dispatcher/dispatcher_window.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

namespace brevduva::dispatcher {
namespace {

using namespace std::chrono;
using ::testing::HasSubstr;
using TimePoint = system_clock::time_point;

// A moment in UTC.
TimePoint utc(year_month_day day, int hour, int minute = 0) {
    return sys_days{day} + hours{hour} + minutes{minute};
}

SendingWindow window(std::string_view text) {
    auto parsed = SendingWindow::parse(text);
    if (!parsed) ADD_FAILURE() << text << ": " << parsed.error();
    return parsed ? parsed.value() : SendingWindow{};
}

std::string error_of(std::string_view text) {
    const auto parsed = SendingWindow::parse(text);
    if (parsed) return "(parsed as '" + parsed.value().text() + "')";
    return parsed.error();
}

TEST(SendingWindow, ParseErrorsNameTheProblem) {
    EXPECT_THAT(error_of("mon-fry 08:00-17:00 Europe/Stockholm"),
                HasSubstr("'mon-fry' is not a set of days"));
    EXPECT_THAT(error_of("monday 08:00-17:00 Europe/Stockholm"),
                HasSubstr("'monday' is not a set of days"));
    EXPECT_THAT(error_of("mon, 08:00-17:00 Europe/Stockholm"),
                HasSubstr("'mon,' is not a set of days"));
    EXPECT_THAT(error_of("mon-fri 8-17 Europe/Stockholm"), HasSubstr("'8-17' is not HH:MM-HH:MM"));
    EXPECT_THAT(error_of("mon-fri 08:00-25:00 Europe/Stockholm"),
                HasSubstr("'08:00-25:00' is not HH:MM-HH:MM"));
    EXPECT_THAT(error_of("mon-fri 08:60-17:00 Europe/Stockholm"),
                HasSubstr("'08:60-17:00' is not HH:MM-HH:MM"));
    EXPECT_THAT(error_of("mon-fri 08:00 Europe/Stockholm"),
                HasSubstr("'08:00' is not HH:MM-HH:MM"));
    EXPECT_THAT(error_of("mon-fri 17:00-08:00 Europe/Stockholm"),
                HasSubstr("'17:00-08:00' ends before it starts"));
    EXPECT_THAT(error_of("mon-fri 09:00-09:00 Europe/Stockholm"),
                HasSubstr("'09:00-09:00' ends before it starts"));
    EXPECT_THAT(error_of("mon-fri 08:00-17:00 Europe/Stokholm"),
                HasSubstr("unknown time zone 'Europe/Stokholm'"));
    EXPECT_THAT(error_of("mon-fri 08:00-17:00"), HasSubstr("is not DAYS HH:MM-HH:MM ZONE"));
    EXPECT_THAT(error_of("mon-fri 08:00-17:00 Europe/Stockholm extra"),
                HasSubstr("is not DAYS HH:MM-HH:MM ZONE"));
}

TEST(SendingWindow, OfficeHoursAcrossAWinterWeek) {
    // Monday 12 to Sunday 18 January 2026; Stockholm is UTC+1.
    const auto office = window("mon-fri 08:00-17:00 Europe/Stockholm");
    for (int d = 12; d <= 18; ++d) {
        const year_month_day day = 2026y / January / d;
        const bool weekday = d <= 16;
        EXPECT_FALSE(office.is_open(utc(day, 6, 59))) << d;  // 07:59 local
        EXPECT_EQ(office.is_open(utc(day, 7, 0)), weekday) << d;
        EXPECT_EQ(office.is_open(utc(day, 11, 30)), weekday) << d;
        EXPECT_EQ(office.is_open(utc(day, 15, 59)), weekday) << d;  // 16:59 local
        EXPECT_FALSE(office.is_open(utc(day, 16, 0))) << d;         // 17:00 local: closed
        EXPECT_FALSE(office.is_open(utc(day, 23, 30))) << d;
    }
    EXPECT_FALSE(office.always_open());
}

TEST(SendingWindow, OfficeHoursAcrossASummerWeek) {
    // Monday 15 to Sunday 21 June 2026; Stockholm is UTC+2.
    const auto office = window("mon-fri 08:00-17:00 Europe/Stockholm");
    for (int d = 15; d <= 21; ++d) {
        const year_month_day day = 2026y / June / d;
        const bool weekday = d <= 19;
        EXPECT_FALSE(office.is_open(utc(day, 5, 59))) << d;
        EXPECT_EQ(office.is_open(utc(day, 6, 0)), weekday) << d;  // 08:00 local
        EXPECT_EQ(office.is_open(utc(day, 14, 59)), weekday) << d;
        EXPECT_FALSE(office.is_open(utc(day, 15, 0))) << d;  // 17:00 local
    }
}

TEST(SendingWindow, TheSpringChangeMovesTheWindowWithTheWallClock) {
    const auto daily = window("mon-sun 08:00-17:00 Europe/Stockholm");
    // Saturday 28 March: still UTC+1.
    EXPECT_FALSE(daily.is_open(utc(2026y / March / 28, 6, 0)));
    EXPECT_TRUE(daily.is_open(utc(2026y / March / 28, 7, 0)));
    EXPECT_FALSE(daily.is_open(utc(2026y / March / 28, 16, 0)));
    // Sunday 29 March, the change day: from 01:00 UTC it is UTC+2.
    EXPECT_FALSE(daily.is_open(utc(2026y / March / 29, 5, 59)));
    EXPECT_TRUE(daily.is_open(utc(2026y / March / 29, 6, 0)));
    EXPECT_TRUE(daily.is_open(utc(2026y / March / 29, 14, 59)));
    EXPECT_FALSE(daily.is_open(utc(2026y / March / 29, 15, 0)));

    const auto office = window("mon-fri 08:00-17:00 Europe/Stockholm");
    EXPECT_FALSE(office.is_open(utc(2026y / March / 27, 6, 30)));  // Friday, 07:30 local
    EXPECT_TRUE(office.is_open(utc(2026y / March / 30, 6, 30)));   // Monday, 08:30 local
    // Friday evening before the change: Monday 08:00 summer time.
    EXPECT_EQ(office.next_open(utc(2026y / March / 27, 17, 0)), utc(2026y / March / 30, 6, 0));
}

TEST(SendingWindow, TheAutumnChangeMovesTheWindowWithTheWallClock) {
    const auto daily = window("mon-sun 08:00-17:00 Europe/Stockholm");
    // Saturday 24 October: still UTC+2.
    EXPECT_TRUE(daily.is_open(utc(2026y / October / 24, 6, 0)));
    EXPECT_FALSE(daily.is_open(utc(2026y / October / 24, 15, 0)));
    // Sunday 25 October, the change day: from 01:00 UTC it is UTC+1.
    EXPECT_FALSE(daily.is_open(utc(2026y / October / 25, 6, 0)));  // 07:00 local
    EXPECT_TRUE(daily.is_open(utc(2026y / October / 25, 7, 0)));
    EXPECT_TRUE(daily.is_open(utc(2026y / October / 25, 15, 59)));
    EXPECT_FALSE(daily.is_open(utc(2026y / October / 25, 16, 0)));

    const auto office = window("mon-fri 08:00-17:00 Europe/Stockholm");
    EXPECT_EQ(office.next_open(utc(2026y / October / 23, 16, 0)), utc(2026y / October / 26, 7, 0));
}

TEST(SendingWindow, AnOpeningInsideTheClockChangeIsTheMomentTheWallClockShowsIt) {
    const auto night = window("sun 02:30-04:00 Europe/Stockholm");
    // 29 March: 02:30 never happens; the window opens when the clock jumps to 03:00.
    EXPECT_EQ(night.next_open(utc(2026y / March / 28, 20, 0)), utc(2026y / March / 29, 1, 0));
    EXPECT_FALSE(night.is_open(utc(2026y / March / 29, 0, 59)));
    EXPECT_TRUE(night.is_open(utc(2026y / March / 29, 1, 0)));
    // 25 October: 02:30 happens twice; the window first opens at the first one (UTC+2) …
    EXPECT_EQ(night.next_open(utc(2026y / October / 24, 20, 0)), utc(2026y / October / 25, 0, 30));
    EXPECT_TRUE(night.is_open(utc(2026y / October / 25, 0, 30)));
    // … and, when the clock has gone back to 02:00, again at the second one (UTC+1).
    EXPECT_FALSE(night.is_open(utc(2026y / October / 25, 1, 0)));
    EXPECT_EQ(night.next_open(utc(2026y / October / 25, 1, 0)), utc(2026y / October / 25, 1, 30));
}

TEST(SendingWindow, NextOpenFromFridayEveningIsMondayMorning) {
    const auto office = window("mon-fri 08:00-17:00 Europe/Stockholm");
    const auto monday = utc(2026y / January / 19, 7, 0);                     // 08:00 local
    EXPECT_EQ(office.next_open(utc(2026y / January / 16, 16, 30)), monday);  // Fri 17:30
    EXPECT_EQ(office.next_open(utc(2026y / January / 17, 12, 0)), monday);   // Saturday
    EXPECT_EQ(office.next_open(utc(2026y / January / 19, 5, 0)), monday);    // Mon 06:00
    EXPECT_TRUE(office.is_open(office.next_open(utc(2026y / January / 16, 16, 30))));
    // Open now: now.
    const auto open = utc(2026y / January / 19, 10, 17);
    EXPECT_EQ(office.next_open(open), open);
}

TEST(SendingWindow, ADayRangeMayWrapOverTheWeekend) {
    const auto weekend = window("fri-mon 08:00-17:00 Europe/Stockholm");
    // Monday 12 … Sunday 18 January 2026 at noon local.
    const std::array<bool, 7> open_monday_first{true, false, false, false, true, true, true};
    for (int i = 0; i < 7; ++i) {
        EXPECT_EQ(weekend.is_open(utc(2026y / January / (12 + i), 11, 0)),
                  open_monday_first[static_cast<std::size_t>(i)])
            << "day " << 12 + i;
    }
    // Tuesday noon: next Friday 08:00.
    EXPECT_EQ(weekend.next_open(utc(2026y / January / 13, 11, 0)), utc(2026y / January / 16, 7, 0));
    EXPECT_EQ(weekend.text(), "fri-mon 08:00-17:00 Europe/Stockholm");
}

TEST(SendingWindow, TheEmptyWindowIsAlwaysOpen) {
    for (const auto& text : {"", "   "}) {
        const auto any = window(text);
        EXPECT_TRUE(any.always_open());
        EXPECT_EQ(any.text(), "");
        for (const auto at : {utc(2026y / January / 17, 3, 0), utc(2026y / March / 29, 1, 30),
                              utc(2026y / October / 25, 23, 59)}) {
            EXPECT_TRUE(any.is_open(at));
            EXPECT_EQ(any.next_open(at), at);
        }
    }
    EXPECT_TRUE(SendingWindow{}.always_open());
    EXPECT_TRUE(SendingWindow{}.is_open(utc(2026y / January / 18, 2, 0)));
}

TEST(SendingWindow, TextIsNormalised) {
    EXPECT_EQ(window("  mon-fri   08:00-17:00  Europe/Stockholm ").text(),
              "mon-fri 08:00-17:00 Europe/Stockholm");
    EXPECT_EQ(window("wed,mon-tue,thu,fri 08:00-17:00 Europe/Stockholm").text(),
              "mon-fri 08:00-17:00 Europe/Stockholm");
    EXPECT_EQ(window("sat,sun 10:00-14:00 Europe/Stockholm").text(),
              "sat,sun 10:00-14:00 Europe/Stockholm");
    EXPECT_EQ(window("fri,mon,wed 07:05-24:00 UTC").text(), "mon,wed,fri 07:05-24:00 UTC");
    EXPECT_EQ(window("sun-sat 00:00-24:00 Europe/Stockholm").text(),
              "mon-sun 00:00-24:00 Europe/Stockholm");
    EXPECT_EQ(window("sun-tue 08:00-17:00 Europe/Stockholm").text(),
              "sun-tue 08:00-17:00 Europe/Stockholm");
    // The normal form reads back as the same window.
    for (const auto& text :
         {"mon-fri 08:00-17:00 Europe/Stockholm", "fri-mon 08:00-17:00 Europe/Stockholm",
          "mon,wed,fri 07:05-24:00 UTC", "sun,tue 09:00-10:00 Europe/Stockholm"}) {
        const auto first = window(text);
        const auto again = window(first.text());
        EXPECT_EQ(again.text(), first.text());
        for (int hour = 0; hour < 24 * 7; hour += 1) {
            const auto at = utc(2026y / January / 12, 0) + hours{hour};
            EXPECT_EQ(again.is_open(at), first.is_open(at)) << text << " +" << hour << "h";
        }
    }
}

}  // namespace
}  // namespace brevduva::dispatcher
