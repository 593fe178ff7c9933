// UTF-8 well-formedness (RFC 3629): the check every text from outside passes before it is
// rendered or encoded. Pure; no allocation.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace brevduva::templates {

// The byte offset of the first byte that does not start a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are ill-formed), or nullopt when all is well.
[[nodiscard]] std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace brevduva::templates
