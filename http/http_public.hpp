// The public listener's requests: the open pixel (/o/<token>.gif), the click redirect
// (/c/<token>), the unsubscribe page and its POST (/u/<token>, RFC 8058 one-click included),
// the preference centre (/p/<token>) and the double opt-in page (/confirm/<token>). Nothing
// else is served but robots.txt. A GET or HEAD never changes consent or subscription state;
// a token that does not verify, names another kind, names a contact that no longer exists or
// (confirm) is too old gets the same 404 page as any unknown path. The pixel answers an
// invalid token with the same GIF, unrecorded, so it is no validity oracle.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config_settings.hpp"
#include "consent/consent_token.hpp"
#include "http/http_database_pool.hpp"
#include "http/http_metrics.hpp"
#include "http/http_rate_limit.hpp"
#include "http/http_tracking.hpp"

namespace brevduva::http {

// The 43-byte transparent GIF.
[[nodiscard]] std::string_view transparent_gif();

struct PublicOptions {
    RateLimit page_rate;  // per client address, on the pages and on unknown paths
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_uri_bytes = 2048;
    std::size_t max_header_bytes = 16 * 1024;
    std::chrono::hours confirm_token_age{24 * 30};  // a double opt-in link older is refused
    std::chrono::seconds undo_window{24 * 3600};    // consent.undo_window
    // Added to the niceness of each request thread when it serves its first request, so that
    // the one tracking writer is not starved by many busy request threads (0: unchanged).
    int request_thread_nice = 5;
};

// The URLs a click may lead to, by (campaign, link id): read from campaign_links once and
// kept, since a campaign's links are frozen when it is queued. Bounded.
class LinkCache {
  public:
    [[nodiscard]] std::optional<std::string> find(store::Database& db, std::uint64_t campaign,
                                                  std::uint64_t link);

  private:
    static constexpr std::size_t max_entries = 100'000;
    std::mutex mutex_;
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> urls_;
};

// What every public request shares; owned by the Listeners.
struct PublicContext {
    const consent::TokenKeys& keys;
    std::string path_prefix;  // the path of the public base URL ("" or "/mail")
    std::vector<config::PurposeSettings> purposes;
    std::string suppression_secret;
    DatabasePool& pool;
    TrackingRecorder& tracking;
    Metrics& metrics;
    RateLimiter& limiter;
    LinkCache& links;
    PublicOptions options;
    std::function<std::chrono::system_clock::time_point()> clock;
};

class PublicHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit PublicHandlerFactory(PublicContext& context) : context_(context) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

  private:
    PublicContext& context_;
};

}  // namespace brevduva::http
