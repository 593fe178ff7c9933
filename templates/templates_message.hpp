// The wire form of one message (RFC 5322, RFC 2045–2047, RFC 2369, RFC 8058): header fields in
// a fixed order, then multipart/alternative with the text part first and the HTML part last,
// both UTF-8 quoted-printable. CRLF only, 7-bit only, header lines folded within 78 columns
// (but never inside the angle brackets of List-Unsubscribe, RFC 2369 §2), body lines within
// 76. Every value goes through the writers of templates_mime_encode.hpp, which refuse CR, LF,
// NUL and other controls, so nothing from contact data can add or split a header field. No
// Return-Path (the receiving MTA adds it from the envelope, RFC 5321 §4.4). Pure.
//
//   From, To, Subject, Date, Message-ID, [Reply-To], [List-Unsubscribe,
//   List-Unsubscribe-Post], [Feedback-ID], MIME-Version, Content-Type
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "templates/templates_mime_encode.hpp"

namespace brevduva::templates {

struct MessageHeaders {
    std::string_view from_name;
    std::string_view from_address;
    std::string_view to_name;
    std::string_view to_address;
    std::string_view reply_to;  // empty: none
    std::string_view subject;
    std::chrono::sys_seconds date;
    std::string_view message_id;  // "<…@…>"
    // The one-click pair is written when the https URL is given; the mailto URI ("mailto:
    // unsubscribe@example.se?subject=unsubscribe-TOKEN") joins it when given too.
    std::string_view list_unsubscribe_url;
    std::string_view list_unsubscribe_mailto;
    std::string_view feedback_id;  // empty: none
    std::string_view boundary;     // "=_…"
};

// Appends the whole message. Returns where the header block ends (just before the empty
// line) through header_size, so the DKIM signer can be handed the header block and the body.
// On error `out` is left with a partial message and must be discarded.
[[nodiscard]] std::optional<HeaderError> append_message(std::string& out,
                                                        const MessageHeaders& headers,
                                                        std::string_view text,
                                                        std::string_view html,
                                                        std::size_t& header_size);

// "Mon, 24 Nov 2025 13:35:00 +0000" (RFC 5322 §3.3, in UTC).
void append_rfc5322_date(std::string& out, std::chrono::sys_seconds date);

// "List-Unsubscribe=One-Click", byte for byte (RFC 8058 §3.1).
inline constexpr std::string_view kOneClickPost = "List-Unsubscribe=One-Click";

}  // namespace brevduva::templates
