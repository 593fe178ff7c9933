// The columns of a contact import and what one row of them means: map_header turns the header
// record into a column plan (or the reason the whole file is refused), map_row turns one record
// into a ContactUpdate and its consent events (or the reason the row is rejected). Pure: no
// I/O and no clock; the caller passes the time the import started. The CSV syntax itself is
// consent_csv.hpp's; docs/import.md is the user's description of the format.
//
// Decisions:
// - header names are trimmed and matched without regard to ASCII case; an unknown, empty or
//   repeated name refuses the file before any row is read, naming the nearest known column;
// - an empty cell means "not given": the stored value stays. An import never clears a field;
// - locale is sv or en; a new contact without one gets sv (the company is Swedish);
// - lists are separated by | or , inside the cell, so list names contain neither;
// - attributes is a JSON object; attr:NAME columns add string attributes and win over a key
//   of the same name in the object; both merge key by key into what is stored;
// - consent:PURPOSE is granted, withdrawn or empty (no event). A row with a consent value needs
//   a time: its consent_at, else the file-level --consent-at. The import time is never used:
//   it would date a years-old grant to today and let it override a later withdrawal. A time
//   after the start of the import (beyond a little clock skew) is refused for the same reason;
// - consent_basis (default consent) applies to every consent column of the row; a grant on a
//   basis the purpose does not allow is rejected, not stored to be ignored by the gate;
// - text fields may not hold control characters (C0, DEL, C1); address (postal) and
//   consent_evidence may span lines: CRLF in them becomes LF, a bare CR is refused.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "consent/consent_event.hpp"
#include "consent/consent_result.hpp"
#include "consent/consent_store.hpp"

namespace brevduva::consent {

// The fixed columns; consent:PURPOSE and attr:NAME come in addition.
enum class ImportColumn {
    email,
    name,
    phone,
    organisation,
    address,
    locale,
    lists,
    attributes,
    consent_at,
    consent_basis,
    consent_source,
    consent_evidence,
    consent_ip,
    consent_user_agent,
    consent_wording,
};
inline constexpr std::size_t import_column_count = 15;

[[nodiscard]] std::string_view to_string(ImportColumn column);

// File-level settings of one import.
struct ImportSettings {
    std::vector<PurposeSettings> purposes;  // the configured ones
    std::optional<TimePoint> consent_at;    // --consent-at, for rows without consent_at
    std::string source;                     // for rows without consent_source
    TimePoint started;                      // consent times later than this (+ skew) are refused
};

struct ConsentColumn {
    std::size_t index = 0;
    const PurposeSettings* purpose = nullptr;  // points into ImportSettings::purposes
};

struct AttributeColumn {
    std::size_t index = 0;
    std::string name;  // as written after "attr:"
};

struct ImportColumns {
    std::array<std::optional<std::size_t>, import_column_count> fixed;
    std::vector<ConsentColumn> consents;
    std::vector<AttributeColumn> attributes;
    std::size_t width = 0;  // fields every record must have

    [[nodiscard]] std::optional<std::size_t> at(ImportColumn column) const {
        return fixed[static_cast<std::size_t>(column)];
    }
};

// The reason names the column: "unknown column 'emial' (nearest known: 'email')".
// settings must outlive the result (ConsentColumn points into its purposes).
[[nodiscard]] Result<ImportColumns, std::string> map_header(std::span<const std::string> header,
                                                            const ImportSettings& settings);

struct ImportedEvent {
    const PurposeSettings* purpose = nullptr;
    Action action = Action::grant;
};

// One accepted row. Reused from row to row so that its strings keep their capacity.
struct ImportRow {
    ContactUpdate contact;
    std::vector<ImportedEvent> events;  // empty: the row gives no consent
    LawfulBasis basis = LawfulBasis::consent;
    TimePoint at;  // of every event of the row
    std::string source;
    std::string evidence;
    EventEvidence details;
};

// Fills row from the record's fields, or returns why the row is rejected ("email: domain has
// no dot", "name contains a control character"); row is then unspecified.
[[nodiscard]] std::optional<std::string> map_row(const ImportColumns& columns,
                                                 std::span<const std::string> fields,
                                                 const ImportSettings& settings, ImportRow& row);

}  // namespace brevduva::consent
