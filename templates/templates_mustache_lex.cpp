// Splitting a Mustache source into text and tags, and pairing sections with their closes.
#include <algorithm>
#include <string>

#include "templates/templates_mustache_tokens.hpp"

namespace brevduva::templates::mustache_detail {
namespace {

constexpr std::string_view whitespace = " \t\r\n\f\v";

struct Delimiters {
    std::string_view open = "{{";
    std::string_view close = "}}";
};

std::string_view trim(std::string_view text) {
    const std::size_t first = text.find_first_not_of(whitespace);
    if (first == std::string_view::npos) return {};
    const std::size_t last = text.find_last_not_of(whitespace);
    return text.substr(first, last - first + 1);
}

std::string tag_text(const Token& token) {
    return std::string(token.opening) + std::string(token.content) + std::string(token.closing);
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// One line at most per text token, so that standalone lines can be judged token by token.
void push_text(std::vector<Token>& tokens, std::string_view source, std::size_t from,
               std::size_t to) {
    const std::string_view text = source.substr(0, to);  // never search past the text
    while (from < to) {
        const std::size_t newline = text.find('\n', from);
        const std::size_t stop = newline == std::string_view::npos ? to : newline + 1;
        Token token;
        token.content = source.substr(from, stop - from);
        token.begin = from;
        tokens.push_back(token);
        from = stop;
    }
}

TokenKind kind_of_sigil(char sigil) {
    switch (sigil) {
        case '#':
            return TokenKind::section;
        case '^':
            return TokenKind::inverted;
        case '/':
            return TokenKind::close;
        case '>':
            return TokenKind::partial;
        case '<':
            return TokenKind::parent;
        case '$':
            return TokenKind::block;
        case '!':
            return TokenKind::comment;
        case '&':
        case '{':
            return TokenKind::raw;
        case '=':
            return TokenKind::delimiters;
        default:
            return TokenKind::escaped;
    }
}

// Where a tag's closing starts: the closing delimiter, preceded by `before` for {{{x}}} and
// {{=a b=}}. npos when the source ends first.
std::size_t find_closing(std::string_view source, std::size_t from, char before,
                         std::string_view close) {
    std::size_t at = source.find(close, from);
    if (before == 0) return at;
    while (at != std::string_view::npos && (at == from || source[at - 1] != before)) {
        at = source.find(close, at + 1);
    }
    return at == std::string_view::npos ? at : at - 1;
}

std::optional<std::string> check_name(const Token& token) {
    const std::string_view name = token.content;
    if (name.empty()) return "empty tag " + tag_text(token);
    if (name.find_first_of(whitespace) != std::string_view::npos) {
        return "tag name " + quoted(name) + " contains whitespace";
    }
    const bool file_name = token.kind == TokenKind::partial || token.kind == TokenKind::parent ||
                           token.kind == TokenKind::block;
    if (file_name) {
        if (name.front() == '*')
            return "dynamic names such as " + quoted(name) + " are not supported";
        return std::nullopt;
    }
    if (name == ".") return std::nullopt;
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) {
        return "bad dotted name " + quoted(name);
    }
    return std::nullopt;
}

std::optional<Delimiters> parse_delimiters(std::string_view content) {
    const std::size_t gap = content.find_first_of(whitespace);
    if (gap == std::string_view::npos) return std::nullopt;
    Delimiters next{content.substr(0, gap), trim(content.substr(gap))};
    if (next.close.empty() || next.close.find_first_of(whitespace) != std::string_view::npos ||
        next.open.find('=') != std::string_view::npos ||
        next.close.find('=') != std::string_view::npos) {
        return std::nullopt;
    }
    return next;
}

struct Scanner {
    std::string_view file;
    std::string_view source;
    const LineIndex& lines;
    Delimiters delimiters;
    std::vector<Token> tokens;

    // Reads the tag at `start`; returns where the text after it begins.
    Result<std::size_t, CompileError> scan_tag(std::size_t start) {
        std::size_t body = start + delimiters.open.size();
        Token token;
        token.begin = start;
        token.kind = body < source.size() ? kind_of_sigil(source[body]) : TokenKind::escaped;
        if (token.kind != TokenKind::escaped) ++body;
        const char before = body > 0 && source[body - 1] == '{' && token.kind == TokenKind::raw
                                ? '}'
                                : (token.kind == TokenKind::delimiters ? '=' : '\0');
        token.opening = source.substr(start, body - start);
        const std::size_t closing = find_closing(source, body, before, delimiters.close);
        if (closing == std::string_view::npos) {
            const std::string expected =
                (before ? std::string(1, before) : std::string()) + std::string(delimiters.close);
            return Result<std::size_t, CompileError>::failure(error_at(
                file, lines, start,
                "unclosed tag " + quoted(token.opening) + ": no " + quoted(expected) + " follows"));
        }
        const std::size_t after = closing + (before ? 1 : 0) + delimiters.close.size();
        token.closing = source.substr(closing, after - closing);
        token.content = trim(source.substr(body, closing - body));
        if (auto problem = check_tag(token, source.substr(start, after - start))) {
            return Result<std::size_t, CompileError>::failure(
                error_at(file, lines, start, std::move(*problem)));
        }
        tokens.push_back(token);
        return Result<std::size_t, CompileError>::success(after);
    }

    std::optional<std::string> check_tag(const Token& token, std::string_view written) {
        if (token.kind == TokenKind::comment) return std::nullopt;
        if (token.kind != TokenKind::delimiters) return check_name(token);
        const auto next = parse_delimiters(token.content);
        if (!next) {
            return "bad delimiter change " + std::string(written) +
                   ": it needs two delimiters separated by whitespace, without \"=\"";
        }
        delimiters = *next;
        return std::nullopt;
    }
};

}  // namespace

LineIndex::LineIndex(std::string_view source) : source_(source) {
    line_starts_.push_back(0);
    for (std::size_t at = source.find('\n'); at != std::string_view::npos;
         at = source.find('\n', at + 1)) {
        line_starts_.push_back(at + 1);
    }
}

LineIndex::Position LineIndex::at(std::size_t offset) const {
    const auto next = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const std::size_t line = static_cast<std::size_t>(next - line_starts_.begin());
    std::size_t from = line_starts_[line - 1];
    std::uint32_t column = 1;
    if (last_.line == line && last_offset_ <= offset) {
        from = last_offset_;
        column = last_.column;
    }
    for (std::size_t at = from; at < offset && at < source_.size(); ++at) {
        // Continuation bytes do not start a code point.
        if ((static_cast<unsigned char>(source_[at]) & 0xC0) != 0x80) ++column;
    }
    last_offset_ = offset;
    last_ = Position{static_cast<std::uint32_t>(line), column};
    return last_;
}

CompileError error_at(std::string_view file, const LineIndex& lines, std::size_t offset,
                      std::string message) {
    const LineIndex::Position position = lines.at(offset);
    return CompileError{std::string(file), position.line, position.column, std::move(message)};
}

bool is_tag(const Token& token) { return token.kind != TokenKind::text; }

bool is_container_open(TokenKind kind) {
    return kind == TokenKind::section || kind == TokenKind::inverted || kind == TokenKind::parent ||
           kind == TokenKind::block;
}

TokenResult tokenize(std::string_view file, std::string_view source, const LineIndex& lines) {
    Scanner scanner{file, source, lines, Delimiters{}, {}};
    std::size_t position = 0;
    while (position < source.size()) {
        const std::size_t start = source.find(scanner.delimiters.open, position);
        if (start == std::string_view::npos) {
            push_text(scanner.tokens, source, position, source.size());
            break;
        }
        push_text(scanner.tokens, source, position, start);
        auto scanned = scanner.scan_tag(start);
        if (!scanned) return TokenResult::failure(scanned.error());
        position = scanned.value();
    }
    return TokenResult::success(std::move(scanner.tokens));
}

std::optional<CompileError> pair_sections(std::string_view file, std::vector<Token>& tokens,
                                          const LineIndex& lines) {
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        Token& token = tokens[i];
        const bool in_parent = !open.empty() && tokens[open.back()].kind == TokenKind::parent;
        const bool allowed_in_parent =
            token.kind == TokenKind::text || token.kind == TokenKind::comment ||
            token.kind == TokenKind::delimiters || token.kind == TokenKind::block ||
            token.kind == TokenKind::close;
        if (in_parent && !allowed_in_parent) {
            const LineIndex::Position at = lines.at(tokens[open.back()].begin);
            return error_at(file, lines, token.begin,
                            tag_text(token) + " inside parent " + tag_text(tokens[open.back()]) +
                                " opened at " + std::to_string(at.line) + ":" +
                                std::to_string(at.column) +
                                ": only {{$block}} overrides may appear there");
        }
        if (is_container_open(token.kind)) {
            open.push_back(i);
        } else if (token.kind == TokenKind::close) {
            if (open.empty()) {
                return error_at(file, lines, token.begin, tag_text(token) + " closes nothing");
            }
            Token& opener = tokens[open.back()];
            if (opener.content != token.content) {
                const LineIndex::Position at = lines.at(opener.begin);
                return error_at(file, lines, token.begin,
                                tag_text(token) + " closes " + tag_text(opener) + " opened at " +
                                    std::to_string(at.line) + ":" + std::to_string(at.column));
            }
            opener.partner = i;
            token.partner = open.back();
            open.pop_back();
        }
    }
    if (!open.empty()) {
        const Token& opener = tokens[open.back()];
        return error_at(file, lines, opener.begin, tag_text(opener) + " is never closed");
    }
    return std::nullopt;
}

}  // namespace brevduva::templates::mustache_detail
