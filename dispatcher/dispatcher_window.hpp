// A campaign's sending window: the local hours in which its messages may go, e.g.
// "mon-fri 08:00-17:00 Europe/Stockholm" (B2B mail outside office hours reads as spam and
// lands on Monday morning under fifty others). Days are a range or a comma list of mon…sun
// (a range may wrap: fri-mon); hours are HH:MM-HH:MM with the end after the start, in the
// named IANA time zone, so that summer time moves with the clock on the wall. The empty text
// is "always open".
//
// Pure apart from the system's time zone database (tzdata), read through Howard Hinnant's
// date library (libhowardhinnant-date-dev): the C++20 <chrono> zones are not in GCC 12.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "consent/consent_result.hpp"

namespace date {
class time_zone;
}

namespace brevduva::dispatcher {

class SendingWindow {
  public:
    // Always open.
    SendingWindow() = default;

    // The error names what is wrong ("unknown time zone 'Europe/Stokholm'", "'8-17' is not
    // HH:MM-HH:MM").
    [[nodiscard]] static consent::Result<SendingWindow, std::string> parse(std::string_view text);

    [[nodiscard]] bool always_open() const { return zone_ == nullptr; }
    [[nodiscard]] bool is_open(std::chrono::system_clock::time_point at) const;
    // `at` when the window is open then, else the next moment it opens (within 8 days).
    [[nodiscard]] std::chrono::system_clock::time_point next_open(
        std::chrono::system_clock::time_point at) const;

    // The text it was parsed from, normalised ("mon-fri 08:00-17:00 Europe/Stockholm").
    [[nodiscard]] std::string text() const;

  private:
    std::array<bool, 7> days_{};  // indexed by weekday: 0 = Sunday … 6 = Saturday
    std::chrono::minutes start_{0};
    std::chrono::minutes end_{24 * 60};
    const date::time_zone* zone_ = nullptr;
};

}  // namespace brevduva::dispatcher
