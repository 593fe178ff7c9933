// The unsubscribe page and the preference centre in a real browser: Debian's chromium,
// headless, with page scripts off, driven by tests/tools/browser_click.py over the DevTools
// protocol. The test clicks the buttons with the mouse, reads the page the browser shows
// afterwards, and finds the event in the ledger.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/tests_http_support.hpp"

namespace brevduva::tests {
namespace {

using consent::TokenKind;

struct Shown {
    std::string title, url, text, html;
    int pages = 0;
};

Shown click_through(std::uint16_t port, const std::string& path,
                    const std::vector<std::string>& selectors) {
    std::vector<std::string> args{BREVDUVA_SOURCE_DIR "/tests/tools/browser_click.py",
                                  "http://127.0.0.1:" + std::to_string(port) + path};
    args.insert(args.end(), selectors.begin(), selectors.end());
    const auto result = run_process("/usr/bin/python3", args);
    if (result.exit_code != 0) throw std::runtime_error("browser_click failed: " + result.err);
    Poco::JSON::Parser parser;
    const auto object = parser.parse(result.out).extract<Poco::JSON::Object::Ptr>();
    return {object->getValue<std::string>("title"), object->getValue<std::string>("url"),
            object->getValue<std::string>("text"), object->getValue<std::string>("html"),
            object->getValue<int>("pages")};
}

bool have_chromium() { return std::filesystem::exists("/usr/bin/chromium"); }

TEST(HttpBrowser, UnsubscribeButtonThenUndo) {
    if (!have_chromium()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps)";
    HttpFixture f;
    const std::string path = f.path(TokenKind::unsubscribe);

    const Shown done = click_through(f.public_port(), path, {"button[type=submit]"});
    EXPECT_EQ(done.pages, 2);
    EXPECT_NE(done.text.find("Klart. Du får inte längre e-post om"), std::string::npos)
        << done.text;
    EXPECT_NE(done.text.find(f.address), std::string::npos);
    EXPECT_EQ(f.count("SELECT count(*) FROM consent_events WHERE action = 'withdraw' AND "
                      "purpose = 'product_marketing' AND source = 'unsubscribe_link' AND "
                      "evidence_user_agent LIKE '%Chrome%' AND evidence_wording = "
                      "'unsubscribe page v1 (sv)'"),
              1);
    EXPECT_EQ(f.count("SELECT count(*) FROM suppressions WHERE purpose = 'product_marketing'"), 1);

    // Load the page, press the button, then press "Ångra" on the done page.
    const Shown undone =
        click_through(f.public_port(), path, {"button[type=submit]", "button.secondary"});
    EXPECT_EQ(undone.pages, 3);
    EXPECT_NE(undone.text.find("Vi har ångrat avregistreringen"), std::string::npos) << undone.text;
    EXPECT_EQ(f.count("SELECT count(*) FROM suppressions"), 0);
    EXPECT_EQ(f.count("SELECT count(*) FROM consent_state WHERE purpose = 'product_marketing' "
                      "AND status = 'granted'"),
              1);
}

TEST(HttpBrowser, PreferencesSwitchTrackingOffAndStaySubscribed) {
    if (!have_chromium()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps)";
    HttpFixture f;
    const Shown saved = click_through(f.public_port(), f.path(TokenKind::preferences),
                                      {"input[value=open_tracking]", "button[name=save]"});
    EXPECT_EQ(saved.pages, 2);
    EXPECT_NE(saved.text.find("Dina val är sparade."), std::string::npos) << saved.text;
    EXPECT_EQ(f.count("SELECT count(*) FROM consent_events WHERE action = 'withdraw' AND "
                      "purpose = 'open_tracking' AND source = 'preference_page'"),
              1);
    EXPECT_EQ(f.count("SELECT count(*) FROM consent_events WHERE action = 'withdraw' AND "
                      "purpose <> 'open_tracking'"),
              0);
    EXPECT_EQ(f.count("SELECT count(*) FROM consent_state WHERE status = 'granted' AND purpose "
                      "IN ('product_marketing', 'click_tracking')"),
              2);
    // The page the browser shows now has the switch off and the others on.
    EXPECT_NE(saved.html.find("value=\"product_marketing\" checked"), std::string::npos);
    EXPECT_EQ(saved.html.find("value=\"open_tracking\" checked"), std::string::npos);

    const Shown none = click_through(f.public_port(), f.path(TokenKind::preferences),
                                     {"button[name=no_marketing]"});
    EXPECT_NE(none.text.find("Dina val är sparade."), std::string::npos);
    EXPECT_EQ(f.count("SELECT count(*) FROM consent_state WHERE status = 'granted'"), 0);
}

}  // namespace
}  // namespace brevduva::tests
