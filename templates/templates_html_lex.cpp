#include "templates/templates_html_lex.hpp"

#include <array>
#include <charconv>
#include <cstdint>

namespace brevduva::templates {
namespace {

constexpr std::string_view kSpaces = " \t\r\n\f";

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) { return kSpaces.find(c) != std::string_view::npos; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// Case-insensitive search for an ASCII needle.
std::size_t ifind(std::string_view haystack, std::string_view needle, std::size_t from) {
    for (std::size_t at = from; at + needle.size() <= haystack.size(); ++at) {
        if (iequals(haystack.substr(at, needle.size()), needle)) return at;
    }
    return std::string_view::npos;
}

// Elements whose content is not markup: it ends only at the matching end tag.
bool is_raw_text_element(std::string_view name) {
    for (const std::string_view raw : {"script", "style", "title", "textarea", "xmp"}) {
        if (iequals(name, raw)) return true;
    }
    return false;
}

struct NamedReference {
    std::string_view name;
    std::string_view text;
};

// The named references e-mail HTML uses, Swedish letters first; "" drops the character.
constexpr std::array<NamedReference, 62> kNamed{{
    {"aring", "å"},  {"Aring", "Å"},  {"auml", "ä"},   {"Auml", "Ä"},   {"ouml", "ö"},
    {"Ouml", "Ö"},   {"eacute", "é"}, {"Eacute", "É"}, {"egrave", "è"}, {"uuml", "ü"},
    {"Uuml", "Ü"},   {"aelig", "æ"},  {"AElig", "Æ"},  {"oslash", "ø"}, {"Oslash", "Ø"},
    {"szlig", "ß"},  {"agrave", "à"}, {"aacute", "á"}, {"acirc", "â"},  {"ccedil", "ç"},
    {"ecirc", "ê"},  {"iacute", "í"}, {"ntilde", "ñ"}, {"oacute", "ó"}, {"ocirc", "ô"},
    {"uacute", "ú"}, {"amp", "&"},    {"lt", "<"},     {"gt", ">"},     {"quot", "\""},
    {"apos", "'"},   {"nbsp", " "},   {"ensp", " "},   {"emsp", " "},   {"thinsp", " "},
    {"shy", ""},     {"zwnj", ""},    {"zwj", ""},     {"lrm", ""},     {"rlm", ""},
    {"copy", "©"},   {"reg", "®"},    {"trade", "™"},  {"hellip", "…"}, {"mdash", "—"},
    {"ndash", "–"},  {"lsquo", "‘"},  {"rsquo", "’"},  {"ldquo", "“"},  {"rdquo", "”"},
    {"laquo", "«"},  {"raquo", "»"},  {"bdquo", "„"},  {"euro", "€"},   {"pound", "£"},
    {"sect", "§"},   {"middot", "·"}, {"bull", "•"},   {"deg", "°"},    {"times", "×"},
    {"rarr", "→"},   {"larr", "←"},
}};

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// What a numeric reference stands for in text: whitespace becomes a space; controls,
// surrogates, zero-width characters and the soft hyphen vanish.
void append_code_point(std::string& out, std::uint32_t cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0) {
        out += ' ';
        return;
    }
    const bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
    const bool invisible = cp == 0xAD || cp == 0x34F || (cp >= 0x200B && cp <= 0x200F) ||
                           cp == 0xFEFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF;
    if (!control && !invisible) append_utf8(out, cp);
}

// Decodes the reference at text[at] == '&'; returns how many bytes it took (0: not one).
std::size_t decode_reference(std::string& out, std::string_view text, std::size_t at) {
    const std::size_t semicolon = text.find(';', at + 1);
    if (semicolon == std::string_view::npos || semicolon - at > 12) return 0;
    const std::string_view body = text.substr(at + 1, semicolon - at - 1);
    if (body.size() >= 2 && body[0] == '#') {
        const bool hex = body[1] == 'x' || body[1] == 'X';
        const std::string_view digits = body.substr(hex ? 2 : 1);
        std::uint32_t cp = 0;
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
        if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size()) {
            return 0;
        }
        append_code_point(out, cp);
        return semicolon - at + 1;
    }
    for (const NamedReference& named : kNamed) {
        if (named.name == body) {
            out += named.text;
            return semicolon - at + 1;
        }
    }
    return 0;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

const HtmlAttribute* find_attribute(const HtmlEvent& event, std::string_view name) {
    for (const HtmlAttribute& attribute : event.attributes) {
        if (iequals(attribute.name, name)) return &attribute;
    }
    return nullptr;
}

void append_decoded(std::string& out, std::string_view text) {
    std::size_t from = 0;
    for (std::size_t at = text.find('&'); at != std::string_view::npos;
         at = text.find('&', at + 1)) {
        out.append(text.substr(from, at - from));
        const std::size_t taken = decode_reference(out, text, at);
        if (taken == 0) {
            out += '&';
            from = at + 1;
        } else {
            from = at + taken;
            at = from - 1;
        }
    }
    out.append(text.substr(from));
}

bool HtmlLexer::next(HtmlEvent& event) {
    if (at_ >= html_.size()) return false;
    event.attributes.clear();
    event.self_closing = false;
    event.name = {};
    event.begin = at_;
    if (!raw_text_end_.empty()) {
        std::size_t end = ifind(html_, raw_text_end_, at_);
        if (end == std::string_view::npos) end = html_.size();
        raw_text_end_.clear();
        event.kind = HtmlEventKind::raw_text;
        event.text = html_.substr(at_, end - at_);
        at_ = end;
        if (!event.text.empty()) return true;
        return next(event);
    }
    if (html_[at_] == '<' && lex_markup(event)) return true;
    // Text runs to the next '<' that starts markup.
    std::size_t end = at_ + 1;
    for (; end < html_.size(); ++end) {
        if (html_[end] != '<' || end + 1 >= html_.size()) continue;
        const char c = html_[end + 1];
        if (is_letter(c) || c == '!' || c == '?' ||
            (c == '/' && end + 2 < html_.size() && is_letter(html_[end + 2]))) {
            break;
        }
    }
    event.kind = HtmlEventKind::text;
    event.text = html_.substr(at_, end - at_);
    at_ = end;
    return true;
}

bool HtmlLexer::lex_markup(HtmlEvent& event) {
    const std::string_view rest = html_.substr(at_);
    if (rest.size() < 2) return false;
    if (rest[1] == '!' || rest[1] == '?') {
        lex_comment(event);
        return true;
    }
    const bool end_tag = rest[1] == '/';
    const std::size_t name_at = at_ + (end_tag ? 2 : 1);
    if (name_at >= html_.size() || !is_letter(html_[name_at])) return false;
    std::size_t at = name_at;
    while (at < html_.size() && !is_space(html_[at]) && html_[at] != '/' && html_[at] != '>') ++at;
    event.kind = end_tag ? HtmlEventKind::end_tag : HtmlEventKind::start_tag;
    event.name = html_.substr(name_at, at - name_at);
    lex_attributes(event, at);
    if (end_tag) event.attributes.clear();
    event.text = html_.substr(at_, at - at_);
    at_ = at;
    if (!end_tag && !event.self_closing && is_raw_text_element(event.name)) {
        raw_text_end_ = "</" + std::string(event.name);
    }
    return true;
}

void HtmlLexer::lex_attributes(HtmlEvent& event, std::size_t& at) {
    while (at < html_.size()) {
        const char c = html_[at];
        if (c == '>') {
            ++at;
            return;
        }
        if (is_space(c) || c == '/') {
            event.self_closing = c == '/' && at + 1 < html_.size() && html_[at + 1] == '>';
            ++at;
            continue;
        }
        HtmlAttribute attribute;
        const std::size_t name_at = at;
        ++at;  // a name may start with '=' in HTML; it is taken as part of the name
        while (at < html_.size() && !is_space(html_[at]) && html_[at] != '/' && html_[at] != '>' &&
               html_[at] != '=') {
            ++at;
        }
        attribute.name = html_.substr(name_at, at - name_at);
        std::size_t look = at;
        while (look < html_.size() && is_space(html_[look])) ++look;
        if (look < html_.size() && html_[look] == '=') {
            at = look + 1;
            while (at < html_.size() && is_space(html_[at])) ++at;
            const char quote = at < html_.size() ? html_[at] : '\0';
            const bool quoted = quote == '"' || quote == '\'';
            attribute.value_begin = quoted ? at + 1 : at;
            std::size_t end = attribute.value_begin;
            while (end < html_.size() &&
                   (quoted ? html_[end] != quote : !is_space(html_[end]) && html_[end] != '>')) {
                ++end;
            }
            attribute.value_end = end;
            attribute.value = html_.substr(attribute.value_begin, end - attribute.value_begin);
            attribute.has_value = true;
            at = quoted && end < html_.size() ? end + 1 : end;
        }
        event.attributes.push_back(attribute);
    }
}

void HtmlLexer::lex_comment(HtmlEvent& event) {
    event.kind = HtmlEventKind::comment;
    const bool real = html_.substr(at_, 4) == "<!--";
    std::size_t end = html_.find(real ? "-->" : ">", at_ + (real ? 4 : 2));
    end = end == std::string_view::npos ? html_.size() : end + (real ? 3 : 1);
    event.text = html_.substr(at_, end - at_);
    at_ = end;
}

}  // namespace brevduva::templates
