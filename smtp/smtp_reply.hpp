// SMTP replies (RFC 5321 §4.2) and the incremental parser that cuts them out of a byte stream.
// Bytes go in exactly as a socket hands them over, split anywhere, several pipelined replies at
// once; complete replies come out in order. Malformed input becomes a ReplyError value, never
// UB, and every buffer is bounded (ReplyLimits), so a hostile server cannot make us grow without
// limit. Pure: no I/O, no clock; the client owns the socket and the timeouts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace brevduva::smtp {

// RFC 3463 class.subject.detail, e.g. 5.1.1. Subject and detail are kept as numbers so 5.1.10
// and 5.1.1 stay distinct and tables can compare them cheaply.
struct EnhancedStatus {
    int status_class = 0;  // 2, 4 or 5
    int subject = 0;
    int detail = 0;

    friend bool operator==(const EnhancedStatus&, const EnhancedStatus&) = default;
};

[[nodiscard]] std::string to_string(const EnhancedStatus& status);

// Reads "class.subject.detail" at the very start of text (RFC 2034 puts it there), followed by a
// space or the end. Subject and detail have 1–3 digits (RFC 3463 §2). Also usable on a DSN's
// Status field.
[[nodiscard]] std::optional<EnhancedStatus> parse_enhanced_status(std::string_view text);

struct SmtpReply {
    int code = 0;
    // Only set when its class matches the reply code's first digit: a "550 4.2.2" says two
    // contradicting things, and the basic code is the one RFC 5321 obliges us to honour.
    std::optional<EnhancedStatus> enhanced;
    // The lines' text, joined with '\n', without the "250-" prefixes; enhanced codes are kept
    // as the server sent them, so logs show exactly what was said.
    std::string text;
    std::vector<std::string> lines;

    [[nodiscard]] bool is_positive_completion() const { return code >= 200 && code < 300; }
    [[nodiscard]] bool is_positive_intermediate() const { return code >= 300 && code < 400; }
    [[nodiscard]] bool is_transient() const { return code >= 400 && code < 500; }
    [[nodiscard]] bool is_permanent() const { return code >= 500 && code < 600; }
};

enum class ReplyErrorKind {
    bad_code,         // not three digits in 200–599 at the start of a line
    bad_separator,    // the code is followed by something other than ' ', '-' or the line end
    code_changed,     // a continuation line carries a different code than the first line
    line_too_long,    // one line exceeds ReplyLimits::max_line_octets
    reply_too_large,  // one (multiline) reply exceeds ReplyLimits::max_reply_octets
    too_many_queued,  // more complete replies waiting than ReplyLimits::max_queued_replies
};

[[nodiscard]] std::string_view to_string(ReplyErrorKind kind) noexcept;

// A protocol error: the stream can no longer be trusted, so the connection must be dropped.
struct ReplyError {
    ReplyErrorKind kind = ReplyErrorKind::bad_code;
    std::size_t line_number = 0;  // 1-based, counted over the whole stream since the last reset
    std::string excerpt;          // the start of the offending line, at most 80 octets, for logs
};

// RFC 5321 §4.5.3.1.5 says 512 octets per line, but real servers exceed it (long EHLO lines,
// URLs in rejection texts), so lines are tolerated up to the size of a whole reply. The caps
// exist to bound memory, not to enforce the RFC.
struct ReplyLimits {
    std::size_t max_line_octets = 64 * 1024;
    std::size_t max_reply_octets = 64 * 1024;
    // A pipelined batch of MAIL, many RCPTs and DATA yields one reply per command; a client
    // drains after every read, so this only trips on a server that floods us.
    std::size_t max_queued_replies = 1024;
};

using ParsedReply = std::variant<SmtpReply, ReplyError>;

class ReplyParser {
  public:
    explicit ReplyParser(ReplyLimits limits = {});

    // Consumes every byte. After a protocol error further input is ignored until reset().
    void feed(std::string_view bytes);

    // The next complete reply, or the protocol error that ended parsing (returned once, after
    // every reply that preceded it); nullopt while more bytes are needed.
    [[nodiscard]] std::optional<ParsedReply> next();

    // True when nothing is buffered: no partial line, no half-read multiline reply, no reply
    // waiting. After the 220 to STARTTLS anything still buffered was sent in plaintext before
    // the handshake and must not be acted on (RFC 3207 §4.2; the STARTTLS injection attacks).
    [[nodiscard]] bool idle() const;
    [[nodiscard]] bool failed() const { return failed_; }

    // Forgets everything, including a protocol error: for a fresh or newly encrypted stream.
    void reset();

  private:
    void consume_line(std::string_view line);
    void finish_reply();
    void fail(ReplyErrorKind kind, std::string_view line);

    ReplyLimits limits_;
    std::string partial_;  // bytes of a line whose LF has not arrived yet
    SmtpReply current_;    // the multiline reply being assembled
    std::size_t current_octets_ = 0;
    std::size_t line_number_ = 0;
    std::vector<ParsedReply> ready_;
    std::size_t ready_head_ = 0;  // ready_ is drained from the front without erasing
    bool failed_ = false;
};

// What an EHLO reply advertises (RFC 5321 §4.1.1.1, with the extensions we use). Keywords are
// matched case-insensitively; unknown ones are ignored.
struct ServerCapabilities {
    bool pipelining = false;             // RFC 2920
    bool starttls = false;               // RFC 3207
    bool eight_bit_mime = false;         // RFC 6152
    bool smtputf8 = false;               // RFC 6531
    bool enhanced_status_codes = false;  // RFC 2034
    bool chunking = false;               // RFC 3030
    bool size = false;                   // RFC 1870: the SIZE parameter may be sent
    // The fixed maximum message size; nullopt when SIZE is absent, or present without a limit
    // (SIZE 0 or no number, which RFC 1870 §4 defines as "no fixed maximum").
    std::optional<std::uint64_t> size_limit;
    std::vector<std::string> auth_mechanisms;  // upper-case, in the server's order, no duplicates

    [[nodiscard]] bool supports_auth(std::string_view mechanism) const;
};

// A non-2xx reply advertises nothing; the greeting line (lines[0]) carries no keyword.
[[nodiscard]] ServerCapabilities parse_ehlo(const SmtpReply& reply);

}  // namespace brevduva::smtp
