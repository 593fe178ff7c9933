// "Did you mean ...?" for misspelt keys and values: the nearest known word by edit distance,
// offered only when it is near enough that the suggestion helps rather than puzzles.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace brevduva::config {

// Levenshtein distance: insertions, deletions and substitutions each cost one.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

[[nodiscard]] std::optional<std::string> nearest_word(std::string_view word,
                                                      std::span<const std::string_view> known);

}  // namespace brevduva::config
