// DKIM "relaxed" canonicalisation (RFC 6376 §3.4.2 headers, §3.4.4 body with erratum 1384).
// Pure: it only rewrites bytes. The body form is streamed through a sink in bounded chunks so
// a large body is hashed without ever being copied whole.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace brevduva::templates {

// Appends the relaxed form "name:value" of one header field (without a trailing CRLF): the
// name lower-cased, continuation lines unfolded, WSP runs turned into one SP, WSP around the
// colon and at the end removed. `field` is the raw field, "Name: value", with or without its
// final CRLF.
void append_relaxed_header(std::string& out, std::string_view field);

// Receives canonical body bytes, e.g. a running SHA-256.
class ByteSink {
  public:
    virtual void consume(std::string_view bytes) = 0;

  protected:
    ~ByteSink() = default;
};

// Relaxed body canonicalisation as a stream: WSP at line ends dropped, WSP runs → one SP,
// empty lines at the end dropped, a final CRLF added to a non-empty body. An empty body (or
// one of only empty or whitespace lines) canonicalises to nothing. Only CRLF ends a line; a
// bare CR or LF is ordinary content, as in every verifier. Chunks may split anywhere, even
// between CR and LF.
class RelaxedBodyCanonicaliser {
  public:
    explicit RelaxedBodyCanonicaliser(ByteSink& sink) : sink_(sink) {}
    RelaxedBodyCanonicaliser(const RelaxedBodyCanonicaliser&) = delete;
    RelaxedBodyCanonicaliser& operator=(const RelaxedBodyCanonicaliser&) = delete;

    void feed(std::string_view chunk);
    // Flushes what is held back; the canonicaliser is then ready for the next body.
    void finish();

  private:
    void put(std::string_view bytes);
    void flush_held_back();
    void flush();

    ByteSink& sink_;
    std::array<char, 4096> buffer_{};
    std::size_t used_ = 0;
    std::size_t held_line_ends_ = 0;  // CRLFs seen but not yet known to be inside the body
    bool held_space_ = false;         // a WSP run seen but not yet known to be mid-line
    bool held_cr_ = false;            // a CR at a chunk end whose LF may come next
    bool any_content_ = false;
};

// The relaxed form of a whole body, for tests and diagnostics.
[[nodiscard]] std::string relaxed_body(std::string_view body);

}  // namespace brevduva::templates
