// The event-loop server over real loopback sockets, with a small handler: what a client sees
// when it is slow, malformed, one of thousands, or one too many.
#include "http/http_server.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace brevduva::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Answers /status/<n> with that status (set without a reason phrase, as the handlers do),
// echoes a POST's body, and counts the requests it was given.
class Handler : public Poco::Net::HTTPRequestHandler {
  public:
    explicit Handler(std::atomic<int>& handled) : handled_(handled) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        ++handled_;
        const std::string& uri = request.getURI();
        if (uri == "/throw") {
            response.send() << "partial";
            throw std::runtime_error("the handler failed half-way");
        }
        if (uri.starts_with("/status/")) {
            response.setStatus(
                static_cast<Poco::Net::HTTPResponse::HTTPStatus>(std::stoi(uri.substr(8))));
        }
        std::string body;
        if (request.getMethod() == "POST") {
            std::istream& in = request.stream();
            body.assign(std::istreambuf_iterator<char>(in), {});
        } else {
            body = "hello\n";
        }
        response.setContentType("text/plain");
        response.sendBuffer(body.data(), body.size());
    }

  private:
    std::atomic<int>& handled_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(handled);
    }
    std::atomic<int> handled{0};
};

ServerOptions small_options() {
    ServerOptions o;
    o.name = "test";
    o.threads = 2;
    o.request_timeout = 1500ms;
    o.keep_alive_timeout = 1500ms;
    return o;
}

struct Running {
    explicit Running(const ServerOptions& options = small_options()) {
        Poco::Net::ServerSocket socket;
        socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true, false);
        socket.listen(4096);
        server = std::make_unique<Server>(options, factory, socket);
        server->start();
    }
    Factory factory;
    std::unique_ptr<Server> server;
};

// A loopback client socket; every wait is bounded.
class Client {
  public:
    explicit Client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    ~Client() { ::close(fd_); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    [[nodiscard]] bool connected() const { return connected_; }
    bool send(std::string_view bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // Reads until `until` appears, the server closes, or the wait runs out.
    std::string read(std::chrono::milliseconds wait, std::string_view until = {}) {
        const auto end = Clock::now() + wait;
        while (Clock::now() < end) {
            if (!until.empty() && received_.find(until) != std::string::npos) break;
            pollfd p{fd_, POLLIN, 0};
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
            if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) != 1) continue;
            char buffer[4096];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) {
                closed_ = true;
                break;
            }
            received_.append(buffer, static_cast<std::size_t>(n));
        }
        return received_;
    }
    [[nodiscard]] bool closed() const { return closed_; }

  private:
    int fd_ = -1;
    bool connected_ = false;
    bool closed_ = false;
    std::string received_;
};

std::string exchange(std::uint16_t port, std::string_view request) {
    Client c(port);
    c.send(request);
    return c.read(5s);
}

TEST(Server, ReasonPhrasesAreTheStatusesOwnAndTheVersionIsAlways11) {
    Running r;
    const auto reply = exchange(r.server->port(),
                                "GET /status/404 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 404 Not Found\r\n")) << reply;
    const auto old = exchange(r.server->port(), "GET / HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(old.starts_with("HTTP/1.1 200 OK\r\n")) << old;
    EXPECT_NE(old.find("Connection: close\r\n"), std::string::npos);
    const auto future = exchange(r.server->port(), "GET / HTTP/9.9\r\nHost: a\r\n\r\n");
    EXPECT_TRUE(future.starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n")) << future;
}

TEST(Server, SmuggledRequestsAreRefusedAndNeverHandled) {
    Running r;
    Client c(r.server->port());
    // Read by Content-Length, the second request is body; read by chunks, it is a request.
    c.send(
        "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n"
        "\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
    const auto reply = c.read(5s);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400 Bad Request\r\n")) << reply;
    EXPECT_NE(reply.find("Content-Length and Transfer-Encoding"), std::string::npos);
    EXPECT_NE(reply.find("Connection: close"), std::string::npos);
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos);
    EXPECT_EQ(r.factory.handled.load(), 0);
}

TEST(Server, MalformedFramingIsRefusedWithTheRightStatus) {
    Running r;
    const std::string chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "400 Bad Request"},
        {chunked + "zz\r\n", "400 Bad Request"},
        {chunked + "-5\r\n", "400 Bad Request"},
        {chunked + "ffffffffffffffff\r\n", "413 Content Too Large"},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n", "413 Content Too Large"},
        {"GET /" + std::string(3000, 'x') + " HTTP/1.1\r\nHost: a\r\n\r\n", "414 URI Too Long"},
    };
    for (const auto& [request, status] : cases) {
        const auto reply = exchange(r.server->port(), request);
        EXPECT_TRUE(reply.starts_with("HTTP/1.1 " + status + "\r\n")) << request << "\n" << reply;
    }
    EXPECT_EQ(r.factory.handled.load(), 0);
}

TEST(Server, ATruncatedBodyTimesOutAndIsNeverHandled) {
    Running r;
    Client c(r.server->port());
    c.send("POST /u/t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nList-Unsub");
    const auto reply = c.read(10s);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 408 Request Timeout\r\n")) << reply;
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(r.factory.handled.load(), 0);
    EXPECT_EQ(r.server->health().timed_out, 1U);
}

TEST(Server, TheDeadlineIsForTheWholeRequestNotEachRead) {
    Running r;
    Client c(r.server->port());
    c.send("GET / HTTP/1.1\r\nHost: a\r\n");
    // A header line every 200 ms keeps every single read well inside the timeout (1.5 s); the
    // client would go on for 20 s.
    bool cut_off = false;
    for (int i = 0; i < 100 && !cut_off; ++i) {
        if (!c.send("X-Slow: " + std::to_string(i) + "\r\n")) cut_off = true;
        c.read(200ms);
        cut_off = cut_off || c.closed();
    }
    EXPECT_TRUE(cut_off);
    EXPECT_TRUE(c.read(1s).starts_with("HTTP/1.1 408 Request Timeout\r\n"));
}

TEST(Server, SlowClientsDoNotKeepOthersWaiting) {
    Running r;  // two threads
    std::vector<std::unique_ptr<Client>> slow;
    for (int i = 0; i < 60; ++i) {
        slow.push_back(std::make_unique<Client>(r.server->port()));
        // Half dribble a head, half a body they never finish.
        slow.back()->send(i % 2 == 0
                              ? "GET / HTTP/1.1\r\nHost: a\r\n"
                              : "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nab");
    }
    int answered = 0;
    for (int i = 0; i < 40; ++i) {
        for (std::size_t k = 0; k < slow.size(); k += 7)
            slow[k]->send(k % 2 == 0 ? "X: 1\r\n" : "c");
        const auto reply =
            exchange(r.server->port(), "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        if (reply.starts_with("HTTP/1.1 200 OK\r\n")) ++answered;
    }
    EXPECT_EQ(answered, 40);
    EXPECT_GE(r.server->health().connections, 60U);
}

TEST(Server, EveryOneOfAFloodOfConnectionsGetsAnAnswer) {
    for (const std::size_t cap : {std::size_t{16'384}, std::size_t{200}}) {
        auto options = small_options();
        options.max_connections = cap;
        options.request_timeout = 10s;
        options.keep_alive_timeout = 10s;
        Running r(options);
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < 2000; ++i) {
            clients.push_back(std::make_unique<Client>(r.server->port()));
            ASSERT_TRUE(clients.back()->connected());
        }
        for (auto& c : clients) c->send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        int ok = 0;
        int unavailable = 0;
        for (auto& c : clients) {
            const auto reply = c->read(10s, "\r\n\r\n");
            if (reply.starts_with("HTTP/1.1 200 OK\r\n")) ++ok;
            if (reply.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) ++unavailable;
        }
        EXPECT_EQ(ok + unavailable, 2000) << "cap " << cap;
        if (cap > 2000) {
            EXPECT_EQ(ok, 2000);
        } else {
            EXPECT_GE(unavailable, 2000 - static_cast<int>(cap));
        }
    }
}

TEST(Server, ConnectionsPerClientAreCapped) {
    auto options = small_options();
    options.max_connections_per_client = 5;
    options.cap_loopback = true;
    Running r(options);
    std::vector<std::unique_ptr<Client>> held;
    held.reserve(5);
    for (int i = 0; i < 5; ++i) held.push_back(std::make_unique<Client>(r.server->port()));
    while (r.server->health().connections < 5) std::this_thread::sleep_for(10ms);
    const auto reply = exchange(r.server->port(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 429 Too Many Requests\r\n")) << reply;
    held.clear();
    std::string after;
    for (int i = 0; i < 100 && !after.starts_with("HTTP/1.1 200"); ++i) {
        after =
            exchange(r.server->port(), "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(after.starts_with("HTTP/1.1 200 OK\r\n")) << after;
}

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
    Running r;
    Client c(r.server->port());
    c.send(
        "GET /status/201 HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\n"
        "Content-Length: 3\r\n\r\nabcGET /status/404 HTTP/1.1\r\nHost: a\r\nConnection: "
        "close\r\n\r\n");
    const auto reply = c.read(5s);
    const auto first = reply.find("HTTP/1.1 201 Created");
    const auto second = reply.find("HTTP/1.1 200 OK");
    const auto third = reply.find("HTTP/1.1 404 Not Found");
    ASSERT_NE(third, std::string::npos) << reply;
    EXPECT_LT(first, second);
    EXPECT_LT(second, third);
    EXPECT_NE(reply.find("\r\n\r\nabc"), std::string::npos);
}

TEST(Server, ExpectContinueIsAnsweredBeforeTheBody) {
    Running r;
    Client c(r.server->port());
    c.send("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    EXPECT_EQ(c.read(5s, "\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
    c.send("body");
    const auto reply = c.read(5s, "body");
    EXPECT_NE(reply.find("HTTP/1.1 200 OK"), std::string::npos);
    EXPECT_TRUE(reply.ends_with("\r\n\r\nbody")) << reply;
}

TEST(Server, AHandlerThatFailsHalfWayGetsA500AndTheConnectionCloses) {
    Running r;
    for (const std::string method : {"GET", "HEAD"}) {
        Client c(r.server->port());
        c.send(fmt::format(
            "{0} /throw HTTP/1.1\r\nHost: a\r\n\r\n{0} / HTTP/1.1\r\nHost: a\r\n\r\n", method));
        const auto reply = c.read(5s);
        EXPECT_TRUE(reply.starts_with("HTTP/1.1 500 Internal Server Error\r\n")) << reply;
        EXPECT_EQ(reply.find("partial"), std::string::npos) << reply;
        EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos) << "served after a failure";
        EXPECT_TRUE(c.closed());
        if (method == "HEAD") {
            EXPECT_TRUE(reply.ends_with("\r\n\r\n")) << reply;
        }
    }
}

TEST(Server, HeadAnswersCarryTheLengthButNoBody) {
    Running r;
    const auto reply =
        exchange(r.server->port(), "HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    EXPECT_NE(reply.find("Content-Length: 6\r\n"), std::string::npos) << reply;
    EXPECT_TRUE(reply.ends_with("\r\n\r\n")) << reply;
}

}  // namespace
}  // namespace brevduva::http
