// The bytes we put on the wire: a message checked and dot-stuffed for DATA (RFC 5321 §4.5.2),
// and command lines that cannot be used to inject further commands. Builders append to a
// caller-owned buffer, so a pipelined MAIL/RCPT.../DATA batch is assembled in one allocation and
// written once; on error the buffer is left exactly as it was. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brevduva::smtp {

// RFC 5322 §2.1.1 and RFC 5321 §4.5.3.1.6: 1000 octets including the CRLF.
inline constexpr std::size_t kMaxMessageLineOctets = 998;

enum class MessageErrorKind {
    bare_lf,        // LF without a CR before it
    bare_cr,        // CR without an LF after it
    line_too_long,  // over kMaxMessageLineOctets, not counting the CRLF
    nul_byte,
};

[[nodiscard]] std::string_view to_string(MessageErrorKind kind) noexcept;

struct MessageError {
    MessageErrorKind kind = MessageErrorKind::bare_lf;
    std::size_t line_number = 0;  // 1-based
    std::size_t offset = 0;       // of the offending byte in the message

    friend bool operator==(const MessageError&, const MessageError&) = default;
};

// Bare CR and bare LF are refused rather than repaired: receivers disagree about what ends a
// line, which is exactly what SMTP smuggling exploits, and repairing would change bytes that a
// DKIM signature already covers. A missing final CRLF is not an error; see append_dot_stuffed.
[[nodiscard]] std::optional<MessageError> validate_message(std::string_view message);

// Appends the message as DATA content: lines starting with '.' get a second '.', a CRLF is added
// if the message does not end with one (DKIM's canonicalisation adds the same, RFC 6376 §3.4.3,
// so the signature still verifies), then the terminating ".\r\n". Validates in the same pass; on
// error nothing is appended. An empty message yields just ".\r\n", since the DATA command's own
// CRLF is the first half of the terminator.
[[nodiscard]] std::optional<MessageError> append_dot_stuffed(std::string_view message,
                                                             std::string& out);

enum class CommandError {
    empty_address,        // RCPT TO needs a mailbox; only MAIL FROM may use the null path <>
    address_too_long,     // RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its <>
    control_character,    // CR, LF, NUL or any other C0 or DEL: command injection
    forbidden_character,  // space, '<' or '>': would end the path and smuggle parameters in
    non_ascii_address,    // 8-bit octets without SMTPUTF8 (RFC 6531)
    bad_domain,           // the EHLO argument is empty, too long or not printable ASCII
    nul_in_credentials,   // a NUL would shift the fields of AUTH PLAIN
    credentials_too_long,
};

[[nodiscard]] std::string_view to_string(CommandError error) noexcept;

inline constexpr std::string_view kDataCommand = "DATA\r\n";
inline constexpr std::string_view kQuitCommand = "QUIT\r\n";
inline constexpr std::string_view kRsetCommand = "RSET\r\n";
inline constexpr std::string_view kNoopCommand = "NOOP\r\n";
inline constexpr std::string_view kStartTlsCommand = "STARTTLS\r\n";
inline constexpr std::string_view kAuthLoginCommand = "AUTH LOGIN\r\n";

// "EHLO <domain>\r\n"; the domain is a host name or an address literal such as [192.0.2.1].
[[nodiscard]] std::optional<CommandError> append_ehlo(std::string_view domain, std::string& out);

struct MailFromOptions {
    std::optional<std::uint64_t> size;  // SIZE=n (RFC 1870), only if the server offers SIZE
    bool body_8bitmime = false;         // BODY=8BITMIME (RFC 6152)
    bool smtputf8 = false;              // SMTPUTF8 (RFC 6531): permits UTF-8 in the addresses
};

// "MAIL FROM:<reverse-path>[ SIZE=n][ BODY=8BITMIME][ SMTPUTF8]\r\n". An empty reverse path
// gives the null sender <>.
[[nodiscard]] std::optional<CommandError> append_mail_from(std::string_view reverse_path,
                                                           const MailFromOptions& options,
                                                           std::string& out);

struct RcptToOptions {
    bool smtputf8 = false;  // must match the transaction's MAIL FROM
};

// "RCPT TO:<forward-path>\r\n".
[[nodiscard]] std::optional<CommandError> append_rcpt_to(std::string_view forward_path,
                                                         const RcptToOptions& options,
                                                         std::string& out);

// "AUTH PLAIN <base64(\0username\0password)>\r\n" (RFC 4616, RFC 4954 initial response). The
// output holds the password in reversible form: never log it.
[[nodiscard]] std::optional<CommandError> append_auth_plain(std::string_view username,
                                                            std::string_view password,
                                                            std::string& out);

// One AUTH LOGIN step after kAuthLoginCommand: base64 of the username, then of the password,
// each answering a 334 challenge. Never log the output.
[[nodiscard]] std::optional<CommandError> append_auth_login_response(std::string_view value,
                                                                     std::string& out);

}  // namespace brevduva::smtp
