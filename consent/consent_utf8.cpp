#include "consent/consent_utf8.hpp"

namespace brevduva::consent {

namespace {

// The length of the well-formed sequence starting at s[i], or 0. The bounds of the second byte
// narrow for the lead bytes whose full range would admit overlong forms, surrogates or code
// points above U+10FFFF (RFC 3629 section 4).
std::size_t sequence_length(const unsigned char* s, std::size_t i, std::size_t n) {
    const unsigned char c = s[i];
    if (c < 0x80) return 1;
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + len > n) return 0;
    if (s[i + 1] < lo || s[i + 1] > hi) return 0;
    for (std::size_t k = 2; k < len; ++k) {
        if (s[i + k] < 0x80 || s[i + k] > 0xBF) return 0;
    }
    return len;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const std::size_t len = sequence_length(s, i, n);
        if (len == 0) return i;
        i += len;
    }
    return std::nullopt;
}

}  // namespace brevduva::consent
