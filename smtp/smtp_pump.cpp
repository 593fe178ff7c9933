#include "smtp/smtp_pump.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "smtp/smtp_wire.hpp"

namespace brevduva::smtp {

namespace {

bool is_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

Outcome refusal(std::string text, Classification classification = Classification::other) {
    Outcome outcome = Outcome::without_reply(Cause::invalid_message, Stage::prepare,
                                             "refused before sending: " + std::move(text));
    outcome.classification = classification;
    return outcome;
}

}  // namespace

TransactionPump::TransactionPump(Session& session, WorkSource& work)
    : session_(session),
      connection_(session.connection()),
      work_(work),
      pipelining_(session.capabilities().pipelining) {
    out_.reserve(64 * 1024);
}

bool TransactionPump::run() {
    std::optional<WorkItem> ready;  // its DATA has been answered 354; its content goes next
    while (true) {
        if (!ready) {
            std::optional<WorkItem> next = work_.take(true);
            if (!next) return true;
            out_.clear();
            if (auto refused = append_envelope(next->message)) {
                work_.finish(std::move(*next), *refused);
                continue;
            }
            const Envelope state = read_envelope(*next, pipelining_ ? Send::all : Send::each);
            if (state == Envelope::broken) return false;
            if (state == Envelope::ready) ready = std::move(next);
            continue;
        }
        std::optional<WorkItem> next;
        if (pipelining_) next = work_.take(false);
        WorkItem current = std::move(*ready);
        ready.reset();
        if (!send_content(std::move(current), next)) return false;
        if (!next) continue;
        const Envelope state = read_envelope(*next, Send::done);
        if (state == Envelope::broken) return false;
        if (state == Envelope::ready) ready = std::move(next);
    }
}

std::optional<Outcome> TransactionPump::append_envelope(const OutgoingMessage& message) {
    const ServerCapabilities& caps = session_.capabilities();
    const std::size_t start = out_.size();
    const std::uint64_t size = message.content.size();
    if (caps.size_limit && size > *caps.size_limit) {
        return refusal("the message has " + std::to_string(size) +
                           " octets, over the relay's limit of " + std::to_string(*caps.size_limit),
                       Classification::message_too_large);
    }
    const bool utf8 = !is_ascii(message.envelope_from) || !is_ascii(message.recipient);
    if (utf8 && !caps.smtputf8) {
        return refusal("an address is not ASCII and the relay does not offer SMTPUTF8");
    }
    MailFromOptions options;
    if (caps.size) options.size = size;
    options.body_8bitmime = caps.eight_bit_mime;
    options.smtputf8 = utf8;
    command_at_[0] = start;
    if (const auto error = append_mail_from(message.envelope_from, options, out_)) {
        out_.resize(start);
        return refusal("the envelope sender cannot be sent: " + std::string(to_string(*error)));
    }
    command_at_[1] = out_.size();
    if (const auto error = append_rcpt_to(message.recipient, RcptToOptions{utf8}, out_)) {
        out_.resize(start);
        return refusal("the recipient cannot be sent: " + std::string(to_string(*error)));
    }
    command_at_[2] = out_.size();
    out_.append(kDataCommand);
    command_at_[3] = out_.size();
    return std::nullopt;
}

TransactionPump::Envelope TransactionPump::read_envelope(WorkItem& item, Send send) {
    const config::SmtpTimeouts& t = session_.timeouts();
    constexpr std::array stages{Stage::mail_from, Stage::rcpt_to, Stage::data};
    const std::array waits{t.mail, t.rcpt, t.data_init};
    std::optional<Outcome> failure;
    Stage stage = Stage::mail_from;
    try {
        if (send == Send::all) connection_.write(out_, t.data_block);
        for (std::size_t i = 0; i < stages.size(); ++i) {
            stage = stages[i];
            if (send == Send::each) {
                if (failure) break;
                const std::string_view all(out_);
                connection_.write(all.substr(command_at_[i], command_at_[i + 1] - command_at_[i]),
                                  t.data_block);
            }
            const SmtpReply reply = connection_.read_reply(waits[i]);
            const bool positive = i < 2 ? reply.is_positive_completion() : reply.code == 354;
            if (!positive && !failure) failure = Outcome::from_reply(reply, stage);
            if (reply.code == 421) return fail_envelope(item, *failure, true);
            if (i == 2 && positive && failure) {
                // DATA opened although every recipient was refused: end it empty, as RFC 2920
                // §3.1 says; there is nobody it could be delivered to.
                connection_.write(".\r\n", t.data_block);
                (void)connection_.read_reply(t.data_end);
            }
        }
    } catch (const ConnectionError& e) {
        if (failure) {
            work_.finish(std::move(item), *failure);
        } else {
            work_.give_back(std::move(item), Outcome::without_reply(e.cause(), stage, e.what()));
        }
        return Envelope::broken;
    }
    if (!failure) return Envelope::ready;
    return fail_envelope(item, *failure, false);
}

TransactionPump::Envelope TransactionPump::fail_envelope(WorkItem& item, const Outcome& outcome,
                                                         bool closing) {
    work_.finish(std::move(item), outcome);
    if (closing) return Envelope::broken;
    return reset() ? Envelope::refused : Envelope::broken;
}

bool TransactionPump::reset() {
    try {
        connection_.write(kRsetCommand, session_.timeouts().data_block);
        return connection_.read_reply(session_.timeouts().mail).is_positive_completion();
    } catch (const ConnectionError&) {
        return false;
    }
}

bool TransactionPump::send_content(WorkItem current, std::optional<WorkItem>& next) {
    const config::SmtpTimeouts& t = session_.timeouts();
    out_.clear();
    if (const auto error = append_dot_stuffed(current.message.content, out_)) {
        // Checked before it was queued, so this cannot happen; if it did, the dot must not be
        // sent (the relay would deliver what it has), so the connection is dropped instead.
        work_.finish(std::move(current), refusal(std::string(to_string(error->kind))));
        if (next) {
            work_.give_back(std::move(*next),
                            Outcome::without_reply(Cause::connection_lost, Stage::mail_from,
                                                   "the connection was dropped"));
        }
        next.reset();
        return false;
    }
    if (next) {
        if (auto refused = append_envelope(next->message)) {
            work_.finish(std::move(*next), *refused);
            next.reset();
        }
    }
    work_.data_started(current);
    SmtpReply verdict;
    try {
        connection_.write(out_, t.data_block);
        verdict = connection_.read_reply(t.data_end);
    } catch (const ConnectionError& e) {
        // The final dot may have reached the relay: only the relay knows what happened.
        work_.finish(std::move(current),
                     Outcome::without_reply(e.cause(), Stage::end_of_data, e.what()));
        if (next) {
            work_.give_back(std::move(*next),
                            Outcome::without_reply(e.cause(), Stage::mail_from, e.what()));
        }
        next.reset();
        return false;
    }
    work_.finish(std::move(current), Outcome::from_reply(verdict, Stage::end_of_data));
    if (verdict.code != 421) return true;
    if (next) {
        work_.give_back(std::move(*next),
                        Outcome::without_reply(Cause::connection_lost, Stage::mail_from,
                                               "the relay is closing the connection"));
    }
    next.reset();
    return false;
}

}  // namespace brevduva::smtp
