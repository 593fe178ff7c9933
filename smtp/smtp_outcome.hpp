// What one send attempt came to, and what the dispatcher should do about it. classify() turns a
// server's reply into the action class the dispatcher needs (suppress the recipient, retry,
// throttle, alert the operator) from RFC 3463 enhanced codes first, then the basic code and the
// well-known wording of the large mailbox providers. Pure: no I/O, no clock.
//
// The names returned by to_string are stored in the database: they are stable snake_case and
// must never be renamed, only added to.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smtp/smtp_reply.hpp"

namespace brevduva::smtp {

// Where in the SMTP dialogue the attempt ended.
enum class Stage {
    connect,
    greeting,
    ehlo,
    starttls,
    auth,
    mail_from,
    rcpt_to,
    data,         // the DATA command, before any content was sent
    end_of_data,  // after the final CRLF.CRLF, waiting for the server's verdict
    prepare,      // before any byte went to a relay: refused locally (kept last so the
                  // numbering of the dialogue's stages above never changes)
};

// Why it ended. Kept apart from Stage because the same event means different things at
// different stages: a dropped connection after the final dot may follow an accepted message.
enum class Cause {
    reply,              // the server answered
    connection_lost,    // refused, reset or closed
    timeout,            // no answer within the RFC 5321 §4.5.3.2 limits
    protocol_error,     // an unparseable reply (ReplyError): the stream cannot be trusted
    invalid_message,    // refused before sending: bare LF or CR, a line over 998 octets, NUL, an
                        // address that cannot be put in a command, over the relay's SIZE limit
    tls_failure,        // the TLS handshake failed or the certificate was refused (untrusted,
                        // expired, for another host), or plaintext was injected after STARTTLS
    requirement_unmet,  // the relay cannot do what the config requires (STARTTLS, an AUTH
                        // mechanism) or the relay password cannot be read: never downgraded
};

enum class OutcomeKind {
    accepted,   // 2xx after the final dot: the server took responsibility for the message
    transient,  // try again later
    permanent,  // do not repeat the same request
    ambiguous,  // the connection failed after the final dot: the server may have accepted it,
                // so retry only after back-off and accept a possible duplicate (RFC 5321 §4.5.3.2)
};

enum class Classification {
    none,               // nothing to act on: a positive reply
    recipient_invalid,  // a hard bounce: suppress the address (5.1.1, 5.1.2, 5.1.3, 5.1.6,
                        // 5.1.10, 5.2.1)
    mailbox_full,       // 4.2.2/5.2.2, 452 or 552 to RCPT: retry; suppress only after expiry
    policy,             // our reputation or authentication (5.7.x, Gmail's 4.7.x authentication
                        // codes): alert the operator, never suppress the recipient
    rate_limited,       // 421, other 4.7.x, too many recipients, "rate"/"throttl" texts:
                        // slow down and retry, never held against the recipient
    message_too_large,  // 5.3.4, 5.2.3, 552 to MAIL or at the end of data: fix the message
    other,
};

[[nodiscard]] std::string_view to_string(Stage stage) noexcept;
[[nodiscard]] std::string_view to_string(Cause cause) noexcept;
[[nodiscard]] std::string_view to_string(OutcomeKind kind) noexcept;
[[nodiscard]] std::string_view to_string(Classification classification) noexcept;

// The inverses of to_string, for values read back from storage.
[[nodiscard]] std::optional<Stage> stage_from_string(std::string_view name) noexcept;
[[nodiscard]] std::optional<Cause> cause_from_string(std::string_view name) noexcept;
[[nodiscard]] std::optional<OutcomeKind> outcome_kind_from_string(std::string_view name) noexcept;
[[nodiscard]] std::optional<Classification> classification_from_string(
    std::string_view name) noexcept;

// Recipient-blaming classes (recipient_invalid, mailbox_full) are given only for replies to
// RCPT, DATA or the end of data: a 5.1.1 to MAIL FROM is about our sender address, and
// suppressing a subscriber for it would be wrong.
[[nodiscard]] Classification classify(const SmtpReply& reply, Stage stage);

struct Outcome {
    OutcomeKind kind = OutcomeKind::transient;
    Classification classification = Classification::other;
    Stage stage = Stage::connect;
    Cause cause = Cause::connection_lost;
    int code = 0;  // 0 when the server gave no reply
    std::optional<EnhancedStatus> enhanced;
    std::string text;  // the server's text, or a short description of the failure

    // A positive reply anywhere but the end of data delivered nothing, so it is transient: an
    // Outcome is the final word on an attempt, and only the verdict on the data is acceptance.
    [[nodiscard]] static Outcome from_reply(const SmtpReply& reply, Stage stage);
    // A failure without a usable reply; ambiguous at end_of_data, transient everywhere else,
    // except: invalid_message is permanent (sending the same bytes again cannot help), and
    // tls_failure and requirement_unmet are classified policy, so the operator is alerted while
    // the message waits (a security requirement fails closed: deferred, never sent in clear).
    [[nodiscard]] static Outcome without_reply(Cause cause, Stage stage, std::string detail = {});

    [[nodiscard]] bool accepted() const {
        return kind == OutcomeKind::accepted && stage == Stage::end_of_data && code >= 200 &&
               code < 300;
    }
};

}  // namespace brevduva::smtp
