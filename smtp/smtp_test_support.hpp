// Shared by the transport's tests: an observer that collects outcomes, a capture of the log,
// relay settings for a loopback server, and messages. Header-only, tests only.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "smtp/smtp_transport.hpp"

namespace brevduva::smtp::test_support {

class CollectingObserver final : public TransportObserver {
  public:
    void on_data_started(DeliveryId id) override {
        const std::lock_guard lock(mutex_);
        started_.insert(id);
    }
    void on_outcome(DeliveryId id, const Outcome& outcome) override {
        const std::lock_guard lock(mutex_);
        ++count_[id];
        outcomes_[id] = outcome;
        changed_.notify_all();
    }
    [[nodiscard]] std::map<DeliveryId, Outcome> outcomes() const {
        const std::lock_guard lock(mutex_);
        return outcomes_;
    }
    [[nodiscard]] Outcome outcome(DeliveryId id) const {
        const std::lock_guard lock(mutex_);
        const auto it = outcomes_.find(id);
        return it == outcomes_.end() ? Outcome{} : it->second;
    }
    // True when every id got exactly one outcome.
    [[nodiscard]] bool exactly_once(std::size_t expected) const {
        const std::lock_guard lock(mutex_);
        if (count_.size() != expected) return false;
        for (const auto& [id, n] : count_) {
            if (n != 1) return false;
        }
        return true;
    }
    [[nodiscard]] bool data_started(DeliveryId id) const {
        const std::lock_guard lock(mutex_);
        return started_.contains(id);
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<DeliveryId, Outcome> outcomes_;
    std::map<DeliveryId, int> count_;
    std::set<DeliveryId> started_;
};

// Routes the default logger into a string for the life of the object.
class LogCapture {
  public:
    LogCapture() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    [[nodiscard]] std::vector<std::string> lines_with(const std::string& needle) {
        std::vector<std::string> found;
        std::istringstream in(text());
        for (std::string line; std::getline(in, line);) {
            if (line.find(needle) != std::string::npos) found.push_back(line);
        }
        return found;
    }
    [[nodiscard]] std::string text() {
        spdlog::default_logger()->flush();
        return stream_.str();
    }

  private:
    std::ostringstream stream_;
    std::shared_ptr<spdlog::logger> previous_;
};

inline config::RelaySettings loopback_relay(std::uint16_t port, config::TlsMode tls,
                                            int connections = 1) {
    config::RelaySettings relay;
    relay.host = "localhost";
    relay.port = port;
    relay.tls = tls;
    relay.connections = connections;
    relay.connect_timeout = std::chrono::seconds(5);
    relay.ehlo_name = "brevduva.test";
    const std::chrono::milliseconds patience = std::chrono::seconds(10);
    relay.timeouts = {patience, patience, patience, patience, patience, patience};
    return relay;
}

inline OutgoingMessage message(DeliveryId id, std::string content,
                               std::string recipient = "anna@example.se") {
    OutgoingMessage m;
    m.id = id;
    m.envelope_from = "bounces+" + std::to_string(id) + "@bounces.example.se";
    m.recipient = std::move(recipient);
    m.content = std::move(content);
    return m;
}

// A batch from move-only messages (a braced list would copy them).
template <class... Messages>
std::vector<OutgoingMessage> batch_of(Messages&&... messages) {
    std::vector<OutgoingMessage> batch;
    batch.reserve(sizeof...(messages));
    (batch.push_back(std::forward<Messages>(messages)), ...);
    return batch;
}

inline std::string simple_content(DeliveryId id) {
    return "From: news@example.se\r\nTo: anna@example.se\r\nSubject: Nyheter " +
           std::to_string(id) + "\r\nMessage-ID: <" + std::to_string(id) +
           "@example.se>\r\n\r\nHej!\r\n";
}

}  // namespace brevduva::smtp::test_support
