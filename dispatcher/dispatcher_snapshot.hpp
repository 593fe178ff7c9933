// A campaign's template frozen as data: the files of its folder as one JSON document and the
// SHA-256 of that document, stored when the campaign is queued, so that editing the folder
// afterwards never changes what a running campaign sends, and the hash says which version
// went out.
#pragma once

#include <string>
#include <string_view>

#include "consent/consent_result.hpp"
#include "templates/templates_campaign.hpp"

namespace brevduva::dispatcher {

// Canonical JSON: keys in a fixed order, partials sorted by name.
[[nodiscard]] std::string snapshot_json(const templates::CampaignSources& sources);
[[nodiscard]] consent::Result<templates::CampaignSources, std::string> read_snapshot(
    std::string_view json);
// Lower-case hex SHA-256 of the text.
[[nodiscard]] std::string sha256_hex(std::string_view text);

}  // namespace brevduva::dispatcher
