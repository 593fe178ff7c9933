#include "config/config_duration.hpp"

#include <array>
#include <cstdint>

namespace brevduva::config {

namespace {

struct Unit {
    std::string_view name;
    std::int64_t milliseconds;
};

// Longest names first, so that "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 5> units{{
    {"ms", 1},
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
}};

// A hundred years: far beyond any sensible setting, far below what int64 milliseconds hold.
constexpr std::int64_t longest_ms = 100LL * 365 * 86'400'000;

constexpr std::string_view unit_hint =
    "use a whole number and a unit: ms, s, m, h or d (60s, 5m, 3d)";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

const Unit* unit_at(std::string_view rest) {
    for (const auto& unit : units) {
        if (rest.starts_with(unit.name)) return &unit;
    }
    return nullptr;
}

DurationParse failure(std::string message) { return {std::nullopt, std::move(message)}; }

}  // namespace

DurationParse parse_duration(std::string_view text) {
    if (text.empty()) return failure(std::string("is empty; ") + std::string(unit_hint));
    if (text.front() == '-') return failure("cannot be negative");
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!is_digit(text[i])) {
            return failure("'" + std::string(text) + "' is not a duration; " +
                           std::string(unit_hint));
        }
        std::int64_t number = 0;
        while (i < text.size() && is_digit(text[i])) {
            if (number > longest_ms) return failure("is too long");
            number = number * 10 + (text[i] - '0');
            ++i;
        }
        if (i == text.size()) {
            return failure("'" + std::string(text) + "' has no unit; " + std::string(unit_hint));
        }
        if (text[i] == '.' || text[i] == ',') {
            return failure("'" + std::string(text) +
                           "' has a fraction; use whole numbers of a smaller unit (1h30m, 1500ms)");
        }
        const Unit* unit = unit_at(text.substr(i));
        if (unit == nullptr) {
            return failure("'" + std::string(text) + "' has an unknown unit; " +
                           std::string(unit_hint));
        }
        i += unit->name.size();
        if (number > (longest_ms - total) / unit->milliseconds) return failure("is too long");
        total += number * unit->milliseconds;
    }
    return {std::chrono::milliseconds{total}, {}};
}

std::string format_duration(std::chrono::milliseconds duration) {
    std::int64_t rest = duration.count();
    if (rest == 0) return "0s";
    std::string out;
    if (rest < 0) {
        out = "-";
        rest = -rest;
    }
    for (const std::string_view name : {"d", "h", "m", "s", "ms"}) {
        const Unit* unit = unit_at(name);
        const std::int64_t count = rest / unit->milliseconds;
        if (count == 0) continue;
        out += std::to_string(count);
        out += name;
        rest -= count * unit->milliseconds;
    }
    return out;
}

}  // namespace brevduva::config
