// Reading JSON written by someone else: the admin API's request bodies, the attributes column
// of an import, the attributes of an update. Poco's parser keeps the last of two equal keys, so
// {"email":"a@b.se","email":"anna@…"} acted on Anna while a proxy, a log line or a person
// reading the request saw a@b.se. Here a key may appear once in each object, and nesting is
// capped; a document that breaks either rule is refused, with the key or the depth named.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <cstddef>
#include <string_view>

namespace brevduva::formats {

inline constexpr std::size_t max_json_depth = 64;

// The parsed document (an object, an array or a scalar, as Poco::JSON::Parser gives it).
// Throws Poco::JSON::JSONException for malformed JSON, a key that appears twice in one object
// ("the key 'email' appears twice in one object") and nesting deeper than max_json_depth.
[[nodiscard]] Poco::Dynamic::Var parse_json(std::string_view text);

}  // namespace brevduva::formats
