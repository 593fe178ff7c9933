// How every component stores a moment: fixed-width ISO 8601 UTC text with microseconds
// (2025-03-01T09:30:00.000000Z), so that text order is time order on both engines and a time
// read back is exact to the microsecond.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace brevduva::store {

using Time = std::chrono::system_clock::time_point;

[[nodiscard]] std::string stored_time(Time at);
// Reads exactly what stored_time writes. Throws StoreError: a malformed time in the database
// is damage, not input.
[[nodiscard]] Time read_stored_time(std::string_view text);

}  // namespace brevduva::store
