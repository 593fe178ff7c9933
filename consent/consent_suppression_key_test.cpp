#include "consent/consent_suppression_key.hpp"

#include <gtest/gtest.h>

namespace brevduva::consent {
namespace {

const std::string secret = "0123456789abcdef0123456789abcdef";

std::string key_of(std::string_view address) {
    return suppression_key(secret, normalise_address(address).value());
}

TEST(SuppressionKey, IsHmacSha256OfTheLowerCasedAddress) {
    // Known answer: HMAC-SHA256(key="0123456789abcdef0123456789abcdef", "anna@example.se"),
    // computed independently with `openssl dgst -sha256 -hmac`.
    EXPECT_EQ(key_of("anna@example.se"),
              "82d183e414623bab571c29db475ccac3cd5678b59b34ded878dc5d14e902e410");
}

TEST(SuppressionKey, CannotBeDodgedByCaseOrWhiteSpaceOrUnicodeDomains) {
    const auto key = key_of("anna@example.se");
    EXPECT_EQ(key_of("Anna@Example.SE"), key);
    EXPECT_EQ(key_of("  ANNA@EXAMPLE.SE "), key);
    EXPECT_EQ(key_of("info@företag.se"), key_of("INFO@xn--fretag-wxa.se"));
}

TEST(SuppressionKey, DoesNoProviderSpecificFolding) {
    EXPECT_NE(key_of("anna.svensson@example.se"), key_of("annasvensson@example.se"));
    EXPECT_NE(key_of("anna+news@example.se"), key_of("anna@example.se"));
}

TEST(SuppressionKey, DependsOnTheSecretAndRefusesAWeakOne) {
    const auto address = normalise_address("anna@example.se").value();
    EXPECT_NE(suppression_key(secret, address), suppression_key(secret + "x", address));
    EXPECT_THROW((void)suppression_key("", address), std::invalid_argument);
    EXPECT_THROW((void)suppression_key("fifteen bytes!!", address), std::invalid_argument);
    EXPECT_EQ(suppression_key(secret, address).size(), 64u);
}

}  // namespace
}  // namespace brevduva::consent
