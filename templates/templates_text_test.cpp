// The text part derived from HTML: what a reader of the text/plain alternative sees, and the
// derived TEMPLATE rendered per recipient giving the same as converting the rendered HTML.
#include "templates/templates_text.hpp"

#include <gtest/gtest.h>

#include "templates/templates_html_mask.hpp"
#include "templates/templates_mustache.hpp"

namespace brevduva::templates {
namespace {

// Derives the text template from an HTML template, renders both, and returns the text.
std::string derived(std::string_view html_template, const Value& data) {
    auto masked = mask_template("t.mustache", html_template);
    EXPECT_TRUE(masked.ok());
    const std::string source = derive_text_source(masked.value());
    auto compiled = CompiledTemplate::compile("t (text)", source);
    EXPECT_TRUE(compiled.ok()) << compiled.error().to_string();
    std::string text;
    EXPECT_FALSE(compiled.value().render(Context{data, Escaping::none}, text));
    tidy_text(text);
    return text;
}

TEST(TemplatesText, ParagraphsHeadingsAndBreaks) {
    EXPECT_EQ(html_to_text("<h1>Höstens   nyheter</h1><p>Hej &amp; välkommen,<br>rad två.</p>"
                           "<h2>Del</h2><h4>Liten</h4><p>Slut</p>"),
              "# Höstens nyheter\n\nHej & välkommen,\nrad två.\n\n## Del\n\n### Liten\n\nSlut\n");
}

TEST(TemplatesText, LinksShowTheirTarget) {
    EXPECT_EQ(html_to_text("<p><a href=\"https://example.se/a?x=1&amp;y=2\">Läs mer</a></p>"),
              "Läs mer (https://example.se/a?x=1&y=2)\n");
    EXPECT_EQ(html_to_text("<a href=\"https://example.se/\">https://example.se/</a>"),
              "https://example.se/\n");
    EXPECT_EQ(html_to_text("<a href=\"mailto:info@example.se?subject=Hej\">info@example.se</a> "
                           "<a href=\"tel:+4610123\">ring</a>"),
              "info@example.se ring (+4610123)\n");
    EXPECT_EQ(html_to_text("<a href=\"#top\">Till toppen</a> <a href=\"javascript:x()\">JS</a>"),
              "Till toppen JS\n");
    EXPECT_EQ(
        html_to_text("<a href=\"https://example.se/x\"><img alt=\"Logga\" src=\"l.png\"></a>"),
        "Logga (https://example.se/x)\n");
    EXPECT_EQ(html_to_text("<a href=\"https://example.se/x\"><img src=\"l.png\"></a>"),
              "https://example.se/x\n");
}

TEST(TemplatesText, ListsAndQuotes) {
    EXPECT_EQ(html_to_text("<p>Före</p><ul><li>Ett</li><li>Två<ul><li>Inre</li></ul></li></ul>"
                           "<ol><li>A<li>B</ol><blockquote><p>Citat</p></blockquote>"),
              "Före\n\n- Ett\n- Två\n  - Inre\n\n1. A\n2. B\n\n> Citat\n");
}

TEST(TemplatesText, DropsWhatIsNotText) {
    EXPECT_EQ(html_to_text("<html><head><title>T</title><style>p{color:red}</style></head><body>"
                           "<script>alert(1)</script><!-- kommentar --><!--[if mso]>MSO<![endif]-->"
                           "<div style=\"display: NONE\">dold <b>text</b></div><p hidden>dold</p>"
                           "<img src=\"x.png\" alt=\"bild\">Synligt</body></html>"),
              "Synligt\n");
}

TEST(TemplatesText, DecodesEntitiesAndDropsInvisibleCharacters) {
    EXPECT_EQ(html_to_text("<p>&aring;&auml;&ouml; &Aring;&Auml;&Ouml; &#229;&#xE5; 5&nbsp;kr "
                           "a&shy;b&zwnj;c &#8203;&#0;&#1; &euro; &unknown; &amp</p>"),
              "åäö ÅÄÖ åå 5 kr abc € &unknown; &amp\n");
}

TEST(TemplatesText, WrapsLongParagraphsBetweenWordsAndKeepsUrlsWhole) {
    const std::string text = html_to_text(
        "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
        "incididunt ut labore et dolore magna aliqua. <a href=\"https://example.se/en/mycket/"
        "lang/adress/som/inte/far/brytas/mitt/i/sig/for/da/gar/den/inte/att/klicka\">Länk</a></p>");
    EXPECT_EQ(text,
              "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\n"
              "tempor incididunt ut labore et dolore magna aliqua. Länk\n"
              "(https://example.se/en/mycket/lang/adress/som/inte/far/brytas/mitt/i/sig/for/da/"
              "gar/den/inte/att/klicka)\n");
}

TEST(TemplatesText, PreformattedTextKeepsItsLines) {
    EXPECT_EQ(html_to_text("<p>Kod:</p><pre>  rad 1\n    rad  2</pre><p>Efter</p>"),
              "Kod:\n\n  rad 1\n    rad  2\n\nEfter\n");
}

TEST(TemplatesText, IsDeterministic) {
    const std::string html = "<p>Hej <b>där</b></p><ul><li>a</li></ul>";
    EXPECT_EQ(html_to_text(html), html_to_text(html));
}

TEST(TemplatesText, DerivedTemplateKeepsVariablesUnescaped) {
    const Value data(Map{{"name", "Åsa & Co <AB>"}, {"url", "https://example.se/u/T0k"}});
    EXPECT_EQ(derived("<p>Hej {{name}}!</p><p><a href=\"{{url}}\">Avregistrera</a></p>", data),
              "Hej Åsa & Co <AB>!\n\nAvregistrera (https://example.se/u/T0k)\n");
}

TEST(TemplatesText, AnEmptySectionLeavesNoBlankLines) {
    const std::string html =
        "<p>Intro.</p>{{#vip}}<p>Som VIP-kund får du mer.</p>{{/vip}}<p>Slut.</p>";
    EXPECT_EQ(derived(html, Value(Map{{"vip", true}})),
              "Intro.\n\nSom VIP-kund får du mer.\n\nSlut.\n");
    EXPECT_EQ(derived(html, Value(Map{{"vip", false}})), "Intro.\n\nSlut.\n");
    EXPECT_EQ(derived("{{#vip}}<p>Först</p>{{/vip}}<p>Sen</p>", Value(Map{})), "Sen\n");
}

TEST(TemplatesText, SectionsInsideListsAndInlineText) {
    const Value data(Map{{"items", Value::List{Value(Map{{"n", "ett"}}), Value(Map{{"n", "två"}})}},
                         {"kind", false}});
    EXPECT_EQ(
        derived("<ul>{{#items}}<li>{{n}}</li>{{/items}}</ul><p>Hej {{#kind}}kära {{/kind}}vän</p>",
                data),
        "- ett\n- två\n\nHej vän\n");
}

TEST(TemplatesText, TagsInDroppedMarkupKeepTheirStructure) {
    // A section opened in an attribute and closed in text must stay balanced.
    const Value data(Map{{"x", true}, {"cls", "a"}});
    EXPECT_EQ(derived("<div class=\"{{cls}}\" {{#x}}data-x{{/x}}>T</div>"
                      "<img alt=\"{{#x}}\">inne{{/x}}<style>{{cls}}</style>",
                      data),
              "T\ninne\n");
}

TEST(TemplatesText, EntityDecodedBracesNeverBecomeTags) {
    EXPECT_EQ(derived("<p>&#123;&#123;name&#125;&#125; {{name}}</p>", Value(Map{{"name", "Åsa"}})),
              "{{name}} Åsa\n");
}

TEST(TemplatesText, TidyRemovesLeadingTrailingAndRepeatedBlankLines) {
    std::string text = "\n\n  \nEtt  \n\n\n\nTvå\t\n   tre\n\n";
    tidy_text(text);
    EXPECT_EQ(text, "Ett\n\nTvå\n   tre\n");
    std::string empty = "\n \n";
    tidy_text(empty);
    EXPECT_EQ(empty, "");
}

}  // namespace
}  // namespace brevduva::templates
