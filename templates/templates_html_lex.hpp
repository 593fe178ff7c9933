// A small HTML lexer for the two readings of a campaign's HTML made once per campaign: finding
// its links and deriving its text part (internal to the templates component). It follows the
// HTML tokenizer where e-mail HTML goes (tags, quoted and unquoted attributes, comments,
// conditional comments, doctype, script and style as raw text) and never fails: what is not
// markup is text. Names are compared case-insensitively, as written. Pure; no allocation
// beyond the attribute list it reuses.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace brevduva::templates {

struct HtmlAttribute {
    std::string_view name;
    std::string_view value;       // raw, entities not decoded; empty when there is none
    std::size_t value_begin = 0;  // offsets of the value in the lexed text (inside the quotes)
    std::size_t value_end = 0;
    bool has_value = false;
};

enum class HtmlEventKind { text, start_tag, end_tag, comment, raw_text };

struct HtmlEvent {
    HtmlEventKind kind = HtmlEventKind::text;
    std::string_view text;  // text, comment and raw_text: the content; tags: the whole tag
    std::string_view name;  // tags: the element name as written
    std::vector<HtmlAttribute> attributes;
    bool self_closing = false;
    std::size_t begin = 0;  // offset of the event in the lexed text
};

class HtmlLexer {
  public:
    explicit HtmlLexer(std::string_view html) : html_(html) {}

    // Fills `event` with the next piece; false at the end.
    bool next(HtmlEvent& event);

  private:
    bool lex_markup(HtmlEvent& event);
    void lex_attributes(HtmlEvent& event, std::size_t& at);
    void lex_comment(HtmlEvent& event);

    std::string_view html_;
    std::size_t at_ = 0;
    std::string raw_text_end_;  // "</script" after <script>: the content up to it is raw
};

[[nodiscard]] bool iequals(std::string_view a, std::string_view b);
[[nodiscard]] const HtmlAttribute* find_attribute(const HtmlEvent& event, std::string_view name);

// Appends text with its character references decoded: &amp; &#229; &#xE5; and the named
// references e-mail HTML uses. &nbsp; and references to whitespace become a plain space;
// references to zero-width characters, the soft hyphen, controls and surrogates vanish (so a
// decoded text never holds a control character); an unknown name stays as written.
void append_decoded(std::string& out, std::string_view text);

}  // namespace brevduva::templates
