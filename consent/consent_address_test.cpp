#include "consent/consent_address.hpp"

#include <gtest/gtest.h>

#include <string>

namespace brevduva::consent {
namespace {

std::string normalised(std::string_view given) {
    auto result = normalise_address(given);
    return result ? result.value().text() : "error: " + result.error();
}

std::string reason(std::string_view given) {
    auto result = normalise_address(given);
    return result ? "accepted as " + result.value().text() : result.error();
}

TEST(NormaliseAddress, TrimsSpacesAndTabsAndKeepsTheLocalPartAsWritten) {
    EXPECT_EQ(normalised("  Anna.Svensson@Example.SE\t"), "Anna.Svensson@example.se");
    const auto parts = normalise_address("Anna@EXAMPLE.se").value();
    EXPECT_EQ(parts.local_part, "Anna");
    EXPECT_EQ(parts.domain, "example.se");
}

TEST(NormaliseAddress, AcceptsEveryAtextCharacterAndInnerDots) {
    EXPECT_EQ(normalised("a!#$%&'*+-/=?^_`{|}~z@example.se"), "a!#$%&'*+-/=?^_`{|}~z@example.se");
    EXPECT_EQ(normalised("first.middle.last+tag@example.se"), "first.middle.last+tag@example.se");
}

TEST(NormaliseAddress, RejectsEmptyAndControlCharacters) {
    EXPECT_EQ(reason(""), "address is empty");
    EXPECT_EQ(reason("  \t "), "address is empty");
    EXPECT_EQ(reason("anna@example.se\r\nBcc: x@evil.test"), "address contains a line break");
    EXPECT_EQ(reason("anna@example.se\n"), "address contains a line break");
    EXPECT_EQ(reason(std::string_view("anna\0@example.se", 16)), "address contains a NUL byte");
    EXPECT_EQ(reason("an\x01na@example.se"), "address contains a control character");
    EXPECT_EQ(reason("an\x7Fna@example.se"), "address contains a control character");
    EXPECT_EQ(reason("\"an\tna\"@example.se"), "address contains a control character");
    EXPECT_EQ(reason("anna@exa\xFFmple.se"), "address is not valid UTF-8");
}

TEST(NormaliseAddress, RejectsMissingOrRepeatedAt) {
    EXPECT_EQ(reason("anna.example.se"), "address has no @");
    EXPECT_EQ(reason("anna@bo@example.se"), "address has more than one @");
    EXPECT_EQ(reason("@example.se"), "local part is empty");
    EXPECT_EQ(reason("anna@"), "domain is empty");
}

TEST(NormaliseAddress, AppliesDotAtomRulesToUnquotedLocalParts) {
    EXPECT_EQ(reason(".anna@example.se"), "local part starts with a dot");
    EXPECT_EQ(reason("anna.@example.se"), "local part ends with a dot");
    EXPECT_EQ(reason("an..na@example.se"), "local part has two dots in a row");
    EXPECT_EQ(reason("an na@example.se"),
              "local part contains a character that is allowed only in quotes");
    EXPECT_EQ(reason("an,na@example.se"),
              "local part contains a character that is allowed only in quotes");
    EXPECT_EQ(reason("an\"na@example.se"),
              "local part contains a character that is allowed only in quotes");
}

TEST(NormaliseAddress, KeepsQuotedLocalPartsAsWritten) {
    EXPECT_EQ(normalised("\"Anna Svensson\"@Example.se"), "\"Anna Svensson\"@example.se");
    EXPECT_EQ(normalised("\"a..b\"@example.se"), "\"a..b\"@example.se");
    EXPECT_EQ(normalised("\"a@b\"@example.se"), "\"a@b\"@example.se");
    EXPECT_EQ(normalised(R"("a\"b\\c"@example.se)"), R"("a\"b\\c"@example.se)");
    EXPECT_EQ(reason("\"anna@example.se"), "quoted local part is not closed");
    EXPECT_EQ(reason("\"anna\"x@example.se"), "text after the quoted local part before the @");
    EXPECT_EQ(reason("\"anna\"@a@example.se"), "address has more than one @");
    EXPECT_EQ(reason("\"\"@example.se"), "local part is an empty quoted string");
}

TEST(NormaliseAddress, RejectsNonAsciiLocalParts) {
    EXPECT_EQ(reason("åsa@example.se"),
              "local part has non-ASCII characters (SMTPUTF8 is not supported)");
    EXPECT_EQ(reason("\"åsa\"@example.se"),
              "local part has non-ASCII characters (SMTPUTF8 is not supported)");
}

TEST(NormaliseAddress, EnforcesRfc5321Lengths) {
    const std::string local64(64, 'a');
    EXPECT_EQ(normalised(local64 + "@example.se"), local64 + "@example.se");
    EXPECT_EQ(reason(local64 + "a@example.se"), "local part longer than 64 octets");
    const std::string label63(63, 'b');
    EXPECT_EQ(normalised("a@" + label63 + ".se"), "a@" + label63 + ".se");
    EXPECT_EQ(reason("a@" + label63 + "b.se"), "domain label longer than 63 characters");
    // 4 labels of 63 plus 3 dots = 255 octets: the longest domain.
    const std::string domain255 = label63 + "." + label63 + "." + label63 + "." + label63;
    EXPECT_EQ(reason("a@" + domain255), "address longer than 254 octets");
    EXPECT_EQ(reason("a@" + domain255 + "x"), "domain longer than 255 octets");
    EXPECT_EQ(reason("a@x." + domain255), "domain longer than 255 octets");
    // 64 + 1 + 189 = 254 is allowed; one more octet is not.
    const std::string domain189 = label63 + "." + label63 + "." + std::string(61, 'c');
    ASSERT_EQ(domain189.size(), 189u);
    EXPECT_EQ(normalised(local64 + "@" + domain189), local64 + "@" + domain189);
    EXPECT_EQ(reason(local64 + "@" + domain189 + "c"), "address longer than 254 octets");
    EXPECT_EQ(reason("a@" + std::string(5'000'000, 'x') + ".se"), "address longer than 254 octets");
}

TEST(NormaliseAddress, AppliesHostnameRulesToDomains) {
    EXPECT_EQ(reason("a@example"), "domain has no dot");
    EXPECT_EQ(reason("a@localhost"), "domain has no dot");
    EXPECT_EQ(reason("a@-example.se"), "domain label starts with a hyphen");
    EXPECT_EQ(reason("a@example-.se"), "domain label ends with a hyphen");
    EXPECT_EQ(reason("a@exa_mple.se"),
              "domain label contains a character other than a letter, digit or hyphen");
    EXPECT_EQ(reason("a@exa mple.se"),
              "domain label contains a character other than a letter, digit or hyphen");
    EXPECT_EQ(reason("a@example..se"), "domain has an empty label");
    EXPECT_EQ(reason("a@.example.se"), "domain starts with a dot");
    EXPECT_EQ(reason("a@example.se."), "domain ends with a dot");
    EXPECT_EQ(reason("a@192.0.2.1"), "top-level domain is all digits");
    EXPECT_EQ(normalised("a@mail-1.example.se"), "a@mail-1.example.se");
}

TEST(NormaliseAddress, RejectsAddressLiterals) {
    EXPECT_EQ(reason("a@[192.0.2.1]"), "domain is an address literal, which is not accepted");
    EXPECT_EQ(reason("a@[IPv6:2001:db8::1]"),
              "domain is an address literal, which is not accepted");
}

TEST(NormaliseAddress, ConvertsInternationalDomainsToLowerCaseALabels) {
    EXPECT_EQ(normalised("info@företag.se"), "info@xn--fretag-wxa.se");
    EXPECT_EQ(normalised("info@FÖRETAG.SE"), "info@xn--fretag-wxa.se");
    EXPECT_EQ(normalised("info@XN--FRETAG-WXA.SE"), "info@xn--fretag-wxa.se");
    // Non-transitional: ß is kept (as browsers and IDNA2008 do), not mapped to "ss".
    EXPECT_EQ(normalised("info@straße.de"), "info@xn--strae-oqa.de");
    // NFC first: o + combining diaeresis gives the same A-label as ö.
    EXPECT_EQ(normalised("info@fo\xCC\x88retag.se"), "info@xn--fretag-wxa.se");
    EXPECT_EQ(reason("info@xn--zzzz.se"), "domain label has invalid punycode");
    EXPECT_EQ(reason("info@ö-.se"), "domain label starts or ends with a hyphen");
}

TEST(NormaliseAddress, IsIdempotent) {
    for (const auto* given : {"Anna@Example.SE", "info@företag.se", "\"A B\"@x.se", "x+y@ab.cd"}) {
        const auto once = normalise_address(given).value().text();
        EXPECT_EQ(normalised(once), once) << given;
    }
}

}  // namespace
}  // namespace brevduva::consent
