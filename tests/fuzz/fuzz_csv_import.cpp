// A contact import file as `contacts import` reads it: the streaming CSV reader over the whole
// input, the first record through map_header and every later one through map_row. Each input
// is read twice: with the default limits (delimiter detected) and with small limits and a
// file-level --consent-at, so that the limit paths and rows without consent_at are reached.
//
// Properties: record lines start at 1 and increase; a record with an error has no fields; a
// good record keeps the limits and holds valid UTF-8; the detected delimiter is ',' or ';'. An
// accepted row holds what consent_import_row.hpp promises: a normalised address that normalises
// to itself, trimmed non-empty text without control characters, a postal address without CR,
// locale sv or en, list names without | or , and without repeats, attributes that are a JSON
// object, and consent times no later than the start of the import plus the allowed skew.
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "config/config_settings.hpp"
#include "consent/consent_address.hpp"
#include "consent/consent_csv.hpp"
#include "consent/consent_import_row.hpp"
#include "consent/consent_store.hpp"
#include "consent/consent_time.hpp"
#include "consent/consent_utf8.hpp"
#include "formats/formats_json.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace brevduva::consent {
namespace {

bool has_control(std::string_view text, bool line_feed_allowed) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n' && line_feed_allowed) continue;
        if (c < 0x20 || c == 0x7F) return true;
        if (c == 0xC2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9F) return true;
        }
    }
    return false;
}

bool trimmed(std::string_view text) {
    return !text.empty() && text.front() != ' ' && text.front() != '\t' && text.back() != ' ' &&
           text.back() != '\t';
}

void check_text(const std::optional<std::string>& value, bool line_feed_allowed) {
    if (!value) return;
    FUZZ_REQUIRE(trimmed(*value));
    FUZZ_REQUIRE(value->size() <= max_text_field_bytes);
    FUZZ_REQUIRE(!has_control(*value, line_feed_allowed));
}

void check_accepted(const ImportRow& row, const ImportSettings& settings) {
    const ContactUpdate& c = row.contact;
    const auto again = normalise_address(c.address.text());
    FUZZ_REQUIRE(again.ok());
    FUZZ_REQUIRE(again.value() == c.address);
    FUZZ_REQUIRE(trimmed(c.address_given));
    check_text(c.name, false);
    check_text(c.phone, false);
    check_text(c.organisation, false);
    check_text(c.postal_address, true);
    if (c.locale) FUZZ_REQUIRE(*c.locale == "sv" || *c.locale == "en");
    for (std::size_t i = 0; i < c.lists.size(); ++i) {
        const std::string& list = c.lists[i];
        FUZZ_REQUIRE(trimmed(list));
        FUZZ_REQUIRE(list.find_first_of("|,") == std::string::npos);
        FUZZ_REQUIRE(!has_control(list, false));
        FUZZ_REQUIRE(std::find(c.lists.begin(), c.lists.begin() + static_cast<std::ptrdiff_t>(i),
                               list) == c.lists.begin() + static_cast<std::ptrdiff_t>(i));
    }
    // An attribute name with a NUL once made keys that did not read back
    // (regressions/attr-name-with-nul.csv).
    if (c.attributes) {
        try {
            const auto parsed = formats::parse_json(*c.attributes);
            FUZZ_REQUIRE(parsed.type() == typeid(Poco::JSON::Object::Ptr));
        } catch (const Poco::Exception&) {
            FUZZ_REQUIRE(!"the attributes of an accepted row are valid JSON");
        }
    }
    for (const ImportedEvent& event : row.events) {
        FUZZ_REQUIRE(event.purpose >= settings.purposes.data() &&
                     event.purpose < settings.purposes.data() + settings.purposes.size());
    }
    if (!row.events.empty()) FUZZ_REQUIRE(row.at <= settings.started + std::chrono::minutes{5});
    // The store checks every update again; an accepted row may still fail there (a merged
    // attributes object can outgrow its limit), so this only runs the check.
    (void)validate(c);
}

void read_import(std::string_view text, const CsvOptions& options, const ImportSettings& settings) {
    std::istringstream in{std::string(text)};
    CsvReader reader(in, options);
    CsvRecord record;
    std::size_t last_line = 0;
    bool header = true;
    std::optional<ImportColumns> columns;
    ImportRow row;
    while (reader.next(record)) {
        FUZZ_REQUIRE(record.line > last_line);
        last_line = record.line;
        if (!options.delimiter)
            FUZZ_REQUIRE(reader.delimiter() == ',' || reader.delimiter() == ';');
        if (record.error) {
            FUZZ_REQUIRE(record.fields.empty());
            header = false;  // an unreadable header refuses the file; reading goes on here
            continue;
        }
        FUZZ_REQUIRE(!record.fields.empty());
        FUZZ_REQUIRE(record.fields.size() <= options.max_fields);
        std::size_t bytes = 0;
        for (const std::string& field : record.fields) {
            bytes += field.size();
            FUZZ_REQUIRE(field.size() <= options.max_field_bytes);
            FUZZ_REQUIRE(!first_invalid_utf8(field).has_value());
        }
        FUZZ_REQUIRE(bytes <= options.max_record_bytes);
        if (header) {
            header = false;
            auto mapped = map_header(record.fields, settings);
            if (mapped.ok()) {
                FUZZ_REQUIRE(mapped.value().width == record.fields.size());
                FUZZ_REQUIRE(mapped.value().at(ImportColumn::email).has_value());
                columns = std::move(mapped).value();
            }
            continue;
        }
        if (!columns) continue;
        if (!map_row(*columns, record.fields, settings, row)) check_accepted(row, settings);
    }
}

}  // namespace
}  // namespace brevduva::consent

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace brevduva::consent;
    static const ImportSettings defaults = [] {
        ImportSettings s;
        s.purposes = brevduva::config::Settings::default_purposes();
        s.source = "import:contacts.csv";
        s.started = parse_timestamp("2026-12-07T12:00:00Z").value();
        return s;
    }();
    static const ImportSettings with_consent_at = [] {
        ImportSettings s = defaults;
        s.consent_at = parse_timestamp("2025-01-01T00:00:00Z").value();
        return s;
    }();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    read_import(text, CsvOptions{}, defaults);
    CsvOptions small;
    small.max_field_bytes = 24;
    small.max_record_bytes = 96;
    small.max_fields = 6;
    read_import(text, small, with_consent_at);
    return 0;
}
