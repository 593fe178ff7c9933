#include "templates/templates_dkim_canon.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace brevduva::templates {
namespace {

enum ByteClass : unsigned char { kText = 0, kWsp = 1, kCr = 2 };

constexpr std::array<unsigned char, 256> make_byte_classes() {
    std::array<unsigned char, 256> classes{};
    classes[' '] = kWsp;
    classes['\t'] = kWsp;
    classes['\r'] = kCr;
    return classes;
}
constexpr std::array<unsigned char, 256> kByteClass = make_byte_classes();

unsigned char byte_class(char c) { return kByteClass[static_cast<unsigned char>(c)]; }

// The first position at or after `at` where the stretch below must end, 16 bytes at a time
// with SSE2 (part of every x86-64), since a 16 KB body is canonicalised once per message: a
// TAB, a SP followed by SP, TAB or CR, or a CR not followed by LF and then content. Returns
// where the vector scan stopped when there is too little left to look two bytes ahead.
std::size_t skip_unchanged_blocks(std::string_view chunk, std::size_t at) {
#if defined(__SSE2__)
    const auto load = [&chunk](std::size_t from) {
        __m128i bytes;
        std::memcpy(&bytes, chunk.data() + from, sizeof bytes);
        return bytes;
    };
    const auto equal = [](__m128i bytes, char c) {
        return _mm_cmpeq_epi8(bytes, _mm_set1_epi8(c));
    };
    const auto special = [&equal](__m128i bytes) {
        return _mm_or_si128(_mm_or_si128(equal(bytes, ' '), equal(bytes, '\t')),
                            equal(bytes, '\r'));
    };
    for (; at + 18 <= chunk.size(); at += 16) {
        const __m128i here = load(at);
        const __m128i next = load(at + 1);
        const __m128i cr = equal(here, '\r');
        const __m128i bad = _mm_or_si128(
            _mm_or_si128(equal(here, '\t'), _mm_and_si128(equal(here, ' '), special(next))),
            _mm_or_si128(_mm_andnot_si128(equal(next, '\n'), cr),
                         _mm_and_si128(cr, special(load(at + 2)))));
        const auto mask = static_cast<unsigned>(_mm_movemask_epi8(bad));
        if (mask != 0) return at + static_cast<std::size_t>(__builtin_ctz(mask));
    }
#endif
    return at;
}

// The end of the stretch from `at` that relaxed canonicalisation copies unchanged: content,
// plus single SPs and CRLFs that are followed by content. Most text bodies are one stretch.
std::size_t unchanged_run_end(std::string_view chunk, std::size_t at) {
    const std::size_t n = chunk.size();
    at = skip_unchanged_blocks(chunk, at);
    while (at < n) {
        const unsigned char cls = byte_class(chunk[at]);
        if (cls == kText) {
            ++at;
        } else if (chunk[at] == ' ' && at + 1 < n && byte_class(chunk[at + 1]) == kText) {
            at += 2;
        } else if (cls == kCr && at + 2 < n && chunk[at + 1] == '\n' &&
                   byte_class(chunk[at + 2]) == kText) {
            at += 3;
        } else {
            break;
        }
    }
    return at;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

class StringSink final : public ByteSink {
  public:
    explicit StringSink(std::string& out) : out_(out) {}
    void consume(std::string_view bytes) override { out_.append(bytes); }

  private:
    std::string& out_;
};

}  // namespace

void append_relaxed_header(std::string& out, std::string_view field) {
    if (field.ends_with("\r\n")) {
        field.remove_suffix(2);
    }
    const std::size_t colon = field.find(':');
    std::string_view name = field.substr(0, colon);
    const std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : field.substr(colon + 1);
    while (!name.empty() && byte_class(name.back()) == kWsp) {
        name.remove_suffix(1);
    }
    for (const char c : name) {
        out += ascii_lower(c);
    }
    out += ':';
    bool held_space = false;
    bool started = false;  // WSP before the first value character is dropped, not compressed
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') {
            ++i;  // unfolding removes the CRLF; the WSP after it is compressed below
            continue;
        }
        if (byte_class(c) == kWsp) {
            held_space = true;
            continue;
        }
        if (held_space && started) {
            out += ' ';
        }
        held_space = false;
        started = true;
        out += c;
    }
}

void RelaxedBodyCanonicaliser::feed(std::string_view chunk) {
    std::size_t i = 0;
    const std::size_t n = chunk.size();
    if (held_cr_ && n > 0) {
        held_cr_ = false;
        if (chunk[0] == '\n') {
            held_space_ = false;
            ++held_line_ends_;
            i = 1;
        } else {
            flush_held_back();
            put("\r");
        }
    }
    while (i < n) {
        const unsigned char cls = byte_class(chunk[i]);
        if (cls == kWsp) {
            held_space_ = true;
            ++i;
            continue;
        }
        if (cls == kCr) {
            if (i + 1 == n) {
                held_cr_ = true;
                return;
            }
            if (chunk[i + 1] == '\n') {
                held_space_ = false;  // WSP at the end of a line is ignored
                ++held_line_ends_;
                i += 2;
                continue;
            }
        }
        // A run of content (a bare CR counts as content) goes out in one piece, and so does
        // what canonicalisation leaves as it is: a single SP, or a CRLF, between content.
        flush_held_back();
        const std::size_t end = unchanged_run_end(chunk, i + 1);
        put(chunk.substr(i, end - i));
        i = end;
    }
}

void RelaxedBodyCanonicaliser::finish() {
    if (held_cr_) {
        flush_held_back();
        put("\r");
    }
    if (any_content_) {
        put("\r\n");  // the last line's CRLF, or the one added to a body that lacked it
    }
    flush();
    held_line_ends_ = 0;
    held_space_ = false;
    held_cr_ = false;
    any_content_ = false;
}

// Content follows: the line ends and the WSP run held back so far are inside the body.
void RelaxedBodyCanonicaliser::flush_held_back() {
    for (; held_line_ends_ > 0; --held_line_ends_) {
        put("\r\n");
    }
    if (held_space_) {
        put(" ");
        held_space_ = false;
    }
    any_content_ = true;
}

void RelaxedBodyCanonicaliser::put(std::string_view bytes) {
    if (bytes.size() > buffer_.size() - used_) {
        flush();
        if (bytes.size() >= buffer_.size()) {
            sink_.consume(bytes);
            return;
        }
    }
    std::memcpy(buffer_.data() + used_, bytes.data(), bytes.size());
    used_ += bytes.size();
}

void RelaxedBodyCanonicaliser::flush() {
    if (used_ > 0) {
        sink_.consume(std::string_view(buffer_.data(), used_));
        used_ = 0;
    }
}

std::string relaxed_body(std::string_view body) {
    std::string out;
    StringSink sink(out);
    RelaxedBodyCanonicaliser canon(sink);
    canon.feed(body);
    canon.finish();
    return out;
}

}  // namespace brevduva::templates
