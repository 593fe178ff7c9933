#include <gtest/gtest.h>

#include "http/http_language.hpp"

namespace brevduva::http {
namespace {

TEST(Language, ContactLocaleWins) {
    EXPECT_EQ(choose_language("en", "sv-SE,sv;q=0.9"), Language::en);
    EXPECT_EQ(choose_language("sv", "en-GB"), Language::sv);
}

TEST(Language, AcceptLanguageDecidesForUnknownContacts) {
    EXPECT_EQ(choose_language("", "en-GB,en;q=0.9,sv;q=0.5"), Language::en);
    EXPECT_EQ(choose_language("", "de-DE,sv;q=0.7,en;q=0.3"), Language::sv);
    EXPECT_EQ(choose_language("", "EN-us"), Language::en);
}

TEST(Language, SwedishWhenNothingUsefulIsSaid) {
    EXPECT_EQ(choose_language("", ""), Language::sv);
    EXPECT_EQ(choose_language("", "de, fr;q=0.8"), Language::sv);
    EXPECT_EQ(choose_language("", "en;q=0"), Language::sv);
    EXPECT_EQ(choose_language("", "en;q=banana"), Language::sv);
    EXPECT_EQ(choose_language("", ",,;;"), Language::sv);
}

}  // namespace
}  // namespace brevduva::http
