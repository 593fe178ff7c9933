#include "smtp/smtp_shaping.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace brevduva::smtp {

namespace {

using std::chrono::nanoseconds;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

// A "slow down" counts against the destination only when it answers a transaction: a 421 at
// the greeting or a failed AUTH speaks of our relay connection, not of the recipient's provider.
bool in_transaction(Stage stage) {
    return stage == Stage::mail_from || stage == Stage::rcpt_to || stage == Stage::data ||
           stage == Stage::end_of_data;
}

}  // namespace

std::string_view to_string(WaitReason reason) noexcept {
    switch (reason) {
        case WaitReason::none:
            return "none";
        case WaitReason::global_rate:
            return "global_rate";
        case WaitReason::destination_rate:
            return "destination_rate";
        case WaitReason::destination_concurrency:
            return "destination_concurrency";
    }
    return "unknown";
}

// --- ShapingPermit ---

ShapingPermit::~ShapingPermit() { release(nullptr); }

ShapingPermit::ShapingPermit(ShapingPermit&& other) noexcept
    : shaper_(std::exchange(other.shaper_, nullptr)),
      destination_(std::move(other.destination_)),
      holds_slot_(other.holds_slot_) {}

ShapingPermit& ShapingPermit::operator=(ShapingPermit&& other) noexcept {
    if (this != &other) {
        release(nullptr);
        shaper_ = std::exchange(other.shaper_, nullptr);
        destination_ = std::move(other.destination_);
        holds_slot_ = other.holds_slot_;
    }
    return *this;
}

void ShapingPermit::complete(const Outcome& outcome) { release(&outcome); }

void ShapingPermit::release(const Outcome* outcome) {
    if (shaper_ == nullptr) return;
    std::exchange(shaper_, nullptr)->complete(destination_, holds_slot_, outcome);
}

// --- RateLimiter ---

nanoseconds Shaper::RateLimiter::interval() const {
    return nanoseconds(static_cast<long long>(1e9 / per_second));
}

nanoseconds Shaper::RateLimiter::tolerance() const {
    const double burst = std::max(1.0, std::floor(per_second));
    return interval() * static_cast<long long>(burst - 1);
}

bool Shaper::RateLimiter::allows(TimePoint now) const {
    return per_second <= 0 || free_at() <= now;
}

Shaper::TimePoint Shaper::RateLimiter::free_at() const {
    return per_second <= 0 ? TimePoint{} : next_free - tolerance();
}

void Shaper::RateLimiter::take(TimePoint now) {
    if (per_second > 0) next_free = std::max(next_free, now) + interval();
}

// --- Shaper ---

Shaper::Shaper(const config::SendingSettings& settings, ShapingClock clock, ShapingPolicy policy)
    : clock_(std::move(clock)), policy_(policy) {
    global_.per_second = settings.global_rate;
    rules_.reserve(settings.destinations.size());
    for (const auto& rule : settings.destinations) {
        Destination d;
        d.name = rule.name;
        d.normal_per_minute = rule.messages_per_minute;
        d.max_concurrent = rule.concurrent_transactions;
        d.rate.per_second = rule.messages_per_minute / 60.0;
        for (const auto& domain : rule.domains)
            rule_of_domain_.emplace(lower(domain), rules_.size());
        rules_.push_back(std::move(d));
    }
}

std::string_view Shaper::domain_of(std::string_view recipient) const {
    const auto at = recipient.rfind('@');
    return at == std::string_view::npos ? recipient : recipient.substr(at + 1);
}

std::string Shaper::destination_of(std::string_view recipient) const {
    std::string domain = lower(domain_of(recipient));
    const auto it = rule_of_domain_.find(domain);
    return it == rule_of_domain_.end() ? domain : rules_[it->second].name;
}

Shaper::Destination* Shaper::find(std::string_view name) {
    for (auto& rule : rules_) {
        if (rule.name == name) return &rule;
    }
    const auto it = learned_.find(std::string(name));
    return it == learned_.end() ? nullptr : &it->second;
}

double Shaper::fallback_per_minute(const Destination& d) const {
    if (d.normal_per_minute > 0) return d.normal_per_minute;
    return global_.per_second > 0 ? global_.per_second * 60 : policy_.unlimited_per_minute;
}

Admission Shaper::admit(std::string_view recipient) {
    const std::lock_guard lock(mutex_);
    const TimePoint now = clock_();
    std::string name = destination_of(recipient);
    Destination* d = find(name);
    if (d != nullptr) {
        recover(*d, now);
        if (d->max_concurrent > 0 && d->in_flight >= d->max_concurrent) {
            return {{}, WaitReason::destination_concurrency, now + policy_.concurrency_retry};
        }
        if (!d->rate.allows(now)) return {{}, WaitReason::destination_rate, d->rate.free_at()};
    }
    if (!global_.allows(now)) return {{}, WaitReason::global_rate, global_.free_at()};
    global_.take(now);
    if (d != nullptr) {
        d->rate.take(now);
        ++d->in_flight;
    }
    return {ShapingPermit(this, std::move(name), d != nullptr), WaitReason::none, now};
}

void Shaper::complete(const std::string& destination, bool holds_slot, const Outcome* outcome) {
    const std::lock_guard lock(mutex_);
    const TimePoint now = clock_();
    Destination* d = find(destination);
    if (d != nullptr && holds_slot && d->in_flight > 0) --d->in_flight;
    if (outcome != nullptr && outcome->classification == Classification::rate_limited &&
        in_transaction(outcome->stage)) {
        slow_down(destination, now);
        return;
    }
    if (d != nullptr && !d->from_config) {
        recover(*d, now);
        if (!d->throttled && d->in_flight == 0) learned_.erase(destination);
    }
}

void Shaper::slow_down(const std::string& name, TimePoint now) {
    Destination* d = find(name);
    if (d == nullptr) {
        Destination learned;
        learned.name = name;
        learned.from_config = false;
        d = &learned_.emplace(name, std::move(learned)).first->second;
    }
    recover(*d, now);
    d->cooldown_until = now + policy_.cooldown;
    d->next_recovery = d->cooldown_until;
    if (d->throttled && now - d->last_halved < policy_.halve_guard) return;
    const double current =
        d->rate.per_second > 0 ? d->rate.per_second * 60 : fallback_per_minute(*d);
    d->rate.per_second = std::max(policy_.minimum_per_minute, current / 2) / 60.0;
    d->throttled = true;
    d->last_halved = now;
}

void Shaper::recover(Destination& d, TimePoint now) {
    if (!d.throttled) return;
    const double normal = fallback_per_minute(d);
    while (d.throttled && now >= d.next_recovery) {
        const double per_minute = d.rate.per_second * 60 + normal * policy_.recovery_fraction;
        if (per_minute >= normal) {
            d.throttled = false;
            d.rate.per_second = d.normal_per_minute / 60.0;  // 0 again when it had no limit
        } else {
            d.rate.per_second = per_minute / 60.0;
        }
        d.next_recovery += policy_.recovery_step;
    }
}

double Shaper::rate_per_minute(std::string_view destination) {
    const std::lock_guard lock(mutex_);
    Destination* d = find(destination);
    if (d == nullptr) return 0;
    recover(*d, clock_());
    return d->rate.per_second * 60;
}

int Shaper::in_flight(std::string_view destination) const {
    const std::lock_guard lock(mutex_);
    for (const auto& rule : rules_) {
        if (rule.name == destination) return rule.in_flight;
    }
    const auto it = learned_.find(std::string(destination));
    return it == learned_.end() ? 0 : it->second.in_flight;
}

}  // namespace brevduva::smtp
