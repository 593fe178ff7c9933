// Lays text out as a plain-text e-mail part (internal to the templates component): collapses
// whitespace, wraps at a width without breaking words or URLs, keeps paragraph and line
// breaks, and prefixes lines for list items, quotes and headings. Mustache tags pass through
// as atoms: an interpolation counts as a word of a guessed width (its value is not known
// yet); line breaks are written as blocks end, so that a loop repeats its breaks, and a
// section that renders nothing leaves at most extra blank lines, which tidy_text() removes
// per recipient; includes and blocks stand between blocks of text. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace brevduva::templates {

// The width an interpolation is guessed to take: a first name, a company, a date. A URL
// (unsubscribe_url) is guessed at kGuessedUrlWidth.
inline constexpr std::size_t kGuessedValueWidth = 8;
inline constexpr std::size_t kGuessedUrlWidth = 64;

// How a Mustache tag behaves in the layout.
enum class AtomRole {
    inline_value,  // an interpolation: part of a word
    attached,      // section, inverted, close of those: zero width
    include,       // partial: stands on its own between blocks
    scope_open,    // parent or block open: its content starts fresh
    scope_close,   // parent or block close: breaks pending inside are dropped
};

class TextWriter {
  public:
    explicit TextWriter(std::size_t width) : width_(width) {}

    // Text whose whitespace collapses (entities already decoded).
    void text(std::string_view decoded);
    // Text kept as written (pre): line breaks become lines, nothing wraps.
    void preformatted(std::string_view decoded);
    // One word that is never split, e.g. "(https://example.se/a)".
    void word(std::string_view word);
    // `width`: how wide an inline_value is guessed to be.
    void atom(std::string_view bytes, AtomRole role, std::size_t width = kGuessedValueWidth);

    // 1: what follows starts a new line; 2: it starts a new paragraph.
    void request_break(int lines);
    void hard_break();  // <br>: one more line break, at most a blank line
    void rule();        // <hr>

    // Every line of the block begun here starts with `first` once, then `rest`.
    void push_prefix(std::string first, std::string rest);
    void pop_prefix();

    // Where the text written from now on begins, and that text (words flushed, whitespace
    // collapsed to single spaces): a link compares its text with its URL.
    [[nodiscard]] std::size_t mark();
    [[nodiscard]] std::string text_since(std::size_t mark);

    [[nodiscard]] std::string finish();

  private:
    struct Prefix {
        std::string first;
        std::string rest;
        bool used = false;
    };

    void flush_word();
    void start_line_if_needed();
    void new_line();
    void ensure_breaks(int lines);
    [[nodiscard]] int trailing_newlines() const;
    [[nodiscard]] bool line_holds_only_tags() const;

    std::size_t width_;
    std::string out_;
    std::string word_;
    std::size_t word_width_ = 0;
    std::size_t column_ = 0;
    std::size_t line_start_column_ = 0;  // where the text of the current line begins
    bool line_open_ = false;             // the current line has its prefix and text
    bool pending_space_ = false;
    std::vector<Prefix> prefixes_;
};

}  // namespace brevduva::templates
