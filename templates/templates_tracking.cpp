#include "templates/templates_tracking.hpp"

#include <cstring>

#include "templates/templates_html_lex.hpp"

namespace brevduva::templates {
namespace {

constexpr std::string_view kPixelStyle =
    "display:none !important;width:1px;height:1px;border:0;margin:0;padding:0";
constexpr std::string_view kPreheaderStyle =
    "display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;"
    "overflow:hidden;mso-hide:all";
// Zero-width non-joiners and non-breaking spaces: invisible, but they fill the preview line.
constexpr std::string_view kPreheaderPadding =
    "&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;"
    "&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;";

std::string trim(const std::string& text) {
    const std::size_t first = text.find_first_not_of(" \t\r\n\f");
    if (first == std::string::npos) return {};
    const std::size_t last = text.find_last_not_of(" \t\r\n\f");
    return text.substr(first, last - first + 1);
}

bool is_web_url(std::string_view url) {
    return iequals(url.substr(0, 7), "http://") || iequals(url.substr(0, 8), "https://");
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// "<body" or "</body" (with the slash in `tag`) followed by a delimiter, from `from` on.
bool is_tag_at(std::string_view html, std::size_t at, std::string_view tag) {
    if (at + tag.size() > html.size()) return false;
    for (std::size_t i = 0; i < tag.size(); ++i) {
        if (lower(html[at + i]) != tag[i]) return false;
    }
    if (at + tag.size() == html.size()) return true;
    const char next = html[at + tag.size()];
    return next == '>' || next == '/' || next == ' ' || next == '\t' || next == '\r' ||
           next == '\n' || next == '\f';
}

// The offset just past the '>' that ends the tag starting at `at` (quotes respected).
std::size_t tag_end(std::string_view html, std::size_t at) {
    char quote = 0;
    for (std::size_t i = at; i < html.size(); ++i) {
        const char c = html[i];
        if (quote != 0) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return html.size();
}

std::size_t find_tag(std::string_view html, std::string_view tag) {
    for (const char* at = static_cast<const char*>(std::memchr(html.data(), '<', html.size()));
         at != nullptr;) {
        const auto offset = static_cast<std::size_t>(at - html.data());
        if (is_tag_at(html, offset, tag)) return offset;
        at = static_cast<const char*>(std::memchr(at + 1, '<', html.size() - offset - 1));
    }
    return std::string_view::npos;
}

std::size_t rfind_tag(std::string_view html, std::string_view tag) {
    for (std::size_t at = html.rfind('<'); at != std::string_view::npos;
         at = at == 0 ? std::string_view::npos : html.rfind('<', at - 1)) {
        if (is_tag_at(html, at, tag)) return at;
    }
    return std::string_view::npos;
}

void append_attribute_value(std::string& out, std::string_view value) {
    for (const char c : value) {
        if (c == '&') {
            out += "&amp;";
        } else if (c == '"') {
            out += "&quot;";
        } else {
            out += c;
        }
    }
}

}  // namespace

std::string click_key(std::uint32_t link_id) { return "c" + std::to_string(link_id); }

std::string track_links(const MaskedSource& masked, std::vector<CampaignLink>& links) {
    std::string text;
    std::vector<MaskedTag> inserted;
    HtmlLexer lexer(masked.text);
    HtmlEvent event;
    std::size_t copied = 0;
    while (lexer.next(event)) {
        if (event.kind != HtmlEventKind::start_tag || !iequals(event.name, "a")) continue;
        const HtmlAttribute* href = find_attribute(event, "href");
        if (href == nullptr || !href->has_value || find_attribute(event, "data-notrack") ||
            href->value.find(kAtomOpen) != std::string_view::npos) {
            continue;
        }
        std::string url;
        append_decoded(url, href->value);
        url = trim(url);
        if (!is_web_url(url)) continue;
        CampaignLink link;
        link.id = static_cast<std::uint32_t>(links.size() + 1);
        link.url = std::move(url);
        const CompileError where = masked.error_at(href->value_begin, {});
        link.file = where.file;
        link.line = where.line;
        link.column = where.column;
        MaskedTag tag;
        tag.kind = mustache_detail::TokenKind::escaped;
        tag.name = std::string(kReservedRoot) + "." + click_key(link.id);
        text.append(masked.text, copied, href->value_begin - copied);
        append_atom(text, masked.tags.size() + inserted.size());
        copied = href->value_end;
        inserted.push_back(std::move(tag));
        links.push_back(std::move(link));
    }
    text.append(masked.text, copied);
    return unmask(masked, text, inserted);
}

void insert_open_pixel(std::string& html, std::string_view pixel_url) {
    std::string pixel = "<img src=\"";
    pixel.reserve(pixel_url.size() + kPixelStyle.size() + 64);
    append_attribute_value(pixel, pixel_url);
    pixel += "\" width=\"1\" height=\"1\" alt=\"\" style=\"";
    pixel += kPixelStyle;
    pixel += "\">";
    const std::size_t at = rfind_tag(html, "</body");
    html.insert(at == std::string_view::npos ? html.size() : at, pixel);
}

void insert_preheader(std::string& html, std::string_view preheader_html) {
    std::size_t at = 0;
    if (const std::size_t body = find_tag(html, "<body"); body != std::string_view::npos) {
        at = tag_end(html, body);
    } else if (const std::size_t head = find_tag(html, "</head"); head != std::string_view::npos) {
        at = tag_end(html, head);
    }
    std::string block = "<div style=\"";
    block.reserve(preheader_html.size() + kPreheaderStyle.size() + kPreheaderPadding.size() + 32);
    block += kPreheaderStyle;
    block += "\">";
    block += preheader_html;
    block += kPreheaderPadding;
    block += "</div>";
    html.insert(at, block);
}

}  // namespace brevduva::templates
