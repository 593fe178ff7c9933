// Internal to http/: the admin API's JSON shapes for the consent component's values.
#pragma once

#include <Poco/JSON/Object.h>

#include "consent/consent_json.hpp"
#include "consent/consent_store.hpp"

namespace brevduva::http::detail {

[[nodiscard]] Poco::JSON::Object::Ptr contact_json(const consent::Contact& contact);
// The ledger, the view and suppressions in the shape of the person's own export.
using consent::event_json;
using consent::merge_json;
using consent::state_json;
[[nodiscard]] inline Poco::JSON::Object::Ptr suppression_json(
    const consent::SuppressionEntry& entry) {
    return consent::suppression_json(entry, true);
}

}  // namespace brevduva::http::detail
