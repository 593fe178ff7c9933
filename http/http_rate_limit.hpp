// Per-client rate limiting for the public listener: a token bucket per client address, kept in
// a bounded table (sharded, so threads rarely wait on each other). Time is passed in.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace brevduva::http {

struct RateLimit {
    double per_second = 2;              // sustained requests per second per client
    double burst = 60;                  // requests allowed at once
    std::size_t max_clients = 100'000;  // table size; beyond it, idle entries are forgotten
};

class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    explicit RateLimiter(RateLimit limit);

    // Takes one token from the client's bucket: false when it is empty.
    [[nodiscard]] bool allow(std::string_view client, Clock::time_point now);

  private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point at;
    };
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Bucket> buckets;
    };
    static constexpr std::size_t shard_count = 16;

    void forget_idle(Shard& shard, Clock::time_point now) const;

    RateLimit limit_;
    std::array<Shard, shard_count> shards_;
};

}  // namespace brevduva::http
