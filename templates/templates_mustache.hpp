// Mustache (the spec's core modules plus inheritance) compiled once and rendered many times: a
// campaign's template is compiled when the campaign starts and rendered for every recipient.
// Compiling resolves every partial and parent, splits literal text, decides standalone lines
// and reports the first mistake as a value with file:line:column. Rendering never parses; it
// walks the compiled nodes and writes into the caller's buffer. A CompiledTemplate is
// immutable after compile, so one instance may be rendered from several threads at once.
// No I/O: partial sources come from the caller's resolver.
//
// Partial loops: a partial or parent that reaches itself through includes that are all outside
// any section, inverted section or block can never stop, so compiling rejects it and names the
// chain. Recursion through a section ({{#nodes}}{{>node}}{{/nodes}}) is legal Mustache that the
// data ends; rendering bounds it with max_render_depth and reports an error past that depth.
//
// Rendering is bounded while it runs, not afterwards: a template whose sections nest over long
// lists in the data ({{#a}}{{#b}}{{#c}}…) can ask for billions of iterations and more memory
// than the machine has. Past max_output_bytes of output or max_render_steps nodes rendered,
// the render stops with an error that says which, and the caller fails that one message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "templates/templates_mustache_result.hpp"
#include "templates/templates_mustache_value.hpp"

namespace brevduva::templates {

namespace mustache_detail {
struct Compiled;
}

// HTML for text/html parts: & < > " ' become entities. None for text/plain parts. {{{x}}} and
// {{&x}} never escape.
enum class Escaping : std::uint8_t { html, none };

struct Context {
    const Value& data;
    Escaping escaping = Escaping::html;
};

struct CompileError {
    std::string file;  // the template's name, or the partial's
    std::size_t line = 0;
    std::size_t column = 0;  // in code points, from 1
    std::string message;

    [[nodiscard]] std::string to_string() const;  // "file:line:column: message"
};

struct RenderError {
    std::string message;
};

struct CompileOptions {
    std::size_t max_source_bytes = std::size_t{1} << 20;  // per template and per partial
    std::size_t max_render_depth = 100;                   // nested partial and parent expansions
    std::size_t max_output_bytes = std::size_t{1} << 20;  // what one render may write
    std::uint64_t max_render_steps = 2'000'000;           // nodes rendered, loops included
};

enum class VariableRole : std::uint8_t { interpolation, section, inverted_section };

// One name a template reads from the data, where it is written, and whether the output stays
// sensible when the data lacks it: inside a section or inverted section, in its own file or
// because every include of its file is inside one. Block defaults are not sections. A section
// name itself may be missing (the section is then skipped); "." reads the current item.
struct VariableUse {
    std::string name;  // as written, dotted names whole; "." for the implicit iterator
    std::string file;
    std::size_t line = 0;
    std::size_t column = 0;
    VariableRole role = VariableRole::interpolation;
    bool in_section = false;
};

// Returns the source of the named partial, or nullopt when there is none (the spec renders a
// missing partial as empty; missing_partials() lists them so the caller may refuse).
using PartialResolver = std::function<std::optional<std::string>(std::string_view name)>;

class CompiledTemplate {
  public:
    [[nodiscard]] static Result<CompiledTemplate, CompileError> compile(
        std::string_view file, std::string_view source, const PartialResolver& partials = {},
        const CompileOptions& options = {});

    CompiledTemplate(CompiledTemplate&&) noexcept;
    CompiledTemplate& operator=(CompiledTemplate&&) noexcept;
    ~CompiledTemplate();

    // Replaces out's contents with the rendering; out keeps its capacity, so a buffer reused
    // across recipients stops allocating once it has grown to fit. An error leaves out partial.
    [[nodiscard]] std::optional<RenderError> render(const Context& context, std::string& out) const;

    // Every variable the template and its partials and parents read, in source order per file.
    [[nodiscard]] const std::vector<VariableUse>& variables() const noexcept;
    [[nodiscard]] const std::vector<std::string>& missing_partials() const noexcept;

  private:
    explicit CompiledTemplate(std::unique_ptr<const mustache_detail::Compiled> compiled) noexcept;

    std::unique_ptr<const mustache_detail::Compiled> compiled_;
};

}  // namespace brevduva::templates
