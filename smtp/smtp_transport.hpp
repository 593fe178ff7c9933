// The Transport: the dispatcher's hand-off of finished messages to the outside world, and the
// only way an Outcome comes back. Two implementations: SmtpTransport (pooled, pipelined SMTP to
// the configured relays, smtp_pool.hpp) and FileTransport (.eml files for previews and dry runs,
// smtp_file_transport.hpp); make_transport picks the one the config names.
//
// The contract, for the dispatcher:
// - Before submit(), the dispatcher has moved the deliveries to `sending` in one database
//   transaction. From then on a crash leaves them `sending`, which recovery must treat as "DATA
//   may have begun" (ambiguous), never as unsent: the transport gives no durable signal of its
//   own, and the first byte of DATA can follow submit() by microseconds.
// - Every submitted message gets exactly one on_outcome(), unless the process dies. accepted
//   means the relay said 2xx to the final dot and nothing else does (Outcome::accepted());
//   ambiguous means the final dot may have reached the relay without a verdict coming back.
//   Messages whose content never left are retried on another connection or relay inside the
//   transport a few times, then reported transient.
// - on_data_started() comes just before the message's content is written, i.e. after the 354;
//   it is informational (metrics, finer logs) and may be ignored.
// - Callbacks run on the transport's own threads, any of them at once: they must be
//   thread-safe, quick, and must never wait for the thread that calls submit() (which blocks
//   while the transport's bounded queue is full). Hand the outcome to a queue and return.
// - A message's ShapingPermit is completed with its Outcome before on_outcome() is called.
// - Bad input never reaches the wire: a bare LF or CR, a NUL, a line over 998 octets or an
//   address that cannot be put in a command ends as a permanent Outcome (Cause::invalid_message,
//   Stage::prepare) with the reason in its text, without a connection being used.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "smtp/smtp_outcome.hpp"
#include "smtp/smtp_shaping.hpp"

namespace brevduva::smtp {

using DeliveryId = std::uint64_t;

struct OutgoingMessage {
    DeliveryId id = 0;          // opaque to the transport; handed back with the outcome
    std::string envelope_from;  // the reverse-path without <>; empty for the null sender
    std::string recipient;      // exactly one forward-path without <>
    std::string content;        // the finished message: CRLF lines, already signed
    ShapingPermit permit;       // from Shaper::admit, or empty when not shaped
};

class TransportObserver {
  public:
    TransportObserver() = default;
    TransportObserver(const TransportObserver&) = delete;
    TransportObserver& operator=(const TransportObserver&) = delete;
    virtual ~TransportObserver() = default;

    virtual void on_data_started(DeliveryId id) { (void)id; }
    virtual void on_outcome(DeliveryId id, const Outcome& outcome) = 0;
};

class Transport {
  public:
    Transport() = default;
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;
    virtual ~Transport() = default;

    // Takes the messages; blocks while the queue is full. Never throws for one bad message.
    virtual void submit(std::vector<OutgoingMessage> messages) = 0;
    // Returns when every message submitted so far has had its outcome.
    virtual void flush() = 0;
    // Stops: messages not yet started are reported transient at once, transactions in flight
    // get up to `grace` to finish, then connections are cut (a cut after the final dot is
    // ambiguous). Returns when every outcome has been delivered. Idempotent.
    virtual void close(std::chrono::milliseconds grace) = 0;
};

// The checks every transport makes before a message may go anywhere: the content (bare LF or
// CR, NUL, lines over 998 octets) and the two addresses (control characters, spaces, angle
// brackets, length). nullopt when it may go; otherwise the permanent Outcome that refuses it,
// with a reason a person can act on.
[[nodiscard]] std::optional<Outcome> check_before_sending(const OutgoingMessage& message);

// The transport the config names (sending.transport), reporting to `observer`, which must
// outlive it. Throws std::runtime_error for a configuration it cannot use (no relay for smtp).
[[nodiscard]] std::unique_ptr<Transport> make_transport(const config::Settings& settings,
                                                        TransportObserver& observer);

}  // namespace brevduva::smtp
