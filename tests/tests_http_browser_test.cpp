// The unsubscribe page and the preference centre in a real browser: Debian's chromium,
// headless, with page scripts off, driven by tests/tools/browser_click.py over the DevTools
// protocol. The test clicks the buttons with the mouse, reads the page the browser shows
// afterwards, and finds the event in the ledger.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>
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

// Where the tests leave screenshots of the pages for a person to look at (build/dev/tests/
// screenshots when run by ctest).
std::filesystem::path screenshot(const std::string& name) {
    const std::filesystem::path folder = std::filesystem::current_path() / "screenshots";
    std::filesystem::create_directories(folder);
    return folder / (name + ".png");
}

Shown click_through(const std::string& url, const std::vector<std::string>& selectors,
                    const std::vector<std::string>& options = {}) {
    std::vector<std::string> args{BREVDUVA_SOURCE_DIR "/tests/tools/browser_click.py"};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back(url);
    args.insert(args.end(), selectors.begin(), selectors.end());
    const auto result = run_process("/usr/bin/python3", args);
    if (result.exit_code != 0) throw std::runtime_error("browser_click failed: " + result.err);
    Poco::JSON::Parser parser;
    const auto object = parser.parse(result.out).extract<Poco::JSON::Object::Ptr>();
    return {object->getValue<std::string>("title"), object->getValue<std::string>("url"),
            object->getValue<std::string>("text"), object->getValue<std::string>("html"),
            object->getValue<int>("pages")};
}

Shown click_through(std::uint16_t port, const std::string& path,
                    const std::vector<std::string>& selectors) {
    return click_through("http://127.0.0.1:" + std::to_string(port) + path, selectors);
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

// An undo pressed for a withdrawal that came from elsewhere (here an administrator's, after a
// letter): the browser shows why it cannot be undone there and where to go instead, in the
// contact's language, on a phone and on a desktop. The form is the done page's own undo form,
// posted from a page of the test's, since the done page offers no undo button in this case.
TEST(HttpBrowser, AnUndoThatCannotBeDoneSaysWhyAndWhereToGo) {
    if (!have_chromium()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps)";
    HttpFixture f;
    f.record("product_marketing", consent::Action::withdraw);
    const std::string action =
        "http://127.0.0.1:" + std::to_string(f.public_port()) + f.path(TokenKind::unsubscribe);
    const std::string form = "data:text/html,<form method=post action='" + action +
                             "'><input type=hidden name=action value=undo>"
                             "<button type=submit>undo</button></form>";
    const std::int64_t events = f.count("SELECT count(*) FROM consent_events");
    for (const std::string language : {"sv", "en"}) {
        {
            auto db = f.open_database();
            db.execute_script("UPDATE contacts SET locale = '" + language + "'");
        }
        for (const int width : {390, 1280}) {
            const auto name = fmt::format("undo-refused-{}-{}", language, width);
            const Shown refused = click_through(
                form, {"button[type=submit]"},
                {fmt::format("--width={}", width), "--screenshot=" + screenshot(name).string()});
            EXPECT_EQ(refused.pages, 2) << name;
            EXPECT_NE(refused.text.find(language == "sv" ? "Det går inte att ångra härifrån"
                                                         : "This cannot be undone from here"),
                      std::string::npos)
                << name << ": " << refused.text;
            EXPECT_NE(refused.html.find("/p/"), std::string::npos) << "a way to the preferences";
            EXPECT_TRUE(std::filesystem::file_size(screenshot(name)) > 1000) << name;
        }
    }
    EXPECT_EQ(f.count("SELECT count(*) FROM consent_events"), events) << "nothing was recorded";
    EXPECT_EQ(f.count("SELECT count(*) FROM consent_state WHERE purpose = 'product_marketing' "
                      "AND status = 'withdrawn'"),
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
