// Campaign templates: every mistake a campaign folder can hold is reported, all together and
// each with its exact file:line:column, before any campaign runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "templates/templates_compose_testkit.hpp"
#include "templates/templates_mime_testkit.hpp"

namespace brevduva::templates {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

CampaignSources minimal(std::string html) {
    CampaignSources s;
    s.subject = "Nyheter\n";
    s.html = std::move(html);
    return s;
}

// Every problem, formatted.
std::vector<std::string> problems(const CampaignSources& sources, const CampaignCheck& check = {}) {
    auto compiled = CampaignTemplate::compile(sources, check);
    std::vector<std::string> all;
    if (compiled) return all;
    for (const CompileError& e : compiled.error()) all.push_back(e.to_string());
    return all;
}

constexpr std::string_view kFooter = "<a href=\"{{unsubscribe_url}}\">Avregistrera</a>";

TEST(TemplatesCampaign, TheExampleCampaignPassesTheCheck) {
    const auto loaded = load_campaign(
        std::filesystem::path(BREVDUVA_SOURCE_DIR) / "templates/examples/nyhetsbrev", {});
    ASSERT_TRUE(loaded.ok()) << loaded.error().front().to_string();
    EXPECT_TRUE(loaded.value().text_derived());
    EXPECT_NE(loaded.value().preheader(), nullptr);
    EXPECT_EQ(loaded.value().links().size(), 4u);
}

TEST(TemplatesCampaign, AnUnclosedTagNamesItsPosition) {
    EXPECT_THAT(problems(minimal("<p>\n  <b>{{contact.name</b>")),
                ElementsAre("body.html.mustache:2:6: unclosed tag \"{{\": no \"}}\" follows"));
}

TEST(TemplatesCampaign, AnUnknownVariableIsAnErrorWithASuggestion) {
    EXPECT_THAT(
        problems(minimal(std::string(kFooter) + "\n<p>Hej {{first_name}}</p>")),
        ElementsAre("body.html.mustache:2:8: unknown variable \"first_name\": not a field of "
                    "contact, organisation, campaign or sender, an attribute, or one of "
                    "unsubscribe_url, preferences_url; did you mean contact.first_name?"));
}

TEST(TemplatesCampaign, UnknownFieldsAreFoundInPartialsAndSections) {
    CampaignSources s = minimal("{{>footer}}{{#contact.name}}{{contact.nmae}}{{/contact.name}}");
    s.partials["footer"] = std::string(kFooter) + "{{organisation.id}}";
    EXPECT_THAT(
        problems(s),
        ElementsAre("body.html.mustache:1:29: unknown variable \"contact.nmae\": contact has name, "
                    "first_name, email, locale",
                    "partials/footer.mustache:1:47: unknown variable \"organisation.id\": "
                    "organisation has name"));
}

TEST(TemplatesCampaign, AttributesMustBeDeclaredButItemFieldsInSectionsMayBeAnything) {
    const CampaignSources s = minimal(std::string(kFooter) +
                                      "{{attributes.kundnummer}}{{#attributes.orders}}{{id}} "
                                      "{{.}}{{/attributes.orders}}");
    EXPECT_THAT(problems(s),
                ElementsAre("body.html.mustache:1:47: unknown variable \"attributes.kundnummer\": "
                            "no contact attribute \"kundnummer\" is declared (none are)",
                            "body.html.mustache:1:72: unknown variable \"attributes.orders\": no "
                            "contact attribute \"orders\" is declared (none are)"));
    CampaignCheck check;
    check.schema.attributes = {"kundnummer", "orders"};
    EXPECT_THAT(problems(s, check), ElementsAre());
}

TEST(TemplatesCampaign, GroupsAndReservedNamesAreRefused) {
    EXPECT_THAT(problems(minimal(std::string(kFooter) + "{{contact}}{{__brevduva.c1}}")),
                ElementsAre("body.html.mustache:1:47: \"contact\" is a group of fields; name one: "
                            "contact.name (contact has name, first_name, email, locale)",
                            "body.html.mustache:1:58: \"__brevduva.c1\": names beginning with __ "
                            "are reserved"));
}

TEST(TemplatesCampaign, AMarketingTemplateWithoutUnsubscribeUrlIsRejected) {
    const CampaignSources s = minimal("<p>Hej</p>");
    EXPECT_THAT(problems(s), ElementsAre(HasSubstr("body.html.mustache:1:1: a marketing template "
                                                   "needs {{unsubscribe_url}} in the HTML part")));
    CampaignCheck service;
    service.marketing = false;
    EXPECT_THAT(problems(s, service), ElementsAre());
}

TEST(TemplatesCampaign, UnsubscribeUrlOnlyInsideASectionDoesNotCount) {
    const CampaignSources s =
        minimal("{{#contact.name}}<a href=\"{{unsubscribe_url}}\">x</a>{{/contact.name}}");
    EXPECT_THAT(problems(s), ElementsAre(HasSubstr("needs {{unsubscribe_url}} in the HTML part")));
}

TEST(TemplatesCampaign, AGivenTextPartNeedsUnsubscribeUrlToo) {
    CampaignSources s = minimal(std::string(kFooter));
    s.text = "Hej {{contact.first_name}}\n";
    EXPECT_THAT(problems(s), ElementsAre("body.txt.mustache:1:1: a marketing template needs "
                                         "{{unsubscribe_url}} in the text part, outside every "
                                         "section"));
    s.text = "Hej\nAvregistrera: {{unsubscribe_url}}\n";
    EXPECT_THAT(problems(s), ElementsAre());
}

TEST(TemplatesCampaign, UnsubscribeUrlWhereTheDerivedTextCannotShowItIsRejected) {
    const CampaignSources s = minimal("<p>Hej</p>\n<div data-u=\"{{unsubscribe_url}}\"></div>");
    EXPECT_THAT(problems(s), ElementsAre(HasSubstr("body.html.mustache:2:14: {{unsubscribe_url}} "
                                                   "is where the text part derived")));
}

TEST(TemplatesCampaign, PartialLoopsAndMissingOrBadlyNamedPartials) {
    CampaignSources loop = minimal(std::string(kFooter) + "{{>a}}");
    loop.partials["a"] = "A{{>b}}";
    loop.partials["b"] = "B\n {{>a}}";
    EXPECT_THAT(problems(loop),
                ElementsAre("partials/b.mustache:2:2: partial loop with no way out: "
                            "body.html.mustache -> a -> b -> a (no section or block around these "
                            "includes lets it end)"));
    const CampaignSources missing = minimal(std::string(kFooter) + "{{>nope}}{{> ../etc}}");
    EXPECT_THAT(problems(missing),
                ElementsAre("body.html.mustache:1:47: partial \"nope\" not found: there is no "
                            "partials/nope.mustache",
                            "body.html.mustache:1:56: partial name \"../etc\" is not allowed: use "
                            "letters, digits, _ and - (the file is partials/NAME.mustache)"));
}

TEST(TemplatesCampaign, SourceProblemsOfEveryFileComeTogether) {
    CampaignSources s = minimal(std::string(1024 * 1024, 'x'));
    s.partials["footer"] = "ok\nä\xC3(";
    s.preheader = "a\x01";
    EXPECT_THAT(problems(s),
                ElementsAre("body.html.mustache:1:1: template is 1048576 bytes, more than the "
                            "limit of 262144",
                            "partials/footer.mustache:2:2: invalid UTF-8",
                            "preheader.mustache:1:2: control character U+0001 is not allowed in a "
                            "template"));
}

TEST(TemplatesCampaign, TheSubjectIsOneLine) {
    CampaignSources s = minimal(std::string(kFooter));
    s.subject = "Hej\nigen\n";
    EXPECT_THAT(problems(s), ElementsAre("subject.mustache:1:4: the subject must be one line"));
    s.subject = "  \r\n";
    EXPECT_THAT(problems(s), ElementsAre("subject.mustache:1:1: the subject is empty"));
    s.subject = "Hej {{contact.first_name}}\r\n";
    EXPECT_THAT(problems(s), ElementsAre());
}

TEST(TemplatesCampaign, TheLinkTableIsComputedOnceInOrder) {
    const CampaignTemplate campaign = testkit::compile_or_fail(testkit::newsletter());
    const auto& links = campaign.links();
    ASSERT_EQ(links.size(), 2u);
    EXPECT_EQ(links[0].id, 1u);
    EXPECT_EQ(links[0].url, "https://www.example.se/a?x=1&y=2");
    EXPECT_EQ(links[0].file, "body.html.mustache");
    EXPECT_EQ(links[0].line, 3u);
    EXPECT_EQ(links[1].url, "HTTP://www.example.se/c");
}

class CampaignFolder : public ::testing::Test {
  protected:
    void write(const std::string& name, std::string_view text) {
        std::filesystem::create_directories((dir_ / name).parent_path());
        testkit::write_file(dir_ / name, text);
    }
    std::vector<std::string> read_problems() {
        const auto read = read_campaign_folder(dir_.path());
        std::vector<std::string> all;
        if (read) return all;
        for (const auto& e : read.error()) all.push_back(describe_problem("c", e));
        return all;
    }
    testkit::TempDir dir_;
};

TEST_F(CampaignFolder, ReadsEveryPartAndThePartials) {
    write("subject.mustache", "S\n");
    write("body.html.mustache", "H");
    write("body.txt.mustache", "T");
    write("preheader.mustache", "P");
    write("partials/footer.mustache", "F");
    write("partials/README.md", "not a partial");
    write("README.md", "notes");
    const auto read = read_campaign_folder(dir_.path());
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value().subject, "S\n");
    EXPECT_EQ(read.value().text, "T");
    EXPECT_EQ(read.value().preheader, "P");
    EXPECT_EQ(read.value().partials.size(), 1u);
    EXPECT_EQ(read.value().partials.at("footer"), "F");
}

TEST_F(CampaignFolder, NamesMissingUnknownAndOversizedFiles) {
    write("subject.txt", "S");
    write("body.html", "H");
    EXPECT_THAT(read_problems(), ElementsAre(HasSubstr("c/body.html: not part of a campaign"),
                                             HasSubstr("c/subject.txt: not part of a campaign")));
    std::filesystem::remove(dir_ / "subject.txt");
    std::filesystem::remove(dir_ / "body.html");
    write("subject.mustache", "S");
    EXPECT_THAT(read_problems(),
                ElementsAre("c/body.html.mustache: missing: every campaign needs an HTML body"));
    write("body.html.mustache", "H");
    // Two gigabytes on disk that are never read: the size is checked first.
    std::filesystem::resize_file(dir_ / "body.html.mustache", std::uintmax_t{2} << 30);
    EXPECT_THAT(read_problems(), ElementsAre("c/body.html.mustache:1:1: template is 2147483648 "
                                             "bytes, more than the limit of 262144"));
}

// A partial (or any part) that is a link leading out of the campaign folder is refused, not
// read: /etc/passwd ended up in a preview. A link that stays inside the folder is fine.
TEST_F(CampaignFolder, ALinkOutOfTheFolderIsRefusedAndNotRead) {
    write("subject.mustache", "S\n");
    write("body.html.mustache", "{{>footer}}{{>shared}}");
    write("common/shared.mustache", "inside");
    std::filesystem::create_directories(dir_ / "partials");
    std::filesystem::create_symlink("/etc/passwd", dir_ / "partials" / "footer.mustache");
    std::filesystem::create_symlink(dir_ / "common" / "shared.mustache",
                                    dir_ / "partials" / "shared.mustache");
    EXPECT_THAT(read_problems(),
                ElementsAre("c/partials/footer.mustache: is a link to a file outside the campaign "
                            "folder; copy the file in instead"));
    std::filesystem::remove(dir_ / "partials" / "footer.mustache");
    write("partials/footer.mustache", "F");
    const auto read = read_campaign_folder(dir_.path());
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value().partials.at("shared"), "inside");
    // A whole partials folder that leads elsewhere is outside too.
    std::filesystem::remove_all(dir_ / "partials");
    const auto elsewhere = dir_.path().parent_path() / (dir_.path().filename().string() + "-x");
    std::filesystem::create_directories(elsewhere);
    testkit::write_file(elsewhere / "footer.mustache", "secret");
    std::filesystem::create_symlink(elsewhere, dir_ / "partials");
    EXPECT_THAT(read_problems(),
                ElementsAre("c/partials/footer.mustache: is a link to a file outside the campaign "
                            "folder; copy the file in instead"));
    std::filesystem::remove_all(elsewhere);
}

TEST_F(CampaignFolder, AFolderThatIsNotThereIsNamed) {
    const auto read = read_campaign_folder(dir_ / "nowhere");
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(describe_problem("c", read.error().front()),
              "c: cannot open the folder: No such file or directory");
}

}  // namespace
}  // namespace brevduva::templates
