// The two HTTP listeners of a Brevduva process, for `brevduva web` and `brevduva serve`: the
// public one (what public.base_url points to, behind a TLS-terminating reverse proxy) and the
// admin one (loopback by default), each an http::Server (http_server.hpp) with its own threads,
// plus the tracking writer they share. Reads only the token secret, the suppression secret and
// the admin token: never SMTP passwords or DKIM keys.
//
// Limits: http.threads threads run the public listener's requests, which are handed over only
// once complete, so slow clients hold no thread; request_timeout for a whole request;
// keep_alive_timeout for an idle connection; http.max_connections in total and
// http.max_connections_per_client per address (loopback excepted); caps on the URI, the head
// and the body (http.max_request_bytes); and a per-client rate limit on the public pages.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "config/config_settings.hpp"
#include "http/http_database_pool.hpp"
#include "http/http_metrics.hpp"
#include "http/http_public.hpp"
#include "http/http_server.hpp"
#include "http/http_tracking.hpp"

namespace brevduva::http {

struct ListenerOptions {
    PublicOptions public_options;  // max_body_bytes is replaced by http.max_request_bytes
    TrackingOptions tracking;
    int admin_threads = 4;
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds keep_alive_timeout{5'000};
    int max_keep_alive_requests = 10'000;
    std::function<std::chrono::system_clock::time_point()> clock = [] {
        return std::chrono::system_clock::now();
    };
};

class Listeners {
  public:
    // Reads the secrets now (throws std::runtime_error naming the missing one). The admin
    // token is optional: without it the admin API admits nobody.
    Listeners(const config::Settings& settings, const DatabaseOpener& open,
              ListenerOptions options = {});
    ~Listeners();
    Listeners(const Listeners&) = delete;
    Listeners& operator=(const Listeners&) = delete;

    // Binds both listeners (port 0 picks a free one) and starts serving; throws when a
    // listener cannot bind or the database cannot be opened.
    void start();
    // Stops accepting, lets requests in progress finish, then writes every queued open and
    // click. Idempotent; the destructor calls it.
    void stop();

    [[nodiscard]] std::uint16_t public_port() const;
    [[nodiscard]] std::uint16_t admin_port() const;

    // Waits until the opens and clicks recorded so far are in the database.
    void flush_tracking();
    // Opens and clicks waiting to be written.
    [[nodiscard]] std::size_t tracking_depth() const;
    [[nodiscard]] const Metrics& metrics() const;
    // The public listener's connections and refusals.
    [[nodiscard]] ServerHealth public_health() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace brevduva::http
