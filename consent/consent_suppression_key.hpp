// The keyed hash that stands for an address in the suppression list, so that an erased person
// is never mailed again while the database holds no trace of their address (GDPR Art. 17,
// checklist G-76). A plain hash would be personal data still: addresses are guessable, so the
// hash is HMAC-SHA256 under a secret kept outside the database. Pure.
//
// What is hashed: fold_address() of the normalised address (consent_address.hpp), the same
// identity that keys contacts, so that a contact and its suppressions can never disagree about
// who is meant, whatever the capitalisation.
#pragma once

#include <string>
#include <string_view>

#include "consent/consent_address.hpp"

namespace brevduva::consent {

inline constexpr std::size_t min_suppression_secret_bytes = 16;

// 64 lower-case hex digits. Throws std::invalid_argument for a secret shorter than
// min_suppression_secret_bytes (an unkeyed or weakly keyed hash would be reversible).
[[nodiscard]] std::string suppression_key(std::string_view secret, const EmailAddress& address);

}  // namespace brevduva::consent
