#include "consent/consent_suppression_key.hpp"

#include <stdexcept>

#include "consent/consent_hmac.hpp"

namespace brevduva::consent {

std::string suppression_key(std::string_view secret, const EmailAddress& address) {
    if (secret.size() < min_suppression_secret_bytes) {
        throw std::invalid_argument("suppression secret shorter than 16 bytes");
    }
    const std::string text = fold_address(address);
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
