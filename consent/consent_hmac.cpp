#include "consent/consent_hmac.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <limits>
#include <stdexcept>

namespace brevduva::consent {

Sha256Digest hmac_sha256(std::span<const unsigned char> key, std::span<const unsigned char> data) {
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw std::invalid_argument("HMAC key too long");
    }
    // HMAC() wants a non-null key pointer even for an empty key.
    static constexpr unsigned char no_key = 0;
    Sha256Digest digest{};
    unsigned int length = 0;
    const unsigned char* result =
        HMAC(EVP_sha256(), key.empty() ? &no_key : key.data(), static_cast<int>(key.size()),
             data.empty() ? &no_key : data.data(), data.size(), digest.data(), &length);
    if (result == nullptr || length != digest.size()) {
        throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
    }
    return digest;
}

}  // namespace brevduva::consent
