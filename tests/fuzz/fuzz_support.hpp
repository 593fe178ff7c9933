// What the fuzz targets share: a failed property that aborts with its place (so libFuzzer, or
// the replay main, reports it with a stack), a reader of control bytes from the front of an
// input, and two ways to cut an input: into parts at a separator, and into the pieces a socket
// might deliver. Pure apart from the message on stderr.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// A property of the code under test; never used for a mere expectation of the harness.
#define FUZZ_REQUIRE(condition)                                                            \
    do {                                                                                   \
        if (!(condition)) {                                                                \
            (void)std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, \
                               #condition);                                                \
            std::abort();                                                                  \
        }                                                                                  \
    } while (false)

namespace brevduva::fuzz {

// Bytes of one input, consumed from the front. Past the end every byte is zero, so a short
// input is still a valid one.
class InputReader {
  public:
    InputReader(const std::uint8_t* data, std::size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}

    std::uint8_t byte() {
        if (rest_.empty()) return 0;
        const auto b = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }

  private:
    std::string_view rest_;
};

// Splits text at the first occurrence of separator: the part before it goes to `head`, the
// text after it stays in text. False (and head = all of text) when there is none.
inline bool split_off(std::string_view& text, std::string_view separator, std::string_view& head) {
    const std::size_t at = text.find(separator);
    if (at == std::string_view::npos) {
        head = text;
        text = {};
        return false;
    }
    head = text.substr(0, at);
    text.remove_prefix(at + separator.size());
    return true;
}

// Cuts `whole` into pieces the way a socket might deliver it, at points drawn from the bytes
// themselves (so a seed stays a plain file and a mutation moves the cuts too): each piece is 1 to
// 29 bytes long. Calls visit(piece) for each, in order.
template <typename Visit>
void for_each_piece(std::string_view whole, Visit visit) {
    while (!whole.empty()) {
        const auto c = static_cast<unsigned char>(whole.front());
        const std::size_t n = std::min<std::size_t>(1 + (c ^ (c >> 3U)) % 29, whole.size());
        visit(whole.substr(0, n));
        whole.remove_prefix(n);
    }
}

}  // namespace brevduva::fuzz
