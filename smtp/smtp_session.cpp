#include "smtp/smtp_session.hpp"

#include <openssl/crypto.h>

#include <chrono>

#include "config/config_secret.hpp"
#include "smtp/smtp_tls.hpp"
#include "smtp/smtp_wire.hpp"

namespace brevduva::smtp {

namespace {

using std::chrono::milliseconds;

// Overwrites a secret before its memory is given back.
class Wiped {
  public:
    explicit Wiped(std::string& text) : text_(text) {}
    ~Wiped() { OPENSSL_cleanse(text_.data(), text_.size()); }
    Wiped(const Wiped&) = delete;
    Wiped& operator=(const Wiped&) = delete;

  private:
    std::string& text_;
};

}  // namespace

std::optional<Outcome> Session::open() {
    const config::RelaySettings& s = relay_.settings;
    std::optional<Outcome> failure;
    try {
        stage_ = Stage::connect;
        connection_.connect(s.host, s.port, s.connect_timeout);
        if (s.tls == config::TlsMode::implicit) {
            stage_ = Stage::starttls;
            connection_.start_tls(relay_.tls, sni_host(s.host), s.connect_timeout);
        }
        if (!(failure = greet()) && !(failure = hello()) && !(failure = secure())) {
            failure = authenticate();
        }
    } catch (const ConnectionError& e) {
        failure = Outcome::without_reply(e.cause(), stage_, relay_.label + ": " + e.what());
    }
    if (failure) connection_.close();
    return failure;
}

SmtpReply Session::command(std::string_view line) {
    connection_.write(line, timeouts().mail);
    return connection_.read_reply(timeouts().mail);
}

Outcome Session::refused(const SmtpReply& reply) const {
    Outcome outcome = Outcome::from_reply(reply, stage_);
    if (outcome.kind == OutcomeKind::permanent) outcome.kind = OutcomeKind::transient;
    outcome.text = relay_.label + ": " + outcome.text;
    return outcome;
}

Outcome Session::unmet(std::string text) const {
    return Outcome::without_reply(Cause::requirement_unmet, stage_,
                                  relay_.label + ": " + std::move(text));
}

std::optional<Outcome> Session::greet() {
    stage_ = Stage::greeting;
    const SmtpReply greeting = connection_.read_reply(timeouts().greeting);
    if (greeting.code != 220) return refused(greeting);
    return std::nullopt;
}

std::optional<Outcome> Session::hello() {
    stage_ = Stage::ehlo;
    std::string line;
    if (append_ehlo(relay_.ehlo_name, line)) {
        return unmet("the EHLO name '" + relay_.ehlo_name + "' is not a host name");
    }
    const SmtpReply reply = command(line);
    if (!reply.is_positive_completion()) return refused(reply);
    capabilities_ = parse_ehlo(reply);
    return std::nullopt;
}

std::optional<Outcome> Session::secure() {
    const config::RelaySettings& s = relay_.settings;
    if (s.tls != config::TlsMode::starttls || connection_.is_tls()) return std::nullopt;
    stage_ = Stage::starttls;
    if (!capabilities_.starttls) {
        if (s.tls_opportunistic) return std::nullopt;
        return unmet(
            "the relay does not offer STARTTLS, which tls: starttls requires; nothing was sent "
            "(set tls_opportunistic: true only if mail may cross this link in clear)");
    }
    const SmtpReply reply = command(kStartTlsCommand);
    if (reply.code != 220) return refused(reply);
    connection_.start_tls(relay_.tls, sni_host(s.host), s.connect_timeout);
    capabilities_ = ServerCapabilities{};  // what was said in clear may have been forged
    return hello();
}

std::optional<Outcome> Session::authenticate() {
    const config::RelaySettings& s = relay_.settings;
    if (s.auth_user.empty()) return std::nullopt;
    stage_ = Stage::auth;
    if (!connection_.is_tls() && s.tls != config::TlsMode::none) {
        return unmet("will not send the relay password in clear: STARTTLS was not offered");
    }
    const bool plain = capabilities_.supports_auth("PLAIN");
    if (!plain && !capabilities_.supports_auth("LOGIN")) {
        return unmet("the relay offers no AUTH PLAIN or LOGIN, and auth_user is set");
    }
    config::SecretRead secret = config::try_read_secret(s.password);
    if (!secret.value) return unmet("cannot read the relay password: " + secret.error);
    std::string& password = *secret.value;
    const Wiped wipe(password);
    return plain ? auth_plain(password) : auth_login(password);
}

std::optional<Outcome> Session::auth_plain(const std::string& password) {
    std::string line;
    const Wiped wipe(line);
    if (const auto error = append_auth_plain(relay_.settings.auth_user, password, line)) {
        return unmet("the user name or password cannot be sent: " + std::string(to_string(*error)));
    }
    const SmtpReply reply = command(line);
    if (reply.code != 235) return refused(reply);
    return std::nullopt;
}

std::optional<Outcome> Session::auth_login(const std::string& password) {
    SmtpReply reply = command(kAuthLoginCommand);
    for (const std::string* value : {&relay_.settings.auth_user, &password}) {
        if (reply.code != 334) return refused(reply);
        std::string line;
        const Wiped wipe(line);
        if (const auto error = append_auth_login_response(*value, line)) {
            return unmet("the user name or password cannot be sent: " +
                         std::string(to_string(*error)));
        }
        reply = command(line);
    }
    if (reply.code != 235) return refused(reply);
    return std::nullopt;
}

void Session::quit() noexcept {
    if (!connection_.is_open()) return;
    try {
        // Nobody waits on the answer to QUIT, so it gets a short leash.
        const milliseconds patience = std::min(timeouts().mail, milliseconds(2000));
        connection_.write(kQuitCommand, patience);
        (void)connection_.read_reply(patience);
    } catch (const ConnectionError&) {
        // The relay may hang up first; the connection is closed either way.
    }
    connection_.close();
}

}  // namespace brevduva::smtp
