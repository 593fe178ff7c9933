// map_header: the column plan of an import (consent_import_row.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "config/config_suggest.hpp"
#include "consent/consent_import_row.hpp"

namespace brevduva::consent {
namespace {

constexpr std::array<std::string_view, import_column_count> column_names = {
    "email",           "name",
    "phone",           "organisation",
    "address",         "locale",
    "lists",           "attributes",
    "consent_at",      "consent_basis",
    "consent_source",  "consent_evidence",
    "consent_ip",      "consent_user_agent",
    "consent_wording",
};

constexpr std::string_view consent_prefix = "consent:";
constexpr std::string_view attribute_prefix = "attr:";

std::string trimmed_lower(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    std::string out(text.substr(first, last - first + 1));
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

// Always names the nearest candidate: a header is short, and the nearest is the likely typo.
std::string nearest(std::string_view word, std::span<const std::string> candidates) {
    std::string best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const auto& candidate : candidates) {
        const auto d = config::edit_distance(word, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::vector<std::string> known_columns(const ImportSettings& settings) {
    std::vector<std::string> known(column_names.begin(), column_names.end());
    for (const auto& purpose : settings.purposes) {
        known.push_back(std::string(consent_prefix) + purpose.name);
    }
    return known;
}

std::string unknown_column(std::string_view name, const ImportSettings& settings) {
    return fmt::format(
        "unknown column '{}' (nearest known: '{}'); columns are {}, consent:PURPOSE "
        "and attr:NAME",
        name, nearest(name, known_columns(settings)), fmt::join(column_names, ", "));
}

std::optional<std::string> map_prefixed(const std::string& key, const std::string& written,
                                        std::size_t index, const ImportSettings& settings,
                                        ImportColumns& out) {
    if (key.starts_with(consent_prefix)) {
        const std::string purpose = key.substr(consent_prefix.size());
        for (const auto& p : settings.purposes) {
            if (p.name == purpose) {
                out.consents.push_back({index, &p});
                return std::nullopt;
            }
        }
        std::vector<std::string> names;
        for (const auto& p : settings.purposes) names.push_back(p.name);
        return fmt::format("column '{}': '{}' is not a configured purpose (nearest: '{}')", written,
                           purpose, nearest(purpose, names));
    }
    const std::string name = trimmed(written).substr(attribute_prefix.size());
    if (name.empty()) return fmt::format("column '{}' names no attribute", written);
    // A key with a control character would not read back from the stored JSON (a NUL cuts it).
    if (std::any_of(name.begin(), name.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return fmt::format("column {}: an attribute name may not hold control characters",
                           index + 1);
    }
    for (const auto& a : out.attributes) {
        if (a.name == name) return fmt::format("column '{}' appears twice", written);
    }
    out.attributes.push_back({index, name});
    return std::nullopt;
}

std::optional<std::string> map_column(const std::string& written, std::size_t index,
                                      const ImportSettings& settings, ImportColumns& out) {
    const std::string key = trimmed_lower(written);
    if (key.empty()) return fmt::format("column {} has no name", index + 1);
    if (key.starts_with(consent_prefix) || key.starts_with(attribute_prefix)) {
        for (const auto& c : out.consents) {
            if (key == std::string(consent_prefix) + c.purpose->name) {
                return fmt::format("column '{}' appears twice", written);
            }
        }
        return map_prefixed(key, written, index, settings, out);
    }
    const auto found = std::find(column_names.begin(), column_names.end(), key);
    if (found == column_names.end()) return unknown_column(written, settings);
    auto& slot = out.fixed[static_cast<std::size_t>(found - column_names.begin())];
    if (slot) return fmt::format("column '{}' appears twice", written);
    slot = index;
    return std::nullopt;
}

}  // namespace

std::string_view to_string(ImportColumn column) {
    return column_names[static_cast<std::size_t>(column)];
}

Result<ImportColumns, std::string> map_header(std::span<const std::string> header,
                                              const ImportSettings& settings) {
    using R = Result<ImportColumns, std::string>;
    ImportColumns out;
    out.width = header.size();
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (auto problem = map_column(header[i], i, settings, out)) return R::failure(*problem);
    }
    if (!out.at(ImportColumn::email)) return R::failure("the header has no 'email' column");
    if (!out.consents.empty() && !out.at(ImportColumn::consent_at) && !settings.consent_at) {
        return R::failure(
            "consent columns need a time: add a consent_at column or give --consent-at (the "
            "time of the import would be false evidence)");
    }
    return R::success(std::move(out));
}

}  // namespace brevduva::consent
