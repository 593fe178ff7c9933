// Internal to dispatcher/: what the dispatcher_store_*.cpp files share. SQL placeholders are
// $1, $2, … in order of first appearance, so one text serves SQLite and PostgreSQL.
#pragma once

#include <Poco/Nullable.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dispatcher/dispatcher_store.hpp"
#include "store/store_sql.hpp"
#include "store/store_time.hpp"

namespace brevduva::dispatcher::detail {

using store::read_stored_time;
using store::stored_time;

[[nodiscard]] inline Poco::Nullable<std::string> nullable_time(const std::optional<Time>& at) {
    return at ? Poco::Nullable<std::string>(stored_time(*at)) : Poco::Nullable<std::string>();
}
[[nodiscard]] inline std::optional<Time> optional_time(const Poco::Nullable<std::string>& text) {
    return text.isNull() ? std::nullopt : std::optional<Time>(read_stored_time(text.value()));
}

using store::id_list;

// A JSON array of strings, and back.
[[nodiscard]] std::string json_strings(const std::vector<std::string>& values);
[[nodiscard]] std::vector<std::string> read_json_strings(const std::string& json);

}  // namespace brevduva::dispatcher::detail
