// One TCP connection to a relay, plain or TLS, on Poco::Net::StreamSocket: bytes out, replies in,
// each wait bounded by a timeout. Nagle is off (setNoDelay), because with delayed ACKs on the
// server every pipelined round trip would otherwise stall for ~40 ms. Failures are thrown as
// ConnectionError carrying the Cause the Outcome will name; Poco's exceptions never escape.
// The STARTTLS upgrade refuses plaintext bytes that arrived after the 220 (RFC 3207 §4.2).
// Used by one thread at a time, except interrupt(), which any thread may call to cut it.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/StreamSocket.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

#include "smtp/smtp_outcome.hpp"
#include "smtp/smtp_reply.hpp"

namespace brevduva::smtp {

class ConnectionError : public std::runtime_error {
  public:
    ConnectionError(Cause cause, const std::string& what)
        : std::runtime_error(what), cause_(cause) {}
    [[nodiscard]] Cause cause() const { return cause_; }

  private:
    Cause cause_;
};

class Connection {
  public:
    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    void connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);
    // Starts TLS on the open connection, checking the certificate as `context` says (the host
    // name is part of the context, see smtp_tls.hpp). `sni_host` is empty for an IP address.
    void start_tls(const Poco::Net::Context::Ptr& context, const std::string& sni_host,
                   std::chrono::milliseconds timeout);
    void write(std::string_view bytes, std::chrono::milliseconds timeout);
    // The next complete reply; throws on timeout, a closed connection or a malformed reply.
    [[nodiscard]] SmtpReply read_reply(std::chrono::milliseconds timeout);

    [[nodiscard]] bool is_open() const { return open_; }
    [[nodiscard]] bool is_tls() const { return tls_; }
    void close() noexcept;
    // From any thread: wakes a blocked read or write, which then fails, and makes every later
    // connect fail too (the owner is shutting down).
    void interrupt() noexcept;

  private:
    void set_receive_timeout(std::chrono::milliseconds timeout);
    void set_send_timeout(std::chrono::milliseconds timeout);
    [[noreturn]] void fail(Cause cause, const std::string& what);

    Poco::Net::StreamSocket socket_;
    ReplyParser parser_;
    std::array<char, 16 * 1024> buffer_{};
    std::chrono::milliseconds receive_timeout_{-1};
    std::chrono::milliseconds send_timeout_{-1};
    bool open_ = false;
    bool tls_ = false;
    std::mutex cut_mutex_;    // guards the socket handle against interrupt() while it changes
    bool cancelled_ = false;  // set by interrupt(), guarded by cut_mutex_; never cleared
};

}  // namespace brevduva::smtp
