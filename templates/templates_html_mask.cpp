#include "templates/templates_html_mask.hpp"

#include <algorithm>
#include <charconv>

namespace brevduva::templates {
namespace {

using mustache_detail::LineIndex;
using mustache_detail::Token;
using mustache_detail::TokenKind;

constexpr std::string_view kWhitespace = " \t\r\n\f\v";

// The same reading as the lexer's: two delimiters separated by whitespace.
Delimiters parse_delimiters(std::string_view content, const Delimiters& current) {
    const std::size_t gap = content.find_first_of(kWhitespace);
    if (gap == std::string_view::npos) return current;
    std::string_view close = content.substr(gap);
    close.remove_prefix(std::min(close.find_first_not_of(kWhitespace), close.size()));
    return Delimiters{std::string(content.substr(0, gap)), std::string(close)};
}

std::string_view sigil_of(TokenKind kind) {
    switch (kind) {
        case TokenKind::raw:
            return "&";
        case TokenKind::section:
            return "#";
        case TokenKind::inverted:
            return "^";
        case TokenKind::close:
            return "/";
        case TokenKind::partial:
            return ">";
        case TokenKind::parent:
            return "<";
        case TokenKind::block:
            return "$";
        default:
            return "";
    }
}

}  // namespace

std::size_t MaskedSource::source_offset(std::size_t masked) const {
    const auto after = std::upper_bound(
        segments.begin(), segments.end(), masked,
        [](std::size_t offset, const auto& segment) { return offset < segment.first; });
    if (after == segments.begin()) return masked;
    const auto& segment = *(after - 1);
    return segment.second + (masked - segment.first);
}

CompileError MaskedSource::error_at(std::size_t masked, std::string message) const {
    const LineIndex lines(source);
    return mustache_detail::error_at(file, lines, source_offset(masked), std::move(message));
}

Result<MaskedSource, CompileError> mask_template(std::string_view file, std::string_view source) {
    using Masked = Result<MaskedSource, CompileError>;
    const LineIndex lines(source);
    auto tokens = mustache_detail::tokenize(file, source, lines);
    if (!tokens) return Masked::failure(tokens.error());
    MaskedSource masked;
    masked.file = std::string(file);
    masked.source = std::string(source);
    masked.text.reserve(source.size());
    Delimiters current;
    for (const Token& token : tokens.value()) {
        if (token.kind == TokenKind::text) {
            masked.segments.emplace_back(masked.text.size(), token.begin);
            masked.text.append(token.content);
            continue;
        }
        MaskedTag tag;
        tag.kind = token.kind;
        tag.name = std::string(token.content);
        tag.source_begin = token.begin;
        tag.source_end =
            static_cast<std::size_t>(token.closing.data() - source.data()) + token.closing.size();
        if (token.kind == TokenKind::delimiters) current = parse_delimiters(token.content, current);
        tag.after = current;
        append_atom(masked.text, masked.tags.size());
        masked.tags.push_back(std::move(tag));
    }
    return Masked::success(std::move(masked));
}

std::optional<Atom> atom_at(std::string_view text, std::size_t at) {
    if (at >= text.size() || text[at] != kAtomOpen) return std::nullopt;
    const std::size_t close = text.find(kAtomClose, at + 1);
    if (close == std::string_view::npos) return std::nullopt;
    Atom atom;
    const auto [end, error] =
        std::from_chars(text.data() + at + 1, text.data() + close, atom.index);
    if (error != std::errc{} || end != text.data() + close) return std::nullopt;
    atom.end = close + 1;
    return atom;
}

void append_atom(std::string& out, std::size_t index) {
    out += kAtomOpen;
    out += std::to_string(index);
    out += kAtomClose;
}

void append_tag(std::string& out, const MaskedTag& tag, const Delimiters& delimiters) {
    if (tag.kind == TokenKind::comment || tag.kind == TokenKind::delimiters) return;
    out += delimiters.open;
    out += sigil_of(tag.kind);
    out += tag.name;
    out += delimiters.close;
}

std::string unmask(const MaskedSource& masked, std::string_view text,
                   const std::vector<MaskedTag>& inserted) {
    std::string out;
    out.reserve(masked.source.size() + inserted.size() * 32);
    Delimiters current;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t next = text.find(kAtomOpen, at);
        out.append(text.substr(at, next - at));
        if (next == std::string_view::npos) break;
        const auto atom = atom_at(text, next);
        if (!atom) {  // cannot happen: sources hold no control characters
            out += text[next];
            at = next + 1;
            continue;
        }
        if (atom->index < masked.tags.size()) {
            const MaskedTag& tag = masked.tags[atom->index];
            out.append(masked.source, tag.source_begin, tag.source_end - tag.source_begin);
            current = tag.after;
        } else {
            append_tag(out, inserted.at(atom->index - masked.tags.size()), current);
        }
        at = atom->end;
    }
    return out;
}

}  // namespace brevduva::templates
