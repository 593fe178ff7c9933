#include "smtp/smtp_relay_health.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "log/log_mask.hpp"

namespace brevduva::smtp {

namespace {

using std::chrono::milliseconds;

milliseconds back_off(int failures, const Outcome& outcome) {
    if (outcome.stage == Stage::auth && outcome.cause == Cause::reply) {
        return std::chrono::minutes(5);
    }
    const int doublings = std::clamp(failures - 1, 0, 6);
    return std::min<milliseconds>(milliseconds(1000) * (1 << doublings), std::chrono::minutes(1));
}

std::string reply_text(const Outcome& outcome) {
    std::string text = outcome.code != 0 ? std::to_string(outcome.code) + " " : std::string();
    return text + log::mask_addresses(outcome.text);
}

}  // namespace

RelayHealth::RelayHealth(std::string label, Clock clock, milliseconds quiet_period)
    : label_(std::move(label)), clock_(std::move(clock)), quiet_period_(quiet_period) {}

std::string RelayHealth::describe(const Outcome& outcome) {
    if (outcome.stage == Stage::connect || outcome.cause == Cause::connection_lost) {
        return "is unreachable: " + reply_text(outcome);
    }
    if (outcome.stage == Stage::auth && outcome.cause == Cause::reply) {
        return "refused our login; check auth_user and the password: " + reply_text(outcome);
    }
    if (outcome.cause == Cause::tls_failure) return "failed TLS: " + reply_text(outcome);
    if (outcome.cause == Cause::requirement_unmet) {
        return "cannot do what the config requires: " + reply_text(outcome);
    }
    return "failed at " + std::string(to_string(outcome.stage)) + " (" +
           std::string(to_string(outcome.cause)) + "): " + reply_text(outcome);
}

void RelayHealth::failed(const Outcome& outcome) {
    const std::lock_guard lock(mutex_);
    const auto now = clock_();
    ++failures_;
    const milliseconds wait = back_off(failures_, outcome);
    retry_at_ = now + wait;
    Outcome shown = outcome;
    if (shown.text.starts_with(label_ + ": ")) shown.text.erase(0, label_.size() + 2);
    std::string line = describe(shown);
    if (line == last_logged_ && now - last_logged_at_ < quiet_period_) {
        ++repeats_;
        return;
    }
    const std::string repeats =
        repeats_ > 0 ? " (the previous error repeated " + std::to_string(repeats_) + " times)" : "";
    spdlog::error("relay {} {}; messages wait, next attempt in {} s{}", label_, line,
                  std::chrono::duration_cast<std::chrono::seconds>(wait).count(), repeats);
    last_logged_ = std::move(line);
    last_logged_at_ = now;
    repeats_ = 0;
}

void RelayHealth::succeeded() {
    const std::lock_guard lock(mutex_);
    if (failures_ > 0 && !last_logged_.empty()) {
        spdlog::info("relay {} works again after {} failed attempts", label_, failures_);
    }
    failures_ = 0;
    retry_at_ = {};
    last_logged_.clear();
    repeats_ = 0;
}

bool RelayHealth::failing() const {
    const std::lock_guard lock(mutex_);
    return failures_ > 0;
}

std::chrono::steady_clock::time_point RelayHealth::retry_at() const {
    const std::lock_guard lock(mutex_);
    return retry_at_;
}

}  // namespace brevduva::smtp
