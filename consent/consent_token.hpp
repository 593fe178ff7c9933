// Signed capability tokens for public URLs (BASE/<kind>/<token>): open pixel, click,
// unsubscribe, preferences, double opt-in confirm; and for the VERP envelope sender of a
// delivery (bounce), which templates/ writes in base32 instead of base64url because mail
// systems may lower-case a local part. Pure: keys are passed in, time is a claim.
//
// Wire form, base64url without padding of
//     version(1) ‖ kind(1) ‖ key_id ‖ campaign_id ‖ contact_id ‖ delivery_id ‖ link_id ‖
//     purpose_id ‖ issued_at ‖ tag(16)
// where the ids and issued_at (unix seconds) are unsigned LEB128 varints (small ids take one
// or two bytes, so a typical token is about 50 characters), and tag is HMAC-SHA256 under the
// key named by key_id over every byte before it, truncated to 128 bits. The kind is inside the
// MAC, so a pixel token cannot be replayed as an unsubscribe token. The token carries ids
// only: never an address or a name. Verification compares tags with CRYPTO_memcmp and rejects
// any encoding that is not the one mint would produce, so no two strings verify as one token.
// Tokens do not expire here: withdrawal must work "at any time" (GDPR Art. 7(3)); a handler
// that wants an age limit (confirm links) checks issued_at itself.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consent/consent_hmac.hpp"
#include "consent/consent_result.hpp"

namespace brevduva::consent {

// The wire form stores the kind as its number: append new kinds, never reorder.
enum class TokenKind : std::uint8_t { open, click, unsubscribe, preferences, confirm, bounce };

struct TokenClaims {
    TokenKind kind = TokenKind::open;
    std::uint64_t campaign_id = 0;
    std::uint64_t contact_id = 0;
    std::uint64_t delivery_id = 0;
    std::uint64_t link_id = 0;             // 0 unless kind is click
    std::uint64_t purpose_id = 0;          // the purpose an unsubscribe or confirm applies to
    std::chrono::sys_seconds issued_at{};  // not before 1970

    friend bool operator==(const TokenClaims&, const TokenClaims&) = default;
};

enum class TokenError { malformed, unknown_key, bad_tag, wrong_kind };

// The key ring: one current key that mints, older keys that still verify, so that mail sent
// before a rotation keeps working (checklist I-86). Move-only; keys are wiped on destruction.
class TokenKeys {
  public:
    static constexpr std::size_t min_key_bytes = 32;

    // Throws std::invalid_argument for a key shorter than min_key_bytes.
    TokenKeys(std::uint32_t current_id, std::string current_key);
    ~TokenKeys();
    TokenKeys(TokenKeys&&) noexcept = default;
    TokenKeys& operator=(TokenKeys&&) noexcept = default;
    TokenKeys(const TokenKeys&) = delete;
    TokenKeys& operator=(const TokenKeys&) = delete;

    // Adds a key that verifies but does not mint. Throws std::invalid_argument for a short key
    // or an id already in the ring.
    void add_verification_key(std::uint32_t id, std::string key);

    [[nodiscard]] std::uint32_t current_id() const { return current_id_; }
    [[nodiscard]] const std::string* find(std::uint32_t id) const;

  private:
    std::uint32_t current_id_;
    std::map<std::uint32_t, std::string> keys_;
};

// Throws std::invalid_argument for an issued_at before 1970 (a caller's bug).
[[nodiscard]] std::string mint(const TokenKeys& keys, const TokenClaims& claims);

[[nodiscard]] Result<TokenClaims, TokenError> verify(const TokenKeys& keys, std::string_view token,
                                                     TokenKind expected);

// The decoded bytes of a token (what base64url carries), for callers that transport them in
// another encoding. Same checks as verify().
[[nodiscard]] Result<TokenClaims, TokenError> verify_bytes(const TokenKeys& keys,
                                                           std::span<const unsigned char> token,
                                                           TokenKind expected);

// The longest token in bytes (before base64url): version, kind, a 5-byte key id, five 10-byte
// ids, a 10-byte issued_at, the tag.
inline constexpr std::size_t max_token_bytes = 83;
using TokenBytes = std::array<unsigned char, max_token_bytes>;

// mint() for the hot path: the current key's HMAC set up once (HmacSha256), bytes built on
// the stack, the text appended to a caller's buffer. Gives exactly what mint() gives. Holds a
// copy of the key's HMAC state, not the ring; not thread-safe: one per worker.
class TokenMinter {
  public:
    explicit TokenMinter(const TokenKeys& keys);

    // Appends the token's text (base64url), the same as mint(keys, claims).
    void mint(const TokenClaims& claims, std::string& out);
    // The token's bytes; returns how many of `out` are used.
    std::size_t mint_bytes(const TokenClaims& claims, TokenBytes& out);

  private:
    std::uint32_t key_id_;
    HmacSha256 hmac_;
};

[[nodiscard]] std::string_view to_string(TokenKind kind);
[[nodiscard]] std::string_view to_string(TokenError error);
[[nodiscard]] std::optional<TokenKind> parse_token_kind(std::string_view text);
[[nodiscard]] std::optional<TokenError> parse_token_error(std::string_view text);

}  // namespace brevduva::consent
