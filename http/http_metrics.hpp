// Counters of the HTTP listeners for /metrics (Prometheus text format): hits by kind and what
// became of tracking hits. Lock-free; the process-wide figures from the database (messages by
// outcome, queue depth, send rate) are read when /metrics is asked for (http_admin.cpp).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace brevduva::http {

enum class HitKind : std::size_t {
    open,
    click,
    unsubscribe_page,
    unsubscribe,
    one_click,
    unsubscribe_undo,
    preferences_page,
    preferences_save,
    confirm_page,
    confirm,
    not_found,
    rate_limited,
    too_large,
    server_error,
    admin,
    admin_unauthorised,
    count_  // not a kind
};

[[nodiscard]] std::string_view to_string(HitKind kind);

class Metrics {
  public:
    void hit(HitKind kind) { hits_[static_cast<std::size_t>(kind)].fetch_add(1, relaxed); }
    [[nodiscard]] std::uint64_t hits(HitKind kind) const {
        return hits_[static_cast<std::size_t>(kind)].load(relaxed);
    }

    // Tracking hits written: against a delivery (attributed) or only in the aggregate.
    void tracking_written(std::uint64_t attributed, std::uint64_t aggregate_only) {
        attributed_.fetch_add(attributed, relaxed);
        aggregate_only_.fetch_add(aggregate_only, relaxed);
    }
    // Hits that could not be queued in time (the writer fell behind for too long).
    void tracking_dropped() { dropped_.fetch_add(1, relaxed); }

    // Appends the counters in Prometheus text exposition format.
    void append_prometheus(std::string& out, std::size_t tracking_queue_depth) const;

  private:
    static constexpr auto relaxed = std::memory_order_relaxed;
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(HitKind::count_)> hits_{};
    std::atomic<std::uint64_t> attributed_{0};
    std::atomic<std::uint64_t> aggregate_only_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace brevduva::http
