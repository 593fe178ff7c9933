// Standalone lines: a line holding only whitespace and one tag that prints nothing (section,
// inverted, close, comment, delimiter change, partial, parent, block) vanishes whole, its
// whitespace and newline included. Parent tags do not count towards the one tag: inheritance
// writes "{{<parent}}{{$block}}" and "{{/block}}{{/parent}}" on one line and expects them to be
// standalone, yet "{{$block}}{{/block}}" on one line is not (spec: Standalone block).
//
// Indentation follows the spec's picture of prepending it to every source line: each surviving
// line is marked where it starts, a standalone partial or parent carries the whitespace before
// it, and a block carries the indentation of its content (the next line's whitespace when the
// block tag is standalone, the whitespace before the tag when only whitespace precedes it).
#include "templates/templates_mustache_tokens.hpp"

namespace brevduva::templates::mustache_detail {
namespace {

bool ends_line(const Token& token) {
    return token.kind == TokenKind::text && !token.content.empty() && token.content.back() == '\n';
}

bool is_blank(std::string_view text) {
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    return text.find_first_not_of(" \t") == std::string_view::npos;
}

bool prints_nothing(TokenKind kind) {
    return kind != TokenKind::text && kind != TokenKind::escaped && kind != TokenKind::raw;
}

bool is_parent_tag(const std::vector<Token>& tokens, const Token& token) {
    if (token.kind == TokenKind::parent) return true;
    return token.kind == TokenKind::close && token.partner != no_token &&
           tokens[token.partner].kind == TokenKind::parent;
}

bool line_is_standalone(const std::vector<Token>& tokens, std::size_t first, std::size_t last) {
    std::size_t counted_tags = 0;
    bool any_tag = false;
    for (std::size_t i = first; i <= last; ++i) {
        const Token& token = tokens[i];
        if (token.kind == TokenKind::text) {
            if (!is_blank(token.content)) return false;
            continue;
        }
        if (!prints_nothing(token.kind)) return false;
        any_tag = true;
        if (!is_parent_tag(tokens, token)) ++counted_tags;
    }
    return any_tag && counted_tags <= 1;
}

// The whitespace that starts the line after `last`: a standalone block's content indentation.
std::string_view next_line_indent(std::string_view source, const Token& last) {
    if (!ends_line(last)) return {};
    const std::size_t start = last.begin + last.content.size();
    std::size_t stop = start;
    while (stop < source.size() && (source[stop] == ' ' || source[stop] == '\t')) ++stop;
    return source.substr(start, stop - start);
}

void mark_standalone_line(std::string_view source, std::vector<Token>& tokens, std::size_t first,
                          std::size_t last) {
    const std::string_view indent =
        tokens[first].kind == TokenKind::text ? tokens[first].content : std::string_view{};
    for (std::size_t i = first; i <= last; ++i) {
        Token& token = tokens[i];
        if (token.kind == TokenKind::text) {
            token.removed = true;
            continue;
        }
        token.standalone = true;
        if (token.kind == TokenKind::partial || token.kind == TokenKind::parent) {
            token.indent = indent;
        } else if (token.kind == TokenKind::block) {
            token.indent = next_line_indent(source, tokens[last]);
        }
    }
}

// A block whose tag only whitespace precedes takes that whitespace as its content's
// indentation, so that the content's later lines line up with its first (spec: Inherit
// indentation, Standalone block).
void mark_inline_line(std::vector<Token>& tokens, std::size_t first, std::size_t last) {
    tokens[first].line_start = true;
    std::size_t tag = first;
    if (tokens[first].kind == TokenKind::text) {
        if (!is_blank(tokens[first].content) || ends_line(tokens[first])) return;
        tag = first + 1;
    }
    if (tag > last || tokens[tag].kind != TokenKind::block) return;
    if (tag != first) {
        tokens[tag].indent = tokens[first].content;
        tokens[first].removed = true;
    }
    tokens[tag].line_start = true;
}

}  // namespace

void mark_standalone(std::string_view source, std::vector<Token>& tokens) {
    std::size_t first = 0;
    while (first < tokens.size()) {
        std::size_t last = first;
        while (last + 1 < tokens.size() && !ends_line(tokens[last])) ++last;
        if (line_is_standalone(tokens, first, last)) {
            mark_standalone_line(source, tokens, first, last);
        } else {
            mark_inline_line(tokens, first, last);
        }
        first = last + 1;
    }
}

}  // namespace brevduva::templates::mustache_detail
