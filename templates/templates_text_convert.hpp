// The reading of (masked) HTML as text, internal to the templates component: the lexer's
// events laid out through a TextWriter (templates_text.hpp describes the layout).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "templates/templates_html_mask.hpp"
#include "templates/templates_text_writer.hpp"

namespace brevduva::templates::text_detail {

// How each masked tag lays out, and the bytes it is written back as in the text template.
struct AtomInfo {
    AtomRole role = AtomRole::inline_value;
    std::string bytes;         // empty: the tag writes nothing (comment, delimiter change)
    std::string hidden_bytes;  // a block's tag renamed, for a block in dropped markup
    std::size_t partner = 0;   // a block's open ↔ close
    std::size_t width = kGuessedValueWidth;
};

// The layout of every tag of a masked file (templates_text.cpp).
[[nodiscard]] std::vector<AtomInfo> describe_atoms(const std::vector<MaskedTag>& tags);

// Writes the text of `html` (atoms refer to `atoms`) through `writer`.
void convert_html(std::string_view html, const std::vector<AtomInfo>& atoms, TextWriter& writer);

}  // namespace brevduva::templates::text_detail
