#include "consent/consent_suppression_key.hpp"

#include <algorithm>
#include <stdexcept>

#include "consent/consent_hmac.hpp"

namespace brevduva::consent {

namespace {

// ASCII only: a normalised address is ASCII (non-ASCII local parts are rejected and domains are
// A-labels), so locale-dependent case mapping has nothing to do here.
char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string suppression_key(std::string_view secret, const EmailAddress& address) {
    if (secret.size() < min_suppression_secret_bytes) {
        throw std::invalid_argument("suppression secret shorter than 16 bytes");
    }
    std::string text = address.text();
    std::transform(text.begin(), text.end(), text.begin(), ascii_lower);
    const auto digest = hmac_sha256(as_bytes(secret), as_bytes(text));
    static constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    out.reserve(digest.size() * 2);
    for (const unsigned char byte : digest) {
        out += hex[byte >> 4];
        out += hex[byte & 0x0F];
    }
    return out;
}

}  // namespace brevduva::consent
