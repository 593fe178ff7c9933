// Quoted-printable (RFC 2045 §6.7). The header-field writers are in templates_mime_header.cpp.
//
// Speed matters here: every message carries two encoded parts (about 14 KB for an 8 KB HTML
// campaign), encoded once per recipient. The encoder writes through a pointer into room
// reserved up front, and takes bytes that stay as they are 16 at a time (SSE2, part of every
// x86-64; elsewhere one at a time), so markup and ASCII prose cost about a cycle per 16 bytes
// and only the bytes that need =XX, and the ends of lines, take the careful path.
#include "templates/templates_mime_encode.hpp"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace brevduva::templates {
namespace {

constexpr std::size_t kMaxQpText = 75;  // plus the "=" of a soft break: lines of at most 76

constexpr std::array<bool, 256> make_must_escape() {
    std::array<bool, 256> escape{};
    for (std::size_t b = 0; b < escape.size(); ++b) {
        escape[b] = !((b >= 33 && b <= 126 && b != '=') || b == ' ' || b == '\t');
    }
    return escape;
}
constexpr std::array<bool, 256> kMustEscape = make_must_escape();

// "=XX" for every byte, padded to 4 so that one 4-byte copy writes it.
constexpr std::array<std::array<char, 4>, 256> make_escaped() {
    constexpr char hex[] = "0123456789ABCDEF";
    std::array<std::array<char, 4>, 256> escaped{};
    for (std::size_t b = 0; b < escaped.size(); ++b)
        escaped[b] = {'=', hex[b >> 4], hex[b & 15], 0};
    return escaped;
}
constexpr std::array<std::array<char, 4>, 256> kEscaped = make_escaped();

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_break(char c) { return c == '\r' || c == '\n'; }

// How many of the 16 bytes at `in` stay as they are (printable ASCII but '=', and SP), counted
// from the first; TAB ends the count and is left to the careful path.
unsigned plain_prefix(const char* in) {
#if defined(__SSE2__)
    __m128i chunk;
    std::memcpy(&chunk, in, sizeof chunk);
    const __m128i ok = _mm_andnot_si128(
        _mm_cmpeq_epi8(chunk, _mm_set1_epi8('=')),
        _mm_and_si128(_mm_cmpgt_epi8(chunk, _mm_set1_epi8(31)),  // bytes >= 0x80 are negative
                      _mm_cmplt_epi8(chunk, _mm_set1_epi8(127))));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(ok));
    return mask == 0xFFFFu ? 16u : static_cast<unsigned>(__builtin_ctz(~mask));
#else
    unsigned count = 0;
    while (count < 16 && !kMustEscape[static_cast<unsigned char>(in[count])] && in[count] != '\t') {
        ++count;
    }
    return count;
#endif
}

class QpWriter {
  public:
    QpWriter(char* out, std::string_view text) : start_(out), out_(out), text_(text) {}

    std::size_t run() {
        while (at_ < text_.size()) {
            if (at_ + 16 <= text_.size() && (take_plain_run() || take_escaped_run())) continue;
            one_byte();
        }
        return static_cast<std::size_t>(out_ - start_);
    }

  private:
    // Copies up to 16 bytes that stay as they are; false when the careful path must decide.
    bool take_plain_run() {
        const char* in = text_.data() + at_;
        if (column_ == 0 && (in[0] == '.' || in[0] == 'F')) return false;
        std::size_t take = std::min<std::size_t>(plain_prefix(in), kMaxQpText - column_);
        // SP or TAB right before a line break or the end must become =20 or =09.
        if (take > 0 && is_wsp(in[take - 1]) &&
            (at_ + take == text_.size() || is_break(in[take]))) {
            --take;
        }
        if (take == 0) return false;
        std::memcpy(out_, in, 16);  // the room reserved covers the bytes beyond `take`
        out_ += take;
        column_ += take;
        at_ += take;
        return true;
    }

    // Non-ASCII text (å ä ö: two bytes each) mid-line: =XX for each byte, up to the line's
    // room, without the careful path's questions.
    bool take_escaped_run() {
        const char* in = text_.data() + at_;
        std::size_t taken = 0;
        while (taken < 16 && static_cast<unsigned char>(in[taken]) >= 0x80 &&
               column_ + 3 <= kMaxQpText) {
            std::memcpy(out_, kEscaped[static_cast<unsigned char>(in[taken])].data(), 4);
            out_ += 3;
            column_ += 3;
            ++taken;
        }
        at_ += taken;
        return taken > 0;
    }

    void one_byte() {
        const char c = text_[at_];
        const std::size_t size = text_.size();
        if (is_break(c)) {
            put("\r\n", 2);
            column_ = 0;
            at_ += (c == '\r' && at_ + 1 < size && text_[at_ + 1] == '\n') ? 2 : 1;
            return;
        }
        // Also, although RFC 2045 does not ask for it, a '.' or the F of "From " starting a
        // line is escaped (see the header).
        const bool escape = kMustEscape[static_cast<unsigned char>(c)] ||
                            (is_wsp(c) && (at_ + 1 == size || is_break(text_[at_ + 1]))) ||
                            (column_ == 0 && (c == '.' || text_.substr(at_, 5) == "From "));
        const std::size_t width = escape ? 3 : 1;
        if (column_ + width > kMaxQpText) {
            put("=\r\n", 3);  // a soft break; the byte is decided again at the line's start
            column_ = 0;
            return;
        }
        if (escape) {
            std::memcpy(out_, kEscaped[static_cast<unsigned char>(c)].data(), 3);
        } else {
            out_[0] = c;
        }
        out_ += width;
        column_ += width;
        ++at_;
    }

    void put(const char* bytes, std::size_t count) {
        std::memcpy(out_, bytes, count);
        out_ += count;
    }

    char* start_;
    char* out_;
    std::string_view text_;
    std::size_t at_ = 0;
    std::size_t column_ = 0;
};

}  // namespace

void append_quoted_printable(std::string& out, std::string_view text) {
    // Worst case: every byte escaped (3 out), a soft break (3 out) per 25 escapes; 3n +
    // 3(n/24 + 1) covers it, and 16 more cover a copy of 16 bytes of which fewer are kept.
    const std::size_t before = out.size();
    out.resize(before + 3 * text.size() + 3 * (text.size() / 24 + 1) + 16);
    const std::size_t written = QpWriter(out.data() + before, text).run();
    out.resize(before + written);
}

}  // namespace brevduva::templates
