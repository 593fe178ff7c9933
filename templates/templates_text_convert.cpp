// HTML read as text for the derived text part; see templates_text.hpp for the layout.
#include "templates/templates_text_convert.hpp"

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "templates/templates_html_lex.hpp"

namespace brevduva::templates::text_detail {
namespace {

bool is_void_element(std::string_view name) {
    for (const std::string_view v : {"area", "base", "br", "col", "embed", "hr", "img", "input",
                                     "link", "meta", "source", "track", "wbr"}) {
        if (iequals(name, v)) return true;
    }
    return false;
}

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    for (const std::string_view n : names) {
        if (iequals(name, n)) return true;
    }
    return false;
}

int breaks_around(std::string_view name) {
    if (is_one_of(name, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})) return 2;
    if (is_one_of(name, {"div",    "table", "tbody",   "thead",   "tfoot",    "tr",
                         "td",     "th",    "section", "article", "header",   "footer",
                         "center", "main",  "nav",     "address", "figure",   "figcaption",
                         "dl",     "dt",    "dd",      "form",    "fieldset", "caption"})) {
        return 1;
    }
    return 0;
}

bool hides_content(const HtmlEvent& tag) {
    if (is_one_of(tag.name, {"head", "script", "style", "title", "template", "svg", "object"})) {
        return true;
    }
    if (find_attribute(tag, "hidden") != nullptr) return true;
    const HtmlAttribute* style = find_attribute(tag, "style");
    if (style == nullptr) return false;
    std::string compact;
    append_decoded(compact, style->value);
    std::erase_if(compact, [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
    for (char& c : compact) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    return compact.find("display:none") != std::string::npos;
}

struct Link {
    std::string url;    // decoded, atoms written back
    std::string shown;  // what the text part shows: the address of mailto:, …
    bool has_atoms = false;
    std::size_t mark = 0;
    std::string alt;  // of an image inside the link
};

class HtmlToText {
  public:
    HtmlToText(const std::vector<AtomInfo>& atoms, TextWriter& writer)
        : atoms_(atoms), writer_(writer) {}

    void run(std::string_view html);

  private:
    void on_text(std::string_view text);
    void on_start(const HtmlEvent& tag);
    void on_end(const HtmlEvent& tag);
    void start_element(const HtmlEvent& tag);
    void start_list_item();
    void start_link(const HtmlEvent& tag);
    void finish_link();
    // Writes text with its atoms: literal parts decoded; atoms by their role, or, when
    // structure_only, only the atoms that carry structure.
    void emit(std::string_view text, bool structure_only, bool preformatted = false);
    std::string resolve(std::string_view text, bool* has_atoms = nullptr) const;

    struct List {
        bool ordered = false;
        int counter = 0;
        bool item_open = false;
    };

    const std::vector<AtomInfo>& atoms_;
    TextWriter& writer_;
    std::string skip_name_;
    int skip_depth_ = 0;
    int pre_depth_ = 0;
    std::vector<List> lists_;
    std::optional<Link> link_;
    std::vector<bool> hidden_;  // by atom: a block tag written renamed
};

void HtmlToText::run(std::string_view html) {
    HtmlLexer lexer(html);
    HtmlEvent event;
    while (lexer.next(event)) {
        switch (event.kind) {
            case HtmlEventKind::text:
                on_text(event.text);
                break;
            case HtmlEventKind::start_tag:
                on_start(event);
                break;
            case HtmlEventKind::end_tag:
                on_end(event);
                break;
            case HtmlEventKind::comment:
            case HtmlEventKind::raw_text:
                emit(event.text, true);
                break;
        }
    }
    if (link_) finish_link();
}

void HtmlToText::on_text(std::string_view text) {
    emit(text, skip_depth_ > 0, pre_depth_ > 0 && skip_depth_ == 0);
}

void HtmlToText::on_start(const HtmlEvent& tag) {
    // Atoms in the markup itself; an <a>'s href is written with the link.
    const HtmlAttribute* href =
        iequals(tag.name, "a") && !link_ ? find_attribute(tag, "href") : nullptr;
    if (href != nullptr && skip_depth_ == 0) {
        const std::size_t from = href->value_begin - tag.begin;
        const std::size_t to = href->value_end - tag.begin;
        emit(tag.text.substr(0, from), true);
        emit(tag.text.substr(to), true);
    } else {
        emit(tag.text, true);
    }
    const bool opens = !tag.self_closing && !is_void_element(tag.name);
    if (skip_depth_ > 0) {
        if (opens && iequals(tag.name, skip_name_)) ++skip_depth_;
        return;
    }
    if (opens && hides_content(tag)) {
        skip_name_ = std::string(tag.name);
        skip_depth_ = 1;
        return;
    }
    start_element(tag);
}

void HtmlToText::start_element(const HtmlEvent& tag) {
    const std::string_view name = tag.name;
    if (iequals(name, "br")) return writer_.hard_break();
    if (iequals(name, "hr")) return writer_.rule();
    if (iequals(name, "a")) return start_link(tag);
    if (iequals(name, "img")) {
        const HtmlAttribute* alt = find_attribute(tag, "alt");
        if (link_ && link_->alt.empty() && alt != nullptr) link_->alt = resolve(alt->value);
        return;
    }
    if (iequals(name, "li")) return start_list_item();
    if (iequals(name, "ul") || iequals(name, "ol")) {
        writer_.request_break(lists_.empty() ? 2 : 1);
        lists_.push_back(List{iequals(name, "ol")});
        return;
    }
    if (const int lines = breaks_around(name)) writer_.request_break(lines);
    if (iequals(name, "pre")) ++pre_depth_;
    if (iequals(name, "blockquote")) writer_.push_prefix("> ", "> ");
    if (name.size() == 2 && (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' &&
        name[1] <= '6') {
        const std::string marker(static_cast<std::size_t>(std::min(name[1] - '0', 3)), '#');
        writer_.push_prefix(marker + " ", "");
    }
}

void HtmlToText::start_list_item() {
    if (lists_.empty()) lists_.push_back(List{});  // a stray <li>
    List& list = lists_.back();
    if (list.item_open) writer_.pop_prefix();  // <li> without </li>
    writer_.request_break(1);
    const std::string marker = list.ordered ? std::to_string(++list.counter) + ". " : "- ";
    writer_.push_prefix(marker, std::string(marker.size(), ' '));
    list.item_open = true;
}

void HtmlToText::on_end(const HtmlEvent& tag) {
    const std::string_view name = tag.name;
    if (skip_depth_ > 0) {
        if (iequals(name, skip_name_)) --skip_depth_;
        return;
    }
    if (iequals(name, "a")) {
        if (link_) finish_link();
        return;
    }
    if (iequals(name, "li")) {
        if (!lists_.empty() && lists_.back().item_open) {
            writer_.pop_prefix();
            lists_.back().item_open = false;
        }
        writer_.request_break(1);
        return;
    }
    if ((iequals(name, "ul") || iequals(name, "ol")) && !lists_.empty()) {
        if (lists_.back().item_open) writer_.pop_prefix();
        lists_.pop_back();
        writer_.request_break(lists_.empty() ? 2 : 1);
        return;
    }
    if (iequals(name, "pre") && pre_depth_ > 0) --pre_depth_;
    if (iequals(name, "blockquote")) writer_.pop_prefix();
    if (name.size() == 2 && (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' &&
        name[1] <= '6') {
        writer_.pop_prefix();
    }
    if (const int lines = breaks_around(name)) writer_.request_break(lines);
}

void HtmlToText::start_link(const HtmlEvent& tag) {
    if (link_) return;  // nested links are not HTML; the outer one stands
    const HtmlAttribute* href = find_attribute(tag, "href");
    Link link;
    if (href != nullptr) link.url = resolve(href->value, &link.has_atoms);
    const auto trimmed = link.url.find_first_not_of(' ');
    link.url.erase(0, trimmed == std::string::npos ? link.url.size() : trimmed);
    while (!link.url.empty() && link.url.back() == ' ') link.url.pop_back();
    link.shown = link.url;
    for (const std::string_view scheme : {"mailto:", "tel:"}) {
        if (iequals(std::string_view(link.url).substr(0, scheme.size()), scheme)) {
            link.shown = link.url.substr(scheme.size(), link.url.find('?') - scheme.size());
        }
    }
    const bool pointless = link.url.empty() || link.url.front() == '#' ||
                           iequals(std::string_view(link.url).substr(0, 11), "javascript:");
    if (pointless && !link.has_atoms) link.shown.clear();
    link.mark = writer_.mark();
    link_ = std::move(link);
}

void HtmlToText::finish_link() {
    Link link = std::move(*link_);
    link_.reset();
    std::string text = writer_.text_since(link.mark);
    if (text.empty() && !link.alt.empty()) {
        writer_.text(link.alt);
        text = link.alt;
    }
    if (link.shown.empty() || text == link.shown || text == link.url) return;
    if (text.empty()) {
        writer_.word(link.shown);
        return;
    }
    writer_.text(" ");
    writer_.word("(" + link.shown + ")");
}

void HtmlToText::emit(std::string_view text, bool structure_only, bool preformatted) {
    std::size_t at = 0;
    std::string decoded;
    while (at < text.size()) {
        const std::size_t next = std::min(text.find(kAtomOpen, at), text.size());
        if (!structure_only && next > at) {
            decoded.clear();
            append_decoded(decoded, text.substr(at, next - at));
            preformatted ? writer_.preformatted(decoded) : writer_.text(decoded);
        }
        if (next == text.size()) break;
        const auto atom = atom_at(text, next);
        if (!atom || atom->index >= atoms_.size()) break;  // cannot happen: see the mask
        const AtomInfo& info = atoms_[atom->index];
        if (!info.hidden_bytes.empty() && hidden_.size() != atoms_.size()) {
            hidden_.assign(atoms_.size(), false);
        }
        if (!info.hidden_bytes.empty() && info.role == AtomRole::scope_open && structure_only) {
            hidden_[atom->index] = hidden_[info.partner] = true;
        }
        if (!info.hidden_bytes.empty() && hidden_[atom->index]) {
            writer_.atom(info.hidden_bytes, info.role);
        } else if (!info.bytes.empty() &&
                   (!structure_only || info.role != AtomRole::inline_value)) {
            writer_.atom(info.bytes, info.role, info.width);
        }
        at = atom->end;
    }
}

std::string HtmlToText::resolve(std::string_view text, bool* has_atoms) const {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t next = std::min(text.find(kAtomOpen, at), text.size());
        append_decoded(out, text.substr(at, next - at));
        if (next == text.size()) break;
        const auto atom = atom_at(text, next);
        if (!atom || atom->index >= atoms_.size()) break;
        out += atoms_[atom->index].bytes;
        if (has_atoms != nullptr) *has_atoms = true;
        at = atom->end;
    }
    return out;
}

}  // namespace

void convert_html(std::string_view html, const std::vector<AtomInfo>& atoms, TextWriter& writer) {
    HtmlToText(atoms, writer).run(html);
}

}  // namespace brevduva::templates::text_detail
