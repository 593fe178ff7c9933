// Opening one connection to a relay up to the point where transactions can start: connect,
// (implicit TLS), greeting, EHLO, STARTTLS with a fresh EHLO, AUTH. What the config requires is
// enforced here and never downgraded: tls: starttls without STARTTLS on offer fails unless
// tls_opportunistic is set, a password is never sent over a connection that was meant to be
// encrypted and is not, and AUTH without PLAIN or LOGIN on offer fails. The capabilities seen
// before STARTTLS are forgotten (RFC 3207 §4.2). A failure is an Outcome for the messages that
// were waiting, always transient: none of them was offered, so a 5xx here (a wrong password, a
// refusing greeting) is the operator's problem to fix, not a reason to give the message up.
#pragma once

#include <Poco/Net/Context.h>

#include <optional>
#include <string>

#include "config/config_settings.hpp"
#include "smtp/smtp_connection.hpp"
#include "smtp/smtp_outcome.hpp"
#include "smtp/smtp_reply.hpp"

namespace brevduva::smtp {

// Everything a connection needs to know about its relay, fixed when the transport starts.
struct RelayEndpoint {
    config::RelaySettings settings;
    Poco::Net::Context::Ptr tls;  // nullptr for tls: none
    std::string ehlo_name;
    std::string label;  // host:port, for logs and outcome texts
};

class Session {
  public:
    explicit Session(const RelayEndpoint& relay) : relay_(relay) {}

    // nullopt when transactions can start; otherwise why not, with the connection closed.
    [[nodiscard]] std::optional<Outcome> open();
    // QUIT, a short wait for its reply, close. Best effort: never throws.
    void quit() noexcept;
    void drop() noexcept { connection_.close(); }

    [[nodiscard]] Connection& connection() { return connection_; }
    [[nodiscard]] const ServerCapabilities& capabilities() const { return capabilities_; }
    [[nodiscard]] const config::SmtpTimeouts& timeouts() const { return relay_.settings.timeouts; }
    [[nodiscard]] const RelayEndpoint& relay() const { return relay_; }

  private:
    [[nodiscard]] std::optional<Outcome> greet();
    [[nodiscard]] std::optional<Outcome> hello();
    [[nodiscard]] std::optional<Outcome> secure();
    [[nodiscard]] std::optional<Outcome> authenticate();
    [[nodiscard]] std::optional<Outcome> auth_plain(const std::string& password);
    [[nodiscard]] std::optional<Outcome> auth_login(const std::string& password);
    [[nodiscard]] SmtpReply command(std::string_view line);
    [[nodiscard]] Outcome refused(const SmtpReply& reply) const;
    [[nodiscard]] Outcome unmet(std::string text) const;

    const RelayEndpoint& relay_;
    Connection connection_;
    ServerCapabilities capabilities_;
    Stage stage_ = Stage::connect;
};

}  // namespace brevduva::smtp
