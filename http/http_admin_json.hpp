// Internal to http/: the admin API's JSON shapes for the consent component's values.
#pragma once

#include <Poco/JSON/Object.h>

#include "consent/consent_store.hpp"

namespace brevduva::http::detail {

[[nodiscard]] Poco::JSON::Object::Ptr contact_json(const consent::Contact& contact);
[[nodiscard]] Poco::JSON::Object::Ptr event_json(const consent::LedgerEntry& entry);
[[nodiscard]] Poco::JSON::Object::Ptr state_json(const consent::ConsentState& state);
[[nodiscard]] Poco::JSON::Object::Ptr suppression_json(const consent::SuppressionEntry& entry);

}  // namespace brevduva::http::detail
