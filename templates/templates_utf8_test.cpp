#include "templates/templates_utf8.hpp"

#include <gtest/gtest.h>

namespace brevduva::templates {
namespace {

TEST(Utf8, AcceptsSwedishText) {
    EXPECT_EQ(first_invalid_utf8("Hej Åsa, välkommen till Göteborg! 😀"), std::nullopt);
}

TEST(Utf8, FindsTruncatedSequence) { EXPECT_EQ(first_invalid_utf8("ab\xC3"), 2u); }

TEST(Utf8, RejectsOverlongSurrogateAndOutOfRange) {
    EXPECT_EQ(first_invalid_utf8("\xC0\xAF"), 0u);            // overlong '/'
    EXPECT_EQ(first_invalid_utf8("x\xED\xA0\x80"), 1u);       // U+D800
    EXPECT_EQ(first_invalid_utf8("xy\xF4\x90\x80\x80"), 2u);  // U+110000
    EXPECT_EQ(first_invalid_utf8("\xFF"), 0u);
}

TEST(Utf8, RejectsLatin1) { EXPECT_EQ(first_invalid_utf8("G\xF6teborg"), 1u); }

}  // namespace
}  // namespace brevduva::templates
