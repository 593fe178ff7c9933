// The strict JSON reader and the spreadsheet-safe cells, one rule per test.
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include <string>

#include "formats/formats_json.hpp"
#include "formats/formats_spreadsheet.hpp"

namespace brevduva::formats {
namespace {

std::string refusal(const std::string& text) {
    try {
        (void)parse_json(text);
        return "accepted";
    } catch (const Poco::JSON::JSONException& e) {
        return e.message();
    }
}

TEST(StrictJson, AKeyTwiceInOneObjectIsRefusedWithTheKeyNamed) {
    EXPECT_EQ(refusal(R"({"email":"a@b.se","email":"anna@kund.se"})"),
              "the key 'email' appears twice in one object");
    EXPECT_EQ(refusal(R"({"a":{"x":1,"y":{"x":2}},"b":[{"x":1},{"x":2}]})"), "accepted")
        << "the same key in different objects is fine";
    EXPECT_EQ(refusal(R"({"a":[{"k":1,"k":2}]})"), "the key 'k' appears twice in one object");
    EXPECT_EQ(refusal(R"({"a":{"k":1},"a":{"k":1}})"), "the key 'a' appears twice in one object");
    // The escaped form of a key is the same key.
    EXPECT_EQ(refusal(R"({"email":1,"\u0065mail":2})"),
              "the key 'email' appears twice in one object");
}

// Poco cuts a key at an escaped NUL: {"email\u0000x": …} would be acted on as "email".
TEST(StrictJson, AnEscapedNulIsRefusedWhereverItIs) {
    EXPECT_EQ(refusal(R"({"email\u0000x":"anna@kund.se"})"),
              "a string holds \\u0000 (NUL), which is refused");
    EXPECT_EQ(refusal(R"({"name":"a\u0000b"})"), "a string holds \\u0000 (NUL), which is refused");
    // An escaped backslash followed by the text u0000 is no NUL.
    EXPECT_EQ(refusal(R"({"name":"a\\u0000b"})"), "accepted");
    EXPECT_EQ(refusal(R"({"name":"\u0001"})"), "accepted");
}

TEST(StrictJson, NestingIsCapped) {
    const std::string deep = std::string(max_json_depth, '[') + std::string(max_json_depth, ']');
    EXPECT_EQ(refusal(deep), "accepted");
    const std::string deeper = "[" + deep + "]";
    EXPECT_NE(refusal(deeper).find("nested more than 64 deep"), std::string::npos);
    const std::string hostile = std::string(100'000, '[');
    EXPECT_NE(refusal(hostile), "accepted");
}

TEST(StrictJson, GivesTheDocumentAndRecoversAfterARefusal) {
    const auto object =
        parse_json(R"({"z":1,"a":"x","n":null})").extract<Poco::JSON::Object::Ptr>();
    ASSERT_TRUE(object);
    EXPECT_EQ(object->getValue<int>("z"), 1);
    EXPECT_TRUE(object->isNull("n"));
    EXPECT_NE(refusal("{\"a\":1"), "accepted");
    // The same parser works again after a refusal.
    EXPECT_EQ(refusal(R"({"k":1,"k":2})"), "the key 'k' appears twice in one object");
    EXPECT_EQ(refusal(R"({"k":1})"), "accepted");
}

TEST(SpreadsheetCells, FormulaStartsGetAnApostrophe) {
    for (const std::string cell : {"=HYPERLINK(\"http://x\")", "=cmd|' /C calc'!A0", "+46 8 123",
                                   "-1", "@SUM(A1)", "\tx", "\rx"}) {
        EXPECT_EQ(spreadsheet_safe(cell), "'" + cell) << cell;
    }
    for (const std::string cell : {"Anna", "", "a=b", "'quoted", " =space first", "46"}) {
        EXPECT_EQ(spreadsheet_safe(cell), cell) << cell;
    }
}

TEST(SpreadsheetCells, TabSeparatedFieldsStayOnTheirLine) {
    EXPECT_EQ(tsv_field("a\tb\r\nc"), "a b  c");
    EXPECT_EQ(tsv_field("\t=x"), "' =x");
    EXPECT_EQ(tsv_field("=x"), "'=x");
}

}  // namespace
}  // namespace brevduva::formats
