// The identifiers on a message that are not its content: the Message-ID, the MIME boundary
// and the envelope sender (VERP). Pure: keys are passed in, time comes from the caller.
//
// Message-ID: <c{campaign}.r{contact}.{tag}@{sender domain}>, where tag is the first 80 bits of
// HMAC-SHA256(installation secret, "message-id" ‖ campaign ‖ contact) in lower-case base32 (16
// characters). Deterministic per (campaign, contact), so a resend after an ambiguous outcome
// carries the same Message-ID and receivers can recognise it; unique across installations
// that share a sender domain and number campaigns alike, because the secret differs; and no
// address or name in it. The boundary is "=_" and the same tag: "=_" cannot occur in
// quoted-printable text, so the boundary never collides with a part.
//
// VERP: b-{token}@{bounce domain}. The token is a consent token of kind bounce (delivery id and
// issued_at inside the MAC, 128-bit tag) written in lower-case base32 rather than base64url,
// because mail systems may fold the case of a local part, and base32 survives that: decoding
// accepts either case. The local part stays within 64 octets (RFC 5321 §4.5.3.1.1) for every
// delivery id below 2^63 with a key id below 2^14.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consent/consent_hmac.hpp"
#include "consent/consent_token.hpp"

namespace brevduva::templates {

inline constexpr std::string_view kVerpPrefix = "b-";
inline constexpr std::size_t kMaxLocalPart = 64;

// The Message-ID key of an installation, derived from a secret that never rotates (the
// suppression secret: a Message-ID must stay the same for a resend months later), so that the
// secret itself is used for one purpose only: HMAC-SHA256(secret, "brevduva message-id v1").
[[nodiscard]] std::string derive_message_id_key(std::string_view installation_secret);

class MessageIds {
  public:
    // secret: the installation's secret (at least 32 bytes); domain: the From domain.
    MessageIds(std::string_view secret, std::string domain);

    struct Ids {
        std::string message_id;  // with the angle brackets
        std::string boundary;
    };
    // Fills ids, reusing its strings.
    void make(std::uint64_t campaign_id, std::uint64_t contact_id, Ids& ids);

  private:
    consent::HmacSha256 hmac_;
    std::string domain_;
};

// Lower-case RFC 4648 base32 without padding.
void append_base32(std::string& out, std::span<const unsigned char> bytes);
// Either case; nullopt for other characters or set padding bits.
[[nodiscard]] std::optional<std::vector<unsigned char>> base32_decode(std::string_view text);

// Appends the VERP envelope sender of a delivery.
void append_verp_address(std::string& out, consent::TokenMinter& minter, std::uint64_t delivery_id,
                         std::chrono::sys_seconds issued, std::string_view bounce_domain);

// The claims of the bounce token in a VERP address ("b-…@domain", the local part alone also
// does); malformed when it is not one.
[[nodiscard]] consent::Result<consent::TokenClaims, consent::TokenError> decode_verp(
    const consent::TokenKeys& keys, std::string_view address);

}  // namespace brevduva::templates
