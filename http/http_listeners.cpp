#include "http/http_listeners.hpp"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <stdexcept>

#include "config/config_secret.hpp"
#include "http/http_admin.hpp"

namespace brevduva::http {
namespace {

std::string base_path(const std::string& base_url) {
    std::string path = Poco::URI(base_url).getPath();
    while (path.ends_with('/')) path.pop_back();
    return path;
}

Poco::Net::HTTPServerParams::Ptr server_params(const ListenerOptions& o, int threads) {
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(threads);
    params->setMaxQueued(o.max_queued);
    params->setTimeout(Poco::Timespan(o.request_timeout.count(), 0));
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(o.keep_alive_timeout.count(), 0));
    params->setMaxKeepAliveRequests(o.max_keep_alive_requests);
    return params;
}

// SO_REUSEADDR lets a restarted process bind while old connections linger in TIME_WAIT; it
// does not let two processes listen on one port. SO_REUSEPORT would, and the kernel would then
// split requests between them, so it is set only when the configuration asks for it (Poco's
// two-argument bind sets both).
Poco::Net::ServerSocket bind(const char* which, const config::ListenerSettings& listener,
                             bool reuse_port) {
    Poco::Net::ServerSocket socket;
    try {
        socket.bind(Poco::Net::SocketAddress(listener.address, listener.port), true, reuse_port);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error(fmt::format("the {} listener cannot bind {}:{}: {}", which,
                                             listener.address, listener.port, e.displayText()));
    }
    socket.listen(256);
    // Inherited by accepted sockets: small responses go out at once, not after a delayed ACK.
    socket.setNoDelay(true);
    return socket;
}

}  // namespace

struct Listeners::State {
    State(const config::Settings& s, DatabaseOpener open, ListenerOptions o)
        : settings(s),
          options(std::move(o)),
          keys(1, config::read_secret(s.public_url.token_secret)),
          suppression_secret(config::read_secret(s.consent.suppression_secret)),
          admin_token(s.http.admin_token.configured() ? config::read_secret(s.http.admin_token)
                                                      : std::string()),
          pool(open, static_cast<std::size_t>(s.http.threads + options.admin_threads)),
          tracking(open, s.purposes, suppression_secret, metrics, options.tracking),
          limiter(options.public_options.page_rate),
          public_context{keys,         base_path(s.public_url.base_url),
                         s.purposes,   suppression_secret,
                         pool,         tracking,
                         metrics,      limiter,
                         links,        options.public_options,
                         options.clock},
          admin_context{s,       admin_token, suppression_secret,       pool,
                        metrics, tracking,    s.http.max_request_bytes, options.clock} {
        public_context.options.max_body_bytes = s.http.max_request_bytes;
        public_context.options.undo_window = s.consent.undo_window;
    }

    const config::Settings& settings;
    ListenerOptions options;
    consent::TokenKeys keys;
    std::string suppression_secret;
    std::string admin_token;
    Metrics metrics;
    DatabasePool pool;
    TrackingRecorder tracking;
    RateLimiter limiter;
    LinkCache links;
    PublicContext public_context;
    AdminContext admin_context;
    std::unique_ptr<Poco::ThreadPool> public_threads;
    std::unique_ptr<Poco::ThreadPool> admin_threads;
    std::unique_ptr<Poco::Net::HTTPServer> public_server;
    std::unique_ptr<Poco::Net::HTTPServer> admin_server;
    bool running = false;
};

Listeners::Listeners(const config::Settings& settings, DatabaseOpener open, ListenerOptions options)
    : state_(std::make_unique<State>(settings, std::move(open), std::move(options))) {}

Listeners::~Listeners() { stop(); }

void Listeners::start() {
    State& s = *state_;
    if (s.running) return;
    { auto probe = s.pool.borrow(); }  // fail now, not at the first request
    auto public_socket =
        bind("public", s.settings.http.public_listener, s.settings.http.reuse_port);
    auto admin_socket = bind("admin", s.settings.http.admin_listener, s.settings.http.reuse_port);
    s.tracking.start();
    const int threads = s.settings.http.threads;
    s.public_threads = std::make_unique<Poco::ThreadPool>("http-public", 2, threads);
    s.admin_threads = std::make_unique<Poco::ThreadPool>("http-admin", 1, s.options.admin_threads);
    s.public_server = std::make_unique<Poco::Net::HTTPServer>(
        new PublicHandlerFactory(s.public_context), *s.public_threads, public_socket,
        server_params(s.options, threads));
    s.admin_server = std::make_unique<Poco::Net::HTTPServer>(
        new AdminHandlerFactory(s.admin_context), *s.admin_threads, admin_socket,
        server_params(s.options, s.options.admin_threads));
    s.public_server->start();
    s.admin_server->start();
    s.running = true;
    spdlog::info("public listener on {}:{}, admin listener on {}:{}",
                 s.settings.http.public_listener.address, public_port(),
                 s.settings.http.admin_listener.address, admin_port());
}

void Listeners::stop() {
    State& s = *state_;
    if (!s.running) return;
    s.running = false;
    s.public_server->stopAll(false);
    s.admin_server->stopAll(false);
    s.public_threads->joinAll();
    s.admin_threads->joinAll();
    s.tracking.stop();
    s.public_server.reset();
    s.admin_server.reset();
    spdlog::info("HTTP listeners stopped; every recorded open and click is written");
}

std::uint16_t Listeners::public_port() const {
    return state_->public_server ? state_->public_server->port() : 0;
}

std::uint16_t Listeners::admin_port() const {
    return state_->admin_server ? state_->admin_server->port() : 0;
}

void Listeners::flush_tracking() { state_->tracking.flush(); }

std::size_t Listeners::tracking_depth() const { return state_->tracking.depth(); }

const Metrics& Listeners::metrics() const { return state_->metrics; }

}  // namespace brevduva::http
