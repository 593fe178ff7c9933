#include "dispatcher/dispatcher_backoff.hpp"

#include <algorithm>
#include <cmath>

namespace brevduva::dispatcher {

std::chrono::seconds retry_delay(const BackoffPolicy& policy, int attempts,
                                 const UnitRandom& random) {
    const int doublings = std::clamp(attempts - 1, 0, 62);
    const double nominal =
        std::min(static_cast<double>(policy.initial.count()) * std::ldexp(1.0, doublings),
                 static_cast<double>(policy.maximum.count()));
    const double unit = std::clamp(random(), 0.0, 1.0);
    const double jittered = nominal / 2 + unit * (nominal / 2);
    return std::chrono::seconds(std::max<std::int64_t>(1, std::llround(jittered)));
}

std::optional<std::chrono::system_clock::time_point> next_attempt_at(
    const BackoffPolicy& policy, int attempts, std::chrono::system_clock::time_point first_attempt,
    std::chrono::system_clock::time_point now, const UnitRandom& random) {
    const auto due = now + retry_delay(policy, attempts, random);
    if (due - first_attempt > policy.maximum_age) return std::nullopt;
    return due;
}

}  // namespace brevduva::dispatcher
