// From marked tokens to a Program. Literal text is copied once into the program's text pool and
// adjacent pieces merge, so rendering appends few, long strings. Inside a block, the block's
// own indentation is cut from the start of each content line here, at compile time ("removed at
// the site of definition"); the renderer adds the site's indentation back.
#include "templates/templates_mustache_parse.hpp"

#include <string>

#include "templates/templates_mustache_tokens.hpp"
#include "templates/templates_utf8.hpp"

namespace brevduva::templates::mustache_detail {
namespace {

constexpr std::size_t no_node = static_cast<std::size_t>(-1);

std::uint32_t narrow(std::size_t value) { return static_cast<std::uint32_t>(value); }

// `text` without the part of its leading whitespace that `indent` accounts for.
std::string_view strip_prefix(std::string_view text, std::string_view indent) {
    std::size_t cut = 0;
    while (cut < text.size() && cut < indent.size() && text[cut] == indent[cut]) ++cut;
    return text.substr(cut);
}

class Builder {
  public:
    Builder(const LineIndex& lines, SymbolTables& tables, Program& program)
        : lines_(lines), tables_(tables), program_(program) {}

    void add(const Token& token);

  private:
    struct Open {
        std::size_t node;
        TokenKind kind;
    };

    void add_text(const Token& token, bool marker);
    void add_marker(bool marker);
    std::size_t add_node(NodeKind kind, std::uint32_t ref);
    void add_name(const Token& token, NodeKind kind, VariableRole role);
    void add_include(const Token& token, NodeKind kind);
    void add_block(const Token& token, bool marker, bool in_parent);
    void close(bool marker);
    void set_indent(Node& node, std::string_view indent);
    [[nodiscard]] std::string_view enclosing_indent() const {
        return block_indents_.empty() ? std::string_view{} : block_indents_.back();
    }

    const LineIndex& lines_;
    SymbolTables& tables_;
    Program& program_;
    std::vector<Open> open_;
    std::vector<std::string_view> block_indents_;
    std::size_t sections_open_ = 0;
    std::size_t mergeable_ = no_node;  // the text node that following text may extend
    bool force_line_start_ = false;    // a non-standalone block's content starts a line
};

void Builder::add(const Token& token) {
    if (token.removed) return;
    const bool in_parent = !open_.empty() && open_.back().kind == TokenKind::parent;
    // The spec ignores everything in a parent but its blocks.
    if (in_parent && token.kind != TokenKind::block && token.kind != TokenKind::close) return;
    const bool marker = token.line_start || force_line_start_;
    force_line_start_ = false;
    switch (token.kind) {
        case TokenKind::text:
            add_text(token, marker);
            break;
        case TokenKind::escaped:
            add_marker(marker);
            add_name(token, NodeKind::escaped, VariableRole::interpolation);
            break;
        case TokenKind::raw:
            add_marker(marker);
            add_name(token, NodeKind::raw, VariableRole::interpolation);
            break;
        case TokenKind::section:
            add_marker(marker);
            add_name(token, NodeKind::section, VariableRole::section);
            break;
        case TokenKind::inverted:
            add_marker(marker);
            add_name(token, NodeKind::inverted, VariableRole::inverted_section);
            break;
        case TokenKind::partial:
        case TokenKind::parent:
            if (!token.standalone) add_marker(marker);
            add_include(token,
                        token.kind == TokenKind::partial ? NodeKind::partial : NodeKind::parent);
            break;
        case TokenKind::block:
            add_block(token, marker, in_parent);
            break;
        case TokenKind::close:
            close(marker && !in_parent);
            break;
        case TokenKind::comment:
        case TokenKind::delimiters:
            add_marker(marker);
            break;
    }
}

void Builder::add_text(const Token& token, bool marker) {
    std::string_view text = token.content;
    if (token.line_start) text = strip_prefix(text, enclosing_indent());
    if (text.empty()) {
        add_marker(marker);
        return;
    }
    const bool extend = mergeable_ != no_node &&
                        (!marker || program_.text.back() == '\n');  // a '\n' implies the marker
    if (extend) {
        program_.nodes[mergeable_].length += narrow(text.size());
    } else {
        const std::size_t index = add_node(NodeKind::text, 0);
        program_.nodes[index].text = narrow(program_.text.size());
        program_.nodes[index].length = narrow(text.size());
        program_.nodes[index].line_start = marker;
        mergeable_ = index;
    }
    program_.text.append(text);
}

void Builder::add_marker(bool marker) {
    if (marker) add_node(NodeKind::line_start, 0);
}

std::size_t Builder::add_node(NodeKind kind, std::uint32_t ref) {
    Node node;
    node.kind = kind;
    node.ref = ref;
    node.end = narrow(program_.nodes.size() + 1);
    program_.nodes.push_back(node);
    mergeable_ = no_node;
    return program_.nodes.size() - 1;
}

void Builder::add_name(const Token& token, NodeKind kind, VariableRole role) {
    const std::uint32_t name = tables_.name(token.content);
    const std::size_t index = add_node(kind, name);
    const LineIndex::Position at = lines_.at(token.begin);
    program_.variables.push_back(VariableSite{name, at.line, at.column, role, sections_open_ > 0});
    if (kind == NodeKind::section || kind == NodeKind::inverted) {
        open_.push_back(Open{index, token.kind});
        ++sections_open_;
    }
}

void Builder::add_include(const Token& token, NodeKind kind) {
    const std::size_t index = add_node(kind, tables_.partial(token.content));
    Node& node = program_.nodes[index];
    const LineIndex::Position at = lines_.at(token.begin);
    node.line = at.line;
    node.column = at.column;
    if (token.standalone) {
        node.line_start = true;
        set_indent(node, strip_prefix(token.indent, enclosing_indent()));
    }
    if (kind == NodeKind::parent) open_.push_back(Open{index, token.kind});
}

void Builder::add_block(const Token& token, bool marker, bool in_parent) {
    const std::size_t index = add_node(NodeKind::block, tables_.block(token.content));
    Node& node = program_.nodes[index];
    const LineIndex::Position at = lines_.at(token.begin);
    node.line = at.line;
    node.column = at.column;
    // An override's indentation only matters for cutting its own lines; a site's is added back.
    if (!in_parent) {
        node.line_start = token.standalone || marker;
        set_indent(node, strip_prefix(token.indent, enclosing_indent()));
    }
    open_.push_back(Open{index, token.kind});
    block_indents_.push_back(token.indent);
    force_line_start_ = !token.standalone;
}

void Builder::close(bool marker) {
    add_marker(marker);
    const Open closing = open_.back();
    open_.pop_back();
    program_.nodes[closing.node].end = narrow(program_.nodes.size());
    mergeable_ = no_node;
    if (closing.kind == TokenKind::section || closing.kind == TokenKind::inverted) {
        --sections_open_;
    } else if (closing.kind == TokenKind::block) {
        block_indents_.pop_back();
    }
}

void Builder::set_indent(Node& node, std::string_view indent) {
    node.text = narrow(program_.text.size());
    node.length = narrow(indent.size());
    program_.text.append(indent);
    mergeable_ = no_node;
}

std::optional<CompileError> check_source(std::string_view file, std::string_view source,
                                         std::size_t max_source_bytes, const LineIndex& lines) {
    if (source.size() > max_source_bytes) {
        return CompileError{std::string(file), 1, 1,
                            "template is " + std::to_string(source.size()) +
                                " bytes, more than the limit of " +
                                std::to_string(max_source_bytes)};
    }
    if (const auto bad = first_invalid_utf8(source)) {
        return error_at(file, lines, *bad, "invalid UTF-8");
    }
    return std::nullopt;
}

}  // namespace

std::uint32_t SymbolTables::name(std::string_view written) {
    const auto [entry, added] =
        name_ids_.try_emplace(std::string(written), narrow(compiled_.names.size()));
    if (added) {
        Name name;
        name.written = std::string(written);
        if (written != ".") {
            std::size_t start = 0;
            for (std::size_t dot = written.find('.'); dot != std::string_view::npos;
                 dot = written.find('.', start)) {
                name.parts.emplace_back(written.substr(start, dot - start));
                start = dot + 1;
            }
            name.parts.emplace_back(written.substr(start));
        }
        compiled_.names.push_back(std::move(name));
    }
    return entry->second;
}

std::uint32_t SymbolTables::block(std::string_view written) {
    const auto [entry, added] =
        block_ids_.try_emplace(std::string(written), narrow(compiled_.block_names.size()));
    if (added) compiled_.block_names.emplace_back(written);
    return entry->second;
}

std::uint32_t SymbolTables::partial(std::string_view written) {
    const auto [entry, added] =
        partial_ids_.try_emplace(std::string(written), narrow(partials_.size()));
    if (added) partials_.emplace_back(written);
    return entry->second;
}

Result<Program, CompileError> parse_program(std::string_view file, std::string_view source,
                                            std::size_t max_source_bytes, SymbolTables& tables) {
    using Parsed = Result<Program, CompileError>;
    const LineIndex lines(source);
    if (auto problem = check_source(file, source, max_source_bytes, lines)) {
        return Parsed::failure(std::move(*problem));
    }
    auto tokens = tokenize(file, source, lines);
    if (!tokens) return Parsed::failure(tokens.error());
    std::vector<Token> marked = std::move(tokens).value();
    if (auto problem = pair_sections(file, marked, lines)) {
        return Parsed::failure(std::move(*problem));
    }
    mark_standalone(source, marked);
    Program program;
    program.file = std::string(file);
    program.text.reserve(source.size());
    Builder builder(lines, tables, program);
    for (const Token& token : marked) builder.add(token);
    program.text.shrink_to_fit();
    return Parsed::success(std::move(program));
}

}  // namespace brevduva::templates::mustache_detail
