#include "dispatcher/dispatcher_window.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

namespace brevduva::dispatcher {
namespace {

using R = consent::Result<SendingWindow, std::string>;
constexpr std::array<std::string_view, 7> day_names{"sun", "mon", "tue", "wed",
                                                    "thu", "fri", "sat"};

std::optional<int> day_index(std::string_view name) {
    for (std::size_t i = 0; i < day_names.size(); ++i) {
        if (day_names[i] == name) return static_cast<int>(i);
    }
    return std::nullopt;
}

std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ') ++i;
        if (i > start) out.push_back(text.substr(start, i - start));
    }
    return out;
}

std::optional<std::chrono::minutes> clock_time(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') return std::nullopt;
    for (std::size_t i : {0U, 1U, 3U, 4U}) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return std::nullopt;
    return std::chrono::minutes(hours * 60 + minutes);
}

// "mon-fri", "sat,sun", "mon,wed-fri": true for each day named.
std::optional<std::array<bool, 7>> day_set(std::string_view text) {
    std::array<bool, 7> days{};
    std::size_t i = 0;
    while (i <= text.size()) {
        const std::size_t comma = std::min(text.find(',', i), text.size());
        const std::string_view part = text.substr(i, comma - i);
        const std::size_t dash = part.find('-');
        const auto first = day_index(part.substr(0, dash));
        const auto last = dash == std::string_view::npos ? first : day_index(part.substr(dash + 1));
        if (!first || !last) return std::nullopt;
        for (int d = *first;; d = (d + 1) % 7) {
            days[static_cast<std::size_t>(d)] = true;
            if (d == *last) break;
        }
        i = comma + 1;
    }
    return days;
}

}  // namespace

R SendingWindow::parse(std::string_view text) {
    const auto parts = words(text);
    if (parts.empty()) return R::success(SendingWindow{});
    if (parts.size() != 3) {
        return R::failure(fmt::format(
            "'{}' is not DAYS HH:MM-HH:MM ZONE (e.g. mon-fri 08:00-17:00 Europe/Stockholm)", text));
    }
    SendingWindow window;
    const auto days = day_set(parts[0]);
    if (!days) {
        return R::failure(
            fmt::format("'{}' is not a set of days such as mon-fri or sat,sun", parts[0]));
    }
    window.days_ = *days;
    const std::size_t dash = parts[1].find('-');
    const auto start = clock_time(parts[1].substr(0, dash));
    const auto end =
        dash == std::string_view::npos ? std::nullopt : clock_time(parts[1].substr(dash + 1));
    if (!start || !end) {
        return R::failure(fmt::format("'{}' is not HH:MM-HH:MM", parts[1]));
    }
    if (*end <= *start) {
        return R::failure(fmt::format("'{}' ends before it starts", parts[1]));
    }
    window.start_ = *start;
    window.end_ = *end;
    try {
        window.zone_ = date::locate_zone(std::string(parts[2]));
    } catch (const std::runtime_error&) {
        return R::failure(fmt::format("unknown time zone '{}'", parts[2]));
    }
    return R::success(window);
}

bool SendingWindow::is_open(std::chrono::system_clock::time_point at) const {
    if (zone_ == nullptr) return true;
    const auto local = zone_->to_local(std::chrono::floor<std::chrono::seconds>(at));
    const auto day = date::floor<date::days>(local);
    const unsigned weekday = date::weekday(day).c_encoding();
    const auto minute = std::chrono::floor<std::chrono::minutes>(local - day);
    return days_[weekday] && minute >= start_ && minute < end_;
}

std::chrono::system_clock::time_point SendingWindow::next_open(
    std::chrono::system_clock::time_point at) const {
    if (is_open(at)) return at;
    // The next opening is the start time on one of the next eight local days; the first such
    // moment after `at` (a start in a gap of the clock change resolves to the later instant).
    const auto local = zone_->to_local(std::chrono::floor<std::chrono::seconds>(at));
    const auto today = date::floor<date::days>(local);
    // A start the clock passes twice (the autumn change) opens the window at the first pass,
    // and again at the second for an `at` between them.
    for (int offset = 0; offset <= 8; ++offset) {
        const auto day = today + date::days(offset);
        if (!days_[date::weekday(day).c_encoding()]) continue;
        for (const auto choice : {date::choose::earliest, date::choose::latest}) {
            const auto opening = zone_->to_sys(day + start_, choice);
            if (opening > at) return opening;
        }
    }
    return at + std::chrono::hours(24 * 8);  // unreachable for a window with a day
}

std::string SendingWindow::text() const {
    if (zone_ == nullptr) return "";
    // Runs of three or more days as ranges, from Monday, or from the start of a run that
    // wraps over the weekend into Monday: "mon-fri", "sat,sun", "fri-mon", "mon-sun".
    const auto set = [&](std::size_t d) { return days_[d % 7]; };
    std::size_t first = 1;  // Monday
    const bool every_day = std::all_of(days_.begin(), days_.end(), [](bool on) { return on; });
    while (!every_day && set(first + 6)) first = (first + 6) % 7;
    std::string days;
    for (std::size_t i = 0; i < 7;) {
        if (!set(first + i)) {
            ++i;
            continue;
        }
        std::size_t length = 1;
        while (i + length < 7 && set(first + i + length)) ++length;
        const auto name = [&](std::size_t k) { return day_names[(first + k) % 7]; };
        if (!days.empty()) days += ',';
        if (length >= 3) {
            days += fmt::format("{}-{}", name(i), name(i + length - 1));
        } else {
            days += name(i);
            if (length == 2) days += fmt::format(",{}", name(i + 1));
        }
        i += length;
    }
    const auto hhmm = [](std::chrono::minutes m) {
        return fmt::format("{:02}:{:02}", m.count() / 60, m.count() % 60);
    };
    return fmt::format("{} {}-{} {}", days, hhmm(start_), hhmm(end_), zone_->name());
}

}  // namespace brevduva::dispatcher
