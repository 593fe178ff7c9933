// MIME encoding of contact and campaign text, checked by decoding it again with a small decoder
// of our own (RFC 2047 encoded-words, RFC 5322 unfolding and quoted-strings, RFC 2045
// quoted-printable): templates/ has encoders only. The whole input is used three ways: as a
// Subject value (append_unstructured_field); split at its last line feed into a display name and
// an address for From (append_address_field); and as a body (append_quoted_printable).
//
// Properties of the header fields: a value that check_header_value refuses appends nothing; any
// other value gives one field that is 7-bit printable ASCII with CRLF only as the final line end
// or before folding white space, whose lines are at most 78 characters (for From, whenever the
// address itself fits on a line), whose encoded-words are at most 75 characters on lines of at
// most 76, and which decodes to exactly the value (and address) given.
// Properties of the body: 7-bit ASCII, lines of at most 76 characters, no line that starts with
// "." or "From " or ends in white space, and decoding gives the text with every line break made
// CRLF.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "templates/templates_mime_encode.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace brevduva::templates {
namespace {

constexpr std::size_t kMaxHeaderLine = 78;
constexpr std::size_t kMaxWordLine = 76;
constexpr std::size_t kMaxEncodedWord = 75;
constexpr std::size_t kMaxBodyLine = 76;

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;  // the encoders write upper-case hex only
}

int base64_digit(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// =XX escapes; in RFC 2047's Q encoding '_' is a space, in quoted-printable it is itself.
std::optional<std::string> decode_escapes(std::string_view text, bool underscore_is_space) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '_' && underscore_is_space) {
            out += ' ';
        } else if (text[i] == '=') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int high = hex_digit(text[i + 1]);
            const int low = hex_digit(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::optional<std::string> decode_b(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        unsigned value = 0;
        int pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            int digit = 0;
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                ++pad;
            } else if (pad > 0 || (digit = base64_digit(c)) < 0) {
                return std::nullopt;
            }
            value = value << 6U | static_cast<unsigned>(digit);
        }
        out += static_cast<char>(value >> 16U);
        if (pad < 2) out += static_cast<char>(value >> 8U & 0xFFU);
        if (pad < 1) out += static_cast<char>(value & 0xFFU);
    }
    return out;
}

// One RFC 2047 encoded-word in UTF-8, or nullopt when word is not one.
std::optional<std::string> decode_word(std::string_view word) {
    if (word.size() < 8 || !word.starts_with("=?") || !word.ends_with("?=")) return std::nullopt;
    const std::string_view inner = word.substr(2, word.size() - 4);
    const std::size_t q1 = inner.find('?');
    if (q1 == std::string_view::npos || q1 + 2 >= inner.size() || inner[q1 + 2] != '?') {
        return std::nullopt;
    }
    if (inner.substr(0, q1) != "UTF-8") return std::nullopt;
    const char encoding = inner[q1 + 1];
    const std::string_view text = inner.substr(q1 + 3);
    if (encoding == 'Q') return decode_escapes(text, true);
    if (encoding == 'B') return decode_b(text);
    return std::nullopt;
}

// Checks the shape of one encoded field and returns its unfolded body (after "Field:"). Lines
// are at most max_line long, those holding an encoded-word at most max_word_line. Encoded-words
// are looked for before words_end only: an address may itself read "=?UTF-8?".
std::string unfold_checked(std::string_view field, std::string_view name, std::size_t max_line,
                           std::size_t max_word_line, std::size_t words_end) {
    FUZZ_REQUIRE(field.starts_with(std::string(name) + ":"));
    FUZZ_REQUIRE(field.ends_with("\r\n"));
    std::string unfolded;
    std::size_t line_start = 0;
    bool line_has_word = false;
    for (std::size_t i = 0; i < field.size(); ++i) {
        const auto c = static_cast<unsigned char>(field[i]);
        if (c == '\r') {
            FUZZ_REQUIRE(i + 1 < field.size() && field[i + 1] == '\n');
            const std::size_t length = i - line_start;
            FUZZ_REQUIRE(length <= max_line);
            if (line_has_word) FUZZ_REQUIRE(length <= max_word_line);
            const bool last = i + 2 == field.size();
            FUZZ_REQUIRE(last || field[i + 2] == ' ' || field[i + 2] == '\t');
            line_start = i + 2;
            line_has_word = false;
            ++i;
            continue;
        }
        FUZZ_REQUIRE(c >= 0x20 && c < 0x7F);
        if (i < words_end && field.substr(i).starts_with("=?UTF-8?")) line_has_word = true;
        unfolded += static_cast<char>(c);
    }
    return unfolded.substr(name.size() + 1);
}

// Decodes unstructured text or a phrase: encoded-words separated only by white space are
// joined (RFC 2047 section 6.2); other words and white space stay as they are. Every
// encoded-word must be at most 75 characters.
std::string decode_words(std::string_view text) {
    std::string out;
    std::string pending_space;
    bool after_word = false;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t end = std::min(text.find_first_of(" \t", i), text.size());
        if (end == i) {
            const std::size_t next = std::min(text.find_first_not_of(" \t", i), text.size());
            pending_space.assign(text.substr(i, next - i));
            i = next;
            if (i == text.size()) out += pending_space;
            continue;
        }
        const std::string_view word = text.substr(i, end - i);
        if (auto decoded = decode_word(word)) {
            FUZZ_REQUIRE(word.size() <= kMaxEncodedWord);
            if (!after_word) out += pending_space;
            out += *decoded;
            after_word = true;
        } else {
            FUZZ_REQUIRE(word.find("=?") == std::string_view::npos);
            out += pending_space;
            out += word;
            after_word = false;
        }
        pending_space.clear();
        i = end;
    }
    return out;
}

void check_unstructured(std::string_view value) {
    const std::string before = "X-Before: kept\r\n";
    std::string out = before;
    const auto error = append_unstructured_field(out, "Subject", value);
    FUZZ_REQUIRE(error.has_value() == check_header_value("Subject", value).has_value());
    if (error) {
        FUZZ_REQUIRE(out == before);
        return;
    }
    const std::string_view field = std::string_view(out).substr(before.size());
    const std::string body =
        unfold_checked(field, "Subject", kMaxHeaderLine, kMaxWordLine, field.size());
    if (value.empty()) {
        FUZZ_REQUIRE(body.empty());
        return;
    }
    FUZZ_REQUIRE(body.starts_with(" "));
    FUZZ_REQUIRE(decode_words(std::string_view(body).substr(1)) == value);
}

std::string unquote(std::string_view quoted) {
    FUZZ_REQUIRE(quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"');
    std::string out;
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
        if (quoted[i] == '\\') ++i;
        FUZZ_REQUIRE(i + 1 < quoted.size());
        out += quoted[i];
    }
    return out;
}

void check_address(std::string_view name, std::string_view address) {
    std::string out;
    const auto error = append_address_field(out, "From", name, address);
    if (error) {
        FUZZ_REQUIRE(out.empty());
        return;
    }
    FUZZ_REQUIRE(!check_header_value("From", name).has_value());
    // An address cannot be folded, so a line can hold " <address>" and no more. The address
    // after an encoded name once went to column 78, past the 76 that RFC 2047 section 2 allows
    // a line holding an encoded-word (regressions/from-encoded-word-line-of-78.txt).
    const bool long_address = address.size() + 3 > kMaxHeaderLine;
    const std::size_t max_line = long_address ? std::string_view::npos : kMaxHeaderLine;
    const std::size_t max_word_line = long_address ? max_line : kMaxWordLine;
    const std::size_t words_end = name.empty() ? 0 : out.rfind('<');
    const std::string body = unfold_checked(out, "From", max_line, max_word_line, words_end);
    if (name.empty()) {
        FUZZ_REQUIRE(body == " " + std::string(address));
        return;
    }
    const std::string tail = " <" + std::string(address) + ">";
    FUZZ_REQUIRE(body.starts_with(" ") && body.ends_with(tail));
    const std::string_view phrase = std::string_view(body).substr(1, body.size() - 1 - tail.size());
    const std::string decoded = phrase.starts_with("\"") ? unquote(phrase) : decode_words(phrase);
    FUZZ_REQUIRE(decoded == name);
}

void check_quoted_printable(std::string_view text) {
    std::string out;
    append_quoted_printable(out, text);
    std::vector<std::string_view> lines;
    std::string_view rest = out;
    std::string_view line;
    while (fuzz::split_off(rest, "\r\n", line) || !line.empty()) {
        lines.push_back(line);
        if (rest.empty()) break;
    }
    std::string decoded;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        line = lines[i];
        FUZZ_REQUIRE(line.size() <= kMaxBodyLine);
        FUZZ_REQUIRE(!line.starts_with(".") && !line.starts_with("From "));
        FUZZ_REQUIRE(line.empty() || (line.back() != ' ' && line.back() != '\t'));
        for (const char c : line) {
            FUZZ_REQUIRE(static_cast<unsigned char>(c) < 0x80 && c != '\r' && c != '\n');
        }
        const bool soft = line.ends_with("=");
        const auto content = decode_escapes(soft ? line.substr(0, line.size() - 1) : line, false);
        FUZZ_REQUIRE(content.has_value());
        decoded += *content;
        const bool broken = i + 1 < lines.size() || out.ends_with("\r\n");
        if (broken && !soft) decoded += "\r\n";
    }
    std::string expected;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' || text[i] == '\n') {
            if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            expected += "\r\n";
        } else {
            expected += text[i];
        }
    }
    FUZZ_REQUIRE(decoded == expected);
}

}  // namespace
}  // namespace brevduva::templates

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace brevduva::templates;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_unstructured(input);
    const std::size_t lf = input.rfind('\n');
    if (lf == std::string_view::npos) {
        check_address(input, "anna@example.se");
    } else {
        check_address(input.substr(0, lf), input.substr(lf + 1));
    }
    check_quoted_printable(input);
    return 0;
}
