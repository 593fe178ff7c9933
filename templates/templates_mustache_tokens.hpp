// The first passes of compiling one Mustache source (internal to the templates component):
// split it into text and tags under the delimiters in force, pair every section with its close,
// and decide which lines are standalone. Each pass reports the first mistake with its position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "templates/templates_mustache.hpp"

namespace brevduva::templates::mustache_detail {

inline constexpr std::size_t no_token = static_cast<std::size_t>(-1);

// Maps byte offsets of one source to line:column (column in code points, both from 1).
class LineIndex {
  public:
    explicit LineIndex(std::string_view source);

    struct Position {
        std::uint32_t line = 0;
        std::uint32_t column = 0;
    };
    [[nodiscard]] Position at(std::size_t offset) const;

  private:
    std::string_view source_;
    std::vector<std::size_t> line_starts_;
    // Queries come in source order; resuming from the last one keeps a template written on one
    // long line (minified HTML) linear instead of quadratic.
    mutable std::size_t last_offset_ = 0;
    mutable Position last_;
};

enum class TokenKind : std::uint8_t {
    text,
    escaped,
    raw,
    section,
    inverted,
    close,
    partial,
    parent,
    block,
    comment,
    delimiters,
};

struct Token {
    TokenKind kind = TokenKind::text;
    // text: the literal, at most one line (a '\n' only at its end). Tags: the trimmed name.
    std::string_view content;
    std::size_t begin = 0;     // offset of the text or of the tag's opening delimiter
    std::string_view opening;  // the tag's opening delimiter and sigil, for messages
    std::string_view closing;  // the delimiter that closed it

    // Set by pair_sections: the matching open or close tag.
    std::size_t partner = no_token;
    // Set by mark_standalone.
    bool removed = false;     // whitespace of a standalone line, or a block's indentation
    bool line_start = false;  // the first surviving token of a source line
    bool standalone = false;
    // partial, parent: indentation when standalone. block: the indentation of its content.
    std::string_view indent;
};

[[nodiscard]] bool is_tag(const Token& token);
[[nodiscard]] bool is_container_open(TokenKind kind);

using TokenResult = Result<std::vector<Token>, CompileError>;

[[nodiscard]] TokenResult tokenize(std::string_view file, std::string_view source,
                                   const LineIndex& lines);

// Pairs opens with closes; rejects stray, crossed and unclosed sections, and anything but
// blocks inside a parent (the spec ignores text there; a tag there is a mistake).
[[nodiscard]] std::optional<CompileError> pair_sections(std::string_view file,
                                                        std::vector<Token>& tokens,
                                                        const LineIndex& lines);

// Removes the whitespace of standalone lines and marks line starts and indentation.
void mark_standalone(std::string_view source, std::vector<Token>& tokens);

[[nodiscard]] CompileError error_at(std::string_view file, const LineIndex& lines,
                                    std::size_t offset, std::string message);

}  // namespace brevduva::templates::mustache_detail
