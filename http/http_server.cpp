#include "http/http_server.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

namespace brevduva::http {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::uint64_t kListenerId = 0;
constexpr std::uint64_t kWakeId = 1;
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr auto kLinger = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 256 * 1024;
constexpr auto kSweepEvery = std::chrono::milliseconds(100);
// Refused connections kept open to drain, beyond max_connections; past that they are closed.
constexpr std::size_t kMaxDraining = 4096;

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 section 5.6.7), formatted once a second per thread.
const std::string& http_date() {
    thread_local std::time_t last = 0;
    thread_local std::string text;
    const std::time_t now = std::time(nullptr);
    if (now != last || text.empty()) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        char buffer[64];
        const auto n = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        text.assign(buffer, n);
        last = now;
    }
    return text;
}

// A complete response with no handler behind it: the server's own refusals.
std::string plain_response(int status, std::string_view text, bool close) {
    return fmt::format(
        "HTTP/1.1 {} {}\r\nDate: {}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: {}\r\nCache-Control: no-store\r\n{}\r\n{}",
        status, reason_phrase(status), http_date(), text.size() + 1,
        close ? "Connection: close\r\n" : "", fmt::format("{}\n", text));
}

Poco::Net::SocketAddress socket_address(const sockaddr_storage& address, socklen_t length) {
    return {reinterpret_cast<const sockaddr*>(&address), static_cast<poco_socklen_t>(length)};
}

// The peer's address bytes, the key of the per-client cap.
std::string client_address_key(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(address);
        return {reinterpret_cast<const char*>(&in.sin_addr), sizeof in.sin_addr};
    }
    if (address.ss_family == AF_INET6) {
        // A /64: one subscriber's network, as hosts in it pick addresses at will.
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
        if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
            return {reinterpret_cast<const char*>(&in6.sin6_addr) + 12, 4};
        }
        return {reinterpret_cast<const char*>(&in6.sin6_addr), 8};
    }
    return {};
}

// The same, but empty (exempt) for loopback.
std::string client_key(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(address);
        if ((ntohl(in.sin_addr.s_addr) >> 24U) == 127U) return {};
    }
    if (address.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
        if (IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr)) return {};
        if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr) && in6.sin6_addr.s6_addr[12] == 127) return {};
    }
    return client_address_key(address);
}

class BufferedResponse : public Poco::Net::HTTPServerResponse {
  public:
    explicit BufferedResponse(bool head) : head_(head) {}

    void sendContinue() override {
        // The server answers Expect: 100-continue itself, before the body is read.
    }
    std::ostream& send() override {
        sent_ = true;
        return body_;
    }
    void sendFile(const std::string& path, const std::string& media_type) override {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Poco::FileNotFoundException(path);
        setContentType(media_type);
        body_ << in.rdbuf();
        sent_ = true;
    }
    void sendBuffer(const void* buffer, std::size_t length) override {
        setContentLength64(static_cast<Poco::Int64>(length));
        body_.write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
        sent_ = true;
    }
    void redirect(const std::string& uri, HTTPStatus status) override {
        setStatus(status);
        set("Location", uri);
        setContentLength(0);
        sent_ = true;
    }
    void requireAuthentication(const std::string& realm) override {
        setStatus(HTTP_UNAUTHORIZED);
        set("WWW-Authenticate", fmt::format("Basic realm=\"{}\"", realm));
        setContentLength(0);
        sent_ = true;
    }
    [[nodiscard]] bool sent() const override { return sent_; }

    // The bytes to write: status line with the status's own reason phrase, HTTP/1.1 whatever the
    // request said, framing decided here from the body actually written.
    [[nodiscard]] std::string serialise(bool keep_alive, bool http10) const {
        const int status = static_cast<int>(getStatus());
        const bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
        std::string body = body_.str();
        std::string out = fmt::format("HTTP/1.1 {} {}\r\nDate: {}\r\n", status,
                                      reason_phrase(status), http_date());
        for (const auto& [name, value] : *this) {
            if (Poco::icompare(name, "Content-Length") == 0 ||
                Poco::icompare(name, "Connection") == 0 ||
                Poco::icompare(name, "Transfer-Encoding") == 0 ||
                Poco::icompare(name, "Date") == 0) {
                continue;
            }
            out.append(name).append(": ").append(value).append("\r\n");
        }
        if (!no_body) {
            // A HEAD answer names the length the GET would have had.
            const auto length = head_ && hasContentLength() ? getContentLength64()
                                                            : static_cast<Poco::Int64>(body.size());
            out.append(fmt::format("Content-Length: {}\r\n", length));
        }
        if (!keep_alive) {
            out.append("Connection: close\r\n");
        } else if (http10) {
            out.append("Connection: keep-alive\r\n");
        }
        out.append("\r\n");
        if (!head_ && !no_body) out.append(body);
        return out;
    }

  private:
    bool head_;
    bool sent_ = false;
    std::ostringstream body_;
};

class BufferedRequest : public Poco::Net::HTTPServerRequest {
  public:
    BufferedRequest(WireRequest&& wire, const Poco::Net::SocketAddress& client,
                    const Poco::Net::SocketAddress& server,
                    const Poco::Net::HTTPServerParams& params, BufferedResponse& response)
        : body_(std::move(wire.body)),
          client_(client),
          server_(server),
          params_(params),
          response_(response) {
        setMethod(wire.method);
        setURI(wire.target);
        setVersion(wire.minor_version == 0 ? HTTP_1_0 : HTTP_1_1);
        for (auto& [name, value] : wire.fields) {
            // The body handed on is decoded: its framing headers describe it as it is now.
            if (Poco::icompare(name, "Transfer-Encoding") == 0 ||
                Poco::icompare(name, "Content-Length") == 0) {
                continue;
            }
            add(name, value);
        }
        if (!body_.str().empty()) setContentLength64(static_cast<Poco::Int64>(body_.str().size()));
    }

    std::istream& stream() override { return body_; }
    [[nodiscard]] const Poco::Net::SocketAddress& clientAddress() const override { return client_; }
    [[nodiscard]] const Poco::Net::SocketAddress& serverAddress() const override { return server_; }
    [[nodiscard]] const Poco::Net::HTTPServerParams& serverParams() const override {
        return params_;
    }
    [[nodiscard]] Poco::Net::HTTPServerResponse& response() const override { return response_; }
    [[nodiscard]] bool secure() const override { return false; }

  private:
    std::istringstream body_;
    Poco::Net::SocketAddress client_;
    Poco::Net::SocketAddress server_;
    const Poco::Net::HTTPServerParams& params_;
    BufferedResponse& response_;
};

}  // namespace

struct Server::Impl {
    enum class Phase {
        idle,       // between requests: keep_alive_timeout
        reading,    // a request has begun: request_timeout from its first byte
        writing,    // a response is waiting for the socket: request_timeout
        lingering,  // the answer to a refused request is sent; unread bytes are drained
    };

    struct Connection {
        Connection(int f, std::uint64_t i, WireLimits limits) : fd(f), id(i), reader(limits) {}
        ~Connection() { ::close(fd); }
        Connection(const Connection&) = delete;
        Connection& operator=(const Connection&) = delete;

        int fd;
        std::uint64_t id;
        RequestReader reader;
        Poco::Net::SocketAddress peer;
        Poco::Net::SocketAddress local;
        std::string client;  // client_key(); empty: not capped
        Phase phase = Phase::idle;
        SteadyClock::time_point deadline;
        std::string out;
        std::size_t written = 0;
        int served = 0;
        bool close_after_write = false;
        bool busy = false;     // a thread owns it; the sweeper leaves it alone
        bool counted = false;  // against max_connections (a refused one is only drained)
        std::size_t lingered = 0;
    };
    using ConnectionPtr = std::shared_ptr<Connection>;

    // A Poco socket is a shared handle: copying it shares the listening socket.
    Impl(ServerOptions o, Poco::Net::HTTPRequestHandlerFactory& f, const Poco::Net::ServerSocket& s)
        : options(std::move(o)), factory(f), socket(s), params(new Poco::Net::HTTPServerParams) {
        params->setMaxThreads(options.threads);
        params->setKeepAlive(true);
    }

    ServerOptions options;
    Poco::Net::HTTPRequestHandlerFactory& factory;
    Poco::Net::ServerSocket socket;
    Poco::Net::HTTPServerParams::Ptr params;
    int epoll = -1;
    int wake = -1;
    int spare = -1;  // kept open to be closed when accept() hits the descriptor limit
    std::vector<std::thread> threads;
    std::thread sweeper;
    std::atomic<bool> stopping{false};
    bool running = false;

    mutable std::mutex mutex;  // connections, per_client, next_id, epoll re-arming
    std::unordered_map<std::uint64_t, ConnectionPtr> connections;
    std::unordered_map<std::string, std::size_t> per_client;
    std::size_t counted = 0;        // connections admitted, without the refused ones being drained
    bool listener_resting = false;  // accept() failed for want of resources; re-armed by sweep()
    std::uint64_t next_id = 2;
    std::condition_variable sweep_cv;

    std::atomic<int> busy_threads{0};
    std::atomic<std::uint64_t> refused_full{0};
    std::atomic<std::uint64_t> refused_per_client{0};
    std::atomic<std::uint64_t> timed_out{0};
    std::atomic<std::uint64_t> malformed{0};

    void arm(int fd, std::uint64_t id, std::uint32_t events, int op = EPOLL_CTL_MOD) const {
        epoll_event e{};
        // EPOLLRDHUP only while reading: a client that half-closed and does not read would
        // otherwise wake a thread again and again while its response waits for room.
        e.events = events | EPOLLONESHOT | ((events & EPOLLIN) != 0 ? EPOLLRDHUP : 0U);
        e.data.u64 = id;
        (void)::epoll_ctl(epoll, op, fd, &e);
    }

    void run() {
        while (!stopping.load()) {
            epoll_event event{};
            const int n = ::epoll_wait(epoll, &event, 1, -1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            if (event.data.u64 == kWakeId) break;
            if (event.data.u64 == kListenerId) {
                accept_ready();
                continue;
            }
            ConnectionPtr c;
            {
                const std::lock_guard lock(mutex);
                auto it = connections.find(event.data.u64);
                if (it == connections.end() || it->second->busy) continue;
                c = it->second;
                c->busy = true;
            }
            busy_threads.fetch_add(1);
            bool keep = false;
            try {
                keep = serve(*c);
            } catch (const std::exception& e) {
                // Handlers' failures are answered 500 in handle(); what escapes to here (out of
                // memory while reading, say) ends this connection, never the process.
                spdlog::error("{} listener: a connection failed: {}", options.name, e.what());
            }
            busy_threads.fetch_sub(1);
            release(c, keep);
        }
    }

    // Hands the connection back to the event loop, or forgets it.
    void release(const ConnectionPtr& c, bool keep) {
        const std::lock_guard lock(mutex);
        c->busy = false;
        if (!keep || stopping.load()) {
            forget(*c);
            return;
        }
        arm(c->fd, c->id, c->phase == Phase::writing ? EPOLLOUT : EPOLLIN);
    }

    // Under the mutex.
    void forget(const Connection& c) {
        if (c.counted) --counted;
        if (!c.client.empty()) {
            auto it = per_client.find(c.client);
            if (it != per_client.end() && --it->second == 0) per_client.erase(it);
        }
        connections.erase(c.id);  // the last reference closes the socket
    }

    void accept_ready() {
        for (int i = 0; i < 256 && !stopping.load(); ++i) {
            sockaddr_storage peer{};
            socklen_t length = sizeof peer;
            const int fd = ::accept4(socket.impl()->sockfd(), reinterpret_cast<sockaddr*>(&peer),
                                     &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if ((errno == EMFILE || errno == ENFILE) && spare >= 0) {
                    // Out of descriptors: take the waiting connection with the spare one and
                    // answer it, rather than leave it to spin in the accept queue.
                    ::close(spare);
                    const int refused = ::accept4(socket.impl()->sockfd(), nullptr, nullptr,
                                                  SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (refused >= 0)
                        refuse(refused, 503, "the server has no room for more connections");
                    spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
                    refused_full.fetch_add(1);
                    continue;
                }
                if (errno != EAGAIN && errno != EWOULDBLOCK) {
                    // Out of descriptors or memory with no spare to answer with: the listener
                    // rests until the sweeper's next round instead of spinning on accept().
                    spdlog::warn("{} listener: accept failed: {}", options.name,
                                 std::generic_category().message(errno));
                    const std::lock_guard lock(mutex);
                    listener_resting = true;
                    return;
                }
                break;
            }
            admit(fd, peer, length);
        }
        if (!stopping.load()) arm(socket.impl()->sockfd(), kListenerId, EPOLLIN);
    }

    static void refuse(int fd, int status, std::string_view why) {
        const std::string answer = plain_response(status, why, true);
        (void)::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
        ::shutdown(fd, SHUT_WR);
        ::close(fd);
    }

    void admit(int fd, const sockaddr_storage& peer, socklen_t length) {
        const std::string client =
            options.cap_loopback ? client_address_key(peer) : client_key(peer);
        const std::lock_guard lock(mutex);
        int refusal = 0;
        if (counted >= options.max_connections) {
            refused_full.fetch_add(1);
            refusal = 503;
        } else if (!client.empty() && options.max_connections_per_client != 0 &&
                   per_client[client] >= options.max_connections_per_client) {
            refused_per_client.fetch_add(1);
            refusal = 429;
        }
        const std::string_view why = refusal == 503 ? "the server has no room for more connections"
                                                    : "too many connections from one address";
        if (refusal != 0 && connections.size() >= options.max_connections + kMaxDraining) {
            refuse(fd, refusal, why);
            return;
        }
        const std::uint64_t id = next_id++;
        auto c = std::make_shared<Connection>(fd, id, options.limits);
        connections.emplace(id, c);
        if (refusal != 0) {
            // Answered at once; the request it may be sending is drained before the close, so
            // that the client reads the answer instead of a reset.
            const std::string answer = plain_response(refusal, why, true);
            (void)::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
            ::shutdown(fd, SHUT_WR);
            c->phase = Phase::lingering;
            c->deadline = SteadyClock::now() + kLinger;
            arm(fd, id, EPOLLIN, EPOLL_CTL_ADD);
            return;
        }
        c->peer = socket_address(peer, length);
        sockaddr_storage local{};
        socklen_t local_length = sizeof local;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) == 0) {
            c->local = socket_address(local, local_length);
        }
        c->client = client;
        c->counted = true;
        ++counted;
        if (!client.empty()) ++per_client[client];
        c->deadline = SteadyClock::now() + options.keep_alive_timeout;
        arm(fd, id, EPOLLIN, EPOLL_CTL_ADD);
    }

    // Works on a connection this thread owns; false when it is to be closed.
    bool serve(Connection& c) {
        if (c.phase == Phase::writing) {
            if (!flush(c)) return false;
            if (c.phase == Phase::writing) return true;
            if (!after_response(c)) return false;
            if (c.phase != Phase::idle || c.reader.buffered() == 0) return true;
            const auto progress = c.reader.resume();  // a pipelined request
            if (c.reader.started()) {
                c.phase = Phase::reading;
                c.deadline = SteadyClock::now() + options.request_timeout;
            }
            return advance(c, progress);
        }
        if (c.phase == Phase::lingering) return linger(c);
        char buffer[kReadChunk];
        for (;;) {
            const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
            if (n == 0) return false;  // the client closed: nothing to answer
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                return false;
            }
            const auto progress = c.reader.feed({buffer, static_cast<std::size_t>(n)});
            if (c.phase == Phase::idle && c.reader.started()) {
                c.phase = Phase::reading;
                c.deadline = SteadyClock::now() + options.request_timeout;
            }
            if (progress == RequestReader::Progress::need_more) continue;
            return advance(c, progress);
        }
        return true;
    }

    // Acts on the reader's progress: answers 100-continue, a refusal, or a complete request,
    // and then any pipelined request already read, one after another.
    bool advance(Connection& c, RequestReader::Progress progress) {
        using P = RequestReader::Progress;
        for (;;) {
            if (progress == P::head) {
                if (c.reader.current().expects_continue) {
                    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                    (void)::send(c.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL);
                }
                return true;
            }
            if (progress == P::failed) {
                malformed.fetch_add(1);
                const auto& error = c.reader.error();
                c.close_after_write = true;
                return respond(c, plain_response(error.status, error.reason, true));
            }
            if (progress != P::complete) return true;
            WireRequest request = c.reader.take();
            ++c.served;
            c.close_after_write = !request.keep_alive ||
                                  c.served >= options.max_keep_alive_requests || stopping.load();
            if (!respond(c, handle(c, std::move(request)))) return false;
            if (c.phase != Phase::idle) return true;  // writing, or lingering before the close
            if (c.reader.buffered() == 0) {
                c.reader.release_memory();
                return true;
            }
            progress = c.reader.resume();  // a pipelined request
            if (c.reader.started()) {
                c.phase = Phase::reading;
                c.deadline = SteadyClock::now() + options.request_timeout;
            }
        }
    }

    std::string handle(Connection& c, WireRequest&& wire) {
        const bool head = wire.method == "HEAD";
        const bool http10 = wire.minor_version == 0;
        BufferedResponse response(head);
        BufferedRequest request(std::move(wire), c.peer, c.local, *params, response);
        try {
            std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
                factory.createRequestHandler(request));
            if (handler) {
                handler->handleRequest(request, response);
            } else {
                response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
                response.sendBuffer("not found\n", 10);
            }
        } catch (const std::exception& e) {
            // Nothing has gone out yet: whatever the handler wrote before it failed is dropped,
            // and the connection closes after the 500.
            spdlog::error("{} listener: a request handler failed: {}", options.name, e.what());
            c.close_after_write = true;
            std::string answer =
                plain_response(500, "the request failed; see the service log", true);
            if (head) answer.erase(answer.find("\r\n\r\n") + 4);
            return answer;
        }
        if (!response.sent()) {
            response.setStatus(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
            response.sendBuffer("no response\n", 12);
        }
        return response.serialise(!c.close_after_write, http10);
    }

    // Writes a response; then the connection waits for the next request, for room to write,
    // or lingers before its close. False when it is to be closed now.
    bool respond(Connection& c, std::string bytes) {
        c.out = std::move(bytes);
        c.written = 0;
        if (!flush(c)) return false;
        if (c.phase == Phase::writing) return true;
        return after_response(c);
    }

    // Writes what is pending; phase becomes writing when the socket is full. False on error.
    bool flush(Connection& c) {
        while (c.written < c.out.size()) {
            const ssize_t n =
                ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    if (c.phase != Phase::writing) {
                        c.phase = Phase::writing;
                        c.deadline = SteadyClock::now() + options.request_timeout;
                    }
                    return true;
                }
                return false;
            }
            c.written += static_cast<std::size_t>(n);
        }
        if (c.out.capacity() > kReadChunk) {
            std::string().swap(c.out);
        } else {
            c.out.clear();
        }
        c.written = 0;
        if (c.phase == Phase::writing) c.phase = Phase::reading;
        return true;
    }

    // After a response is written: lingering before the close, or idle (a pipelined request
    // already read is taken up by advance()).
    bool after_response(Connection& c) {
        if (c.close_after_write) {
            // Closing with unread bytes would reset the connection and could destroy the answer
            // before the client reads it: stop sending, then drain for a while (lingering close).
            ::shutdown(c.fd, SHUT_WR);
            c.phase = Phase::lingering;
            c.deadline = SteadyClock::now() + kLinger;
            return linger(c);
        }
        c.phase = Phase::idle;
        c.deadline = SteadyClock::now() + options.keep_alive_timeout;
        return true;
    }

    bool linger(Connection& c) {
        char buffer[kReadChunk];
        for (;;) {
            const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
            if (n == 0) return false;
            if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            c.lingered += static_cast<std::size_t>(n);
            if (c.lingered > kLingerBytes) return false;
        }
    }

    void sweep() {
        std::unique_lock lock(mutex);
        while (!stopping.load()) {
            sweep_cv.wait_for(lock, kSweepEvery);
            const auto now = SteadyClock::now();
            std::vector<ConnectionPtr> late;
            for (const auto& [id, c] : connections) {
                if (!c->busy && c->deadline <= now) late.push_back(c);
            }
            for (const auto& c : late) {
                if (c->phase == Phase::reading) {
                    // Answered, then drained for a while like any refusal, so that the client
                    // reads the 408 rather than a reset.
                    timed_out.fetch_add(1);
                    const std::string answer =
                        plain_response(408, "the request was not complete in time", true);
                    (void)::send(c->fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
                    ::shutdown(c->fd, SHUT_WR);
                    c->phase = Phase::lingering;
                    c->deadline = now + kLinger;
                    continue;
                }
                forget(*c);
            }
            if (listener_resting && !stopping.load()) {
                listener_resting = false;
                arm(socket.impl()->sockfd(), kListenerId, EPOLLIN);
            }
            lock.unlock();
            late.clear();  // closes the sockets outside the lock
            lock.lock();
        }
    }
};

Server::Server(ServerOptions options, Poco::Net::HTTPRequestHandlerFactory& factory,
               const Poco::Net::ServerSocket& socket)
    : impl_(std::make_unique<Impl>(std::move(options), factory, socket)) {}

Server::~Server() { stop(); }

void Server::start() {
    Impl& s = *impl_;
    if (s.running) return;
    s.socket.setBlocking(false);
    s.epoll = ::epoll_create1(EPOLL_CLOEXEC);
    s.wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s.spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (s.epoll < 0 || s.wake < 0) {
        throw std::runtime_error(fmt::format("the {} listener cannot create its event loop: {}",
                                             s.options.name,
                                             std::generic_category().message(errno)));
    }
    epoll_event wake{};
    wake.events = EPOLLIN;  // level-triggered and never read: wakes every thread at stop
    wake.data.u64 = kWakeId;
    ::epoll_ctl(s.epoll, EPOLL_CTL_ADD, s.wake, &wake);
    s.arm(s.socket.impl()->sockfd(), kListenerId, EPOLLIN, EPOLL_CTL_ADD);
    s.stopping = false;
    for (int i = 0; i < s.options.threads; ++i) {
        s.threads.emplace_back([&s] { s.run(); });
    }
    s.sweeper = std::thread([&s] { s.sweep(); });
    s.running = true;
}

void Server::stop() {
    Impl& s = *impl_;
    if (!s.running) return;
    s.running = false;
    {
        const std::lock_guard lock(s.mutex);
        s.stopping = true;
    }
    s.sweep_cv.notify_all();
    const std::uint64_t one = 1;
    (void)::write(s.wake, &one, sizeof one);
    for (auto& t : s.threads) t.join();
    s.threads.clear();
    s.sweeper.join();
    {
        const std::lock_guard lock(s.mutex);
        s.connections.clear();
        s.per_client.clear();
        s.counted = 0;
        s.listener_resting = false;
    }
    s.socket.close();
    ::close(s.epoll);
    ::close(s.wake);
    if (s.spare >= 0) ::close(s.spare);
    s.epoll = s.wake = s.spare = -1;
}

std::uint16_t Server::port() const { return impl_->socket.address().port(); }

ServerHealth Server::health() const {
    const Impl& s = *impl_;
    ServerHealth h;
    {
        const std::lock_guard lock(s.mutex);
        h.connections = s.counted;
    }
    h.max_connections = s.options.max_connections;
    h.busy_threads = s.busy_threads.load();
    h.threads = s.options.threads;
    h.refused_full = s.refused_full.load();
    h.refused_per_client = s.refused_per_client.load();
    h.timed_out = s.timed_out.load();
    h.malformed = s.malformed.load();
    return h;
}

std::optional<std::chrono::microseconds> Server::probe(const std::string& path,
                                                       std::chrono::milliseconds timeout) const {
    const auto bound = impl_->socket.address();
    Poco::Net::SocketAddress target = bound;
    if (bound.host().isWildcard()) {
        target = Poco::Net::SocketAddress(
            bound.family() == Poco::Net::AddressFamily::IPv6 ? "::1" : "127.0.0.1", bound.port());
    }
    const auto started = SteadyClock::now();
    const auto deadline = started + timeout;
    const int fd = ::socket(target.af(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    auto wait = [&](short events) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, events, 0};
        return ::poll(&p, 1, static_cast<int>(left.count())) == 1;
    };
    if (::connect(fd, target.addr(), target.length()) != 0 && errno != EINPROGRESS) {
        return std::nullopt;
    }
    if (!wait(POLLOUT)) return std::nullopt;
    const std::string request =
        fmt::format("GET {} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path);
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        return std::nullopt;
    }
    std::string reply;
    while (reply.find("\r\n") == std::string::npos && reply.size() < 512) {
        if (!wait(POLLIN)) return std::nullopt;
        char buffer[512];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return std::nullopt;
        reply.append(buffer, static_cast<std::size_t>(n));
    }
    if (!reply.starts_with("HTTP/1.1 ")) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started);
}

}  // namespace brevduva::http
