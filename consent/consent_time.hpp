// Strict ISO 8601 timestamps for times that become proof: the consent_at column of an import
// and --consent-at. Pure; no clock. (consent_store.hpp's parse_time reads what the store
// wrote and is lenient; this one refuses what could be misread, and says why.)
//
// Accepted: YYYY-MM-DDTHH:MM[:SS[.fraction]] followed by Z, ±HH:MM or ±HHMM; a space may stand
// for the T. A time zone is required: a consent event is proof, and a wall-clock time without
// its zone can be off by an hour or two, enough to put a grant after a withdrawal that in fact
// came later. A bare date is refused for the same reason. Fractions beyond microseconds are
// cut, not rounded.
#pragma once

#include <string>
#include <string_view>

#include "consent/consent_event.hpp"
#include "consent/consent_result.hpp"

namespace brevduva::consent {

// The reason is a short phrase such as "needs a time zone (Z or +01:00)".
[[nodiscard]] Result<TimePoint, std::string> parse_timestamp(std::string_view text);

}  // namespace brevduva::consent
