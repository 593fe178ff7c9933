// Token decoding as the public listener meets it: any string after /o/, /c/, /u/, /p/ or
// /confirm/, and any bytes of a VERP bounce address's token, verified under a fixed key ring
// (current key 1, older key 7). Then a token minted from claims read out of the input, and
// that token with one character replaced, removed or added.
//
// Properties: whatever verifies came from mint: verified under exactly one of the ring's keys,
// minting its claims under that key alone gives back the very same string (or bytes), and the
// claims verify as no other kind. A minted token verifies to its claims under the ring and
// under its own key, TokenMinter writes the same text and bytes as mint, and any other string
// made from it by one edit does not verify: no two strings verify as one token.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "consent/consent_token.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace brevduva::consent {
namespace {

constexpr std::uint32_t kCurrentId = 1;
constexpr std::uint32_t kOlderId = 7;
constexpr std::string_view kCurrentKey = "brevduva-fuzz-current-token-key-0123456789abcdef";
constexpr std::string_view kOlderKey = "brevduva-fuzz-older-token-key-fedcba9876543210xyz";
constexpr std::array<TokenKind, 6> kKinds = {TokenKind::open,        TokenKind::click,
                                             TokenKind::unsubscribe, TokenKind::preferences,
                                             TokenKind::confirm,     TokenKind::bounce};

struct Rings {
    TokenKeys ring{kCurrentId, std::string(kCurrentKey)};
    TokenKeys current_only{kCurrentId, std::string(kCurrentKey)};
    TokenKeys older_only{kOlderId, std::string(kOlderKey)};
    Rings() { ring.add_verification_key(kOlderId, std::string(kOlderKey)); }
};

// The single-key ring that verifies token as kind: exactly one does when the full ring does.
const TokenKeys& signer_of(const Rings& rings, std::string_view token, TokenKind kind) {
    const bool current = verify(rings.current_only, token, kind).ok();
    const bool older = verify(rings.older_only, token, kind).ok();
    FUZZ_REQUIRE(current != older);
    return current ? rings.current_only : rings.older_only;
}

void check_verified_text(const Rings& rings, std::string_view text) {
    for (const TokenKind kind : kKinds) {
        const auto verified = verify(rings.ring, text, kind);
        if (!verified.ok()) continue;
        const TokenClaims& claims = verified.value();
        FUZZ_REQUIRE(claims.kind == kind);
        FUZZ_REQUIRE(mint(signer_of(rings, text, kind), claims) == text);
        for (const TokenKind other : kKinds) {
            if (other != kind) {
                FUZZ_REQUIRE(!verify(rings.ring, text, other).ok());
                FUZZ_REQUIRE(verify(rings.ring, text, other).error() == TokenError::wrong_kind);
            }
        }
    }
}

void check_verified_bytes(const Rings& rings, std::span<const unsigned char> bytes) {
    for (const TokenKind kind : kKinds) {
        const auto verified = verify_bytes(rings.ring, bytes, kind);
        if (!verified.ok()) continue;
        const bool current = verify_bytes(rings.current_only, bytes, kind).ok();
        const bool older = verify_bytes(rings.older_only, bytes, kind).ok();
        FUZZ_REQUIRE(current != older);
        TokenMinter minter(current ? rings.current_only : rings.older_only);
        TokenBytes minted{};
        const std::size_t used = minter.mint_bytes(verified.value(), minted);
        FUZZ_REQUIRE(used == bytes.size());
        FUZZ_REQUIRE(std::equal(bytes.begin(), bytes.end(), minted.begin()));
    }
}

std::uint64_t take_id(fuzz::InputReader& in) {
    // Small ids are the common case; a high first byte asks for a full 64-bit one.
    const std::uint8_t first = in.byte();
    if (first < 0xF0) return first;
    std::uint64_t id = 0;
    for (int i = 0; i < 8; ++i) id = id << 8U | in.byte();
    return id;
}

TokenClaims claims_from(fuzz::InputReader& in) {
    TokenClaims claims;
    claims.kind = kKinds[in.byte() % kKinds.size()];
    claims.campaign_id = take_id(in);
    claims.contact_id = take_id(in);
    claims.delivery_id = take_id(in);
    claims.link_id = take_id(in);
    claims.purpose_id = take_id(in);
    const std::int64_t issued = static_cast<std::int64_t>(take_id(in) & 0x7FFF'FFFF'FFFF'FFFFU);
    claims.issued_at = std::chrono::sys_seconds{std::chrono::seconds{issued}};
    return claims;
}

void check_minted(const Rings& rings, fuzz::InputReader& in) {
    const TokenClaims claims = claims_from(in);
    const std::string token = mint(rings.ring, claims);
    const auto verified = verify(rings.ring, token, claims.kind);
    FUZZ_REQUIRE(verified.ok() && verified.value() == claims);
    FUZZ_REQUIRE(verify(rings.current_only, token, claims.kind).ok());
    FUZZ_REQUIRE(!verify(rings.older_only, token, claims.kind).ok());

    TokenMinter minter(rings.ring);
    std::string appended = "BASE/o/";
    minter.mint(claims, appended);
    FUZZ_REQUIRE(appended == "BASE/o/" + token);
    TokenBytes bytes{};
    const std::size_t used = minter.mint_bytes(claims, bytes);
    FUZZ_REQUIRE(verify_bytes(rings.ring, std::span(bytes.data(), used), claims.kind).ok());

    // One edit, at a place and with a character the input chooses.
    const std::size_t at = in.byte() % (token.size() + 1);
    const char c = static_cast<char>(in.byte());
    std::string replaced = token;
    if (at < replaced.size()) replaced[at] = c;
    std::string removed = token;
    if (at < removed.size()) removed.erase(at, 1);
    std::string inserted = token;
    inserted.insert(at, 1, c);
    for (const std::string* edited : {&replaced, &removed, &inserted}) {
        if (*edited != token) FUZZ_REQUIRE(!verify(rings.ring, *edited, claims.kind).ok());
    }
}

}  // namespace
}  // namespace brevduva::consent

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace brevduva::consent;
    static const Rings rings;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // A token in a URL may carry a trailing newline or a query; verify sees what the router cut.
    check_verified_text(rings, text);
    check_verified_text(rings, text.substr(0, text.find_first_of("\n?")));
    check_verified_bytes(rings, std::span(data, size));
    brevduva::fuzz::InputReader in(data, size);
    check_minted(rings, in);
    return 0;
}
