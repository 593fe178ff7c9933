// Internal to consent/: one table-driven way to map an enum to its stable name and back, so
// that to_string and parse cannot disagree.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace brevduva::consent::detail {

template <typename Enum, std::size_t N>
[[nodiscard]] constexpr std::string_view name_of(const std::array<std::string_view, N>& names,
                                                 Enum value) {
    const auto index = static_cast<std::size_t>(value);
    return index < N ? names[index] : std::string_view("unknown");
}

template <typename Enum, std::size_t N>
[[nodiscard]] constexpr std::optional<Enum> parse_name(const std::array<std::string_view, N>& names,
                                                       std::string_view text) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) return static_cast<Enum>(i);
    }
    return std::nullopt;
}

}  // namespace brevduva::consent::detail
