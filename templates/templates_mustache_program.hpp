// The compiled form of a Mustache template, shared by the compiler and the renderer (internal to
// the templates component). Each source (the template, every partial and parent) becomes one
// Program: a flat node array in source order where a section's children follow it and
// Node::end says where they stop, and one string holding all its literal text and indentation.
// Nodes refer to text by offset, not pointer, so a Compiled can move freely.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "templates/templates_mustache.hpp"

namespace brevduva::templates::mustache_detail {

inline constexpr std::uint32_t no_program = std::numeric_limits<std::uint32_t>::max();

enum class NodeKind : std::uint8_t {
    text,        // literal; line_start: its first byte begins a source line
    line_start,  // a source line begins here with a tag: indentation goes here
    escaped,     // {{name}}
    raw,         // {{{name}}} and {{&name}}
    section,     // {{#name}}
    inverted,    // {{^name}}
    partial,     // {{>name}}
    parent,      // {{<name}}; its children are the block nodes that override
    block,       // {{$name}}: a block site, or an override when its container is a parent
};

struct Node {
    NodeKind kind = NodeKind::text;
    // text: begins a source line. partial, parent: standalone, so indented by `text`. block:
    // the site begins a line (its content gets the indentation chain from its first line).
    bool line_start = false;
    std::uint32_t end = 0;  // containers: one past the last child; others: index + 1
    // escaped, raw, section, inverted: index into Compiled::names. partial, parent: program
    // index or no_program. block: index into Compiled::block_names.
    std::uint32_t ref = 0;
    std::uint32_t text = 0;  // text: the literal; partial, parent, block: the indentation
    std::uint32_t length = 0;
    std::uint32_t line = 0;  // partial, parent, block: where the tag is, for render errors
    std::uint32_t column = 0;
};

// What a tag names, split once: {"person", "name"} for person.name; empty for ".".
struct Name {
    std::vector<std::string> parts;
    std::string written;
};

// A name read from the data, as the parser found it (before partial reachability is known).
struct VariableSite {
    std::uint32_t name = 0;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    VariableRole role = VariableRole::interpolation;
    bool in_section = false;
};

struct Program {
    std::string file;
    std::string text;
    std::vector<Node> nodes;
    std::vector<VariableSite> variables;

    [[nodiscard]] std::string_view text_of(const Node& node) const {
        return std::string_view(text).substr(node.text, node.length);
    }
};

struct Compiled {
    std::vector<Program> programs;  // [0] is the template itself
    std::vector<Name> names;
    std::vector<std::string> block_names;
    std::vector<VariableUse> variables;
    std::vector<std::string> missing_partials;
    std::size_t max_render_depth = 100;
    std::size_t max_output_bytes = std::size_t{1} << 20;
    std::uint64_t max_render_steps = 2'000'000;
};

}  // namespace brevduva::templates::mustache_detail
