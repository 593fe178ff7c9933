// Mustache as a campaign uses it: compile a template with its partials, then render it against
// data. The input is the template, optionally followed by sections that each start on a line
// of their own with "@@":
//     <template>
//     @@data
//     <a JSON object: the data, read as a contact's attributes are (attributes_from_json)>
//     @@partial <name>
//     <the partial's source>
// Budgets are small (64 KiB of output, 100 000 steps) so that a run stays short, as the compile
// options promise for any template and data.
//
// Properties: compile and render give the same result every time (and rendering again into the
// same buffer gives the same text); a render that succeeds wrote at most max_output_bytes;
// every variable use and compile error has a 1-based line and column.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "templates/templates_fields.hpp"
#include "templates/templates_mustache.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace brevduva::templates {
namespace {

struct Parts {
    std::string_view source;
    std::string_view data;
    std::map<std::string, std::string, std::less<>> partials;
};

Parts split_parts(std::string_view input) {
    Parts parts;
    std::string_view rest = input;
    std::string_view part;
    fuzz::split_off(rest, "\n@@", parts.source);
    while (!rest.empty()) {
        const bool more = fuzz::split_off(rest, "\n@@", part);
        std::string_view header;
        fuzz::split_off(part, "\n", header);
        if (header == "data") {
            parts.data = part;
        } else if (header.starts_with("partial ")) {
            parts.partials.emplace(header.substr(8), part);
        }
        if (!more) break;
    }
    return parts;
}

void check_render(const CompiledTemplate& compiled, const Value& data, Escaping escaping,
                  const CompileOptions& options) {
    std::string first;
    const auto error = compiled.render(Context{data, escaping}, first);
    if (!error) FUZZ_REQUIRE(first.size() <= options.max_output_bytes);
    std::string again = "left over from an earlier recipient";
    const auto error_again = compiled.render(Context{data, escaping}, again);
    FUZZ_REQUIRE(error.has_value() == error_again.has_value());
    if (error) {
        FUZZ_REQUIRE(error->message == error_again->message);
    } else {
        FUZZ_REQUIRE(first == again);
    }
}

}  // namespace
}  // namespace brevduva::templates

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace brevduva::templates;
    const Parts parts = split_parts(std::string_view(reinterpret_cast<const char*>(data), size));
    const PartialResolver resolver = [&parts](std::string_view name) -> std::optional<std::string> {
        const auto found = parts.partials.find(name);
        if (found == parts.partials.end()) return std::nullopt;
        return found->second;
    };
    CompileOptions options;
    options.max_output_bytes = 64 * 1024;
    options.max_render_steps = 100'000;
    options.max_render_depth = 32;

    auto compiled = CompiledTemplate::compile("mail.mustache", parts.source, resolver, options);
    auto again = CompiledTemplate::compile("mail.mustache", parts.source, resolver, options);
    FUZZ_REQUIRE(compiled.ok() == again.ok());
    if (!compiled.ok()) {
        const CompileError& error = compiled.error();
        FUZZ_REQUIRE(error.to_string() == again.error().to_string());
        FUZZ_REQUIRE(error.line >= 1 && error.column >= 1);
        return 0;
    }
    for (const VariableUse& use : compiled.value().variables()) {
        FUZZ_REQUIRE(use.line >= 1 && use.column >= 1);
        FUZZ_REQUIRE(!use.name.empty());
    }
    auto converted = attributes_from_json(parts.data);
    const Value values = converted.ok() ? converted.value() : Value(Map{});
    check_render(compiled.value(), values, Escaping::html, options);
    check_render(compiled.value(), values, Escaping::none, options);
    return 0;
}
