// The variables a template may use and the per-recipient data behind them.
#include "templates/templates_fields.hpp"

#include <gtest/gtest.h>

#include "templates/templates_mustache.hpp"

namespace brevduva::templates {
namespace {

std::optional<std::string> check(std::string_view name, bool in_section = false,
                                 bool interpolation = true) {
    Schema schema;
    schema.attributes = {"kundnummer", "orders"};
    return check_variable(name, in_section, interpolation, schema);
}

TEST(TemplatesFields, KnowsTheBuiltInsFieldsAndDeclaredAttributes) {
    for (const std::string_view ok :
         {"contact.name", "contact.first_name", "contact.email", "contact.locale",
          "organisation.name", "campaign.name", "sender.name", "sender.address", "unsubscribe_url",
          "preferences_url", "attributes.kundnummer", "attributes.orders.0"}) {
        EXPECT_EQ(check(ok), std::nullopt) << ok;
    }
    EXPECT_EQ(check("contact", false, false), std::nullopt);  // {{#contact}} is fine
}

TEST(TemplatesFields, RefusesWhatNoContactHas) {
    EXPECT_TRUE(check("contact.phone"));  // stored, but not offered to templates
    EXPECT_TRUE(check("contact.postal_address"));
    EXPECT_TRUE(check("attributes.nickname"));
    EXPECT_TRUE(check("unsubscribe_url.x"));
    EXPECT_TRUE(check("name"));
    EXPECT_TRUE(check("."));
    EXPECT_TRUE(check("__brevduva.c1", true));
    EXPECT_EQ(check("name", true), std::nullopt);  // an item's field inside a section
    EXPECT_EQ(check(".", true), std::nullopt);
    EXPECT_TRUE(check("contact.nmae", true));  // known roots are checked inside sections too
}

TEST(TemplatesFields, FirstNameIsTheFirstWord) {
    EXPECT_EQ(first_name_of("Anna-Karin Berg"), "Anna-Karin");
    EXPECT_EQ(first_name_of("  Åsa\tÖberg"), "Åsa");
    EXPECT_EQ(first_name_of("Madonna"), "Madonna");
    EXPECT_EQ(first_name_of("   "), "");
}

TEST(TemplatesFields, AttributesFromJsonBecomeTemplateData) {
    const auto value = attributes_from_json(
        R"({"kundnummer": 4711, "rabatt": 12.5, "vip": true, "namn": "Åsa",
            "orders": [{"id": 1, "__x": 2}], "__secret": "x", "inget": null,
            "stort": 18446744073709551615})");
    ASSERT_TRUE(value.ok()) << value.error();
    const Map& map = *value.value().map_if();
    EXPECT_EQ(*map.find("kundnummer")->integer_if(), 4711);
    EXPECT_EQ(*map.find("rabatt")->decimal_if(), 12.5);
    EXPECT_TRUE(*map.find("vip")->bool_if());
    EXPECT_EQ(*map.find("namn")->string_if(), "Åsa");
    EXPECT_TRUE(map.find("inget")->is_null());
    EXPECT_NE(map.find("stort")->decimal_if(), nullptr);
    EXPECT_EQ(map.find("__secret"), nullptr);
    const Map& order = *map.find("orders")->list_if()->front().map_if();
    EXPECT_EQ(order.find("__x"), nullptr);
    EXPECT_TRUE(attributes_from_json("").ok());
    EXPECT_EQ(attributes_from_json("[1]").error(), "attributes are not a JSON object");
    EXPECT_FALSE(attributes_from_json("{").ok());
}

TEST(TemplatesFields, RenderDataRefillsEveryFieldPerRecipient) {
    RenderData data(CampaignFields{"Höst", "Exempelföretaget", "nyheter@example.se"}, 2);
    auto compiled = CompiledTemplate::compile(
        "t",
        "{{contact.first_name}}|{{contact.name}}|{{contact.email}}|{{organisation.name}}|"
        "{{campaign.name}}|{{sender.name}}|{{attributes.k}}|{{unsubscribe_url}}|"
        "{{__brevduva.c2}}");
    ASSERT_TRUE(compiled.ok());
    const Value attributes(Map{{"k", "v"}});
    data.fill(Recipient{"Åsa Öberg", "asa@kund.se", "sv", "Kund AB", &attributes}, "U", "P");
    data.click_slot(2).assign("C2");
    std::string out;
    ASSERT_FALSE(compiled.value().render(Context{data.root(), Escaping::none}, out));
    EXPECT_EQ(out, "Åsa|Åsa Öberg|asa@kund.se|Kund AB|Höst|Exempelföretaget|v|U|C2");
    data.fill(Recipient{"Per", "per@x.se", "en", "", nullptr}, "U2", "P2");
    ASSERT_FALSE(compiled.value().render(Context{data.root(), Escaping::none}, out));
    EXPECT_EQ(out, "Per|Per|per@x.se||Höst|Exempelföretaget||U2|C2");
}

}  // namespace
}  // namespace brevduva::templates
