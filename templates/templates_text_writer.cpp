#include "templates/templates_text_writer.hpp"

#include <algorithm>

namespace brevduva::templates {
namespace {

constexpr std::string_view kRule = "----------------------------------------";

bool is_collapsible_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

}  // namespace

void TextWriter::text(std::string_view decoded) {
    for (const char c : decoded) {
        if (is_collapsible_space(c)) {
            flush_word();
            if (line_open_) pending_space_ = true;
            continue;
        }
        word_ += c;
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++word_width_;
    }
}

void TextWriter::preformatted(std::string_view decoded) {
    flush_word();
    std::size_t from = 0;
    while (from <= decoded.size()) {
        const std::size_t newline = std::min(decoded.find('\n', from), decoded.size());
        std::string_view line = decoded.substr(from, newline - from);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) {
            start_line_if_needed();
            out_.append(line);
            column_ += display_width(line);
        }
        if (newline == decoded.size()) break;
        new_line();
        from = newline + 1;
    }
    pending_space_ = false;
}

void TextWriter::word(std::string_view whole) {
    flush_word();
    word_.assign(whole);
    word_width_ = display_width(whole);
    flush_word();
}

void TextWriter::atom(std::string_view bytes, AtomRole role, std::size_t width) {
    switch (role) {
        case AtomRole::inline_value:
            word_.append(bytes);
            word_width_ += width;
            return;
        case AtomRole::attached:
        case AtomRole::scope_close:
            (word_.empty() ? out_ : word_).append(bytes);
            return;
        case AtomRole::include:
        case AtomRole::scope_open:
            flush_word();
            // Between blocks of text they stand apart like paragraphs; inline they stay inline.
            if (!line_open_) ensure_breaks(2);
            if (pending_space_) out_ += ' ';
            pending_space_ = false;
            out_.append(bytes);
            if (role == AtomRole::include) {
                line_open_ = true;  // the partial's own text continues this line
                column_ += kGuessedValueWidth;
            } else {
                line_open_ = false;  // the block's content lays out as from a line start
                column_ = 0;
            }
            return;
    }
}

void TextWriter::request_break(int lines) {
    flush_word();
    ensure_breaks(lines);
    pending_space_ = false;
}

void TextWriter::hard_break() {
    flush_word();
    if (line_open_) {
        new_line();
    } else if (trailing_newlines() < 2) {
        ensure_breaks(trailing_newlines() + 1);
    }
    pending_space_ = false;
}

void TextWriter::rule() {
    request_break(2);
    word(kRule);
    request_break(2);
}

void TextWriter::push_prefix(std::string first, std::string rest) {
    flush_word();
    prefixes_.push_back(Prefix{std::move(first), std::move(rest)});
}

void TextWriter::pop_prefix() {
    flush_word();
    if (!prefixes_.empty()) prefixes_.pop_back();
}

std::size_t TextWriter::mark() {
    flush_word();
    return out_.size();
}

std::string TextWriter::text_since(std::size_t mark) {
    flush_word();
    std::string collapsed;
    bool space = false;
    for (std::size_t i = std::min(mark, out_.size()); i < out_.size(); ++i) {
        if (is_collapsible_space(out_[i])) {
            space = !collapsed.empty();
            continue;
        }
        if (space) collapsed += ' ';
        space = false;
        collapsed += out_[i];
    }
    return collapsed;
}

std::string TextWriter::finish() {
    flush_word();
    return std::move(out_);
}

void TextWriter::flush_word() {
    if (word_.empty()) return;
    if (!line_open_) {
        start_line_if_needed();
    } else if (pending_space_) {
        if (column_ + 1 + word_width_ > width_ && column_ > line_start_column_) {
            new_line();
            start_line_if_needed();
        } else {
            out_ += ' ';
            ++column_;
        }
    }
    out_ += word_;
    column_ += word_width_;
    word_.clear();
    word_width_ = 0;
    pending_space_ = false;
}

void TextWriter::start_line_if_needed() {
    if (line_open_) return;
    for (Prefix& prefix : prefixes_) {
        const std::string& text = prefix.used ? prefix.rest : prefix.first;
        out_ += text;
        column_ += display_width(text);
        prefix.used = true;
    }
    line_start_column_ = column_;
    line_open_ = true;
}

void TextWriter::new_line() {
    // Mustache removes a line holding only a section, partial or block tag together with its
    // line break ("standalone"); a second break keeps the one this line was meant to end with.
    const bool standalone = line_holds_only_tags();
    out_ += standalone ? "\n\n" : "\n";
    column_ = 0;
    line_open_ = false;
}

bool TextWriter::line_holds_only_tags() const {
    const std::size_t start = out_.rfind('\n') == std::string::npos ? 0 : out_.rfind('\n') + 1;
    bool any = false;
    for (std::size_t at = start; at < out_.size();) {
        const std::size_t close = out_.find('\x02', at);
        if (out_[at] != '\x01' || close == std::string::npos || close == at + 1) return false;
        if (std::string_view("#^/><$").find(out_[at + 1]) == std::string_view::npos) return false;
        any = true;
        at = close + 1;
    }
    return any;
}

// Line breaks are written when a block ends, not before the next one begins, so that a loop
// over list items or paragraphs ends each item with its own break: "{{#items}}- x\n{{/items}}".
// A break already written counts, looking through the section tags after it.
void TextWriter::ensure_breaks(int lines) {
    if (out_.empty()) return;
    const int have = line_open_ ? 0 : trailing_newlines();
    for (int i = have; i < lines; ++i) new_line();
}

int TextWriter::trailing_newlines() const {
    int count = 0;
    std::size_t at = out_.size();
    while (at > 0 && count < 2) {
        const char c = out_[at - 1];
        if (c == '\n') {
            ++count;
            --at;
        } else if (c == '\x02') {  // the end of a tag written back: look through it
            const std::size_t open = out_.rfind('\x01', at - 1);
            if (open == std::string::npos) break;
            at = open;
        } else {
            return count;
        }
    }
    return at == 0 ? 2 : count;  // the start counts as a paragraph break
}

}  // namespace brevduva::templates
