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

#include <chrono>

#include "http/http_admin.hpp"
#include "http/http_classify.hpp"
#include "http/http_pages.hpp"
#include "http/http_rate_limit.hpp"

namespace brevduva::http {
namespace {

using namespace std::chrono_literals;

TEST(Classify, ProxiesScannersAndPeople) {
    EXPECT_EQ(classify({"GET",
                        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via "
                        "ggpht.com GoogleImageProxy)",
                        3s})
                  .source_class,
              SourceClass::privacy_proxy);
    EXPECT_EQ(classify({"GET", "Mozilla/5.0", std::nullopt}),
              (Classification{SourceClass::privacy_proxy, "ua:AppleMailProxy"}));
    EXPECT_EQ(classify({"HEAD", "Mozilla/5.0 (X11) Firefox/128.0", 3600s}).reason, "method:HEAD");
    EXPECT_EQ(classify({"GET", "", 3600s}).reason, "ua:empty");
    EXPECT_EQ(classify({"GET", "Mozilla/5.0 HeadlessChrome/120", 3600s}).source_class,
              SourceClass::scanner);
    EXPECT_EQ(classify({"GET", "Barracuda Sentinel (EE)", 3600s}).reason, "ua:Barracuda");
    EXPECT_EQ(classify({"GET", "Mozilla/5.0 (X11) Firefox/128.0", 4s}),
              (Classification{SourceClass::scanner, "4 s after delivery"}));
    EXPECT_EQ(classify({"GET", "Mozilla/5.0 (X11) Firefox/128.0", 60s}),
              (Classification{SourceClass::human, "direct"}));
    EXPECT_EQ(classify({"GET", "Mozilla/5.0 (X11) Firefox/128.0", std::nullopt}).source_class,
              SourceClass::human);
}

TEST(Classify, TruncatesAddresses) {
    EXPECT_EQ(truncate_ip("192.0.2.133"), "192.0.2.0/24");
    EXPECT_EQ(truncate_ip("::ffff:198.51.100.7"), "198.51.100.0/24");
    EXPECT_EQ(truncate_ip("2001:db8:abcd:12:1:2:3:4"), "2001:db8:abcd::/48");
    EXPECT_EQ(truncate_ip("not an address"), "");
    EXPECT_EQ(truncate_ip(""), "");
}

TEST(RateLimit, BucketEmptiesAndRefills) {
    RateLimiter limiter({1, 3, 100});
    const auto t0 = RateLimiter::Clock::time_point{} + 1h;
    EXPECT_TRUE(limiter.allow("a", t0));
    EXPECT_TRUE(limiter.allow("a", t0));
    EXPECT_TRUE(limiter.allow("a", t0));
    EXPECT_FALSE(limiter.allow("a", t0));
    EXPECT_TRUE(limiter.allow("b", t0)) << "another client has its own bucket";
    EXPECT_TRUE(limiter.allow("a", t0 + 1s));
    EXPECT_FALSE(limiter.allow("a", t0 + 1s));
}

TEST(RateLimit, TableStaysBounded) {
    RateLimiter limiter({1, 1, 32});
    const auto t0 = RateLimiter::Clock::time_point{} + 1h;
    for (int i = 0; i < 10'000; ++i) EXPECT_TRUE(limiter.allow(std::to_string(i), t0));
}

TEST(Admin, BearerTokenMustMatchExactly) {
    EXPECT_TRUE(bearer_matches("Bearer s3cret-token", "s3cret-token"));
    EXPECT_FALSE(bearer_matches("Bearer s3cret-toke", "s3cret-token"));
    EXPECT_FALSE(bearer_matches("Bearer s3cret-tokenX", "s3cret-token"));
    EXPECT_FALSE(bearer_matches("bearer s3cret-token", "s3cret-token"));
    EXPECT_FALSE(bearer_matches("s3cret-token", "s3cret-token"));
    EXPECT_FALSE(bearer_matches("Bearer ", ""));
}

TEST(Pages, EscapeEverythingTheyShow) {
    UnsubscribePage page{Language::en, "\"><script>x</script>@example.se", "product_marketing",
                         "/u/abc", "/p/def"};
    const std::string html = render_unsubscribe(page);
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
    EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
    EXPECT_NE(html.find("news and offers"), std::string::npos);
    EXPECT_NE(render_unsubscribe({Language::sv, "a@b.se", "product_marketing", "/u/a", "/p/b"})
                  .find("Avregistrera mig"),
              std::string::npos);
}

TEST(Pages, PolicyAllowsOnlyTheInlineStyle) {
    const std::string& policy = page_security_policy();
    EXPECT_NE(policy.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(policy.find("style-src 'sha256-"), std::string::npos);
    EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos);
    EXPECT_EQ(policy.find("script-src"), std::string::npos);
}

}  // namespace
}  // namespace brevduva::http
