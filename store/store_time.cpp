#include "store/store_time.hpp"

#include <fmt/format.h>

#include <optional>

#include "store/store_database.hpp"

namespace brevduva::store {
namespace chrono = std::chrono;

namespace {

std::optional<int> number(std::string_view text, std::size_t pos, std::size_t width) {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

}  // namespace

std::string stored_time(Time at) {
    const auto micros = chrono::floor<chrono::microseconds>(at);
    const auto day = chrono::floor<chrono::days>(micros);
    const chrono::year_month_day date{day};
    const chrono::hh_mm_ss time{micros - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", int(date.year()),
                       unsigned(date.month()), unsigned(date.day()), time.hours().count(),
                       time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

Time read_stored_time(std::string_view text) {
    // Exactly what stored_time writes: anything else in these columns is damage.
    const auto year = number(text, 0, 4);
    const auto month = number(text, 5, 2);
    const auto day = number(text, 8, 2);
    const auto hour = number(text, 11, 2);
    const auto minute = number(text, 14, 2);
    const auto second = number(text, 17, 2);
    const auto high = number(text, 20, 3);
    const auto low = number(text, 23, 3);
    const bool shaped = text.size() == 27 && text[4] == '-' && text[7] == '-' && text[10] == 'T' &&
                        text[13] == ':' && text[16] == ':' && text[19] == '.' && text[26] == 'Z';
    if (!shaped || !year || !month || !day || !hour || !minute || !second || !high || !low) {
        throw StoreError(fmt::format("the database holds a malformed time '{}'", text));
    }
    const chrono::year_month_day date{chrono::year{*year},
                                      chrono::month{static_cast<unsigned>(*month)},
                                      chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) {
        throw StoreError(fmt::format("the database holds an invalid date '{}'", text));
    }
    const auto at = chrono::sys_days{date} + chrono::hours{*hour} + chrono::minutes{*minute} +
                    chrono::seconds{*second} + chrono::microseconds{*high * 1000 + *low};
    return chrono::time_point_cast<Time::duration>(at);
}

}  // namespace brevduva::store
