#include "smtp/smtp_pool.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "smtp/smtp_pump.hpp"
#include "smtp/smtp_tls.hpp"
#include "smtp/smtp_wire.hpp"

namespace brevduva::smtp {

namespace {

std::string default_ehlo_name() {
    try {
        std::string name = Poco::Net::DNS::hostName();
        std::string probe;
        if (!append_ehlo(name, probe)) return name;
    } catch (const Poco::Exception& e) {
        spdlog::warn("cannot read this machine's host name for EHLO ({}); using localhost",
                     e.displayText());
    }
    return "localhost";
}

Outcome closed_outcome() {
    return Outcome::without_reply(Cause::connection_lost, Stage::connect,
                                  "the transport was closed before the message was sent");
}

// Writing to a socket the peer has closed must fail with EPIPE, not kill the process. Plain
// sockets pass MSG_NOSIGNAL; OpenSSL's writes cannot, so the signal is blocked on this thread.
void block_sigpipe() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

class SmtpTransport::Worker final : public WorkSource {
  public:
    Worker(SmtpTransport& pool, Relay& relay)
        : pool_(pool), relay_(relay), session_(relay.endpoint) {
        thread_ = std::thread([this] { run(); });
    }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker() override { join(); }

    void join() {
        if (thread_.joinable()) thread_.join();
    }
    void interrupt() { session_.connection().interrupt(); }

    std::optional<WorkItem> take(bool wait) override { return pool_.take(wait); }
    void give_back(WorkItem item, const Outcome& outcome) override {
        pool_.give_back(std::move(item), outcome);
    }
    void data_started(const WorkItem& item) override { pool_.data_started(item); }
    void finish(WorkItem item, const Outcome& outcome) override {
        pool_.finish(std::move(item), outcome);
    }

  private:
    void run() {
        block_sigpipe();
        while (pool_.wait_for_work(relay_)) {
            try {
                serve();
            } catch (const std::exception& e) {
                spdlog::error("relay {}: connection ended unexpectedly: {}", relay_.endpoint.label,
                              e.what());
                session_.drop();
            }
        }
        session_.drop();
    }

    void serve() {
        if (auto failure = session_.open()) {
            pool_.session_failed(relay_, *failure);
            return;
        }
        pool_.session_opened(relay_);
        const bool clean = TransactionPump(session_, *this).run();
        pool_.session_closed();
        if (clean) {
            session_.quit();
        } else {
            session_.drop();
        }
    }

    SmtpTransport& pool_;
    Relay& relay_;
    Session session_;
    std::thread thread_;
};

SmtpTransport::SmtpTransport(const std::vector<config::RelaySettings>& relays,
                             TransportObserver& observer, SmtpTransportOptions options)
    : observer_(observer), options_(options) {
    if (relays.empty()) throw std::runtime_error("no relay is configured, so nothing can be sent");
    const std::string machine = default_ehlo_name();
    for (const auto& settings : relays) {
        std::string label = settings.host + ":" + std::to_string(settings.port);
        RelayEndpoint endpoint{settings, make_tls_context(settings),
                               settings.ehlo_name.empty() ? machine : settings.ehlo_name, label};
        relays_.push_back(std::make_unique<Relay>(std::move(endpoint), label));
    }
    try {
        for (auto& relay : relays_) {
            for (int i = 0; i < relay->endpoint.settings.connections; ++i) {
                workers_.push_back(std::make_unique<Worker>(*this, *relay));
            }
        }
    } catch (const std::system_error&) {
        close(std::chrono::milliseconds(0));  // the threads already started must not linger
        throw;
    }
}

SmtpTransport::~SmtpTransport() { close(std::chrono::milliseconds(0)); }

void SmtpTransport::submit(std::vector<OutgoingMessage> messages) {
    {
        const std::lock_guard lock(mutex_);
        pending_ += messages.size();
    }
    std::vector<WorkItem> items;
    items.reserve(messages.size());
    for (auto& message : messages) {
        if (auto refusal = check_before_sending(message)) {
            finish(WorkItem{std::move(message)}, *refusal);
        } else {
            items.push_back(WorkItem{std::move(message)});
        }
    }
    enqueue(std::move(items));
}

void SmtpTransport::enqueue(std::vector<WorkItem> items) {
    std::unique_lock lock(mutex_);
    for (auto& item : items) {
        if (!stopping_ && queue_.size() >= options_.queue_capacity) {
            ++submitters_waiting_;
            space_freed_.wait(lock,
                              [&] { return stopping_ || queue_.size() < options_.queue_capacity; });
            --submitters_waiting_;
        }
        if (stopping_) {
            lock.unlock();
            finish(std::move(item), closed_outcome());
            lock.lock();
            continue;
        }
        const bool was_empty = queue_.empty();
        queue_.push_back(std::move(item));
        // Idle workers wait only while the queue is empty; wake them all then, so a worker
        // that is only waiting out its relay's back-off cannot swallow the one wake-up.
        if (was_empty) {
            work_changed_.notify_all();
        } else {
            work_changed_.notify_one();
        }
    }
}

void SmtpTransport::flush() {
    std::unique_lock lock(mutex_);
    all_done_.wait(lock, [&] { return pending_ == 0; });
}

void SmtpTransport::close(std::chrono::milliseconds grace) {
    {
        std::unique_lock lock(mutex_);
        if (closed_) return;
        closed_ = true;
        stopping_ = true;
        work_changed_.notify_all();
        space_freed_.notify_all();
        fail_queued_locked(lock, closed_outcome());
        if (!all_done_.wait_for(lock, grace, [&] { return pending_ == 0; })) {
            lock.unlock();
            for (auto& worker : workers_) worker->interrupt();
        }
    }
    for (auto& worker : workers_) worker->join();
}

bool SmtpTransport::wait_for_work(const Relay& relay) {
    std::unique_lock lock(mutex_);
    while (true) {
        if (stopping_) return false;
        if (queue_.empty()) {
            work_changed_.wait(lock);
            continue;
        }
        const auto retry_at = relay.health.retry_at();
        if (retry_at <= std::chrono::steady_clock::now()) return true;
        if (all_relays_down_locked() && relay.last_failure) {
            fail_queued_locked(lock, *relay.last_failure);
            continue;
        }
        work_changed_.wait_until(lock, retry_at);
    }
}

std::optional<WorkItem> SmtpTransport::take(bool wait) {
    std::unique_lock lock(mutex_);
    if (wait) {
        work_changed_.wait_for(lock, options_.idle_timeout,
                               [&] { return stopping_ || !queue_.empty(); });
    }
    if (stopping_ || queue_.empty()) return std::nullopt;
    WorkItem item = std::move(queue_.front());
    queue_.pop_front();
    // A blocked submit() is woken when half the queue is free, not for every message: one
    // thread switch per half a queue instead of one per message.
    if (submitters_waiting_ > 0 && queue_.size() <= options_.queue_capacity / 2) {
        space_freed_.notify_all();
    }
    return item;
}

void SmtpTransport::give_back(WorkItem item, const Outcome& outcome) {
    std::unique_lock lock(mutex_);
    if (++item.attempts < options_.max_attempts && !stopping_) {
        queue_.push_front(std::move(item));
        work_changed_.notify_all();
        return;
    }
    lock.unlock();
    finish(std::move(item), outcome);
}

void SmtpTransport::data_started(const WorkItem& item) {
    observer_.on_data_started(item.message.id);
}

void SmtpTransport::finish(WorkItem item, const Outcome& outcome) {
    item.message.permit.complete(outcome);
    observer_.on_outcome(item.message.id, outcome);
    const std::lock_guard lock(mutex_);
    if (--pending_ == 0) all_done_.notify_all();
}

void SmtpTransport::session_failed(Relay& relay, const Outcome& outcome) {
    relay.health.failed(outcome);
    std::unique_lock lock(mutex_);
    relay.last_failure = outcome;
    if (all_relays_down_locked()) fail_queued_locked(lock, outcome);
}

void SmtpTransport::session_opened(Relay& relay) {
    relay.health.succeeded();
    const std::lock_guard lock(mutex_);
    relay.last_failure.reset();
    ++open_sessions_;
}

void SmtpTransport::session_closed() {
    const std::lock_guard lock(mutex_);
    --open_sessions_;
}

bool SmtpTransport::all_relays_down_locked() const {
    if (open_sessions_ > 0) return false;
    for (const auto& relay : relays_) {
        if (!relay->health.failing()) return false;
    }
    return true;
}

void SmtpTransport::fail_queued_locked(std::unique_lock<std::mutex>& lock, const Outcome& outcome) {
    std::deque<WorkItem> failed;
    failed.swap(queue_);
    space_freed_.notify_all();
    lock.unlock();
    for (auto& item : failed) finish(std::move(item), outcome);
    lock.lock();
}

}  // namespace brevduva::smtp
