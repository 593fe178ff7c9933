#include "smtp/smtp_fault_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace brevduva::smtp::testkit {

namespace {

using std::chrono::milliseconds;
constexpr milliseconds kPatience{10000};  // no test waits longer for a client's next line

}  // namespace

// One connection's bytes, read with poll so no wait is unbounded.
class PeerStream {
  public:
    explicit PeerStream(int fd) : fd_(fd) {}

    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // The next line without its CRLF; nullopt on EOF or after kPatience.
    std::optional<std::string> line() {
        while (true) {
            if (const auto end = buffer_.find("\r\n"); end != std::string::npos) {
                std::string text = buffer_.substr(0, end);
                buffer_.erase(0, end + 2);
                return text;
            }
            if (!fill()) return std::nullopt;
        }
    }

    // Content up to and including the final CRLF.CRLF, as received (still dot-stuffed).
    std::optional<std::string> data() {
        while (true) {
            if (buffer_.starts_with(".\r\n")) {
                buffer_.erase(0, 3);
                return std::string();
            }
            if (const auto end = buffer_.find("\r\n.\r\n"); end != std::string::npos) {
                std::string content = buffer_.substr(0, end + 2);
                buffer_.erase(0, end + 5);
                return content;
            }
            if (!fill()) return std::nullopt;
        }
    }

    bool fill() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(kPatience.count())) <= 0) return false;
        char chunk[8192];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

  private:
    int fd_;
    std::string buffer_;
};

namespace {

std::string verb_of(const std::string& line) {
    std::string verb = line.substr(0, line.find_first_of(" :"));
    std::transform(verb.begin(), verb.end(), verb.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return verb;
}

bool positive(const std::string& reply) { return !reply.empty() && reply[0] == '2'; }

}  // namespace

FaultServer::FaultServer(FaultPlan plan) : plan_(std::move(plan)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error(std::string("fault server: ") +
                                 std::generic_category().message(errno));
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

FaultServer::~FaultServer() {
    stopping_ = true;
    acceptor_.join();
    {
        const std::lock_guard lock(mutex_);
        for (const int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& thread : threads_) thread.join();
    ::close(listen_fd_);
}

std::vector<std::string> FaultServer::commands() const {
    const std::lock_guard lock(mutex_);
    return commands_;
}

std::vector<std::string> FaultServer::messages() const {
    const std::lock_guard lock(mutex_);
    return messages_;
}

void FaultServer::accept_loop() {
    while (!stopping_) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        ++connections_;
        const std::lock_guard lock(mutex_);
        open_fds_.push_back(fd);
        threads_.emplace_back([this, fd] { serve(fd); });
    }
}

void FaultServer::serve(int fd) {
    PeerStream peer(fd);
    std::this_thread::sleep_for(plan_.greeting_delay);
    if (peer.send(plan_.greeting) && !plan_.close_after_greeting) {
        int state = 0;  // 0: no transaction, 1: MAIL accepted, 2: a RCPT accepted
        while (const auto line = peer.line()) {
            {
                const std::lock_guard lock(mutex_);
                commands_.push_back(*line);
            }
            if (!handle(peer, *line, state)) break;
        }
    }
    ::shutdown(fd, SHUT_RDWR);
}

bool FaultServer::handle(PeerStream& out, const std::string& line, int& state) {
    const std::string verb = verb_of(line);
    if (verb == "EHLO") return out.send(plan_.ehlo);
    if (verb == "STARTTLS") {
        out.send(plan_.starttls);
        if (plan_.after_starttls.empty()) return plan_.starttls[0] != '2';
        out.fill();  // the client's hello, answered with what is no TLS at all
        out.send(plan_.after_starttls);
        return false;
    }
    if (verb == "MAIL") {
        state = positive(plan_.mail) ? 1 : 0;
        return out.send(plan_.mail);
    }
    if (verb == "RCPT") {
        if (state == 0) return out.send("503 5.5.1 Error: need MAIL command\r\n");
        if (positive(plan_.rcpt)) state = 2;
        return out.send(plan_.rcpt);
    }
    if (verb == "DATA") {
        if (state != 2) return out.send("554 5.5.1 Error: no valid recipients\r\n");
        state = 0;
        if (!out.send(plan_.data)) return false;
        return plan_.data[0] != '3' || receive_data(out);
    }
    if (verb == "RSET" || verb == "NOOP") {
        state = 0;
        return out.send("250 2.0.0 Ok\r\n");
    }
    if (verb == "QUIT") {
        out.send("221 2.0.0 Bye\r\n");
        return false;
    }
    return out.send("502 5.5.2 Error: command not recognized\r\n");
}

// Reads one message's content and answers the final dot as planned.
bool FaultServer::receive_data(PeerStream& peer) {
    if (plan_.drop_in_data) {
        peer.fill();
        return false;
    }
    const auto content = peer.data();
    if (!content) return false;
    std::string reply;
    {
        const std::lock_guard lock(mutex_);
        messages_.push_back(*content);
        const std::size_t index = data_count_++;
        reply = index < plan_.end_of_data_sequence.size() ? plan_.end_of_data_sequence[index]
                                                          : plan_.end_of_data;
    }
    std::this_thread::sleep_for(plan_.end_of_data_delay);
    return peer.send(reply) && reply.rfind("421", 0) != 0;
}

}  // namespace brevduva::smtp::testkit
