// HTTP/1.1 request framing (RFC 9112), strictly: the reader the listeners' event loop feeds with
// whatever bytes have arrived, which says when a whole request (head and body) is there, or why
// the bytes can never become one. It refuses rather than guesses wherever two parties could read
// the same bytes differently: Content-Length beside Transfer-Encoding, a length that is not
// digits, differing lengths, a chunk size that is not hex or does not fit, chunk data not
// followed by CRLF, a bare CR, whitespace before a field's colon, folded lines, a missing or
// repeated Host, a version other than 1.x. Every refusal ends the connection.
//
// Pure and bounded: memory is at most the limits plus one read, and time is linear in the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brevduva::http {

struct WireLimits {
    std::size_t max_target_bytes = 2048;       // the request-target; more: 414
    std::size_t max_header_bytes = 16 * 1024;  // the whole head, request line included; more: 431
    std::size_t max_body_bytes = 64 * 1024;    // decoded body; more: 413
};

struct WireRequest {
    std::string method;
    std::string target;
    int minor_version = 1;  // HTTP/1.<minor>; a higher minor than 1 is read as 1.1
    std::vector<std::pair<std::string, std::string>> fields;  // names as sent, values trimmed
    std::string body;                                         // de-chunked
    bool keep_alive = true;  // false: HTTP/1.0 without keep-alive, or Connection: close
    bool expects_continue = false;

    // The first field of that name (ASCII case-insensitive), or nullptr.
    [[nodiscard]] const std::string* field(std::string_view name) const;
};

// Why bytes were refused: the status to answer with and a sentence naming the problem.
struct WireError {
    int status = 400;
    std::string reason;
};

class RequestReader {
  public:
    explicit RequestReader(WireLimits limits) : limits_(limits) {}

    enum class Progress {
        need_more,  // nothing complete yet
        head,       // the head is complete and a body is still to come; asked once per request
        complete,   // take() returns the request
        failed      // error() says why; the connection must be closed after answering
    };

    // Appends bytes that arrived and parses as far as they go.
    Progress feed(std::string_view bytes);
    // Parses what is buffered again (after take(), for a pipelined request).
    Progress resume();

    // The finished request; the reader starts on the next one with the bytes left over.
    [[nodiscard]] WireRequest take();
    [[nodiscard]] const WireError& error() const { return error_; }
    // The head of the request being read (valid from Progress::head until take()).
    [[nodiscard]] const WireRequest& current() const { return request_; }

    // Gives back the buffer's memory when nothing is buffered (an idle connection).
    void release_memory();

    // True once any byte of the next request (after optional empty lines) has arrived.
    [[nodiscard]] bool started() const { return started_; }
    [[nodiscard]] std::size_t buffered() const { return buffer_.size() - position_; }

  private:
    enum class Phase {
        head,
        body_length,
        chunk_size,
        chunk_data,
        chunk_end,
        trailers,
        done,
        failed
    };

    Progress parse();
    Progress fail(int status, std::string reason);
    bool parse_request_line(std::string_view line);
    bool parse_field(std::string_view line, std::vector<std::pair<std::string, std::string>>& into);
    bool parse_chunk_size(std::string_view line);
    Progress after_head();
    void compact();
    // The next line from position_ without its CRLF (or LF, unless crlf_only), or nullopt when
    // none is complete yet; too_long when it is, or would be, longer than max_bytes; bad_line_
    // when crlf_only and it ends in a bare LF.
    std::optional<std::string_view> next_line(std::size_t max_bytes, bool crlf_only,
                                              bool& too_long);

    WireLimits limits_;
    std::string buffer_;
    std::size_t position_ = 0;
    Phase phase_ = Phase::head;
    WireRequest request_;
    WireError error_;
    std::uint64_t remaining_ = 0;  // of the Content-Length body or of the current chunk
    std::size_t trailer_bytes_ = 0;
    std::size_t framing_bytes_ = 0;  // chunk-size lines and CRLFs of the body being read
    std::size_t head_bytes_ = 0;
    std::size_t scan_ = 0;  // bytes after position_ already searched for LF
    bool request_line_done_ = false;
    bool bad_line_ = false;
    bool started_ = false;
    bool head_reported_ = false;
};

// "404 Not Found": the reason phrase of a status code, or "Unknown" for one never sent.
[[nodiscard]] std::string_view reason_phrase(int status);

}  // namespace brevduva::http
