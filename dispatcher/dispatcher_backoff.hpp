// When to try a deferred Delivery again: capped exponential backoff with jitter, so that a
// relay that says "try later" is not hammered by every deferred message at the same instant,
// and a Delivery that is still deferred at the maximum age fails instead of waiting forever.
// Pure: the random source and the times are passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace brevduva::dispatcher {

struct BackoffPolicy {
    std::chrono::seconds initial{60};
    std::chrono::seconds maximum{3600};
    std::chrono::seconds maximum_age{72 * 3600};
};

// A uniform random number in [0, 1); injected so that tests control the jitter.
using UnitRandom = std::function<double()>;

// The delay before attempt number `attempts + 1`, after `attempts` transient failures (≥ 1):
// initial · 2^(attempts-1), capped at maximum, then drawn uniformly from [delay/2, delay]
// ("equal jitter": never shorter than half the nominal wait, never longer than it).
[[nodiscard]] std::chrono::seconds retry_delay(const BackoffPolicy& policy, int attempts,
                                               const UnitRandom& random);

// When the next attempt is due, or nullopt when the Delivery has outlived maximum_age by then
// and must fail. `first_attempt` is when the Delivery was first tried.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> next_attempt_at(
    const BackoffPolicy& policy, int attempts, std::chrono::system_clock::time_point first_attempt,
    std::chrono::system_clock::time_point now, const UnitRandom& random);

}  // namespace brevduva::dispatcher
