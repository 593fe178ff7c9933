#include "http/http_rate_limit.hpp"

#include <algorithm>
#include <functional>

namespace brevduva::http {

RateLimiter::RateLimiter(RateLimit limit) : limit_(limit) {}

bool RateLimiter::allow(std::string_view client, Clock::time_point now) {
    Shard& shard = shards_[std::hash<std::string_view>{}(client) % shard_count];
    const std::lock_guard lock(shard.mutex);
    auto it = shard.buckets.find(std::string(client));
    if (it == shard.buckets.end()) {
        if (shard.buckets.size() >= std::max<std::size_t>(1, limit_.max_clients / shard_count)) {
            forget_idle(shard, now);
        }
        it = shard.buckets.emplace(std::string(client), Bucket{limit_.burst, now}).first;
    }
    Bucket& bucket = it->second;
    const std::chrono::duration<double> elapsed = now - bucket.at;
    bucket.tokens = std::min(limit_.burst, bucket.tokens + elapsed.count() * limit_.per_second);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
}

// Buckets that have refilled completely hold nothing worth keeping; when every client is still
// busy the table starts afresh, which lets a flood of new addresses through once rather than
// growing without bound.
void RateLimiter::forget_idle(Shard& shard, Clock::time_point now) const {
    std::erase_if(shard.buckets, [&](const auto& entry) {
        const std::chrono::duration<double> idle = now - entry.second.at;
        return entry.second.tokens + idle.count() * limit_.per_second >= limit_.burst;
    });
    if (shard.buckets.size() >= std::max<std::size_t>(1, limit_.max_clients / shard_count)) {
        shard.buckets.clear();
    }
}

}  // namespace brevduva::http
