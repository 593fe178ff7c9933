// MIME encoders for the wire form of a message (RFC 2045 §6.7, RFC 2047, RFC 5322): a
// quoted-printable body encoder and header-field writers that make header injection
// impossible. Pure and allocation-light: everything appends into a caller's reused string.
// Output is 7-bit ASCII with CRLF line ends only, so no relay needs to re-encode it and break
// a DKIM signature, and no line passes 76 (encoded body) or 78 (header) columns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace brevduva::templates {

// Appends text (UTF-8, any bytes allowed) as quoted-printable. CRLF, a bare LF and a bare CR
// each become one CRLF hard line break; '=', controls and bytes >= 0x80 become =XX (upper-case
// hex); SP or TAB before a line break or at the end become =20/=09; soft breaks ("=" CRLF)
// keep every line within 76 characters and never split an =XX. Also, although RFC 2045 does
// not require it, a '.' or the "F" of "From " starting an encoded line is written =2E / =46:
// the decoded text is the same, but a line can then never read "." (the SMTP end of data,
// should any hop forget dot-stuffing) or be turned into ">From " by an mbox hop, which
// would break the DKIM body hash.
void append_quoted_printable(std::string& out, std::string_view text);

// Why a value cannot go into a header field. `reason` names the problem and the byte offset
// but never repeats the value, which is contact data.
struct HeaderError {
    std::string field;   // e.g. "Subject"
    std::string reason;  // e.g. "contains LF at byte 1"
    [[nodiscard]] std::string describe() const { return field + ": " + reason; }
};

// Refuses a value from contact or campaign data that could end the field or smuggle another
// one in: CR, LF, NUL and every other control character except TAB, DEL, and ill-formed
// UTF-8. Every append_*_field below runs this check first.
[[nodiscard]] std::optional<HeaderError> check_header_value(std::string_view field,
                                                            std::string_view value);

// Appends "Field: value" CRLF for an unstructured field such as Subject. A value that is
// printable ASCII stays as it is, folded at its spaces; anything else (non-ASCII, text that
// could be read as an encoded-word, a word too long to fold) is written entirely as RFC 2047
// encoded-words of at most 75 characters, one per line, never splitting a UTF-8 character.
// The words use Q unless more than half of the value's bytes would need =XX (emoji-heavy or
// non-Latin text), then B. Q keeps Swedish readable in the raw message, and spam filters
// score B-encoding of text that did not need it (SpamAssassin's FROM_EXCESS_BASE64); for
// mostly-escaped text B is the shorter. On error nothing is appended.
[[nodiscard]] std::optional<HeaderError> append_unstructured_field(std::string& out,
                                                                   std::string_view field,
                                                                   std::string_view value);

// Appends "Field: Display Name <local@domain>" CRLF (just the address when the name is
// empty). The name is written as atoms when it is plain words, as a quoted-string with
// escapes when it holds RFC 5322 specials such as , ; : " (so "Doe, John" stays one mailbox),
// and as encoded-words (Q with only the characters RFC 2047 §5(3) allows in a phrase, or B)
// when it is not ASCII. The address must be a plain ASCII local@domain: anything an SMTP
// envelope could misread is refused. On error nothing is appended.
[[nodiscard]] std::optional<HeaderError> append_address_field(std::string& out,
                                                              std::string_view field,
                                                              std::string_view display_name,
                                                              std::string_view address);

}  // namespace brevduva::templates
