#include "log/log_mask.hpp"

#include <array>
#include <cstring>

namespace brevduva::log {
namespace {

// Characters that may stand in a local part (RFC 5322 atext plus '.'), and in a domain.
constexpr std::array<bool, 256> make_table(std::string_view extra, bool letters_digits) {
    std::array<bool, 256> t{};
    if (letters_digits) {
        for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
        for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
        for (int c = '0'; c <= '9'; ++c) t[c] = true;
    }
    for (char c : extra) t[static_cast<unsigned char>(c)] = true;
    // UTF-8 bytes: internationalised addresses are masked too.
    for (int c = 0x80; c < 0x100; ++c) t[c] = true;
    return t;
}

constexpr auto local_chars = make_table("!#$%&'*+-/=?^_`{|}~.", true);
constexpr auto domain_chars = make_table("-.", true);

bool is_local(char c) { return local_chars[static_cast<unsigned char>(c)]; }
bool is_domain(char c) { return domain_chars[static_cast<unsigned char>(c)]; }

}  // namespace

void append_masked(std::string_view text, std::string& out) {
    std::size_t copied = 0;  // text[0, copied) is already in out
    std::size_t at = text.find('@');
    while (at != std::string_view::npos) {
        std::size_t begin = at;
        while (begin > copied && is_local(text[begin - 1])) --begin;
        std::size_t end = at + 1;
        bool dot = false;
        while (end < text.size() && is_domain(text[end])) {
            dot = dot || text[end] == '.';
            ++end;
        }
        while (end > at + 1 && text[end - 1] == '.') --end;  // a sentence's full stop
        if (begin < at && dot) {
            out.append(text.substr(copied, begin - copied));
            // Keep the whole first UTF-8 character of the local part.
            std::size_t first = begin + 1;
            while (first < at && (static_cast<unsigned char>(text[first]) & 0xC0) == 0x80) ++first;
            out.append(text.substr(begin, first - begin));
            out.append("\xE2\x80\xA6");  // …
            out.append(text.substr(at, end - at));
            copied = end;
        }
        at = text.find('@', std::max(end, at + 1));
    }
    out.append(text.substr(copied));
}

std::string mask_addresses(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_masked(text, out);
    return out;
}

}  // namespace brevduva::log
