// SmtpTransport: the Transport over SMTP relays. Each relay gets `connections` worker threads,
// each owning one persistent connection with blocking sockets and per-command timeouts; all
// workers take messages from one bounded queue, so a relay that fails simply stops taking work
// and the others carry it (failover), and a slow connection never holds a message another
// could send. A connection is opened when there is work, runs many transactions (see
// smtp_pump.hpp), and says QUIT after the idle timeout.
//
// Threads instead of an event loop: on two cores the sink or relay uses one, and a blocked
// thread costs nothing while it waits; per message a worker makes one write and usually one
// read, which keeps CPU per message at the level of smtp-source (docs/smtp.md has the figures).
//
// When every relay is failing and no connection is open, waiting messages are reported at once
// with the relays' failure (transient), instead of waiting for a relay that may not come back.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "config/config_settings.hpp"
#include "smtp/smtp_relay_health.hpp"
#include "smtp/smtp_session.hpp"
#include "smtp/smtp_transport.hpp"
#include "smtp/smtp_work.hpp"

namespace brevduva::smtp {

struct SmtpTransportOptions {
    std::size_t queue_capacity = 1024;  // messages accepted before submit() blocks
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};  // then QUIT
    int max_attempts = 3;  // connections that may fail a message before its content left
};

class SmtpTransport final : public Transport {
  public:
    // Throws std::runtime_error when there is no relay or a relay's TLS cannot be set up.
    SmtpTransport(const std::vector<config::RelaySettings>& relays, TransportObserver& observer,
                  SmtpTransportOptions options = {});
    ~SmtpTransport() override;

    void submit(std::vector<OutgoingMessage> messages) override;
    void flush() override;
    void close(std::chrono::milliseconds grace) override;

  private:
    struct Relay {
        Relay(RelayEndpoint relay_endpoint, const std::string& label)
            : endpoint(std::move(relay_endpoint)), health(label) {}
        RelayEndpoint endpoint;
        RelayHealth health;
        std::optional<Outcome> last_failure;  // guarded by mutex_; set while it is failing
    };
    class Worker;
    friend class Worker;

    // For the workers.
    [[nodiscard]] bool wait_for_work(const Relay& relay);
    [[nodiscard]] std::optional<WorkItem> take(bool wait);
    void give_back(WorkItem item, const Outcome& outcome);
    void finish(WorkItem item, const Outcome& outcome);
    void data_started(const WorkItem& item);
    void session_failed(Relay& relay, const Outcome& outcome);
    void session_opened(Relay& relay);
    void session_closed();

    [[nodiscard]] bool all_relays_down_locked() const;
    void fail_queued_locked(std::unique_lock<std::mutex>& lock, const Outcome& outcome);
    void enqueue(std::vector<WorkItem> items);

    TransportObserver& observer_;
    SmtpTransportOptions options_;
    std::vector<std::unique_ptr<Relay>> relays_;
    std::vector<std::unique_ptr<Worker>> workers_;

    mutable std::mutex mutex_;
    std::condition_variable work_changed_;  // queued work, a relay's state, stopping
    std::condition_variable space_freed_;   // the queue has room
    std::condition_variable all_done_;      // pending_ reached 0
    std::deque<WorkItem> queue_;
    std::size_t pending_ = 0;  // submitted, outcome not yet delivered
    int open_sessions_ = 0;
    int submitters_waiting_ = 0;  // submit() calls waiting for room in the queue
    bool stopping_ = false;
    bool closed_ = false;
};

}  // namespace brevduva::smtp
