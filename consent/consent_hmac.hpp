// HMAC-SHA256 (RFC 2104) through OpenSSL, for token tags and suppression keys. Pure apart from
// calling libcrypto; throws std::runtime_error only if libcrypto itself fails.
//
// hmac_sha256() sets the key up on every call (about 1 µs in OpenSSL 3). HmacSha256 hashes the
// padded key once (RFC 2104's inner and outer pads) and then costs about 0.15 µs per tag: the
// renderer mints a dozen tokens per message, tens of thousands of messages a second.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace brevduva::consent {

using Sha256Digest = std::array<unsigned char, 32>;

[[nodiscard]] Sha256Digest hmac_sha256(std::span<const unsigned char> key,
                                       std::span<const unsigned char> data);

// One key, many tags. Move-only; not thread-safe (it reuses its OpenSSL contexts): one per
// worker. Gives the same tags as hmac_sha256().
class HmacSha256 {
  public:
    explicit HmacSha256(std::span<const unsigned char> key);
    ~HmacSha256();
    HmacSha256(HmacSha256&&) noexcept;
    HmacSha256& operator=(HmacSha256&&) noexcept;
    HmacSha256(const HmacSha256&) = delete;
    HmacSha256& operator=(const HmacSha256&) = delete;

    [[nodiscard]] Sha256Digest tag(std::span<const unsigned char> data);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

[[nodiscard]] inline std::span<const unsigned char> as_bytes(std::string_view text) {
    // Viewing char storage as unsigned char is allowed by the aliasing rules.
    return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace brevduva::consent
