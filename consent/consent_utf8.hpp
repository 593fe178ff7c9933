// UTF-8 well-formedness (RFC 3629) for text that enters the consent component from outside
// (CSV imports, addresses). Consent must not depend on templates/, so it keeps its own copy of
// this small check. Pure; no allocation.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace brevduva::consent {

// The byte offset of the first byte that does not start a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF are ill-formed), or nullopt.
[[nodiscard]] std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace brevduva::consent
