#include "consent/consent_token.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>

namespace brevduva::consent {
namespace {

using namespace std::chrono;

const std::string key1(32, '\x11');
const std::string key2 = "a second key of at least 32 bytes.";

constexpr std::array all_kinds{TokenKind::open,        TokenKind::click,   TokenKind::unsubscribe,
                               TokenKind::preferences, TokenKind::confirm, TokenKind::bounce};

TokenClaims sample(TokenKind kind) {
    return TokenClaims{kind,
                       4711,
                       123456789,
                       987654321012,
                       kind == TokenKind::click ? 7u : 0u,
                       2,
                       sys_seconds{seconds{1767225600}}};
}

TEST(ConsentToken, RoundTripsEveryKind) {
    const TokenKeys keys(1, key1);
    for (const auto kind : all_kinds) {
        const auto token = mint(keys, sample(kind));
        const auto verified = verify(keys, token, kind);
        ASSERT_TRUE(verified.ok()) << to_string(kind) << ": " << to_string(verified.error());
        EXPECT_EQ(verified.value(), sample(kind));
    }
}

TEST(ConsentToken, RoundTripsExtremeValues) {
    const TokenKeys keys(0xFFFFFFFF, key1);
    const std::uint64_t max = ~std::uint64_t{0};
    const TokenClaims claims{TokenKind::click,
                             max,
                             max,
                             max,
                             max,
                             max,
                             sys_seconds{seconds{std::numeric_limits<std::int64_t>::max()}}};
    const auto token = mint(keys, claims);
    EXPECT_EQ(verify(keys, token, TokenKind::click).value(), claims);
    const TokenClaims zero{TokenKind::open, 0, 0, 0, 0, 0, sys_seconds{}};
    EXPECT_EQ(verify(keys, mint(keys, zero), TokenKind::open).value(), zero);
}

TEST(ConsentToken, IsShortUrlSafeAndCarriesNoAddress) {
    const TokenKeys keys(1, key1);
    for (const auto kind : all_kinds) {
        const auto token = mint(keys, sample(kind));
        EXPECT_LE(token.size(), 64u) << token;
        EXPECT_EQ(token.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos)
            << token;
        EXPECT_EQ(token.find('@'), std::string::npos);
        EXPECT_EQ(token.find("%40"), std::string::npos);
    }
}

TEST(ConsentToken, RejectsEverySingleAlteredCharacter) {
    const TokenKeys keys(1, key1);
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.@%";
    for (const auto kind : all_kinds) {
        const auto token = mint(keys, sample(kind));
        for (std::size_t i = 0; i < token.size(); ++i) {
            for (const char replacement : alphabet) {
                if (replacement == token[i]) continue;
                auto altered = token;
                altered[i] = replacement;
                EXPECT_FALSE(verify(keys, altered, kind).ok())
                    << "position " << i << " → " << replacement;
            }
        }
        EXPECT_FALSE(verify(keys, token.substr(0, token.size() - 1), kind).ok());
        EXPECT_FALSE(verify(keys, token + "A", kind).ok());
        EXPECT_FALSE(verify(keys, token.substr(1), kind).ok());
    }
}

TEST(ConsentToken, RejectsEveryFlippedBitOfTheDecodedBytes) {
    // Flipping bits of the decoded token, re-encoded canonically, reaches every payload field
    // including the kind and the key id: the MAC covers them all.
    const TokenKeys keys(1, key1);
    const auto token = mint(keys, sample(TokenKind::unsubscribe));
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (std::size_t i = 0; i < token.size(); ++i) {
        for (int bit = 0; bit < 6; ++bit) {
            auto altered = token;
            altered[i] = alphabet[alphabet.find(token[i]) ^ (1u << bit)];
            const auto result = verify(keys, altered, TokenKind::unsubscribe);
            EXPECT_FALSE(result.ok()) << i << "/" << bit;
        }
    }
}

TEST(ConsentToken, RejectsATokenOfAnotherKind) {
    const TokenKeys keys(1, key1);
    const auto pixel = mint(keys, sample(TokenKind::open));
    const auto result = verify(keys, pixel, TokenKind::unsubscribe);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error(), TokenError::wrong_kind);
}

TEST(ConsentToken, RejectsAnUnknownKeyAndAForeignKey) {
    const TokenKeys minting(7, key1);
    const TokenKeys verifying(1, key1);
    const auto token = mint(minting, sample(TokenKind::click));
    EXPECT_EQ(verify(verifying, token, TokenKind::click).error(), TokenError::unknown_key);
    const TokenKeys impostor(7, key2);
    EXPECT_EQ(verify(impostor, token, TokenKind::click).error(), TokenError::bad_tag);
}

TEST(ConsentToken, AnOldKeyStillVerifiesAfterRotation) {
    const TokenKeys before(1, key1);
    const auto old_token = mint(before, sample(TokenKind::unsubscribe));
    TokenKeys after(2, key2);
    after.add_verification_key(1, key1);
    EXPECT_EQ(verify(after, old_token, TokenKind::unsubscribe).value(),
              sample(TokenKind::unsubscribe));
    const auto new_token = mint(after, sample(TokenKind::unsubscribe));
    EXPECT_NE(new_token, old_token);
    EXPECT_EQ(verify(before, new_token, TokenKind::unsubscribe).error(), TokenError::unknown_key);
}

TEST(ConsentToken, RejectsMalformedInput) {
    const TokenKeys keys(1, key1);
    for (const std::string_view bad :
         {"", "A", "AAAA", "!!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
        EXPECT_EQ(verify(keys, bad, TokenKind::open).error(), TokenError::malformed) << bad;
    }
    EXPECT_EQ(verify(keys, std::string(10000, 'A'), TokenKind::open).error(),
              TokenError::malformed);
}

TEST(ConsentToken, RefusesShortKeysAndDuplicateIds) {
    EXPECT_THROW(TokenKeys(1, "short"), std::invalid_argument);
    TokenKeys keys(1, key1);
    EXPECT_THROW(keys.add_verification_key(1, key2), std::invalid_argument);
    EXPECT_THROW(keys.add_verification_key(2, "short"), std::invalid_argument);
}

TEST(ConsentToken, NamesRoundTrip) {
    for (const auto kind : all_kinds) EXPECT_EQ(parse_token_kind(to_string(kind)), kind);
    for (auto e : {TokenError::malformed, TokenError::unknown_key, TokenError::bad_tag,
                   TokenError::wrong_kind}) {
        EXPECT_EQ(parse_token_error(to_string(e)), e);
    }
    EXPECT_EQ(to_string(TokenKind::preferences), "preferences");
}

TEST(ConsentToken, KindNumbersAreTheWireFormat) {
    // A stored or mailed token names its kind by number; appending kinds must not renumber.
    EXPECT_EQ(static_cast<int>(TokenKind::confirm), 4);
    EXPECT_EQ(static_cast<int>(TokenKind::bounce), 5);
    EXPECT_EQ(to_string(TokenKind::bounce), "bounce");
}

TEST(ConsentToken, MinterGivesExactlyWhatMintGives) {
    TokenKeys keys(3, key2);
    keys.add_verification_key(1, key1);
    TokenMinter minter(keys);
    for (const auto kind : all_kinds) {
        for (const std::uint64_t id : {0ull, 1ull, 127ull, 128ull, 987654321012ull, ~0ull}) {
            TokenClaims claims = sample(kind);
            claims.delivery_id = id;
            std::string text = "prefix:";
            minter.mint(claims, text);
            EXPECT_EQ(text, "prefix:" + mint(keys, claims));
        }
    }
}

TEST(ConsentToken, VerifiesTheDecodedBytes) {
    const TokenKeys keys(1, key1);
    TokenMinter minter(keys);
    TokenBytes bytes{};
    const std::size_t used = minter.mint_bytes(sample(TokenKind::bounce), bytes);
    const std::span<const unsigned char> token(bytes.data(), used);
    EXPECT_EQ(verify_bytes(keys, token, TokenKind::bounce).value(), sample(TokenKind::bounce));
    EXPECT_EQ(verify_bytes(keys, token, TokenKind::open).error(), TokenError::wrong_kind);
    for (std::size_t i = 0; i < used; ++i) {
        TokenBytes altered = bytes;
        altered[i] ^= 0x01;
        EXPECT_FALSE(verify_bytes(keys, std::span<const unsigned char>(altered.data(), used),
                                  TokenKind::bounce)
                         .ok())
            << i;
    }
    EXPECT_EQ(verify_bytes(keys, token.first(used - 1), TokenKind::bounce).error(),
              TokenError::bad_tag);
}

TEST(ConsentHmac, ReusedKeyGivesTheOneShotTags) {
    HmacSha256 hmac(as_bytes(key1));
    for (const std::string_view data : {"", "a", "the quick brown fox", "x"}) {
        EXPECT_EQ(hmac.tag(as_bytes(data)), hmac_sha256(as_bytes(key1), as_bytes(data))) << data;
    }
    HmacSha256 moved = std::move(hmac);
    EXPECT_EQ(moved.tag(as_bytes("z")), hmac_sha256(as_bytes(key1), as_bytes("z")));
    // Keys longer than SHA-256's block are hashed first (RFC 2104).
    const std::string long_key(100, '\x5a');
    HmacSha256 long_hmac(as_bytes(long_key));
    EXPECT_EQ(long_hmac.tag(as_bytes("abc")), hmac_sha256(as_bytes(long_key), as_bytes("abc")));
    EXPECT_EQ(HmacSha256({}).tag(as_bytes("abc")), hmac_sha256({}, as_bytes("abc")));
}

}  // namespace
}  // namespace brevduva::consent
