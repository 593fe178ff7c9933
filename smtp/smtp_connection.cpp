#include "smtp/smtp_connection.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <sys/socket.h>

#include "smtp/smtp_tls.hpp"

namespace brevduva::smtp {

namespace {

Poco::Timespan span(std::chrono::milliseconds timeout) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) * 1000);
}

std::string short_excerpt(std::string_view text) { return std::string(text.substr(0, 80)); }

}  // namespace

Connection::~Connection() { close(); }

void Connection::fail(Cause cause, const std::string& what) {
    close();
    throw ConnectionError(cause, what);
}

void Connection::connect(const std::string& host, std::uint16_t port,
                         std::chrono::milliseconds timeout) {
    close();
    parser_.reset();
    try {
        Poco::Net::StreamSocket socket;
        socket.connect(Poco::Net::SocketAddress(host, port), span(timeout));
        socket.setNoDelay(true);
        const std::lock_guard lock(cut_mutex_);
        if (cancelled_) {
            socket.close();
            throw ConnectionError(Cause::connection_lost, "the transport is closing");
        }
        socket_ = socket;
        open_ = true;
        tls_ = false;
        receive_timeout_ = send_timeout_ = std::chrono::milliseconds(-1);
    } catch (const Poco::TimeoutException&) {
        fail(Cause::timeout, "no connection within " + std::to_string(timeout.count()) + " ms");
    } catch (const Poco::Exception& e) {
        fail(Cause::connection_lost, e.displayText());
    }
}

void Connection::start_tls(const Poco::Net::Context::Ptr& context, const std::string& sni_host,
                           std::chrono::milliseconds timeout) {
    if (!parser_.idle()) {
        fail(Cause::tls_failure,
             "the relay sent plaintext after its go-ahead for TLS; refused as an injection "
             "attempt (RFC 3207 section 4.2)");
    }
    try {
        set_receive_timeout(timeout);
        set_send_timeout(timeout);
        clear_certificate_error();
        Poco::Net::SecureStreamSocket secure =
            sni_host.empty() ? Poco::Net::SecureStreamSocket::attach(socket_, context)
                             : Poco::Net::SecureStreamSocket::attach(socket_, sni_host, context);
        const std::lock_guard lock(cut_mutex_);
        socket_ = secure;
        tls_ = true;
    } catch (const Poco::TimeoutException&) {
        fail(Cause::timeout, "no TLS handshake within " + std::to_string(timeout.count()) + " ms");
    } catch (const Poco::Exception& e) {
        const std::string certificate = last_certificate_error();
        fail(Cause::tls_failure, certificate.empty()
                                     ? "TLS handshake failed: " + e.displayText()
                                     : "the relay's certificate was refused: " + certificate);
    }
    parser_.reset();
}

void Connection::set_receive_timeout(std::chrono::milliseconds timeout) {
    if (timeout == receive_timeout_) return;
    socket_.setReceiveTimeout(span(timeout));
    receive_timeout_ = timeout;
}

void Connection::set_send_timeout(std::chrono::milliseconds timeout) {
    if (timeout == send_timeout_) return;
    socket_.setSendTimeout(span(timeout));
    send_timeout_ = timeout;
}

void Connection::write(std::string_view bytes, std::chrono::milliseconds timeout) {
    if (!open_) throw ConnectionError(Cause::connection_lost, "the connection is closed");
    try {
        set_send_timeout(timeout);
        // MSG_NOSIGNAL: a peer that has gone must become an error here, not SIGPIPE.
        const int flags = tls_ ? 0 : MSG_NOSIGNAL;
        while (!bytes.empty()) {
            const int sent = socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size()), flags);
            if (sent <= 0) fail(Cause::connection_lost, "the relay stopped reading");
            bytes.remove_prefix(static_cast<std::size_t>(sent));
        }
    } catch (const Poco::TimeoutException&) {
        fail(Cause::timeout,
             "the relay read nothing for " + std::to_string(timeout.count()) + " ms");
    } catch (const Poco::Exception& e) {
        fail(Cause::connection_lost, e.displayText());
    }
}

SmtpReply Connection::read_reply(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (bool first = true;; first = false) {
        if (auto parsed = parser_.next()) {
            if (auto* reply = std::get_if<SmtpReply>(&*parsed)) return std::move(*reply);
            const auto& error = std::get<ReplyError>(*parsed);
            fail(Cause::protocol_error, "malformed reply (" + std::string(to_string(error.kind)) +
                                            "): " + short_excerpt(error.excerpt));
        }
        if (!open_) fail(Cause::connection_lost, "the connection is closed");
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            fail(Cause::timeout, "no reply within " + std::to_string(timeout.count()) + " ms");
        }
        int received = 0;
        try {
            // The first wait of a reply gets the stage's whole timeout, which is mostly the one
            // already armed (no system call); a reply that trickles in gets what is left.
            set_receive_timeout(first ? timeout : left);
            received = socket_.receiveBytes(buffer_.data(), static_cast<int>(buffer_.size()));
        } catch (const Poco::TimeoutException&) {
            fail(Cause::timeout, "no reply within " + std::to_string(timeout.count()) + " ms");
        } catch (const Poco::Exception& e) {
            fail(Cause::connection_lost, e.displayText());
        }
        if (received <= 0) fail(Cause::connection_lost, "the relay closed the connection");
        parser_.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(received)));
    }
}

void Connection::close() noexcept {
    const std::lock_guard lock(cut_mutex_);
    if (!open_) return;
    open_ = false;
    tls_ = false;
    try {
        socket_.close();
    } catch (const Poco::Exception&) {
        // Closing a socket that already failed can only fail again; nothing is left to do.
    }
    socket_ = Poco::Net::StreamSocket();
}

void Connection::interrupt() noexcept {
    const std::lock_guard lock(cut_mutex_);
    cancelled_ = true;
    if (open_) ::shutdown(socket_.impl()->sockfd(), SHUT_RDWR);
}

}  // namespace brevduva::smtp
