// The ledger, the view and the suppressions as JSON, one shape for the person's own export
// (export_personal_data) and the admin API: times in the stored form, names as in the
// database.
#pragma once

#include <Poco/JSON/Object.h>

#include <optional>

#include "consent/consent_store.hpp"

namespace brevduva::consent {

[[nodiscard]] Poco::JSON::Object::Ptr event_json(const LedgerEntry& entry);
[[nodiscard]] Poco::JSON::Object::Ptr state_json(const ConsentState& state);
[[nodiscard]] Poco::JSON::Object::Ptr merge_json(const ContactMerge& merge);
// with_key: include the keyed hash (the admin API names a suppression by it; a person's own
// export does not need it).
[[nodiscard]] Poco::JSON::Object::Ptr suppression_json(const SuppressionEntry& entry,
                                                       bool with_key);
// A stored time, or null.
[[nodiscard]] Poco::Dynamic::Var optional_time_json(const std::optional<TimePoint>& at);

}  // namespace brevduva::consent
