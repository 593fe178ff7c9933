// The admin listener: a JSON API over what the CLI does (contacts, consent events,
// suppressions, GDPR export and erasure, campaign statistics), /metrics in Prometheus text
// format and /healthz, which checks the database and the public listener (503 when that one does
// not answer a request of its own within two seconds). Every path but /healthz needs
// "Authorization: Bearer <admin token>" (compared in constant time); without it, 401 and nothing is
// read. Addresses travel only in request bodies, never in URLs, so they stay out of access logs.
// docs/openapi.yaml describes it.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "config/config_settings.hpp"
#include "http/http_database_pool.hpp"
#include "http/http_metrics.hpp"
#include "http/http_server.hpp"
#include "http/http_tracking.hpp"

namespace brevduva::http {

// The public listener as /healthz sees it: its figures, and how long a request sent through it
// as a client would took to be answered (nullopt: no answer in time).
struct PublicListenerCheck {
    ServerHealth health;
    std::optional<std::chrono::microseconds> answered_in;
};

struct AdminContext {
    const config::Settings& settings;
    std::string admin_token;  // empty: not configured, nobody is admitted
    std::string suppression_secret;
    DatabasePool& pool;
    Metrics& metrics;
    TrackingRecorder& tracking;
    std::size_t max_body_bytes = 64 * 1024;
    std::function<std::chrono::system_clock::time_point()> clock;
    std::function<PublicListenerCheck()> check_public;
};

class AdminHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit AdminHandlerFactory(AdminContext& context) : context_(context) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

  private:
    AdminContext& context_;
};

// True when the Authorization header carries exactly the token (constant time in its length).
[[nodiscard]] bool bearer_matches(std::string_view authorization, std::string_view token);

}  // namespace brevduva::http
