// Opens and clicks, written durably without making the request wait for the database: request
// threads put a hit in a bounded in-memory queue and answer; one writer thread takes up to a
// batch at a time and writes it in one transaction. Hit-time gating happens in the writer: a
// hit is stored against the delivery (opens, clicks) only when the contact had open_tracking
// (click_tracking) consent at the moment of the hit, by the consent gate over the ledger
// events and suppressions that existed then; every valid hit is counted in tracking_counts,
// which holds no personal data.
//
// Durability: stop() writes everything queued before it returns, so a clean shutdown loses
// nothing. A crash (or kill -9) loses what was queued and not yet committed: at most
// queue_capacity hits (those the writer has taken and not yet written count as queued), in
// practice the last fraction of a second. When the queue is full a request waits up to enqueue_wait
// for room (backpressure) and is dropped, and counted, only after that. A batch the database
// refuses is retried, never dropped, until stop().
//
// Cost per hit on a request thread: one lock, one push of a small fixed-size record into a
// vector whose capacity is kept, and a lookup of the user agent and client network in a bounded
// table of interned strings (a hit shares the string, it does not copy it).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config_settings.hpp"
#include "http/http_database_pool.hpp"
#include "http/http_metrics.hpp"
#include "store/store_time.hpp"

namespace brevduva::http {

enum class TrackingKind { open, click };

struct FactsCache;   // the writer's knowledge of deliveries and contacts (http_tracking.cpp)
class TrackingRows;  // the writer's prepared inserts (http_tracking_rows.hpp)

struct TrackingHit {
    TrackingKind kind = TrackingKind::open;
    std::uint64_t campaign_id = 0;
    std::uint64_t contact_id = 0;
    std::uint64_t delivery_id = 0;
    std::uint64_t link_id = 0;
    store::Time at;
    bool head = false;  // a HEAD request: always a machine
};

// A user agent or client network as stored: shared by every queued hit that carries it.
using InternedText = std::shared_ptr<const std::string>;

// What the queue holds: the hit and its two interned texts.
struct QueuedHit {
    TrackingHit hit;
    InternedText user_agent;  // printable ASCII, cut to max_user_agent_bytes
    InternedText ip_prefix;   // truncate_ip() of the client
};

inline constexpr std::size_t max_user_agent_bytes = 512;

struct TrackingOptions {
    std::size_t queue_capacity = 100'000;
    // Hits per transaction: each commit writes every index page the batch touched to the WAL,
    // and opens of many deliveries touch most of opens_delivery, so bigger batches cost less.
    std::size_t batch_max = 25'000;
    std::chrono::milliseconds enqueue_wait{2000};
    std::chrono::milliseconds retry_delay{500};
};

class TrackingRecorder {
  public:
    TrackingRecorder(DatabaseOpener open, std::vector<config::PurposeSettings> purposes,
                     std::string suppression_secret, Metrics& metrics, TrackingOptions options);
    ~TrackingRecorder();
    TrackingRecorder(const TrackingRecorder&) = delete;
    TrackingRecorder& operator=(const TrackingRecorder&) = delete;

    // Opens the writer's database and starts its thread; throws what opening throws.
    void start();
    // Queues one hit; false when it had to be dropped (counted in the metrics). user_agent is
    // cut to max_user_agent_bytes and anything but printable ASCII in it becomes '?'.
    bool record(const TrackingHit& hit, std::string_view user_agent, std::string_view ip_prefix);
    // Returns once every hit queued before the call is written (or stop() began).
    void flush();
    // Writes what is queued, then ends the writer. Idempotent.
    void stop();

    [[nodiscard]] std::size_t depth() const;

  private:
    void run(std::unique_ptr<store::Database> db);  // db: the writer's own connection
    // rows is made for db when missing, and both are dropped after a failure.
    void write_with_retry(std::span<const QueuedHit> batch, std::unique_ptr<store::Database>& db,
                          std::unique_ptr<TrackingRows>& rows, FactsCache& cache);
    InternedText intern(std::string_view text);  // with mutex_ held

    DatabaseOpener open_;
    std::vector<config::PurposeSettings> purposes_;
    std::string suppression_secret_;
    Metrics& metrics_;
    TrackingOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable work_;      // the writer waits for hits
    std::condition_variable room_;      // request threads wait for room
    std::condition_variable progress_;  // flush() waits for the writer
    std::vector<QueuedHit> queue_;      // taken whole by the writer, which hands back the vector
    std::size_t in_hand_ = 0;           // taken by the writer, not yet written: counts as queued
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const {
            return std::hash<std::string_view>{}(text);
        }
    };
    static constexpr std::size_t max_interned = 4096;  // then the table starts again
    std::unordered_map<std::string, InternedText, TextHash, std::equal_to<>> interned_;
    std::uint64_t queued_total_ = 0;   // hits ever queued
    std::uint64_t written_total_ = 0;  // hits ever taken and finished by the writer
    bool stopping_ = false;
    bool running_ = false;
    std::thread writer_;
};

}  // namespace brevduva::http
