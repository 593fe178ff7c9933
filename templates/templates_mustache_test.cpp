// The Mustache engine beyond the spec: compile errors at their exact line:column, partial loops,
// render depth, buffer reuse, escaping modes, the data model and the variable listing.
#include "templates/templates_mustache.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace brevduva::templates {
namespace {

using Partials = std::map<std::string, std::string>;

PartialResolver resolver_for(const Partials& partials) {
    return [&partials](std::string_view name) -> std::optional<std::string> {
        const auto found = partials.find(std::string(name));
        if (found == partials.end()) return std::nullopt;
        return found->second;
    };
}

CompileError compile_error(std::string_view source, const Partials& partials = {},
                           const CompileOptions& options = {}) {
    auto compiled =
        CompiledTemplate::compile("mail.mustache", source, resolver_for(partials), options);
    if (compiled.ok()) return CompileError{"", 0, 0, "compiled without error"};
    return compiled.error();
}

std::string render(std::string_view source, const Value& data, const Partials& partials = {},
                   Escaping escaping = Escaping::html) {
    auto compiled = CompiledTemplate::compile("mail.mustache", source, resolver_for(partials));
    if (!compiled.ok()) return "compile error: " + compiled.error().to_string();
    std::string out;
    if (auto error = compiled.value().render(Context{data, escaping}, out)) {
        return "render error: " + error->message;
    }
    return out;
}

TEST(MustacheCompileError, UnclosedTag) {
    EXPECT_EQ(compile_error("Hello\n  {{first_name\n").to_string(),
              "mail.mustache:2:3: unclosed tag \"{{\": no \"}}\" follows");
    EXPECT_EQ(compile_error("{{{raw}}").to_string(),
              "mail.mustache:1:1: unclosed tag \"{{{\": no \"}}}\" follows");
}

TEST(MustacheCompileError, UnclosedSection) {
    EXPECT_EQ(compile_error("Hi\n{{#orders}}\n {{id}}\n").to_string(),
              "mail.mustache:2:1: {{#orders}} is never closed");
}

TEST(MustacheCompileError, MismatchedClose) {
    EXPECT_EQ(compile_error("one\ntwo\n    {{#a}}\n{{/b}}").to_string(),
              "mail.mustache:4:1: {{/b}} closes {{#a}} opened at 3:5");
    EXPECT_EQ(compile_error("x {{/a}}").to_string(), "mail.mustache:1:3: {{/a}} closes nothing");
}

TEST(MustacheCompileError, BadDelimiterChange) {
    EXPECT_EQ(compile_error("ok\nab {{=<% =}}").to_string(),
              "mail.mustache:2:4: bad delimiter change {{=<% =}}: it needs two delimiters "
              "separated by whitespace, without \"=\"");
    EXPECT_EQ(compile_error("{{=<% %>=}}\n<%x%> <%=a=b c=%>").line, 2U);
}

TEST(MustacheCompileError, ColumnsCountCodePoints) {
    EXPECT_EQ(compile_error("Hej Åsa {{/x}}").column, 9U);
}

TEST(MustacheCompileError, BadNames) {
    EXPECT_EQ(compile_error("{{ }}").message, "empty tag {{}}");
    EXPECT_EQ(compile_error("{{first name}}").message,
              "tag name \"first name\" contains whitespace");
    EXPECT_EQ(compile_error("{{a..b}}").message, "bad dotted name \"a..b\"");
    EXPECT_EQ(compile_error("{{>*dynamic}}").message,
              "dynamic names such as \"*dynamic\" are not supported");
}

TEST(MustacheCompileError, TagsInsideParent) {
    EXPECT_EQ(compile_error("{{<layout}}\n  {{name}}\n{{/layout}}").to_string(),
              "mail.mustache:2:3: {{name}} inside parent {{<layout}} opened at 1:1: only "
              "{{$block}} overrides may appear there");
}

TEST(MustacheCompileError, InvalidUtf8) {
    const CompileError error = compile_error("ok\n\xC3\xA5{{x}} \xFF");
    EXPECT_EQ(error.to_string(), "mail.mustache:2:8: invalid UTF-8");
}

TEST(MustacheCompileError, SizeCap) {
    CompileOptions options;
    options.max_source_bytes = 10;
    EXPECT_EQ(compile_error("0123456789x", {}, options).to_string(),
              "mail.mustache:1:1: template is 11 bytes, more than the limit of 10");
    EXPECT_EQ(compile_error("x", {{"p", "0123456789x"}}, options).line, 0U);  // never read
    EXPECT_EQ(compile_error("{{>p}}", {{"p", "0123456789x"}}, options).file, "p");
    EXPECT_EQ(CompileOptions{}.max_source_bytes, 1024U * 1024U);
    const std::string big(1024 * 1024 + 1, 'x');
    EXPECT_EQ(compile_error(big).message,
              "template is 1048577 bytes, more than the limit of 1048576");
}

TEST(MustacheCompileError, ErrorsInPartialsNameThePartial) {
    EXPECT_EQ(compile_error("a\n{{>footer}}", {{"footer", "\n\n  {{#x}}"}}).to_string(),
              "footer:3:3: {{#x}} is never closed");
}

TEST(MustachePartialLoop, DirectLoopIsRejected) {
    EXPECT_EQ(compile_error("{{>self}}", {{"self", "again {{>self}}"}}).to_string(),
              "self:1:7: partial loop with no way out: mail.mustache -> self -> self (no "
              "section or block around these includes lets it end)");
}

TEST(MustachePartialLoop, IndirectLoopIsRejectedWithItsChain) {
    const Partials partials{{"a", "x\n{{>b}}"}, {"b", "  {{>a}}\n"}, {"c", "{{>a}}"}};
    const CompileError error = compile_error("{{>c}}", partials);
    EXPECT_EQ(error.file, "b");
    EXPECT_EQ(error.line, 1U);
    EXPECT_EQ(error.column, 3U);
    EXPECT_NE(error.message.find("mail.mustache -> c -> a -> b -> a"), std::string::npos)
        << error.message;
}

TEST(MustachePartialLoop, LoopThroughParentIsRejected) {
    const CompileError error =
        compile_error("{{<base}}{{/base}}", {{"base", "{{<base}}{{/base}}"}});
    EXPECT_NE(error.message.find("partial loop"), std::string::npos) << error.message;
}

TEST(MustachePartialLoop, RecursionThroughSectionIsData) {
    const Partials partials{{"node", "{{name}}({{#children}}{{>node}}{{/children}})"}};
    // Leaves need their own empty list: a missing one is found further up the context stack.
    const Value leaf_a = Map{{"name", "a"}, {"children", Value::List{}}};
    const Value leaf_b = Map{{"name", "b"}, {"children", Value::List{}}};
    const Value tree = Map{{"name", "root"}, {"children", Value::List{leaf_a, leaf_b}}};
    EXPECT_EQ(render("{{>node}}", tree, partials), "root(a()b())");
}

// A chain of 199 partials compiles into something no render can finish (it stops at 100
// nested includes): compiling says so, naming the chain.
TEST(MustachePartialLoop, AChainDeeperThanARenderMayNestIsRefused) {
    Partials partials;
    for (int i = 1; i < 199; ++i) {
        partials.emplace("p" + std::to_string(i), "{{>p" + std::to_string(i + 1) + "}}");
    }
    partials.emplace("p199", "end");
    const CompileError error = compile_error("{{>p1}}", partials);
    EXPECT_EQ(error.message,
              "a chain of 199 partials (mail.mustache -> p1 -> p2 -> p3 -> … -> p199) is deeper "
              "than the 100 a render may nest: it could never render");
    // 100 deep renders.
    Partials hundred;
    for (int i = 1; i < 100; ++i) {
        hundred.emplace("p" + std::to_string(i), "{{>p" + std::to_string(i + 1) + "}}");
    }
    hundred.emplace("p100", "end");
    EXPECT_EQ(render("{{>p1}}", Map{}, hundred), "end");
}

TEST(MustachePartialLoop, EndlessDataRecursionStopsAtTheDepthLimit) {
    const Partials partials{{"self", "{{#again}}x{{>self}}{{/again}}"}};
    const std::string out = render("{{>self}}", Map{{"again", true}}, partials);
    EXPECT_EQ(out,
              "render error: partial self nested more than 100 deep at self:1:12 (the data may "
              "recurse without end)");
}

// Three sections nested over one list of 1,000 items ask for a billion iterations; the render
// stops at its step budget, in milliseconds, with an error that says why and where.
TEST(MustacheRenderBudget, NestedLoopsOverALongListStopAtTheStepLimit) {
    Value::List items;
    for (int i = 0; i < 1000; ++i) items.emplace_back(i);
    const Value data = Map{{"items", items}};
    // The innermost test writes nothing: it is the work, not the output, that is too much.
    const std::string out = render(
        "{{#items}}{{#items}}{{#items}}{{^items}}x{{/items}}{{/items}}{{/items}}{{/items}}", data);
    EXPECT_EQ(out.rfind("render error: the rendering takes more than 2000000 steps in "
                        "mail.mustache (",
                        0),
              0u)
        << out.substr(0, 200);
    // With output, the byte limit speaks first.
    EXPECT_EQ(render("{{#items}}{{#items}}{{#items}}{{.}}{{/items}}{{/items}}{{/items}}", data)
                  .rfind("render error: the rendering is longer than 1048576 bytes", 0),
              0u);
}

// Output is bounded while it is written, not measured afterwards.
TEST(MustacheRenderBudget, OutputStopsAtTheByteLimit) {
    const std::string kilobyte(1000, 'x');
    Value::List items;
    for (int i = 0; i < 1500; ++i) items.emplace_back(i);
    const Value data = Map{{"items", items}, {"k", kilobyte}};
    const std::string out = render("{{#items}}{{k}}{{/items}}", data);
    EXPECT_EQ(out.rfind("render error: the rendering is longer than 1048576 bytes in "
                        "mail.mustache (",
                        0),
              0u)
        << out.substr(0, 200);
    // In a partial, the partial is named.
    const std::string in_partial =
        render("{{>row}}", data, Partials{{"row", "{{#items}}" + kilobyte + "{{/items}}"}});
    EXPECT_EQ(
        in_partial.rfind("render error: the rendering is longer than 1048576 bytes in row (", 0),
        0u)
        << in_partial.substr(0, 200);
    // Below the limits nothing changes.
    Value::List few{1, 2, 3};
    EXPECT_EQ(render("{{#few}}{{#few}}{{.}}{{/few}}{{/few}}", Map{{"few", few}}), "123123123");
    CompileOptions tight;
    tight.max_render_steps = 10;
    auto compiled = CompiledTemplate::compile("t", "{{#few}}{{.}}{{/few}}", {}, tight);
    ASSERT_TRUE(compiled.ok());
    std::string buffer;
    EXPECT_TRUE(compiled.value().render(Context{Map{{"few", Value::List(20, Value(1))}}}, buffer));
}

TEST(MustacheRender, ReusesTheBuffer) {
    const auto compiled = CompiledTemplate::compile(
        "mail.mustache", "<p>Hej {{name}}!</p>{{#items}}<li>{{.}}{{/items}}");
    ASSERT_TRUE(compiled.ok());
    Map recipient{{"name", "Åsa & Bo"}, {"items", Value::List{"one", "two"}}};
    const Value data(recipient);
    std::string out;
    ASSERT_FALSE(compiled.value().render(Context{data}, out).has_value());
    const std::string first = out;
    const char* buffer = out.data();
    for (int i = 0; i < 1000; ++i) {
        ASSERT_FALSE(compiled.value().render(Context{data}, out).has_value());
        ASSERT_EQ(out, first);
    }
    EXPECT_EQ(out.data(), buffer);  // never reallocated
    EXPECT_EQ(first, "<p>Hej Åsa &amp; Bo!</p><li>one<li>two");
}

TEST(MustacheRender, StandalonePartialsIndentCumulatively) {
    const Partials partials{{"outer", "a\n  {{>inner}}\nb\n"}, {"inner", "x\n{{y}}\n"}};
    EXPECT_EQ(render("  {{>outer}}\n", Map{{"y", "1\n2"}}, partials),
              "  a\n    x\n    1\n2\n  b\n");  // data is never indented
}

TEST(MustacheRender, InlinePartialsAreNotIndented) {
    const Partials partials{{"outer", "a {{>inner}}\nb\n"}, {"inner", "x\ny"}};
    EXPECT_EQ(render("  {{>outer}}\n", Value(), partials), "  a x\ny\n  b\n");
}

TEST(MustacheRender, BlocksTakeTheIndentationOfTheirSite) {
    const Partials partials{{"layout", "<body>\n  {{$main}}\n  default\n  {{/main}}\n</body>\n"}};
    EXPECT_EQ(render("{{<layout}}\n{{$main}}\n<p>one</p>\n<p>two</p>\n{{/main}}\n{{/layout}}\n",
                     Value(), partials),
              "<body>\n  <p>one</p>\n  <p>two</p>\n</body>\n");
    EXPECT_EQ(render("{{<layout}}{{/layout}}", Value(), partials), "<body>\n  default\n</body>\n");
}

TEST(MustacheRender, EscapingIsChosenPerRender) {
    const Value data = Map{{"x", "<a href='u'>&\"</a>"}};
    EXPECT_EQ(render("{{x}}", data), "&lt;a href=&#39;u&#39;&gt;&amp;&quot;&lt;/a&gt;");
    EXPECT_EQ(render("{{x}}", data, {}, Escaping::none), "<a href='u'>&\"</a>");
    EXPECT_EQ(render("{{{x}}}|{{&x}}", data), "<a href='u'>&\"</a>|<a href='u'>&\"</a>");
}

TEST(MustacheRender, MissingPartialsAreEmptyAndListed) {
    const auto compiled = CompiledTemplate::compile("mail.mustache", "[{{>nope}}]");
    ASSERT_TRUE(compiled.ok());
    EXPECT_EQ(compiled.value().missing_partials(), std::vector<std::string>{"nope"});
    std::string out;
    ASSERT_FALSE(compiled.value().render(Context{Value()}, out).has_value());
    EXPECT_EQ(out, "[]");
}

TEST(MustacheValue, EmptyStringAndZeroAreFalsey) {
    const Value data = Map{{"nickname", ""}, {"count", 0}, {"price", 2.5}, {"big", 1e21}};
    EXPECT_EQ(render("{{#nickname}}x{{/nickname}}{{^nickname}}there{{/nickname}}", data), "there");
    EXPECT_EQ(render("{{^count}}none{{/count}} {{price}} {{big}}", data), "none 2.5 1e+21");
}

TEST(MustacheValue, AssignReusesStringCapacity) {
    Value data = Map{};
    ASSERT_NE(data.map_if(), nullptr);
    Map& recipient = *data.map_if();
    recipient.assign("first_name", "Maximiliana Antonia");
    const Value* stored = recipient.find("first_name");
    ASSERT_NE(stored, nullptr);
    const std::string* text = stored->string_if();
    ASSERT_NE(text, nullptr);
    const char* buffer = text->data();
    recipient.assign("first_name", "Bo");
    EXPECT_EQ(recipient.find("first_name"), stored);
    EXPECT_EQ(stored->string_if(), text);
    EXPECT_EQ(text->data(), buffer);
    EXPECT_EQ(*text, "Bo");
    EXPECT_EQ(recipient.size(), 1U);
}

TEST(MustacheVariables, ListsNamesWithPositionsAndSections) {
    const Partials partials{{"order", "{{id}}: {{total}}\n"}, {"footer", "{{company.name}}"}};
    const auto compiled = CompiledTemplate::compile(
        "mail.mustache",
        "Hej {{first_name}},\n{{#orders}}\n  {{>order}}\n{{/orders}}\n{{^vip}}{{offer}}{{/vip}}"
        "\n{{>footer}}",
        resolver_for(partials));
    ASSERT_TRUE(compiled.ok()) << compiled.error().to_string();
    std::vector<std::string> seen;
    for (const VariableUse& use : compiled.value().variables()) {
        seen.push_back(use.file + ":" + std::to_string(use.line) + ":" +
                       std::to_string(use.column) + " " + use.name +
                       (use.in_section ? " guarded" : " required"));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{
                        "mail.mustache:1:5 first_name required",
                        "mail.mustache:2:1 orders required",
                        "mail.mustache:5:1 vip required",
                        "mail.mustache:5:9 offer guarded",
                        "order:1:1 id guarded",
                        "order:1:9 total guarded",
                        "footer:1:1 company.name required",
                    }));
    EXPECT_EQ(compiled.value().variables()[1].role, VariableRole::section);
    EXPECT_EQ(compiled.value().variables()[2].role, VariableRole::inverted_section);
}

TEST(MustacheVariables, AFileIncludedOutsideAnySectionIsRequired) {
    const Partials partials{{"sig", "{{sender}}"}};
    const auto compiled = CompiledTemplate::compile("mail.mustache", "{{#a}}{{>sig}}{{/a}}{{>sig}}",
                                                    resolver_for(partials));
    ASSERT_TRUE(compiled.ok());
    const auto& uses = compiled.value().variables();
    ASSERT_EQ(uses.size(), 2U);
    EXPECT_EQ(uses[1].name, "sender");
    EXPECT_FALSE(uses[1].in_section);
}

}  // namespace
}  // namespace brevduva::templates
