// The text part derived from the HTML: the tags' layout roles, the derivation of a text
// template, and the per-recipient tidying. See templates_text.hpp.
#include "templates/templates_text.hpp"

#include <cstring>
#include <vector>

#include "templates/templates_text_convert.hpp"

namespace brevduva::templates {

// The derived text template's delimiters: no text can hold them (sources refuse controls, and
// decoding a reference never makes one).
constexpr std::string_view kDelimiterSwitch = "{{=\x01 \x02=}}";

namespace text_detail {
namespace {

using mustache_detail::TokenKind;

constexpr std::string_view kHiddenBlockPrefix = "__hidden_";
const Delimiters kTextDelimiters{"\x01", "\x02"};

// A block whose site is in markup the text drops (<title>{{$title}}…) must not show an
// override's content in the text: it is renamed there, so no override matches it.
std::string hidden_block_tag(const MaskedTag& tag) {
    MaskedTag renamed = tag;
    renamed.name = std::string(kHiddenBlockPrefix) + tag.name;
    std::string bytes;
    append_tag(bytes, renamed, kTextDelimiters);
    return bytes;
}

}  // namespace

std::vector<AtomInfo> describe_atoms(const std::vector<MaskedTag>& tags) {
    std::vector<AtomInfo> atoms(tags.size());
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < tags.size(); ++i) {
        const TokenKind kind = tags[i].kind;
        append_tag(atoms[i].bytes, tags[i], kTextDelimiters);
        if (tags[i].name.ends_with("url")) atoms[i].width = kGuessedUrlWidth;
        const bool scope = kind == TokenKind::parent || kind == TokenKind::block;
        if (kind == TokenKind::section || kind == TokenKind::inverted || scope) open.push_back(i);
        if (kind == TokenKind::block) atoms[i].hidden_bytes = hidden_block_tag(tags[i]);
        if (kind == TokenKind::close) {
            const TokenKind opener = open.empty() ? TokenKind::text : tags[open.back()].kind;
            const bool closes_scope = opener == TokenKind::parent || opener == TokenKind::block;
            atoms[i].role = closes_scope ? AtomRole::scope_close : AtomRole::attached;
            if (opener == TokenKind::block) {
                atoms[i].hidden_bytes = hidden_block_tag(tags[i]);
                atoms[i].partner = open.back();
                atoms[open.back()].partner = i;
            }
            if (!open.empty()) open.pop_back();
        } else if (kind == TokenKind::section || kind == TokenKind::inverted) {
            atoms[i].role = AtomRole::attached;
        } else if (kind == TokenKind::partial) {
            atoms[i].role = AtomRole::include;
        } else if (scope) {
            atoms[i].role = AtomRole::scope_open;
        }
    }
    return atoms;
}

}  // namespace text_detail

using text_detail::AtomInfo;

std::string html_to_text(std::string_view html) {
    const std::vector<AtomInfo> none;
    TextWriter writer(kTextWidth);
    text_detail::convert_html(html, none, writer);
    std::string text = writer.finish();
    tidy_text(text);
    return text;
}

std::string derive_text_source(const MaskedSource& masked) {
    const std::vector<AtomInfo> atoms = text_detail::describe_atoms(masked.tags);
    TextWriter writer(kTextWidth);
    text_detail::convert_html(masked.text, atoms, writer);
    return std::string(kDelimiterSwitch) + writer.finish();
}

// Line by line with memchr: a text of a few kilobytes is tidied in well under a microsecond,
// and nothing moves until the first change.
void tidy_text(std::string& text) {
    char* data = text.data();
    const std::size_t size = text.size();
    std::size_t read = 0;
    std::size_t write = 0;
    std::size_t blank_lines = 0;  // since the last line with text
    bool any = false;
    while (read < size) {
        const void* found = std::memchr(data + read, '\n', size - read);
        const std::size_t newline =
            found ? static_cast<std::size_t>(static_cast<const char*>(found) - data) : size;
        std::size_t end = newline;
        while (end > read && (data[end - 1] == ' ' || data[end - 1] == '\t')) --end;
        if (end == read) {
            ++blank_lines;
        } else {
            if (any) {
                data[write++] = '\n';
                if (blank_lines > 0) data[write++] = '\n';
            }
            if (write != read) std::memmove(data + write, data + read, end - read);
            write += end - read;
            blank_lines = 0;
            any = true;
        }
        read = newline + 1;
    }
    text.resize(write);
    if (any) text += '\n';
}

}  // namespace brevduva::templates
