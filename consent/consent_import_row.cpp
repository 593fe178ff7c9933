// map_row: one import record to a ContactUpdate and its consent events.
#include "consent/consent_import_row.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "consent/consent_address.hpp"
#include "consent/consent_time.hpp"
#include "formats/formats_json.hpp"

namespace brevduva::consent {
namespace {

// Clocks of the machines that wrote the file and that runs the import may disagree a little.
constexpr auto allowed_clock_skew = std::chrono::minutes{5};
constexpr std::size_t max_list_name_bytes = 200;

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// The first control character (C0 but the allowed line feed, DEL, or C1 as UTF-8), or nullopt.
std::optional<std::string> control_character(std::string_view text, bool lines_allowed) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n' && lines_allowed) continue;
        if (c < 0x20 || c == 0x7F) return fmt::format("contains the control character U+{:04X}", c);
        if (c == 0xC2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9F) {
                return fmt::format("contains the control character U+{:04X}", next);
            }
        }
    }
    return std::nullopt;
}

// A single-line text cell, trimmed; unset when empty. Empty result: accepted.
std::optional<std::string> text_cell(const ImportColumns& columns, ImportColumn column,
                                     std::span<const std::string> fields,
                                     std::optional<std::string>& out, bool lines_allowed = false) {
    out.reset();
    const auto index = columns.at(column);
    if (!index) return std::nullopt;
    std::string_view value = trim(fields[*index]);
    if (value.empty()) return std::nullopt;
    std::string text(value);
    if (lines_allowed) {
        for (std::size_t pos = 0; (pos = text.find("\r\n", pos)) != std::string::npos;) {
            text.erase(pos, 1);
        }
    }
    if (text.size() > max_text_field_bytes) {
        return fmt::format("{} is longer than {} bytes", to_string(column), max_text_field_bytes);
    }
    if (auto problem = control_character(text, lines_allowed)) {
        return fmt::format("{} {}", to_string(column), *problem);
    }
    out = std::move(text);
    return std::nullopt;
}

std::optional<std::string> read_address(const ImportColumns& columns,
                                        std::span<const std::string> fields, ContactUpdate& out) {
    const std::string& given = fields[*columns.at(ImportColumn::email)];
    if (trim(given).empty()) return "email is empty";
    auto address = normalise_address(given);
    if (!address) return "email: " + address.error();
    out.address = std::move(address).value();
    out.address_given = std::string(trim(given));
    return std::nullopt;
}

std::optional<std::string> read_lists(const ImportColumns& columns,
                                      std::span<const std::string> fields, ContactUpdate& out) {
    out.lists.clear();
    const auto index = columns.at(ImportColumn::lists);
    if (!index) return std::nullopt;
    std::string_view rest = fields[*index];
    while (!rest.empty()) {
        const auto end = rest.find_first_of("|,");
        const std::string_view name = trim(rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        if (name.empty()) continue;
        if (name.size() > max_list_name_bytes) {
            return fmt::format("lists: a list name is longer than {} bytes", max_list_name_bytes);
        }
        if (auto problem = control_character(name, false)) return "lists: a list name " + *problem;
        if (std::find(out.lists.begin(), out.lists.end(), name) == out.lists.end()) {
            out.lists.emplace_back(name);
        }
    }
    return std::nullopt;
}

std::optional<std::string> read_locale(const ImportColumns& columns,
                                       std::span<const std::string> fields, ContactUpdate& out) {
    if (auto problem = text_cell(columns, ImportColumn::locale, fields, out.locale)) return problem;
    if (!out.locale) return std::nullopt;
    *out.locale = lower(*out.locale);
    if (*out.locale != "sv" && *out.locale != "en") {
        return fmt::format("locale '{}' is not sv or en", *out.locale);
    }
    return std::nullopt;
}

std::optional<std::string> read_attributes(const ImportColumns& columns,
                                           std::span<const std::string> fields,
                                           ContactUpdate& out) {
    out.attributes.reset();
    const auto index = columns.at(ImportColumn::attributes);
    const std::string_view json = index ? trim(fields[*index]) : std::string_view{};
    bool any = !json.empty();
    for (const auto& a : columns.attributes) any = any || !trim(fields[a.index]).empty();
    if (!any) return std::nullopt;
    if (json.size() > max_attributes_bytes) {
        return fmt::format("attributes is longer than {} bytes", max_attributes_bytes);
    }
    Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
    if (!json.empty()) {
        try {
            object = formats::parse_json(json).extract<Poco::JSON::Object::Ptr>();
        } catch (const Poco::BadCastException&) {
            return "attributes is not a JSON object";
        } catch (const Poco::Exception& e) {
            return "attributes is not valid JSON: " + e.displayText();
        }
        if (object.isNull()) return "attributes is not a JSON object";
    }
    for (const auto& a : columns.attributes) {
        const std::string_view value = trim(fields[a.index]);
        if (value.empty()) continue;
        if (auto problem = control_character(value, false)) {
            return fmt::format("attr:{} {}", a.name, *problem);
        }
        object->set(a.name, std::string(value));
    }
    std::ostringstream text;
    object->stringify(text);
    out.attributes = text.str();
    if (out.attributes->size() > max_attributes_bytes) {
        return fmt::format("attributes are longer than {} bytes", max_attributes_bytes);
    }
    return std::nullopt;
}

std::optional<std::string> read_events(const ImportColumns& columns,
                                       std::span<const std::string> fields, ImportRow& row) {
    row.events.clear();
    for (const auto& column : columns.consents) {
        const std::string value = lower(trim(fields[column.index]));
        if (value.empty()) continue;
        if (value == "granted") {
            row.events.push_back({column.purpose, Action::grant});
        } else if (value == "withdrawn") {
            row.events.push_back({column.purpose, Action::withdraw});
        } else {
            return fmt::format("consent:{} is '{}', not granted, withdrawn or empty",
                               column.purpose->name, value);
        }
    }
    return std::nullopt;
}

std::optional<std::string> read_basis(const ImportColumns& columns,
                                      std::span<const std::string> fields, ImportRow& row) {
    row.basis = LawfulBasis::consent;
    const auto index = columns.at(ImportColumn::consent_basis);
    const std::string value = index ? lower(trim(fields[*index])) : std::string{};
    if (!value.empty()) {
        const auto basis = parse_lawful_basis(value);
        if (!basis) {
            return fmt::format("consent_basis '{}' is not consent, legitimate_interest or contract",
                               value);
        }
        row.basis = *basis;
    }
    for (const auto& event : row.events) {
        const auto& allowed = event.purpose->allowed_bases;
        if (event.action == Action::grant &&
            std::find(allowed.begin(), allowed.end(), row.basis) == allowed.end()) {
            return fmt::format("consent_basis {} is not allowed for {}",
                               lawful_basis_name(row.basis), event.purpose->name);
        }
    }
    return std::nullopt;
}

std::optional<std::string> read_time(const ImportColumns& columns,
                                     std::span<const std::string> fields,
                                     const ImportSettings& settings, ImportRow& row) {
    row.at = TimePoint{};
    const auto index = columns.at(ImportColumn::consent_at);
    const std::string_view value = index ? trim(fields[*index]) : std::string_view{};
    if (!value.empty()) {
        auto at = parse_timestamp(value);
        if (!at) return fmt::format("consent_at '{}' {}", value, at.error());
        row.at = at.value();
    } else if (settings.consent_at) {
        row.at = *settings.consent_at;
    } else if (!row.events.empty()) {
        return "consent_at is empty: a consent value needs the time it was given";
    }
    if (row.at > settings.started + allowed_clock_skew && (!value.empty() || !row.events.empty())) {
        return "consent_at is in the future";
    }
    return std::nullopt;
}

std::optional<std::string> read_provenance(const ImportColumns& columns,
                                           std::span<const std::string> fields,
                                           const ImportSettings& settings, ImportRow& row) {
    std::optional<std::string> text;
    if (auto p = text_cell(columns, ImportColumn::consent_source, fields, text)) return p;
    if (text) {
        row.source = std::move(*text);
    } else {
        row.source = settings.source;
    }
    if (auto p = text_cell(columns, ImportColumn::consent_evidence, fields, text, true)) return p;
    row.evidence = text ? std::move(*text) : std::string{};
    if (auto p = text_cell(columns, ImportColumn::consent_ip, fields, text)) return p;
    row.details.ip = text ? std::move(*text) : std::string{};
    if (auto p = text_cell(columns, ImportColumn::consent_user_agent, fields, text)) return p;
    row.details.user_agent = text ? std::move(*text) : std::string{};
    if (auto p = text_cell(columns, ImportColumn::consent_wording, fields, text)) return p;
    row.details.wording = text ? std::move(*text) : std::string{};
    return std::nullopt;
}

std::optional<std::string> read_consent(const ImportColumns& columns,
                                        std::span<const std::string> fields,
                                        const ImportSettings& settings, ImportRow& row) {
    if (auto problem = read_events(columns, fields, row)) return problem;
    if (auto problem = read_basis(columns, fields, row)) return problem;
    if (auto problem = read_time(columns, fields, settings, row)) return problem;
    return read_provenance(columns, fields, settings, row);
}

}  // namespace

std::optional<std::string> map_row(const ImportColumns& columns,
                                   std::span<const std::string> fields,
                                   const ImportSettings& settings, ImportRow& row) {
    if (fields.size() != columns.width) {
        return fmt::format("has {} field{} where the header has {}", fields.size(),
                           fields.size() == 1 ? "" : "s", columns.width);
    }
    ContactUpdate& c = row.contact;
    if (auto problem = read_address(columns, fields, c)) return problem;
    if (auto p = text_cell(columns, ImportColumn::name, fields, c.name)) return p;
    if (auto p = text_cell(columns, ImportColumn::phone, fields, c.phone)) return p;
    if (auto p = text_cell(columns, ImportColumn::organisation, fields, c.organisation)) return p;
    if (auto p = text_cell(columns, ImportColumn::address, fields, c.postal_address, true)) {
        return p;
    }
    if (auto problem = read_locale(columns, fields, c)) return problem;
    if (auto problem = read_lists(columns, fields, c)) return problem;
    if (auto problem = read_attributes(columns, fields, c)) return problem;
    return read_consent(columns, fields, settings, row);
}

}  // namespace brevduva::consent
