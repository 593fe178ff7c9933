#include "http/http_listeners.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/URI.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

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

ServerOptions server_options(const char* name, const ListenerOptions& o,
                             const config::HttpSettings& http, int threads) {
    ServerOptions out;
    out.name = name;
    out.threads = threads;
    out.request_timeout = o.request_timeout;
    out.keep_alive_timeout = o.keep_alive_timeout;
    out.max_keep_alive_requests = o.max_keep_alive_requests;
    out.max_connections = http.max_connections;
    out.max_connections_per_client = http.max_connections_per_client;
    out.limits.max_target_bytes = o.public_options.max_uri_bytes;
    out.limits.max_header_bytes = o.public_options.max_header_bytes;
    out.limits.max_body_bytes = http.max_request_bytes;
    return out;
}

// Each connection is a descriptor: the soft limit is raised to the hard one, as servers that
// hold many idle connections do, and max_connections is kept under what remains.
void raise_descriptor_limit(std::size_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        (void)::setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur != RLIM_INFINITY && wanted + 256 > limit.rlim_cur) {
        spdlog::warn(
            "http.max_connections is {} but the process may open only {} files; past that, "
            "connections are answered 503 (raise LimitNOFILE)",
            wanted, limit.rlim_cur);
    }
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
    socket.listen(4096);  // the kernel caps it at net.core.somaxconn
    // Inherited by accepted sockets: small responses go out at once, not after a delayed ACK.
    socket.setNoDelay(true);
    return socket;
}

}  // namespace

struct Listeners::State {
    State(const config::Settings& s, const DatabaseOpener& open, ListenerOptions o)
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
                        metrics, tracking,    s.http.max_request_bytes, options.clock,
                        {}} {
        public_context.options.max_body_bytes = s.http.max_request_bytes;
        public_context.options.undo_window = s.consent.undo_window;
        admin_context.check_public = [this] {
            PublicListenerCheck check;
            if (!public_server) return check;
            check.health = public_server->health();
            check.answered_in = public_server->probe(public_context.path_prefix + "/robots.txt",
                                                     std::chrono::seconds(2));
            return check;
        };
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
    PublicHandlerFactory public_factory{public_context};
    AdminHandlerFactory admin_factory{admin_context};
    std::unique_ptr<Server> public_server;
    std::unique_ptr<Server> admin_server;
    bool running = false;
};

Listeners::Listeners(const config::Settings& settings, const DatabaseOpener& open,
                     ListenerOptions options)
    : state_(std::make_unique<State>(settings, open, std::move(options))) {}

Listeners::~Listeners() { stop(); }

void Listeners::start() {
    State& s = *state_;
    if (s.running) return;
    { auto probe = s.pool.borrow(); }  // fail now, not at the first request
    auto public_socket =
        bind("public", s.settings.http.public_listener, s.settings.http.reuse_port);
    auto admin_socket = bind("admin", s.settings.http.admin_listener, s.settings.http.reuse_port);
    raise_descriptor_limit(s.settings.http.max_connections);
    s.tracking.start();
    s.public_server = std::make_unique<Server>(
        server_options("public", s.options, s.settings.http, s.settings.http.threads),
        s.public_factory, public_socket);
    auto admin = server_options("admin", s.options, s.settings.http, s.options.admin_threads);
    admin.limits.max_target_bytes = 8 * 1024;
    s.admin_server = std::make_unique<Server>(admin, s.admin_factory, admin_socket);
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
    s.public_server->stop();
    s.admin_server->stop();
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

ServerHealth Listeners::public_health() const {
    return state_->public_server ? state_->public_server->health() : ServerHealth{};
}

}  // namespace brevduva::http
