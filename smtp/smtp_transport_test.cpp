// The SMTP transport against a real server: Debian's aiosmtpd (tests/tools/smtp_server.py) with
// STARTTLS or implicit TLS on a certificate made here by openssl, and AUTH. Each test starts its
// own server on a free loopback port and stops it at the end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "smtp/smtp_pool.hpp"
#include "smtp/smtp_test_support.hpp"
#include "smtp/smtp_testkit.hpp"

namespace brevduva::smtp {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using namespace brevduva::smtp::test_support;
using config::TlsMode;

class Aiosmtpd {
  public:
    explicit Aiosmtpd(std::vector<std::string> options) {
        std::filesystem::create_directories(folder());
        std::vector<std::string> argv{
            "/usr/bin/python3", std::string(BREVDUVA_SOURCE_DIR) + "/tests/tools/smtp_server.py",
            "--folder", folder().string()};
        argv.insert(argv.end(), options.begin(), options.end());
        process_ = std::make_unique<testkit::ChildProcess>(argv, true, dir_.path() / "server.log");
        const auto line = process_->read_line(20s);
        if (!line) throw std::runtime_error("aiosmtpd did not start: " + log());
        port_ = static_cast<std::uint16_t>(std::stoi(*line));
    }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::filesystem::path folder() const { return dir_.path() / "received"; }
    [[nodiscard]] std::string log() const { return testkit::read_file(dir_.path() / "server.log"); }
    // The stored messages, waiting (bounded) until `expected` have arrived.
    [[nodiscard]] std::vector<std::string> received(std::size_t expected) const {
        for (int i = 0; i < 200 && count() < expected; ++i) std::this_thread::sleep_for(20ms);
        std::vector<std::string> messages;
        for (std::size_t n = 1; n <= count(); ++n) {
            messages.push_back(testkit::read_file(folder() / (std::to_string(n) + ".eml")));
        }
        return messages;
    }
    [[nodiscard]] std::size_t count() const {
        std::size_t n = 0;
        for (const auto& entry : std::filesystem::directory_iterator(folder())) {
            if (entry.path().extension() == ".eml") ++n;
        }
        return n;
    }

  private:
    testkit::TempFolder dir_;
    std::unique_ptr<testkit::ChildProcess> process_;
    std::uint16_t port_ = 0;
};

class TransportWithAiosmtpd : public ::testing::Test {
  protected:
    testkit::TempFolder dir_;
    testkit::Certificate localhost_ =
        testkit::make_certificate(dir_.path(), "localhost", "localhost");
    std::filesystem::path password_file_ = dir_.path() / "relay-password";

    TransportWithAiosmtpd() { std::ofstream(password_file_) << "s3cret pass\n"; }

    std::vector<std::string> tls_options(const testkit::Certificate& cert) const {
        return {"--cert", cert.cert.string(), "--key", cert.key.string()};
    }
    std::vector<std::string> auth_options() const {
        return {"--auth-user", "brevduva", "--auth-password", "s3cret pass"};
    }
    config::RelaySettings relay(std::uint16_t port, TlsMode tls, int connections = 1) const {
        config::RelaySettings r = loopback_relay(port, tls, connections);
        r.ca_file = localhost_.cert;
        return r;
    }
    void with_auth(config::RelaySettings& r) const {
        r.auth_user = "brevduva";
        r.password.file = password_file_;
    }
};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Lines that dot-stuffing must protect, a line of exactly 998 octets, 8-bit UTF-8 in the body,
// and no CRLF at the very end.
std::string tricky_content() {
    return "From: news@example.se\r\nTo: anna@example.se\r\nSubject: test\r\n"
           "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           ".\r\n..\r\n.hidden\r\n" +
           std::string(998, 'x') + "\r\n." + std::string(997, 'y') +
           "\r\nRäksmörgås åt Örjan.\r\n\r\n\r\nslut";
}

TEST_F(TransportWithAiosmtpd, StartTlsAuthAndPipeliningDeliverEveryByteIntact) {
    Aiosmtpd server(concat(concat(tls_options(localhost_), auth_options()), {"--pipelining"}));
    config::RelaySettings r = relay(server.port(), TlsMode::starttls, 2);
    with_auth(r);
    CollectingObserver observer;
    {
        SmtpTransport transport({r}, observer);
        std::vector<OutgoingMessage> batch;
        batch.push_back(message(1, tricky_content()));
        for (DeliveryId id = 2; id <= 6; ++id) batch.push_back(message(id, simple_content(id)));
        transport.submit(std::move(batch));
        transport.flush();
    }
    ASSERT_TRUE(observer.exactly_once(6));
    for (const auto& [id, outcome] : observer.outcomes()) {
        EXPECT_TRUE(outcome.accepted()) << id << ": " << outcome.text;
        EXPECT_TRUE(observer.data_started(id));
    }
    const auto received = server.received(6);
    ASSERT_EQ(received.size(), 6U) << server.log();
    EXPECT_THAT(received, ::testing::Contains(tricky_content() + "\r\n"));
}

TEST_F(TransportWithAiosmtpd, AuthLoginWithoutPipeliningWorks) {
    Aiosmtpd server(
        concat(concat(tls_options(localhost_), auth_options()), {"--auth-exclude", "PLAIN"}));
    config::RelaySettings r = relay(server.port(), TlsMode::starttls);
    with_auth(r);
    CollectingObserver observer;
    SmtpTransport transport({r}, observer);
    transport.submit(batch_of(message(1, tricky_content()), message(2, simple_content(2))));
    transport.flush();
    EXPECT_TRUE(observer.outcome(1).accepted()) << observer.outcome(1).text;
    EXPECT_TRUE(observer.outcome(2).accepted()) << observer.outcome(2).text;
    EXPECT_THAT(server.received(2), ::testing::Contains(tricky_content() + "\r\n"));
}

TEST_F(TransportWithAiosmtpd, ImplicitTlsWorks) {
    Aiosmtpd server(concat(tls_options(localhost_), {"--implicit-tls"}));
    CollectingObserver observer;
    SmtpTransport transport({relay(server.port(), TlsMode::implicit)}, observer);
    transport.submit(batch_of(message(1, simple_content(1))));
    transport.flush();
    EXPECT_TRUE(observer.outcome(1).accepted()) << observer.outcome(1).text;
    EXPECT_EQ(server.received(1).size(), 1U);
}

TEST_F(TransportWithAiosmtpd, ACertificateForAnotherHostIsRefusedAndNothingIsSent) {
    const auto other = testkit::make_certificate(dir_.path(), "other", "other.example");
    Aiosmtpd server(tls_options(other));
    config::RelaySettings r = relay(server.port(), TlsMode::starttls);
    r.ca_file = other.cert;  // trusted, but for another name
    LogCapture log;
    CollectingObserver observer;
    SmtpTransport transport({r}, observer);
    transport.submit(batch_of(message(1, simple_content(1)), message(2, simple_content(2))));
    transport.flush();
    for (DeliveryId id : {1, 2}) {
        const Outcome o = observer.outcome(id);
        EXPECT_EQ(o.cause, Cause::tls_failure) << o.text;
        EXPECT_EQ(o.kind, OutcomeKind::transient);
        EXPECT_EQ(o.classification, Classification::policy);
        EXPECT_THAT(o.text, HasSubstr("certificate was refused: hostname mismatch"));
    }
    EXPECT_EQ(server.count(), 0U);
    EXPECT_EQ(log.lines_with("relay localhost:").size(), 1U) << log.text();
}

TEST_F(TransportWithAiosmtpd, AnUntrustedCertificateIsRefused) {
    Aiosmtpd server(tls_options(localhost_));
    config::RelaySettings r = relay(server.port(), TlsMode::starttls);
    r.ca_file.clear();  // the system store does not know our self-signed certificate
    CollectingObserver observer;
    SmtpTransport transport({r}, observer);
    transport.submit(batch_of(message(1, simple_content(1))));
    transport.flush();
    EXPECT_EQ(observer.outcome(1).cause, Cause::tls_failure) << observer.outcome(1).text;
    EXPECT_EQ(server.count(), 0U);
}

TEST_F(TransportWithAiosmtpd, RequiredStartTlsThatIsNotOfferedDefersTheMessage) {
    Aiosmtpd server({});
    CollectingObserver observer;
    SmtpTransport transport({relay(server.port(), TlsMode::starttls)}, observer);
    transport.submit(batch_of(message(1, simple_content(1))));
    transport.flush();
    const Outcome o = observer.outcome(1);
    EXPECT_EQ(o.cause, Cause::requirement_unmet) << o.text;
    EXPECT_EQ(o.kind, OutcomeKind::transient);
    EXPECT_THAT(o.text, HasSubstr("STARTTLS"));
    EXPECT_EQ(server.count(), 0U);
}

TEST_F(TransportWithAiosmtpd, OpportunisticStartTlsSendsInClearWhenNotOffered) {
    Aiosmtpd server({});
    config::RelaySettings r = relay(server.port(), TlsMode::starttls);
    r.tls_opportunistic = true;
    CollectingObserver observer;
    SmtpTransport transport({r}, observer);
    transport.submit(batch_of(message(1, simple_content(1))));
    transport.flush();
    EXPECT_TRUE(observer.outcome(1).accepted()) << observer.outcome(1).text;
}

TEST_F(TransportWithAiosmtpd, AWrongPasswordGivesOneLogLineForTheRelayNotOnePerMessage) {
    Aiosmtpd server(concat(tls_options(localhost_), auth_options()));
    config::RelaySettings r = relay(server.port(), TlsMode::starttls, 3);
    with_auth(r);
    std::ofstream(password_file_) << "wrong\n";
    LogCapture log;
    CollectingObserver observer;
    {
        SmtpTransport transport({r}, observer);
        std::vector<OutgoingMessage> batch;
        for (DeliveryId id = 1; id <= 20; ++id) batch.push_back(message(id, simple_content(id)));
        transport.submit(std::move(batch));
        transport.flush();
    }
    ASSERT_TRUE(observer.exactly_once(20));
    for (const auto& [id, o] : observer.outcomes()) {
        EXPECT_EQ(o.stage, Stage::auth) << id;
        EXPECT_EQ(o.kind, OutcomeKind::transient) << o.text;
        EXPECT_EQ(o.code, 535);
    }
    const auto lines = log.lines_with("relay localhost:");
    ASSERT_EQ(lines.size(), 1U) << log.text();
    EXPECT_THAT(lines[0], HasSubstr("refused our login"));
    EXPECT_THAT(log.text(), ::testing::Not(HasSubstr("wrong")));
    EXPECT_EQ(server.count(), 0U);
}

TEST_F(TransportWithAiosmtpd, AnUnreachableRelayGivesOneLogLineAndFailsOverToTheNext) {
    Aiosmtpd server({});
    const std::uint16_t dead_port = testkit::free_port();
    config::RelaySettings dead = loopback_relay(dead_port, TlsMode::none, 3);
    LogCapture log;
    CollectingObserver observer;
    {
        SmtpTransport transport({dead, loopback_relay(server.port(), TlsMode::none)}, observer);
        std::vector<OutgoingMessage> batch;
        for (DeliveryId id = 1; id <= 10; ++id) batch.push_back(message(id, simple_content(id)));
        transport.submit(std::move(batch));
        transport.flush();
    }
    ASSERT_TRUE(observer.exactly_once(10));
    for (const auto& [id, o] : observer.outcomes()) EXPECT_TRUE(o.accepted()) << o.text;
    const auto lines = log.lines_with("relay localhost:" + std::to_string(dead_port));
    ASSERT_EQ(lines.size(), 1U) << log.text();
    EXPECT_THAT(lines[0], HasSubstr("unreachable"));
}

TEST_F(TransportWithAiosmtpd, WithEveryRelayUnreachableMessagesComeBackTransientAtOnce) {
    const std::uint16_t dead_port = testkit::free_port();
    LogCapture log;
    CollectingObserver observer;
    {
        SmtpTransport transport({loopback_relay(dead_port, TlsMode::none, 4)}, observer);
        std::vector<OutgoingMessage> batch;
        for (DeliveryId id = 1; id <= 50; ++id) batch.push_back(message(id, simple_content(id)));
        transport.submit(std::move(batch));
        transport.flush();
    }
    ASSERT_TRUE(observer.exactly_once(50));
    for (const auto& [id, o] : observer.outcomes()) {
        EXPECT_EQ(o.kind, OutcomeKind::transient) << o.text;
        EXPECT_EQ(o.stage, Stage::connect);
    }
    EXPECT_EQ(log.lines_with("relay localhost:").size(), 1U) << log.text();
}

TEST_F(TransportWithAiosmtpd, BadInputIsRefusedBeforeSendingWithAClearReason) {
    Aiosmtpd server({});
    CollectingObserver observer;
    SmtpTransport transport({loopback_relay(server.port(), TlsMode::none)}, observer);
    transport.submit(
        batch_of(message(1, "Subject: x\r\n\r\nbare\nfeed\r\n"),
                 message(2, "Subject: x\r\n\r\n" + std::string(999, 'z') + "\r\n"),
                 message(3, simple_content(3), "anna@example.se>\r\nRCPT TO:<eve@evil"),
                 message(4, simple_content(4))));
    transport.flush();
    for (DeliveryId id : {1, 2, 3}) {
        const Outcome o = observer.outcome(id);
        EXPECT_EQ(o.kind, OutcomeKind::permanent) << id;
        EXPECT_EQ(o.cause, Cause::invalid_message) << id;
        EXPECT_EQ(o.stage, Stage::prepare) << id;
        EXPECT_FALSE(observer.data_started(id));
    }
    EXPECT_THAT(observer.outcome(1).text, HasSubstr("bare LF"));
    EXPECT_THAT(observer.outcome(1).text, HasSubstr("line 3"));
    EXPECT_THAT(observer.outcome(2).text, HasSubstr("longer than 998 octets"));
    EXPECT_THAT(observer.outcome(3).text, HasSubstr("recipient"));
    EXPECT_TRUE(observer.outcome(4).accepted());
    EXPECT_EQ(server.received(1).size(), 1U);
}

}  // namespace
}  // namespace brevduva::smtp
