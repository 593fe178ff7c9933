#include "consent/consent_time.hpp"

#include <chrono>
#include <optional>

namespace brevduva::consent {
namespace {

// Reads exactly `width` ASCII digits at pos, moving past them.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t width) {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    pos += width;
    return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
}

// Microseconds after a '.' or ',' (ISO 8601 allows both); extra digits are cut.
std::optional<std::chrono::microseconds> fraction(std::string_view text, std::size_t& pos) {
    if (pos >= text.size() || (text[pos] != '.' && text[pos] != ',')) {
        return std::chrono::microseconds{0};
    }
    ++pos;
    std::int64_t micros = 0;
    std::size_t count = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (count < 6) micros = micros * 10 + (text[pos] - '0');
        ++count;
        ++pos;
    }
    if (count == 0) return std::nullopt;
    for (; count < 6; ++count) micros *= 10;
    return std::chrono::microseconds{micros};
}

// The zone's offset east of UTC, or nullopt with `missing` set when there is none at all.
std::optional<std::chrono::minutes> zone(std::string_view text, std::size_t& pos, bool& missing) {
    missing = pos >= text.size();
    if (missing) return std::nullopt;
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
        return std::chrono::minutes{0};
    }
    if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const auto hours = digits(text, pos, 2);
    expect(text, pos, ':');
    const auto minutes = digits(text, pos, 2);
    if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
    return std::chrono::minutes{sign * (*hours * 60 + *minutes)};
}

}  // namespace

Result<TimePoint, std::string> parse_timestamp(std::string_view text) {
    using R = Result<TimePoint, std::string>;
    const auto bad = [] {
        return R::failure("is not an ISO 8601 time such as 2025-03-01T09:30:00Z");
    };
    std::size_t pos = 0;
    const auto year = digits(text, pos, 4);
    if (!year || !expect(text, pos, '-')) return bad();
    const auto month = digits(text, pos, 2);
    if (!month || !expect(text, pos, '-')) return bad();
    const auto day = digits(text, pos, 2);
    if (!day) return bad();
    if (pos == text.size())
        return R::failure("needs a time of day and a time zone, not only a date");
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return bad();
    ++pos;
    const auto hour = digits(text, pos, 2);
    if (!hour || !expect(text, pos, ':')) return bad();
    const auto minute = digits(text, pos, 2);
    if (!minute) return bad();
    std::optional<int> second = 0;
    if (expect(text, pos, ':')) second = digits(text, pos, 2);
    if (!second) return bad();
    const auto micros = fraction(text, pos);
    if (!micros) return bad();
    bool missing = false;
    const auto offset = zone(text, pos, missing);
    if (missing) return R::failure("needs a time zone (Z or +01:00)");
    if (!offset || pos != text.size()) return bad();

    const std::chrono::year_month_day date{std::chrono::year{*year},
                                           std::chrono::month{static_cast<unsigned>(*month)},
                                           std::chrono::day{static_cast<unsigned>(*day)}};
    // Second 60 (a leap second) is refused: system_clock cannot represent it.
    if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) {
        return R::failure("is not a valid date and time");
    }
    // The clock counts nanoseconds in 64 bits: it reaches from 1677 to 2262. No consent was
    // given before 1970, nor will be after 2200.
    if (*year < 1970 || *year > 2200) {
        return R::failure("is not a time between 1970 and 2200");
    }
    const auto local = std::chrono::sys_days{date} + std::chrono::hours{*hour} +
                       std::chrono::minutes{*minute} + std::chrono::seconds{*second} + *micros;
    return R::success(std::chrono::time_point_cast<TimePoint::duration>(local - *offset));
}

}  // namespace brevduva::consent
