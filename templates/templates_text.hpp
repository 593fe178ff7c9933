// The text/plain part of a campaign that gives only HTML, derived from the HTML template ONCE
// per campaign rather than from each recipient's rendered HTML: converting 8 KB of HTML per
// message would cost about as much as everything else the renderer does. The conversion runs
// over the template source with its Mustache tags masked (templates_html_mask.hpp) and writes a
// text TEMPLATE in which the tags are kept: {{contact.first_name}} stays a variable, a section
// keeps its content, a partial becomes the partial's own derived text. Rendering that template
// per recipient (no escaping) then gives the same text as converting the rendered HTML would,
// except for line wrapping, which guesses the width of a value.
//
// The layout (deterministic):
//   - paragraphs, headings, lists, tables and quotes become blocks separated by a blank line
//     or a line break; <br> is a line break; text wraps at 76 columns between words;
//   - a link is "text (url)", or just the URL when the text is the URL or empty (then an
//     image's alt text stands in for it); mailto: and tel: show the address or number;
//     anchors (#top) and javascript: show only the text;
//   - headings get "# ", "## ", "### "; list items "- " or "1. "; quotes "> ";
//   - <head>, <script>, <style>, <title> and elements hidden with display:none or the hidden
//     attribute are dropped, and so are images, comments and conditional comments;
//   - character references are decoded (&amp; &aring; &#229;); whitespace collapses, except
//     in <pre>, whose lines are kept as written.
// A tag inside markup that is dropped (an attribute, a comment, a <style>) is dropped with it,
// unless it is a section, partial or block tag: those are kept so the structure stays whole.
// Pure; no I/O.
#pragma once

#include <string>
#include <string_view>

#include "templates/templates_html_mask.hpp"

namespace brevduva::templates {

inline constexpr std::size_t kTextWidth = 76;

// The derived text of plain HTML (no Mustache tags), tidied as for a recipient.
[[nodiscard]] std::string html_to_text(std::string_view html);

// The text template derived from one HTML template file (the body, a layout or a partial). It
// begins by switching its delimiters to "\x01" and "\x02", which no text can hold, so text
// decoded from an entity (&#123;&#123;) never turns into a tag.
[[nodiscard]] std::string derive_text_source(const MaskedSource& masked);

// Per recipient, on the rendered derived text: no leading blank lines, at most one blank line
// in a row (a section that rendered nothing may leave more), no spaces at line ends, and one
// final line break. In place; linear.
void tidy_text(std::string& text);

}  // namespace brevduva::templates
