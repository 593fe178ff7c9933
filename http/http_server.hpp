// The HTTP/1.1 server under both listeners: an event loop that reads request heads and bodies
// without holding a thread per client, and runs a request's handler only once the whole request
// is there. A fixed set of threads wait on one epoll set; each event (a connection readable or
// writable, the listening socket ready) goes to one thread, which reads what has arrived into
// that connection's RequestReader and, when a request is complete, runs the Poco handler and
// writes the response. A slow client costs a socket and a buffer, never a thread.
//
// Bounds: request_timeout for the whole head and body of a request (and for writing its
// response), counted from its first byte, not per read (a late request gets 408 and the
// connection is closed); keep_alive_timeout for an idle connection between requests;
// max_connections in total (more are answered 503 and closed); max_connections_per_client per
// peer address, an IPv6 peer by its /64 (more: 429), loopback peers excepted, since a reverse proxy
// on the same machine speaks for many clients. A refused connection is drained for two seconds
// before it is closed, so that the client reads its answer rather than a reset. Every refusal of a
// request that cannot be read (RFC 9112 framing) closes the connection the same way. Memory per
// connection is at most the request limits plus one read.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/ServerSocket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "http/http_wire.hpp"

namespace brevduva::http {

struct ServerOptions {
    std::string name = "http";  // in logs and thread names
    int threads = 16;
    WireLimits limits;
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds keep_alive_timeout{5'000};
    int max_keep_alive_requests = 10'000;
    std::size_t max_connections = 16'384;
    std::size_t max_connections_per_client = 64;  // 0: no cap
    // Counts loopback peers against max_connections_per_client too: for a listener that no
    // reverse proxy on the same machine speaks through.
    bool cap_loopback = false;
};

// What /healthz reports of a listener.
struct ServerHealth {
    std::size_t connections = 0;
    std::size_t max_connections = 0;
    int busy_threads = 0;
    int threads = 0;
    std::uint64_t refused_full = 0;        // answered 503: max_connections reached
    std::uint64_t refused_per_client = 0;  // answered 429: the peer's cap reached
    std::uint64_t timed_out = 0;           // requests not complete within request_timeout
    std::uint64_t malformed = 0;           // requests refused by the reader
};

class Server {
  public:
    // The socket must be bound and listening. The factory must outlive the server.
    Server(ServerOptions options, Poco::Net::HTTPRequestHandlerFactory& factory,
           const Poco::Net::ServerSocket& socket);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    void start();
    // Stops accepting, lets the handlers that are running finish and write what the socket
    // takes at once, then closes every connection (a response still waiting for room, or a
    // connection lingering before its close, is closed too). Idempotent.
    void stop();

    [[nodiscard]] std::uint16_t port() const;
    [[nodiscard]] ServerHealth health() const;

    // Asks this server for `path` over a fresh loopback connection, as a client would. The time
    // to the status line, or nullopt when none came within `timeout`.
    [[nodiscard]] std::optional<std::chrono::microseconds> probe(
        const std::string& path, std::chrono::milliseconds timeout) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace brevduva::http
