// Traffic shaping: how fast, and how many at once, messages may go to each destination. A
// destination is a rule from config (a name and a group of recipient domains, such as google =
// gmail.com + googlemail.com) with messages per minute and concurrent transactions, under one
// global rate in messages per second. A rate-limited reply to a transaction halves that
// destination's rate for a cool-down; after it the rate recovers step by step. A domain without
// a rule has no limit of its own until it says "slow down": then it gets one, which goes away
// again once it has recovered.
//
// The caller asks before it sends: admit() either hands out a permit or says why not and when
// to ask again, so a worker can set aside what waits for a throttled destination and send to
// others meanwhile; only the global rate holds everything. The permit travels with the message
// and is completed with the Outcome (which frees the concurrency slot and feeds the rate back).
//
// Pure: no I/O; time comes from an injected clock. Thread-safe, because permits are completed on
// the transport's connection threads. A Shaper must outlive its permits.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config_settings.hpp"
#include "smtp/smtp_outcome.hpp"

namespace brevduva::smtp {

using ShapingClock = std::function<std::chrono::steady_clock::time_point()>;

struct ShapingPolicy {
    std::chrono::milliseconds cooldown{std::chrono::minutes(5)};  // the halved rate holds this long
    std::chrono::milliseconds recovery_step{std::chrono::minutes(1)};  // then each step adds back
    double recovery_fraction = 0.25;  // ... this share of the destination's normal rate
    // Rate-limited replies this close to the last halving are the same event (every message in
    // flight hears the same "slow down"), so they extend the cool-down without halving again.
    std::chrono::milliseconds halve_guard{std::chrono::seconds(10)};
    // The rate a destination without a per-minute limit starts from when it first says "slow
    // down": the global rate if there is one, else this.
    double unlimited_per_minute = 600;
    double minimum_per_minute = 1;
    // When the concurrency limit holds a message back, ask again after this.
    std::chrono::milliseconds concurrency_retry{200};
};

enum class WaitReason { none, global_rate, destination_rate, destination_concurrency };

[[nodiscard]] std::string_view to_string(WaitReason reason) noexcept;

class Shaper;

// The right to one transaction to one destination. Move-only; dropping it without complete()
// frees the slot without feedback.
class ShapingPermit {
  public:
    ShapingPermit() = default;
    ~ShapingPermit();
    ShapingPermit(ShapingPermit&& other) noexcept;
    ShapingPermit& operator=(ShapingPermit&& other) noexcept;
    ShapingPermit(const ShapingPermit&) = delete;
    ShapingPermit& operator=(const ShapingPermit&) = delete;

    // Reports what the transaction came to and frees the slot; later calls do nothing.
    void complete(const Outcome& outcome);

    [[nodiscard]] explicit operator bool() const { return shaper_ != nullptr; }
    // The rule's name, or the recipient's domain when no rule covers it.
    [[nodiscard]] const std::string& destination() const { return destination_; }

  private:
    friend class Shaper;
    ShapingPermit(Shaper* shaper, std::string destination, bool holds_slot)
        : shaper_(shaper), destination_(std::move(destination)), holds_slot_(holds_slot) {}
    void release(const Outcome* outcome);

    Shaper* shaper_ = nullptr;
    std::string destination_;
    bool holds_slot_ = false;  // counted in its destination's in_flight
};

struct Admission {
    ShapingPermit permit;  // set when admitted
    WaitReason reason = WaitReason::none;
    std::chrono::steady_clock::time_point retry_at;  // when asking again can succeed

    [[nodiscard]] bool admitted() const { return static_cast<bool>(permit); }
};

class Shaper {
  public:
    Shaper(const config::SendingSettings& settings, ShapingClock clock, ShapingPolicy policy = {});
    Shaper(const Shaper&) = delete;
    Shaper& operator=(const Shaper&) = delete;

    // `recipient` is an address (the part after the last '@' counts) or a bare domain.
    [[nodiscard]] Admission admit(std::string_view recipient);

    // The rule's name for the recipient's domain, or the domain itself.
    [[nodiscard]] std::string destination_of(std::string_view recipient) const;
    // Messages per minute the destination may have now; 0 means no limit of its own.
    [[nodiscard]] double rate_per_minute(std::string_view destination);
    [[nodiscard]] int in_flight(std::string_view destination) const;

  private:
    using TimePoint = std::chrono::steady_clock::time_point;

    // Generic cell rate algorithm: one "theoretical arrival time" per limiter.
    struct RateLimiter {
        double per_second = 0;  // 0: unlimited
        TimePoint next_free{};
        [[nodiscard]] std::chrono::nanoseconds interval() const;
        [[nodiscard]] std::chrono::nanoseconds tolerance() const;  // a second's burst
        [[nodiscard]] bool allows(TimePoint now) const;
        [[nodiscard]] TimePoint free_at() const;
        void take(TimePoint now);
    };

    struct Destination {
        std::string name;
        double normal_per_minute = 0;  // from config; 0: no limit of its own
        int max_concurrent = 0;        // 0: no limit
        RateLimiter rate;
        int in_flight = 0;
        bool throttled = false;
        TimePoint cooldown_until{};
        TimePoint next_recovery{};
        TimePoint last_halved{};
        bool from_config = true;
    };

    friend class ShapingPermit;
    void complete(const std::string& destination, bool holds_slot, const Outcome* outcome);
    Destination* find(std::string_view name);
    [[nodiscard]] std::string_view domain_of(std::string_view recipient) const;
    [[nodiscard]] double fallback_per_minute(const Destination& d) const;
    void recover(Destination& d, TimePoint now);
    void slow_down(const std::string& name, TimePoint now);

    ShapingClock clock_;
    ShapingPolicy policy_;
    mutable std::mutex mutex_;
    RateLimiter global_;
    std::vector<Destination> rules_;
    std::unordered_map<std::string, std::size_t> rule_of_domain_;
    std::unordered_map<std::string, Destination> learned_;  // domains throttled without a rule
};

}  // namespace brevduva::smtp
