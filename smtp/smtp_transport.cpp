#include "smtp/smtp_transport.hpp"

#include "smtp/smtp_file_transport.hpp"
#include "smtp/smtp_pool.hpp"
#include "smtp/smtp_wire.hpp"

namespace brevduva::smtp {

namespace {

std::string explain(MessageErrorKind kind) {
    switch (kind) {
        case MessageErrorKind::bare_lf:
            return "a bare LF (a line feed without a carriage return before it)";
        case MessageErrorKind::bare_cr:
            return "a bare CR (a carriage return without a line feed after it)";
        case MessageErrorKind::line_too_long:
            return "a line longer than 998 octets";
        case MessageErrorKind::nul_byte:
            return "a NUL octet";
    }
    return "an invalid octet";
}

Outcome refused(std::string text) {
    return Outcome::without_reply(Cause::invalid_message, Stage::prepare,
                                  "refused before sending: " + std::move(text));
}

}  // namespace

std::optional<Outcome> check_before_sending(const OutgoingMessage& message) {
    if (const auto error = validate_message(message.content)) {
        return refused("the message has " + explain(error->kind) + " on line " +
                       std::to_string(error->line_number) + " (octet " +
                       std::to_string(error->offset) + ")");
    }
    // SMTPUTF8 is allowed here; whether the relay offers it is checked on the connection.
    std::string scratch;
    MailFromOptions from_options;
    from_options.smtputf8 = true;
    if (const auto error = append_mail_from(message.envelope_from, from_options, scratch)) {
        return refused("the envelope sender is not usable (" + std::string(to_string(*error)) +
                       ")");
    }
    if (const auto error = append_rcpt_to(message.recipient, RcptToOptions{true}, scratch)) {
        return refused("the recipient address is not usable (" + std::string(to_string(*error)) +
                       ")");
    }
    return std::nullopt;
}

std::unique_ptr<Transport> make_transport(const config::Settings& settings,
                                          TransportObserver& observer) {
    if (settings.sending.transport == config::TransportKind::file) {
        return std::make_unique<FileTransport>(settings.sending.file_folder, observer);
    }
    return std::make_unique<SmtpTransport>(settings.relays, observer);
}

}  // namespace brevduva::smtp
