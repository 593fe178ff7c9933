#include "consent/consent_import_row.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "consent/consent_import_rejects.hpp"
#include "consent/consent_time.hpp"

namespace brevduva::consent {
namespace {

using ::testing::HasSubstr;
using Fields = std::vector<std::string>;

ImportSettings settings() {
    ImportSettings s;
    s.purposes = config::Settings::default_purposes();
    s.source = "import:contacts.csv";
    s.started = parse_timestamp("2025-06-01T12:00:00Z").value();
    return s;
}

std::string header_error(const Fields& header, const ImportSettings& s = settings()) {
    const auto r = map_header(header, s);
    return r.ok() ? "" : r.error();
}

TEST(ImportHeader, MapsKnownColumnsWhateverTheirCaseAndSpaces) {
    const auto s = settings();
    const auto r = map_header(
        Fields{" Email ", "NAME", "consent:Product_Marketing", "consent_at", "attr:Team"}, s);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.value().at(ImportColumn::email), 0u);
    EXPECT_EQ(r.value().at(ImportColumn::name), 1u);
    EXPECT_FALSE(r.value().at(ImportColumn::phone).has_value());
    ASSERT_EQ(r.value().consents.size(), 1u);
    EXPECT_EQ(r.value().consents[0].purpose->name, "product_marketing");
    ASSERT_EQ(r.value().attributes.size(), 1u);
    EXPECT_EQ(r.value().attributes[0].name, "Team");
    EXPECT_EQ(r.value().width, 5u);
}

TEST(ImportHeader, RefusesAttributeNamesWithControlCharacters) {
    using namespace std::string_literals;
    EXPECT_EQ(header_error(Fields{"email", "attr:team", "attr:team\0x"s}),
              "column 3: an attribute name may not hold control characters");
    EXPECT_EQ(header_error(Fields{"email", "attr:a\tb"}),
              "column 2: an attribute name may not hold control characters");
}

TEST(ImportHeader, RefusesAnUnknownColumnNamingTheNearestKnownOne) {
    const auto e = header_error({"email", "organization"});
    EXPECT_THAT(e, HasSubstr("unknown column 'organization'"));
    EXPECT_THAT(e, HasSubstr("nearest known: 'organisation'"));
    EXPECT_THAT(header_error({"emial"}), HasSubstr("nearest known: 'email'"));
}

TEST(ImportHeader, RefusesAnUnknownPurposeNamingTheNearest) {
    const auto e = header_error({"email", "consent:product_marketin", "consent_at"});
    EXPECT_THAT(e, HasSubstr("'product_marketin' is not a configured purpose"));
    EXPECT_THAT(e, HasSubstr("nearest: 'product_marketing'"));
}

TEST(ImportHeader, RefusesRepeatedEmptyOrMissingColumns) {
    EXPECT_THAT(header_error({"email", "name", "Name"}), HasSubstr("'Name' appears twice"));
    EXPECT_THAT(header_error({"email", ""}), HasSubstr("column 2 has no name"));
    EXPECT_THAT(header_error({"name"}), HasSubstr("no 'email' column"));
    EXPECT_THAT(header_error({"email", "attr:"}), HasSubstr("names no attribute"));
    EXPECT_THAT(
        header_error({"email", "consent:open_tracking", "consent:open_tracking", "consent_at"}),
        HasSubstr("appears twice"));
}

TEST(ImportHeader, ConsentColumnsNeedATimeColumnOrAFileLevelTime) {
    EXPECT_THAT(header_error({"email", "consent:open_tracking"}), HasSubstr("consent_at"));
    auto s = settings();
    s.consent_at = s.started;
    EXPECT_EQ(header_error({"email", "consent:open_tracking"}, s), "");
}

class ImportRowTest : public ::testing::Test {
  protected:
    // Maps one row under the given header; returns the reason, "" when accepted.
    std::string map(const Fields& header, const Fields& fields) {
        auto columns = map_header(header, settings_);
        EXPECT_TRUE(columns.ok()) << columns.error();
        const auto reason = map_row(columns.value(), fields, settings_, row_);
        return reason.value_or("");
    }

    ImportSettings settings_ = settings();
    ImportRow row_;
};

TEST_F(ImportRowTest, MapsAFullRow) {
    ASSERT_EQ(map({"email", "name", "phone", "organisation", "address", "locale", "lists"},
                  {" Anna@Företag.SE ", " Anna Svensson ", "+46 8 123 45", "Företag AB",
                   "Storgatan 1\r\n111 22 Stockholm", "EN", "news| events ,news,"}),
              "");
    const auto& c = row_.contact;
    EXPECT_EQ(c.address.text(), "Anna@xn--fretag-wxa.se");
    EXPECT_EQ(c.address_given, "Anna@Företag.SE");
    EXPECT_EQ(c.name, "Anna Svensson");
    EXPECT_EQ(c.phone, "+46 8 123 45");
    EXPECT_EQ(c.organisation, "Företag AB");
    EXPECT_EQ(c.postal_address, "Storgatan 1\n111 22 Stockholm");
    EXPECT_EQ(c.locale, "en");
    EXPECT_EQ(c.lists, (Fields{"news", "events"}));
    EXPECT_TRUE(row_.events.empty());
}

TEST_F(ImportRowTest, EmptyCellsAreNotGivenSoTheStoredValueStays) {
    ASSERT_EQ(map({"email", "name", "locale", "attributes"}, {"a@x.se", "", " ", ""}), "");
    EXPECT_FALSE(row_.contact.name.has_value());
    EXPECT_FALSE(row_.contact.locale.has_value());
    EXPECT_FALSE(row_.contact.attributes.has_value());
}

TEST_F(ImportRowTest, RejectsBadAddressesWithTheReason) {
    EXPECT_EQ(map({"email"}, {""}), "email is empty");
    EXPECT_THAT(map({"email"}, {"anna"}), HasSubstr("email: "));
    EXPECT_THAT(map({"email"}, {std::string("a\0b@x.se", 8)}), HasSubstr("email: "));
    EXPECT_THAT(map({"email"}, {"a@x.se\r\nBcc: b@y.se"}), HasSubstr("email: "));
    EXPECT_THAT(map({"email"}, {"a\n@x.se"}), HasSubstr("email: "));
}

TEST_F(ImportRowTest, RejectsControlCharactersInTextFields) {
    EXPECT_THAT(map({"email", "name"}, {"a@x.se", "Anna\nSvensson"}),
                HasSubstr("name contains the control character U+000A"));
    EXPECT_THAT(map({"email", "name"}, {"a@x.se", std::string("An\0na", 5)}), HasSubstr("U+0000"));
    EXPECT_THAT(map({"email", "phone"}, {"a@x.se", "08\x1b[2J"}), HasSubstr("U+001B"));
    EXPECT_THAT(map({"email", "organisation"}, {"a@x.se", "AB\xC2\x85"}), HasSubstr("U+0085"));
    EXPECT_THAT(map({"email", "address"}, {"a@x.se", "Storgatan 1\r111 22"}),
                HasSubstr("address contains the control character U+000D"));
    EXPECT_THAT(map({"email", "lists"}, {"a@x.se", "news|ev\tents"}), HasSubstr("lists:"));
}

TEST_F(ImportRowTest, RejectsOverlongFieldsAndBadLocales) {
    EXPECT_THAT(map({"email", "name"}, {"a@x.se", std::string(max_text_field_bytes + 1, 'a')}),
                HasSubstr("name is longer than"));
    EXPECT_EQ(map({"email", "locale"}, {"a@x.se", "de"}), "locale 'de' is not sv or en");
}

TEST_F(ImportRowTest, RejectsRowsOfTheWrongWidth) {
    EXPECT_EQ(map({"email", "name"}, {"a@x.se"}), "has 1 field where the header has 2");
    EXPECT_EQ(map({"email", "name"}, {"a@x.se", "A", "B"}), "has 3 fields where the header has 2");
}

TEST_F(ImportRowTest, AttributesAreAJsonObjectThatAttrColumnsExtend) {
    ASSERT_EQ(map({"email", "attributes", "attr:team", "attr:size"},
                  {"a@x.se", R"({"team":"old","seats":3})", "sales", ""}),
              "");
    EXPECT_EQ(row_.contact.attributes, R"({"seats":3,"team":"sales"})");
    ASSERT_EQ(map({"email", "attr:team"}, {"a@x.se", "support"}), "");
    EXPECT_EQ(row_.contact.attributes, R"({"team":"support"})");
    EXPECT_THAT(map({"email", "attributes"}, {"a@x.se", "[1,2]"}), HasSubstr("not a JSON object"));
    EXPECT_THAT(map({"email", "attributes"}, {"a@x.se", "{\"a\":"}), HasSubstr("not valid JSON"));
}

TEST_F(ImportRowTest, ReadsConsentColumnsWithTheirTimeAndProvenance) {
    ASSERT_EQ(map({"email", "consent:product_marketing", "consent:open_tracking",
                   "consent:click_tracking", "consent_at", "consent_evidence", "consent_wording"},
                  {"a@x.se", "Granted", "withdrawn", "", "2024-05-01T08:00:00+02:00",
                   "web form\r\nticked box", "policy v3"}),
              "");
    ASSERT_EQ(row_.events.size(), 2u);
    EXPECT_EQ(row_.events[0].purpose->name, "product_marketing");
    EXPECT_EQ(row_.events[0].action, Action::grant);
    EXPECT_EQ(row_.events[1].action, Action::withdraw);
    EXPECT_EQ(row_.at, parse_timestamp("2024-05-01T06:00:00Z").value());
    EXPECT_EQ(row_.basis, LawfulBasis::consent);
    EXPECT_EQ(row_.source, "import:contacts.csv");
    EXPECT_EQ(row_.evidence, "web form\nticked box");
    EXPECT_EQ(row_.details.wording, "policy v3");
}

TEST_F(ImportRowTest, RejectsBadConsentValuesTimesAndBases) {
    const Fields header{"email", "consent:product_marketing", "consent_at", "consent_basis"};
    EXPECT_THAT(map(header, {"a@x.se", "yes", "2024-05-01T08:00:00Z", ""}),
                HasSubstr("consent:product_marketing is 'yes', not granted, withdrawn or empty"));
    EXPECT_THAT(map(header, {"a@x.se", "granted", "", ""}), HasSubstr("consent_at is empty"));
    EXPECT_THAT(map(header, {"a@x.se", "granted", "2024-05-01 08:00", ""}), HasSubstr("time zone"));
    EXPECT_THAT(map(header, {"a@x.se", "granted", "2031-01-01T00:00:00Z", ""}),
                HasSubstr("in the future"));
    EXPECT_THAT(map(header, {"a@x.se", "granted", "2024-05-01T08:00:00Z", "contract"}),
                HasSubstr("contract is not allowed for product_marketing"));
    EXPECT_THAT(map(header, {"a@x.se", "granted", "2024-05-01T08:00:00Z", "maybe"}),
                HasSubstr("consent_basis 'maybe'"));
    EXPECT_EQ(map(header, {"a@x.se", "withdrawn", "2024-05-01T08:00:00Z", "contract"}), "");
}

TEST_F(ImportRowTest, AFileLevelTimeServesRowsWithout) {
    settings_.consent_at = parse_timestamp("2023-01-01T00:00:00Z").value();
    ASSERT_EQ(map({"email", "consent:open_tracking", "consent_at", "consent_source"},
                  {"a@x.se", "granted", "", "fair 2023"}),
              "");
    EXPECT_EQ(row_.at, *settings_.consent_at);
    EXPECT_EQ(row_.source, "fair 2023");
}

TEST(RejectWriter, WritesLineReasonAndTheFieldsQuotedAsNeeded) {
    std::ostringstream out;
    RejectWriter writer(out, ';');
    writer.write_header(Fields{"email", "name"});
    writer.write(7, "email: no @", Fields{"anna;x", "Anna \"A\"\nSvensson"});
    writer.write(9, "record too long", Fields{});
    EXPECT_EQ(out.str(),
              "line;reason;email;name\r\n"
              "7;email: no @;\"anna;x\";\"Anna \"\"A\"\"\nSvensson\"\r\n"
              "9;record too long\r\n");
    EXPECT_EQ(writer.rows(), 2u);
}

}  // namespace
}  // namespace brevduva::consent
