// A fault-injecting SMTP server for the transport's tests, on 127.0.0.1 at a free port. It plays
// an ordinary ESMTP dialogue (with PIPELINING unless told otherwise) and replies from a FaultPlan,
// so a test changes just the step it is about: 421 at the greeting, 451 to RCPT, 552 after the
// data, a connection dropped in the middle of DATA, a reply slower than the client's timeout,
// garbage where a TLS handshake should be, plaintext injected after the 220 to STARTTLS. It keeps
// what it received so a test can check that nothing was sent that should not have been. Every
// read and wait is bounded; the destructor cuts every connection and joins every thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace brevduva::smtp::testkit {

class PeerStream;

struct FaultPlan {
    std::string greeting = "220 fault.test ESMTP\r\n";
    bool close_after_greeting = false;
    std::chrono::milliseconds greeting_delay{0};
    std::string ehlo =
        "250-fault.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
        "250 SIZE 10485760\r\n";
    std::string starttls = "454 4.7.0 TLS not available\r\n";
    std::string after_starttls;  // sent as the answer to the client's TLS hello, then closed
    std::string mail = "250 2.1.0 Ok\r\n";
    std::string rcpt = "250 2.1.5 Ok\r\n";
    std::string data = "354 End data with <CR><LF>.<CR><LF>\r\n";
    bool drop_in_data = false;  // read the first chunk of content, then close
    std::chrono::milliseconds end_of_data_delay{0};
    std::string end_of_data = "250 2.0.0 Ok: queued\r\n";
    // Replies to the end of data for the first N messages; then end_of_data applies.
    std::vector<std::string> end_of_data_sequence;
};

class FaultServer {
  public:
    explicit FaultServer(FaultPlan plan);
    ~FaultServer();
    FaultServer(const FaultServer&) = delete;
    FaultServer& operator=(const FaultServer&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] int connections() const { return connections_; }
    // Every command line received, in order, over all connections.
    [[nodiscard]] std::vector<std::string> commands() const;
    // The content of every message whose final dot arrived (still dot-stuffed).
    [[nodiscard]] std::vector<std::string> messages() const;

  private:
    void accept_loop();
    void serve(int fd);
    bool handle(PeerStream& peer, const std::string& line, int& state);
    bool receive_data(PeerStream& peer);

    FaultPlan plan_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::vector<int> open_fds_;
    std::vector<std::thread> threads_;
    std::vector<std::string> commands_;
    std::vector<std::string> messages_;
    std::size_t data_count_ = 0;
    std::thread acceptor_;
};

}  // namespace brevduva::smtp::testkit
