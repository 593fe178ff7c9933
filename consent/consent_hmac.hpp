// HMAC-SHA256 (RFC 2104) through OpenSSL, for token tags and suppression keys. Pure apart from
// calling libcrypto; throws std::runtime_error only if libcrypto itself fails.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace brevduva::consent {

using Sha256Digest = std::array<unsigned char, 32>;

[[nodiscard]] Sha256Digest hmac_sha256(std::span<const unsigned char> key,
                                       std::span<const unsigned char> data);

[[nodiscard]] inline std::span<const unsigned char> as_bytes(std::string_view text) {
    // Viewing char storage as unsigned char is allowed by the aliasing rules.
    return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace brevduva::consent
