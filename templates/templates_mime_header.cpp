// Header-field writers of templates_mime_encode.hpp: value checks, RFC 2047 encoded-words,
// RFC 5322 phrases and folding.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <initializer_list>

#include "templates/templates_mime_encode.hpp"
#include "templates/templates_utf8.hpp"

namespace brevduva::templates {
namespace {

constexpr std::size_t kMaxHeaderLine = 78;   // RFC 5322 §2.1.1
constexpr std::size_t kMaxWordLine = 76;     // RFC 2047 §2: lines holding encoded-words
constexpr std::size_t kMaxEncodedWord = 75;  // RFC 2047 §2
constexpr std::string_view kQPrefix = "=?UTF-8?Q?";
constexpr std::string_view kBPrefix = "=?UTF-8?B?";
constexpr std::string_view kSuffix = "?=";
constexpr std::size_t kWordOverhead = 12;  // prefix and suffix
constexpr std::size_t kMinPayload = 12;    // room for one 4-byte character as Q

// RFC 2047 §5(3): in a phrase only these stand for themselves in Q; we use the same strict
// set for unstructured text too, so one table serves both.
constexpr std::array<bool, 256> make_q_plain() {
    std::array<bool, 256> plain{};
    for (int c = 'A'; c <= 'Z'; ++c) plain[static_cast<std::size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) plain[static_cast<std::size_t>(c)] = true;
    for (int c = '0'; c <= '9'; ++c) plain[static_cast<std::size_t>(c)] = true;
    for (const char c : std::string_view("!*+-/")) plain[static_cast<unsigned char>(c)] = true;
    return plain;
}
constexpr std::array<bool, 256> kQPlain = make_q_plain();

// RFC 5322 §3.2.3 atext.
bool is_atext(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 128 && kQPlain[u]) ||
           std::string_view("#$%&'=?^_`{|}~").find(c) != std::string_view::npos;
}

// Letters, digits and hyphen: what a (non-IDN) domain label is made of.
bool is_ldh(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

std::size_t q_size(unsigned char b) { return (kQPlain[b] || b == ' ') ? 1 : 3; }

std::size_t b_size(std::size_t bytes) { return 4 * ((bytes + 2) / 3); }

std::size_t utf8_length(unsigned char lead) {
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

// Tracks the current line of a field so that folding (CRLF SP) happens before a limit.
class FieldLine {
  public:
    FieldLine(std::string& out, std::string_view field) : out_(out), start_(out.size()) {
        out_.append(field);
        out_ += ':';
    }
    [[nodiscard]] std::size_t column() const { return out_.size() - start_; }
    void fold() {
        out_ += "\r\n ";
        start_ = out_.size() - 1;
    }
    // Folds first when the parts would pass column 78 (or `limit`); the first part starts with
    // WSP.
    void place(std::initializer_list<std::string_view> parts, std::size_t limit = kMaxHeaderLine) {
        std::size_t size = 0;
        for (const std::string_view p : parts) size += p.size();
        if (column() + size > limit && column() > 1) {
            out_ += "\r\n";
            start_ = out_.size();
        }
        for (const std::string_view p : parts) out_.append(p);
    }
    void append(std::string_view text) { out_.append(text); }
    // For writers that append in place; they must not write a line break.
    std::string& raw() { return out_; }
    void end() { out_ += "\r\n"; }

  private:
    std::string& out_;
    std::size_t start_;
};

void append_q(std::string& out, std::string_view bytes) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        if (kQPlain[b]) {
            out += c;
        } else if (c == ' ') {
            out += '_';
        } else {
            out += '=';
            out += kHex[b >> 4];
            out += kHex[b & 0x0F];
        }
    }
}

void append_b(std::string& out, std::string_view bytes) {
    std::array<unsigned char, 64> buffer{};  // 48 bytes at most become 64 characters
    const int n =
        EVP_EncodeBlock(buffer.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                        static_cast<int>(bytes.size()));
    out.append(reinterpret_cast<const char*>(buffer.data()), static_cast<std::size_t>(n));
}

// How many bytes of text, in whole UTF-8 characters, fit in `room` encoded characters.
std::size_t fitting_prefix(std::string_view text, bool use_b, std::size_t room) {
    std::size_t bytes = 0;
    std::size_t encoded = 0;
    while (bytes < text.size()) {
        const std::size_t len =
            std::min(utf8_length(static_cast<unsigned char>(text[bytes])), text.size() - bytes);
        std::size_t next = 0;
        if (use_b) {
            next = b_size(bytes + len);
        } else {
            next = encoded;
            for (std::size_t k = 0; k < len; ++k) {
                next += q_size(static_cast<unsigned char>(text[bytes + k]));
            }
        }
        if (next > room) break;
        encoded = next;
        bytes += len;
    }
    return bytes;
}

enum class WordSplit { fill_first_line, keep_whole_if_possible };

// Writes text as encoded-words: the first after a SP on the current line when a useful part
// fits, each further one on a continuation line of its own. keep_whole_if_possible moves a
// text that fits one word but not the rest of the first line to a continuation line: in a
// display name, adjacent encoded-words are joined without the space between them (RFC 2047
// §6.2), which Python's modern parser gets wrong, so a name is best kept in one word.
void append_encoded_words(FieldLine& line, std::string_view text, WordSplit split) {
    const auto escaped =
        static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
            return q_size(static_cast<unsigned char>(c)) > 1;
        }));
    const bool use_b = 2 * escaped > text.size();
    constexpr std::size_t kFullRoom = kMaxEncodedWord - kWordOverhead;
    bool first = true;
    while (!text.empty()) {
        const std::size_t lead = first ? 1 : 0;  // the SP before the first word
        std::size_t room = kMaxWordLine - std::min(kMaxWordLine, line.column() + lead);
        room = std::min(room, kMaxEncodedWord) - std::min(room, kWordOverhead);
        const bool whole_later = split == WordSplit::keep_whole_if_possible && first &&
                                 fitting_prefix(text, use_b, room) < text.size() &&
                                 fitting_prefix(text, use_b, kFullRoom) == text.size();
        if (room < kMinPayload || whole_later) {
            line.fold();
            room = kFullRoom;
        } else if (first) {
            line.append(" ");
        }
        const std::size_t take = fitting_prefix(text, use_b, room);
        std::string& out = line.raw();
        out.append(use_b ? kBPrefix : kQPrefix);
        use_b ? append_b(out, text.substr(0, take)) : append_q(out, text.substr(0, take));
        out.append(kSuffix);
        text.remove_prefix(take);
        if (!text.empty()) line.fold();
        first = false;
    }
}

// Splits text into segments of leading WSP plus a word; folding goes before a segment.
template <typename Visit>
void for_each_segment(std::string_view text, Visit visit) {
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = at;
        while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
        while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
        visit(text.substr(at, end - at), at == 0);
        at = end;
    }
}

// Whether printable ASCII can be folded at its WSP to lines of at most 78.
bool fits_folded(std::size_t column, std::string_view text) {
    bool fits = true;
    for_each_segment(text, [&](std::string_view segment, bool first) {
        fits = fits && segment.size() + (first ? column + 1 : 0) <= kMaxHeaderLine;
    });
    return fits;
}

void append_folded(FieldLine& line, std::string_view text) {
    if (!text.empty()) line.append(" ");
    for_each_segment(text, [&](std::string_view segment, bool first) {
        first ? line.append(segment) : line.place({segment});
    });
}

bool is_plain_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) {
                           const auto u = static_cast<unsigned char>(c);
                           return u >= 0x20 && u < 0x7F;
                       }) &&
           text.find("=?") == std::string_view::npos;
}

std::optional<std::string> address_problem(std::string_view address) {
    const std::size_t at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
        return "address is not local@domain";
    }
    if (at > 64 || address.size() - at - 1 > 255) return "address part is too long";
    for (std::size_t i = 0; i < address.size(); ++i) {
        const char c = address[i];
        const bool ok = i < at ? (is_atext(c) || c == '.') : (i == at || is_ldh(c) || c == '.');
        if (!ok || static_cast<unsigned char>(c) >= 0x80) {
            return "address has a character not allowed in a plain ASCII address at byte " +
                   std::to_string(i);
        }
    }
    return std::nullopt;
}

enum class PhraseForm { atoms, quoted, encoded };

PhraseForm phrase_form(std::string_view name, std::size_t column) {
    if (!is_plain_ascii(name)) return PhraseForm::encoded;
    const bool atoms =
        name.front() != ' ' && name.back() != ' ' &&
        std::all_of(name.begin(), name.end(), [](char c) { return is_atext(c) || c == ' '; });
    if (atoms && fits_folded(column, name)) return PhraseForm::atoms;
    std::size_t quoted = 2;
    for (const char c : name) quoted += (c == '"' || c == '\\') ? 2 : 1;
    return column + 1 + quoted <= kMaxHeaderLine ? PhraseForm::quoted : PhraseForm::encoded;
}

void append_quoted(FieldLine& line, std::string_view name) {
    std::string& out = line.raw();
    out += " \"";
    for (const char c : name) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
}

}  // namespace

std::optional<HeaderError> check_header_value(std::string_view field, std::string_view value) {
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto u = static_cast<unsigned char>(value[i]);
        if ((u < 0x20 && u != '\t') || u == 0x7F) {
            const std::string_view name = u == '\r'   ? "CR"
                                          : u == '\n' ? "LF"
                                          : u == 0    ? "NUL"
                                                      : "a control character";
            return HeaderError{std::string(field),
                               "contains " + std::string(name) + " at byte " + std::to_string(i)};
        }
    }
    if (const auto bad = first_invalid_utf8(value)) {
        return HeaderError{std::string(field),
                           "is not valid UTF-8 at byte " + std::to_string(*bad)};
    }
    return std::nullopt;
}

std::optional<HeaderError> append_unstructured_field(std::string& out, std::string_view field,
                                                     std::string_view value) {
    if (auto error = check_header_value(field, value)) return error;
    FieldLine line(out, field);
    if (is_plain_ascii(value) && fits_folded(line.column(), value)) {
        append_folded(line, value);
    } else {
        append_encoded_words(line, value, WordSplit::fill_first_line);
    }
    line.end();
    return std::nullopt;
}

std::optional<HeaderError> append_address_field(std::string& out, std::string_view field,
                                                std::string_view display_name,
                                                std::string_view address) {
    if (auto error = check_header_value(field, display_name)) return error;
    if (auto problem = address_problem(address)) {
        return HeaderError{std::string(field), *problem};
    }
    FieldLine line(out, field);
    if (display_name.empty()) {
        line.place({" ", address});
        line.end();
        return std::nullopt;
    }
    // A line holding an encoded-word may be 76 long, not 78 (RFC 2047 section 2).
    std::size_t limit = kMaxHeaderLine;
    switch (phrase_form(display_name, line.column())) {
        case PhraseForm::atoms:
            append_folded(line, display_name);
            break;
        case PhraseForm::quoted:
            append_quoted(line, display_name);
            break;
        case PhraseForm::encoded:
            append_encoded_words(line, display_name, WordSplit::keep_whole_if_possible);
            limit = kMaxWordLine;
            break;
    }
    line.place({" <", address, ">"}, limit);
    line.end();
    return std::nullopt;
}

}  // namespace brevduva::templates
