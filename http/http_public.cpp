#include "http/http_public.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "http/http_classify.hpp"
#include "http/http_pages.hpp"
#include "http/http_public_routes.hpp"
#include "http/http_request.hpp"

namespace brevduva::http {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr unsigned char kGif[] = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80,
                                  0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04,
                                  0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01,
                                  0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
static_assert(sizeof kGif == 43);

constexpr std::size_t kMaxTokenChars = 160;

bool plausible_token(std::string_view token) {
    return !token.empty() && token.size() <= kMaxTokenChars &&
           std::all_of(token.begin(), token.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
           });
}

std::uint64_t to_u64(std::int64_t v) { return static_cast<std::uint64_t>(v); }

class PublicHandler : public Poco::Net::HTTPRequestHandler {
  public:
    explicit PublicHandler(PublicContext& context) : context_(context) {}

    void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
        detail::PublicRequest r{context_,
                                request,
                                response,
                                {},
                                client_address(request),
                                request.getMethod() == "HEAD"};
        try {
            route(r);
        } catch (const Poco::Exception& e) {
            fail(r, e.displayText());
        } catch (const std::exception& e) {
            fail(r, e.what());
        }
    }

  private:
    void route(detail::PublicRequest& r) {
        std::string path = request_path(r.request);
        if (!context_.path_prefix.empty()) {
            if (!path.starts_with(context_.path_prefix))
                return limited(r, &detail::serve_not_found);
            path.erase(0, context_.path_prefix.size());
        }
        const bool get = r.request.getMethod() == "GET" || r.head;
        if (path.starts_with("/o/") && path.ends_with(".gif")) {
            r.token = path.substr(3, path.size() - 7);
            return get ? pixel(r) : detail::serve_method_not_allowed(r);
        }
        if (path.starts_with("/c/")) {
            r.token = path.substr(3);
            return get ? click(r) : detail::serve_method_not_allowed(r);
        }
        if (path == "/robots.txt" && get) {
            send_text(r.response, HTTPResponse::HTTP_OK, "text/plain",
                      "User-agent: *\nDisallow: /\n");
            return;
        }
        if (path.starts_with("/u/")) {
            r.token = path.substr(3);
            return limited(r, &detail::serve_unsubscribe);
        }
        if (path.starts_with("/p/")) {
            r.token = path.substr(3);
            return limited(r, &detail::serve_preferences);
        }
        if (path.starts_with("/confirm/")) {
            r.token = path.substr(9);
            return limited(r, &detail::serve_confirm);
        }
        limited(r, &detail::serve_not_found);
    }

    // The pages and unknown paths count against the client's rate; the pixel and clicks do
    // not, since image proxies and gateways fetch for many people from few addresses.
    void limited(detail::PublicRequest& r, void (*serve)(detail::PublicRequest&)) {
        if (!context_.limiter.allow(r.client, RateLimiter::Clock::now())) {
            context_.metrics.hit(HitKind::rate_limited);
            r.response.set("Retry-After", "10");
            send_page(
                r.response, HTTPResponse::HTTP_TOO_MANY_REQUESTS,
                render_too_many_requests(language_from_accept(r.accept_language(), Language::sv)),
                r.head);
            return;
        }
        serve(r);
    }

    void pixel(detail::PublicRequest& r) {
        context_.metrics.hit(HitKind::open);
        if (plausible_token(r.token)) {
            const auto claims = consent::verify(context_.keys, r.token, consent::TokenKind::open);
            if (claims) record(r, TrackingKind::open, claims.value());
        }
        r.response.setContentType("image/gif");
        r.response.set("Cache-Control", "no-store, max-age=0");
        r.response.set("Referrer-Policy", "no-referrer");
        if (r.head) {
            r.response.setContentLength(sizeof kGif);
            r.response.send();
            return;
        }
        r.response.sendBuffer(kGif, sizeof kGif);
    }

    void click(detail::PublicRequest& r) {
        context_.metrics.hit(HitKind::click);
        if (!plausible_token(r.token)) return detail::serve_not_found(r);
        const auto claims = consent::verify(context_.keys, r.token, consent::TokenKind::click);
        if (!claims) return detail::serve_not_found(r);
        std::optional<std::string> url;
        {
            auto db = context_.pool.borrow();
            url = context_.links.find(*db, claims.value().campaign_id, claims.value().link_id);
        }
        if (!url) return detail::serve_not_found(r);
        record(r, TrackingKind::click, claims.value());
        r.response.set("Cache-Control", "no-store");
        r.response.set("Referrer-Policy", "no-referrer");
        r.response.redirect(*url, HTTPResponse::HTTP_FOUND);
    }

    void record(detail::PublicRequest& r, TrackingKind kind, const consent::TokenClaims& claims) {
        TrackingHit hit;
        hit.kind = kind;
        hit.campaign_id = claims.campaign_id;
        hit.contact_id = claims.contact_id;
        hit.delivery_id = claims.delivery_id;
        hit.link_id = claims.link_id;
        hit.at = context_.clock();
        hit.head = r.head;
        (void)context_.tracking.record(hit, r.request.get("User-Agent", empty_),
                                       truncate_ip(r.client));
    }

    void fail(detail::PublicRequest& r, const std::string& why) {
        context_.metrics.hit(HitKind::server_error);
        // The path holds a token, never an address; still only its kind is logged.
        spdlog::error("public request {} {} failed: {}", r.request.getMethod(),
                      request_path(r.request).substr(0, 3), why);
        if (r.response.sent()) return;
        send_page(r.response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR,
                  render_server_error(language_from_accept(r.accept_language(), Language::sv)),
                  r.head);
    }

    PublicContext& context_;
    const std::string empty_;
};

}  // namespace

std::string_view transparent_gif() { return {reinterpret_cast<const char*>(kGif), sizeof kGif}; }

std::optional<std::string> LinkCache::find(store::Database& db, std::uint64_t campaign,
                                           std::uint64_t link) {
    const auto key = std::make_pair(campaign, link);
    {
        const std::lock_guard lock(mutex_);
        if (auto it = urls_.find(key); it != urls_.end()) return it->second;
    }
    if (campaign == 0 || link == 0 || campaign > to_u64(INT64_MAX) || link > to_u64(INT64_MAX)) {
        return std::nullopt;
    }
    using Poco::Data::Keywords::into;
    using Poco::Data::Keywords::now;
    using Poco::Data::Keywords::use;
    auto c = static_cast<std::int64_t>(campaign);
    auto l = static_cast<std::int64_t>(link);
    std::vector<std::string> found;
    db.session() << "SELECT url FROM campaign_links WHERE campaign_id = $1 AND link_id = $2",
        into(found), use(c), use(l), now;
    if (found.size() != 1) return std::nullopt;
    const std::string& url = found.front();
    // Only web addresses: a javascript:, data: or file: URL is never a redirect target.
    if (!url.starts_with("https://") && !url.starts_with("http://")) return std::nullopt;
    if (url.find_first_of("\r\n") != std::string::npos) return std::nullopt;
    const std::lock_guard lock(mutex_);
    if (urls_.size() >= max_entries) urls_.clear();
    urls_.emplace(key, url);
    return url;
}

Poco::Net::HTTPRequestHandler* PublicHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
    // Poco creates the handler on the pool thread that serves the connection; a thread that
    // has lowered its priority once keeps it, for this listener's pool only.
    thread_local bool lowered = false;
    if (!lowered && context_.options.request_thread_nice > 0) {
        lowered = true;
        const auto self = static_cast<id_t>(::gettid());
        errno = 0;
        const int nice = ::getpriority(PRIO_PROCESS, self);
        if (errno == 0) {
            (void)::setpriority(PRIO_PROCESS, self,
                                std::min(19, nice + context_.options.request_thread_nice));
        }
    }
    return new PublicHandler(context_);
}

namespace detail {

bool PublicRequest::is_post() const { return request.getMethod() == "POST"; }

std::string PublicRequest::accept_language() const { return request.get("Accept-Language", ""); }

}  // namespace detail

}  // namespace brevduva::http
