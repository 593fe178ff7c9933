// Tracking gated per person: the pixel and the rewritten links appear exactly when the caller
// says the person allows them, and otherwise the HTML is byte for byte what the template gives.
#include "templates/templates_tracking.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "templates/templates_compose_testkit.hpp"
#include "templates/templates_html_mask.hpp"

namespace brevduva::templates {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The decoded HTML part of a composed message (quoted-printable undone).
std::string html_part(const std::string& wire) {
    const std::size_t start = wire.find("Content-Type: text/html");
    const std::size_t body = wire.find("\r\n\r\n", start) + 4;
    const std::size_t end = wire.find("\r\n--=_", body);
    std::string out;
    for (std::size_t i = body; i < end; ++i) {
        if (wire[i] != '=') {
            out += wire[i];
        } else if (wire.compare(i + 1, 2, "\r\n") == 0) {
            i += 2;
        } else {
            out += static_cast<char>(std::stoi(wire.substr(i + 1, 2), nullptr, 16));
            i += 2;
        }
    }
    std::string lf;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (!(out[i] == '\r' && i + 1 < out.size() && out[i + 1] == '\n')) lf += out[i];
    }
    return lf;
}

class Tracking : public ::testing::Test {
  protected:
    std::string compose(bool open, bool click) {
        MessageComposer composer(campaign_, testkit::settings(), keys_, testkit::kMessageIdSecret,
                                 nullptr);
        ComposedMessage message;
        const auto error = composer.compose(testkit::delivery(open, click), testkit::kNow, message);
        EXPECT_FALSE(error) << error->message;
        return html_part(message.wire);
    }

    CampaignTemplate campaign_ = testkit::compile_or_fail(testkit::newsletter());
    consent::TokenKeys keys_{1, testkit::kTokenKey};
};

TEST_F(Tracking, WithoutConsentThereIsNoPixelAndNoRewrittenLink) {
    const std::string html = compose(false, false);
    EXPECT_THAT(html, Not(HasSubstr("/o/")));
    EXPECT_THAT(html, Not(HasSubstr("/c/")));
    EXPECT_THAT(html, HasSubstr("href=\"https://www.example.se/a?x=1&amp;y=2\""));
    EXPECT_THAT(html, HasSubstr("<A HREF='HTTP://www.example.se/c'>"));
}

TEST_F(Tracking, ClickConsentRewritesOnlyTrackedLinksAndNothingElse) {
    const std::string plain = compose(false, false);
    std::string tracked = compose(false, true);
    const std::regex click("https://mail\\.example\\.se/c/([A-Za-z0-9_-]+)");
    std::vector<std::string> tokens;
    for (std::sregex_iterator it(tracked.begin(), tracked.end(), click), end; it != end; ++it) {
        tokens.push_back((*it)[1]);
    }
    ASSERT_EQ(tokens.size(), 2u);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const auto claims = consent::verify(keys_, tokens[i], consent::TokenKind::click);
        ASSERT_TRUE(claims.ok());
        EXPECT_EQ(claims.value().link_id, i + 1);
        EXPECT_EQ(claims.value().campaign_id, 12u);
        EXPECT_EQ(claims.value().contact_id, 4242u);
        EXPECT_EQ(claims.value().delivery_id, 987654u);
    }
    // Put the written URLs back: the rest of the HTML is byte for byte the untracked one.
    const std::string first = "https://mail.example.se/c/" + tokens[0];
    const std::string second = "https://mail.example.se/c/" + tokens[1];
    tracked.replace(tracked.find(first), first.size(), "https://www.example.se/a?x=1&amp;y=2");
    tracked.replace(tracked.find(second), second.size(), "HTTP://www.example.se/c");
    EXPECT_EQ(tracked, plain);
}

TEST_F(Tracking, MailtoTelNotrackPersonalAndUnsubscribeLinksStayAsWritten) {
    const std::string html = compose(true, true);
    EXPECT_THAT(html, HasSubstr("<a href=\"https://www.example.se/b\" data-notrack>"));
    EXPECT_THAT(html, HasSubstr("<a href=\"mailto:support@example.se\">"));
    EXPECT_THAT(html, HasSubstr("<a href=\"tel:+4610123\">"));
    EXPECT_THAT(html, HasSubstr("<a href=\"https://www.example.se/kund/orjan.angstrom@kund.se\">"));
    EXPECT_THAT(html, HasSubstr("<a href=\"https://mail.example.se/u/"));
    EXPECT_THAT(html, HasSubstr("<a href=\"https://mail.example.se/p/"));
}

TEST_F(Tracking, OpenConsentAddsOnePixelJustBeforeTheBodyEnds) {
    const std::string html = compose(true, false);
    const std::regex pixel(
        "<img src=\"https://mail\\.example\\.se/o/([A-Za-z0-9_-]+)\\.gif\" width=\"1\" "
        "height=\"1\" alt=\"\" style=\"display:none[^\"]*\"></body>");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(html, match, pixel)) << html;
    EXPECT_EQ(html.find("/o/"), html.rfind("/o/"));
    EXPECT_THAT(html, Not(HasSubstr("/c/")));
    const auto claims = consent::verify(keys_, match[1].str(), consent::TokenKind::open);
    ASSERT_TRUE(claims.ok());
    EXPECT_EQ(claims.value().delivery_id, 987654u);
}

TEST(TrackingPieces, ThePixelGoesBeforeTheLastBodyEndOrAtTheEnd) {
    std::string html = "<html><BODY>a</Body ></html>";
    insert_open_pixel(html, "https://t/o/x.gif");
    EXPECT_EQ(html,
              "<html><BODY>a<img src=\"https://t/o/x.gif\" width=\"1\" height=\"1\" alt=\"\" "
              "style=\"display:none !important;width:1px;height:1px;border:0;margin:0;padding:0\">"
              "</Body ></html>");
    std::string fragment = "<p>a</p><bodyx>";
    insert_open_pixel(fragment, "u&\"");
    EXPECT_THAT(fragment, ::testing::StartsWith("<p>a</p><bodyx><img src=\"u&amp;&quot;\""));
}

TEST(TrackingPieces, ThePreheaderGoesRightAfterTheBodyTag) {
    std::string html = "<html><head></head><body class=\"a>b\">x</body></html>";
    insert_preheader(html, "Förhandstext");
    EXPECT_THAT(html, ::testing::StartsWith("<html><head></head><body class=\"a>b\"><div style=\""
                                            "display:none;"));
    EXPECT_THAT(html, HasSubstr(">Förhandstext&zwnj;&nbsp;"));
    EXPECT_THAT(html, ::testing::EndsWith("</div>x</body></html>"));
    std::string fragment = "<p>x</p>";
    insert_preheader(fragment, "P");
    EXPECT_THAT(fragment, ::testing::EndsWith("</div><p>x</p>"));
}

TEST(TrackingPieces, TrackedSourceDiffersOnlyInTheUrlsEvenWithOtherDelimiters) {
    const std::string source =
        "{{=<% %>=}}<a class=\"<%c%>\" href = 'https://a.se/x?q=1&amp;r=2' >A</a>"
        "<a href=\"https://a.se/<%p%>\">B</a><a href=https://b.se/>C</a>";
    auto masked = mask_template("f.mustache", source);
    ASSERT_TRUE(masked.ok());
    std::vector<CampaignLink> links;
    const std::string tracked = track_links(masked.value(), links);
    EXPECT_EQ(tracked,
              "{{=<% %>=}}<a class=\"<%c%>\" href = '<%__brevduva.c1%>' >A</a>"
              "<a href=\"https://a.se/<%p%>\">B</a><a href=<%__brevduva.c2%>>C</a>");
    ASSERT_EQ(links.size(), 2u);
    EXPECT_EQ(links[0].url, "https://a.se/x?q=1&r=2");
    EXPECT_EQ(links[0].column, 37u);
    EXPECT_EQ(links[1].url, "https://b.se/");
}

TEST(TrackingPieces, LinksInPartialsAreNumberedAfterTheBodyInFirstUseOrder) {
    CampaignSources s;
    s.subject = "S";
    s.html = "{{>b}}<a href=\"https://x.se/1\">1</a>{{>a}}{{>b}}";
    s.partials["a"] = "<a href=\"https://x.se/a\">a</a><a href=\"{{unsubscribe_url}}\">u</a>";
    s.partials["b"] = "<a href=\"https://x.se/b\">b</a>";
    const CampaignTemplate campaign = testkit::compile_or_fail(s);
    ASSERT_EQ(campaign.links().size(), 3u);
    EXPECT_EQ(campaign.links()[0].url, "https://x.se/1");
    EXPECT_EQ(campaign.links()[1].url, "https://x.se/b");
    EXPECT_EQ(campaign.links()[1].file, "partials/b.mustache");
    EXPECT_EQ(campaign.links()[2].url, "https://x.se/a");
}

}  // namespace
}  // namespace brevduva::templates
