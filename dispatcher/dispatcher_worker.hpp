// The worker: the loop that turns queued Deliveries into sent messages (DESIGN "Data flow").
//
//   housekeeping  every second: fire due schedules (not one past the guard unless forced),
//                 finish campaigns whose deliveries are all final, renew leases, recover the
//                 leases of workers that are gone
//   claim         a batch of due deliveries of a running campaign, under a lease, unless its
//                 sending window is closed
//   decide        in one write transaction: for each delivery, fresh facts from the ledger and
//                 the suppressions, the ConsentGate's decision for the campaign's purpose (and
//                 for open and click tracking), the shaper's admission, the message composed;
//                 skips recorded with their reason, the rest moved to sending
//   send          the composed messages handed to the transport
//   record        outcomes, as they come back from the transport's threads, recorded in one
//                 transaction per batch (sent, deferred with backoff, failed, ambiguous; a hard
//                 bounce adds a suppression)
//
// One worker is one thread of decisions plus the transport's connection threads. Stop (SIGTERM,
// SIGINT, or until-idle) drains: no new claims, in-flight transactions get the drain time to
// finish, unstarted leases are released, and run() returns.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "dispatcher/dispatcher_store.hpp"
#include "smtp/smtp_transport.hpp"
#include "store/store_database.hpp"
#include "templates/templates_dkim_signer.hpp"

namespace brevduva::dispatcher {

struct WorkerOptions {
    bool until_idle = false;                   // return when nothing is due
    std::chrono::milliseconds idle_poll{500};  // how often an idle worker looks
    std::chrono::seconds lease{300};           // how long a claim holds
    // Messages handed to the transport and not yet answered; 0: 32 per relay connection and
    // at least two batches, enough to keep every connection pipelined and every claim a full
    // batch, and few enough that what is decided and not yet begun is well under a second's
    // work (about 50 ms at 5,000 messages a second).
    std::size_t max_in_flight = 0;
    // Threads that build and sign a batch's messages, the worker's own among them; 0: one per
    // core this process may use. RSA signing is most of a signed message's cost.
    std::size_t compose_threads = 0;
};

// What the worker has done so far, for logs, STATUS= and `serve`.
struct WorkerProgress {
    std::int64_t sent = 0;
    std::int64_t skipped = 0;
    std::int64_t deferred = 0;
    std::int64_t failed = 0;
    std::int64_t ambiguous = 0;
    std::size_t in_flight = 0;
    std::vector<CampaignId> running;
};

class WorkerHooks {
  public:
    WorkerHooks() = default;
    WorkerHooks(const WorkerHooks&) = delete;
    WorkerHooks& operator=(const WorkerHooks&) = delete;
    virtual ~WorkerHooks() = default;
    // Each turn of the loop (at least once a second): the worker is alive (systemd watchdog).
    virtual void alive() {}
    // After outcomes were recorded or a campaign moved.
    virtual void progress(const WorkerProgress& progress) { (void)progress; }
};

// The signer the configured DKIM keys make (rsa-sha256, plus ed25519-sha256 when configured),
// or null when DKIM is not configured. Throws for a key file that cannot be read.
[[nodiscard]] std::unique_ptr<templates::DkimSigner> make_dkim_signer(
    const config::DkimSettings& dkim);

using TransportFactory =
    std::function<std::unique_ptr<smtp::Transport>(smtp::TransportObserver& observer)>;

class Worker {
  public:
    // The settings and database must outlive the worker; the database is used by its thread
    // only. Reads the token and suppression secrets and the DKIM keys now: throws
    // std::runtime_error naming what cannot be read, before anything is claimed.
    Worker(const config::Settings& settings, store::Database& db, WorkerOptions options,
           const TransportFactory& transport = {}, WorkerHooks* hooks = nullptr);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Runs until stop() or, with until_idle, until nothing is due and nothing is in flight.
    // Returns what it did.
    WorkerProgress run();

    // Thread-safe, from a signal watcher: finish what is in flight and return from run().
    void stop();

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace brevduva::dispatcher
