// The checks of a campaign's sources and compiled parts; see templates_campaign.hpp.
#include <fmt/format.h>

#include <algorithm>

#include "templates/templates_campaign_compile.hpp"
#include "templates/templates_utf8.hpp"

namespace brevduva::templates::campaign_detail {
namespace {

using mustache_detail::LineIndex;
using mustache_detail::TokenKind;

bool valid_partial_name(std::string_view name) {
    return !name.empty() && name.size() <= 100 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

// C0 controls other than TAB, LF and CR, and DEL: never meant in a template, and the HTML
// readings use \x01 and \x02 as markers.
std::optional<std::size_t> first_control(std::string_view source) {
    for (std::size_t i = 0; i < source.size(); ++i) {
        const auto c = static_cast<unsigned char>(source[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return i;
    }
    return std::nullopt;
}

}  // namespace

std::string file_of(std::string_view program, std::string_view root_file) {
    if (program == root_file || !valid_partial_name(program)) return std::string(program);
    return partial_file(program);
}

void check_source(std::string_view file, std::string_view source,
                  std::vector<CompileError>& problems) {
    if (source.size() > kMaxTemplateFileBytes) {
        problems.push_back(CompileError{std::string(file), 1, 1,
                                        "template is " + std::to_string(source.size()) +
                                            " bytes, more than the limit of " +
                                            std::to_string(kMaxTemplateFileBytes)});
        return;
    }
    const LineIndex lines(source);
    if (const auto bad = first_invalid_utf8(source)) {
        problems.push_back(mustache_detail::error_at(file, lines, *bad, "invalid UTF-8"));
        return;
    }
    if (const auto control = first_control(source)) {
        const auto code = static_cast<unsigned>(static_cast<unsigned char>(source[*control]));
        problems.push_back(mustache_detail::error_at(
            file, lines, *control,
            fmt::format("control character U+{:04X} is not allowed in a template", code)));
    }
}

void check_partial_names(const MaskedSource& masked,
                         const std::map<std::string, std::string>& partials,
                         std::vector<CompileError>& problems) {
    const LineIndex lines(masked.source);
    for (const MaskedTag& tag : masked.tags) {
        if (tag.kind != TokenKind::partial && tag.kind != TokenKind::parent) continue;
        std::string message;
        if (!valid_partial_name(tag.name)) {
            message = "partial name \"" + tag.name +
                      "\" is not allowed: use letters, digits, _ and - (the file is "
                      "partials/NAME.mustache)";
        } else if (!partials.contains(tag.name)) {
            message =
                "partial \"" + tag.name + "\" not found: there is no " + partial_file(tag.name);
        } else {
            continue;
        }
        problems.push_back(
            mustache_detail::error_at(masked.file, lines, tag.source_begin, std::move(message)));
    }
}

void check_variables(const CompiledTemplate& part, const Schema& schema, std::string_view root_file,
                     std::vector<CompileError>& problems) {
    for (const VariableUse& use : part.variables()) {
        const bool interpolation = use.role == VariableRole::interpolation;
        if (auto problem = check_variable(use.name, use.in_section, interpolation, schema)) {
            problems.push_back(CompileError{file_of(use.file, root_file), use.line, use.column,
                                            std::move(*problem)});
        }
    }
}

const VariableUse* unsubscribe_use(const CompiledTemplate& part) {
    for (const VariableUse& use : part.variables()) {
        if (use.name == "unsubscribe_url" && !use.in_section &&
            use.role == VariableRole::interpolation) {
            return &use;
        }
    }
    return nullptr;
}

}  // namespace brevduva::templates::campaign_detail
