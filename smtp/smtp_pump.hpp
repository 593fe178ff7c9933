// The transactions on one open session, one message (one recipient) each. With PIPELINING
// (RFC 2920) a message costs one round trip: its content goes out in the same write as the next
// message's MAIL FROM, RCPT TO and DATA, and the replies to both come back together. Content is
// never sent before the 354 to its own DATA: a server that refused the recipient would read the
// message as commands. Without PIPELINING every command waits for its reply.
//
// Honesty rules: only a 2xx to the final dot is accepted; once any byte of a message's content
// has been written, a lost connection or a timeout makes it ambiguous; a message whose content
// never left is given back to the pool for another connection. After a failed transaction RSET
// makes the connection usable again; a 421 or a broken stream ends the session.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "smtp/smtp_session.hpp"
#include "smtp/smtp_work.hpp"

namespace brevduva::smtp {

class TransactionPump {
  public:
    TransactionPump(Session& session, WorkSource& work);

    // Runs until no work comes (true: the session is fine, say QUIT) or the session cannot go
    // on (false: drop it).
    [[nodiscard]] bool run();

  private:
    enum class Envelope { ready, refused, broken };
    // How the envelope in out_ goes out: each command after the previous reply (no
    // PIPELINING), all in one write, or already written together with the previous content.
    enum class Send { each, all, done };

    [[nodiscard]] std::optional<Outcome> append_envelope(const OutgoingMessage& message);
    [[nodiscard]] Envelope read_envelope(WorkItem& item, Send send);
    [[nodiscard]] Envelope fail_envelope(WorkItem& item, const Outcome& outcome, bool closing);
    [[nodiscard]] bool send_content(WorkItem current, std::optional<WorkItem>& next);
    [[nodiscard]] bool reset();

    Session& session_;
    Connection& connection_;
    WorkSource& work_;
    bool pipelining_;
    std::string out_;
    // Where MAIL, RCPT and DATA start in out_, and where DATA ends.
    std::size_t command_at_[4] = {0, 0, 0, 0};
};

}  // namespace brevduva::smtp
