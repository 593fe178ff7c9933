// The words the settings' enumerations are written as, in the YAML file and in `config check`.
// One table per enumeration, so that reading and printing cannot disagree. Pure data, no I/O.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "config/config_settings.hpp"

namespace brevduva::config {

template <class Enum>
struct EnumName {
    Enum value;
    std::string_view name;
};

inline constexpr std::array<EnumName<TlsMode>, 3> tls_mode_names{{
    {TlsMode::none, "none"},
    {TlsMode::starttls, "starttls"},
    {TlsMode::implicit, "implicit"},
}};

inline constexpr std::array<EnumName<TransportKind>, 2> transport_kind_names{{
    {TransportKind::smtp, "smtp"},
    {TransportKind::file, "file"},
}};

inline constexpr std::array<EnumName<LawfulBasis>, 3> lawful_basis_names{{
    {LawfulBasis::consent, "consent"},
    {LawfulBasis::legitimate_interest, "legitimate_interest"},
    {LawfulBasis::contract, "contract"},
}};

inline constexpr std::array<EnumName<LogFormat>, 2> log_format_names{{
    {LogFormat::text, "text"},
    {LogFormat::json, "json"},
}};

// LoggingSettings::level is text because spdlog owns the levels; these are the ones it accepts.
inline constexpr std::array<std::string_view, 7> log_level_names{
    "trace", "debug", "info", "warn", "error", "critical", "off"};

template <class Enum>
[[nodiscard]] constexpr std::string_view name_of(Enum value,
                                                 std::span<const EnumName<Enum>> names) {
    for (const auto& entry : names) {
        if (entry.value == value) return entry.name;
    }
    return "?";
}

template <class Enum>
[[nodiscard]] constexpr std::optional<Enum> value_of(std::string_view name,
                                                     std::span<const EnumName<Enum>> names) {
    for (const auto& entry : names) {
        if (entry.name == name) return entry.value;
    }
    return std::nullopt;
}

[[nodiscard]] inline std::string_view to_string(TlsMode mode) {
    return name_of<TlsMode>(mode, tls_mode_names);
}
[[nodiscard]] inline std::string_view to_string(TransportKind kind) {
    return name_of<TransportKind>(kind, transport_kind_names);
}
[[nodiscard]] inline std::string_view to_string(LawfulBasis basis) {
    return name_of<LawfulBasis>(basis, lawful_basis_names);
}
[[nodiscard]] inline std::string_view to_string(LogFormat format) {
    return name_of<LogFormat>(format, log_format_names);
}

}  // namespace brevduva::config
