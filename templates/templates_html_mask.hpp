// A Mustache source seen as HTML (internal to the templates component). The HTML of a campaign
// is read twice before any recipient: to find its links (templates_tracking) and to derive the
// text part (templates_text). Both need to see the markup around the tags without mistaking a
// tag for markup or text, so each tag is replaced by an atom, "\x01<index>\x02", that the HTML
// lexer passes through as an opaque word, and is put back afterwards. Template sources may not
// hold C0 control characters (templates_campaign refuses them), so an atom is never ambiguous.
// Pure; no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "templates/templates_mustache.hpp"
#include "templates/templates_mustache_tokens.hpp"

namespace brevduva::templates {

inline constexpr char kAtomOpen = '\x01';
inline constexpr char kAtomClose = '\x02';

struct Delimiters {
    std::string open = "{{";
    std::string close = "}}";
};

struct MaskedTag {
    mustache_detail::TokenKind kind = mustache_detail::TokenKind::escaped;
    std::string name;              // as written, trimmed
    std::size_t source_begin = 0;  // the tag's bytes in the source
    std::size_t source_end = 0;
    Delimiters after;  // the delimiters in force after this tag
};

struct MaskedSource {
    std::string file;
    std::string source;  // the original
    std::string text;    // the source with every tag replaced by its atom
    std::vector<MaskedTag> tags;

    // The source offset of a byte of `text` that is not inside an atom.
    [[nodiscard]] std::size_t source_offset(std::size_t masked) const;
    // "file:line:column" style position of a byte of `text`.
    [[nodiscard]] CompileError error_at(std::size_t masked, std::string message) const;

    // Masked offset → source offset at the start of each run of literal text.
    std::vector<std::pair<std::size_t, std::size_t>> segments;
};

[[nodiscard]] Result<MaskedSource, CompileError> mask_template(std::string_view file,
                                                               std::string_view source);

// The atom at `at` (text[at] == kAtomOpen): its tag index and the offset just past it.
struct Atom {
    std::size_t index = 0;
    std::size_t end = 0;
};
[[nodiscard]] std::optional<Atom> atom_at(std::string_view text, std::size_t at);

void append_atom(std::string& out, std::size_t index);

// Writes the tag back as Mustache under `delimiters` ("{{#name}}", "{{&name}}", …). Comments
// and delimiter changes write nothing.
void append_tag(std::string& out, const MaskedTag& tag, const Delimiters& delimiters);

// Puts every atom of `text` back as the tag's original bytes. `inserted` names extra atoms
// (indices from tags.size() on) written with the delimiters in force where they stand.
[[nodiscard]] std::string unmask(const MaskedSource& masked, std::string_view text,
                                 const std::vector<MaskedTag>& inserted = {});

}  // namespace brevduva::templates
