// The SMTP transport against a server that misbehaves on purpose (smtp_fault_server.hpp): each
// fault must end in the right Outcome, and nothing is ever reported accepted unless the server
// said 2xx to the final dot.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "smtp/smtp_fault_server.hpp"
#include "smtp/smtp_pool.hpp"
#include "smtp/smtp_test_support.hpp"

namespace brevduva::smtp {
namespace {

using namespace std::chrono_literals;
using namespace brevduva::smtp::test_support;
using config::TlsMode;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using testkit::FaultPlan;
using testkit::FaultServer;

// Sends `count` messages through one connection and returns what became of each.
std::map<DeliveryId, Outcome> send_through(int count, const config::RelaySettings& relay) {
    CollectingObserver observer;
    {
        SmtpTransport transport({relay}, observer);
        std::vector<OutgoingMessage> batch;
        for (DeliveryId id = 1; id <= static_cast<DeliveryId>(count); ++id) {
            batch.push_back(message(id, simple_content(id)));
        }
        transport.submit(std::move(batch));
        transport.flush();
    }
    EXPECT_TRUE(observer.exactly_once(static_cast<std::size_t>(count)));
    return observer.outcomes();
}

std::map<DeliveryId, Outcome> send_through(const FaultServer& server, int count) {
    return send_through(count, loopback_relay(server.port(), TlsMode::none));
}

bool mail_was_sent(const FaultServer& server) {
    for (const auto& command : server.commands()) {
        if (command.starts_with("MAIL")) return true;
    }
    return false;
}

TEST(TransportFaults, APipeliningServerGetsEachVerdictMatchedToItsMessage) {
    FaultPlan plan;
    plan.end_of_data_sequence = {"250 2.0.0 one\r\n", "550 5.1.1 <bo@example.se> unknown\r\n",
                                 "250 2.0.0 three\r\n", "451 4.3.0 try later\r\n"};
    FaultServer server(plan);
    const auto outcomes = send_through(server, 5);
    EXPECT_TRUE(outcomes.at(1).accepted());
    EXPECT_EQ(outcomes.at(2).classification, Classification::recipient_invalid);
    EXPECT_EQ(outcomes.at(2).kind, OutcomeKind::permanent);
    EXPECT_TRUE(outcomes.at(3).accepted());
    EXPECT_EQ(outcomes.at(4).kind, OutcomeKind::transient);
    EXPECT_TRUE(outcomes.at(5).accepted());
    EXPECT_EQ(server.connections(), 1);
    EXPECT_EQ(server.messages().size(), 5U);
}

TEST(TransportFaults, AServerWithoutPipeliningGetsOneCommandAtATime) {
    FaultPlan plan;
    plan.ehlo = "250-fault.test\r\n250 8BITMIME\r\n";
    FaultServer server(plan);
    const auto outcomes = send_through(server, 3);
    for (const auto& [id, o] : outcomes) EXPECT_TRUE(o.accepted()) << o.text;
    EXPECT_EQ(server.messages().size(), 3U);
}

TEST(TransportFaults, A421OnConnectIsTransientAndRateLimited) {
    FaultPlan plan;
    plan.greeting = "421 4.7.0 fault.test Too many connections, slow down\r\n";
    plan.close_after_greeting = true;
    FaultServer server(plan);
    LogCapture log;
    const auto outcomes = send_through(server, 3);
    for (const auto& [id, o] : outcomes) {
        EXPECT_EQ(o.kind, OutcomeKind::transient);
        EXPECT_EQ(o.stage, Stage::greeting);
        EXPECT_EQ(o.code, 421);
        EXPECT_EQ(o.classification, Classification::rate_limited);
    }
    EXPECT_FALSE(mail_was_sent(server));
    EXPECT_EQ(log.lines_with("relay localhost:").size(), 1U) << log.text();
}

TEST(TransportFaults, A451AfterRcptIsTransientAndTheConnectionGoesOnAfterRset) {
    FaultPlan plan;
    plan.rcpt = "451 4.3.0 Temporary lookup failure\r\n";
    FaultServer server(plan);
    const auto outcomes = send_through(server, 3);
    for (const auto& [id, o] : outcomes) {
        EXPECT_EQ(o.kind, OutcomeKind::transient);
        EXPECT_EQ(o.stage, Stage::rcpt_to);
        EXPECT_EQ(o.code, 451);
    }
    EXPECT_EQ(server.connections(), 1);
    EXPECT_THAT(server.commands(), Contains("RSET"));
    EXPECT_TRUE(server.messages().empty());  // no content after a refused recipient
}

TEST(TransportFaults, A552AfterDataIsPermanentAndTooLarge) {
    FaultPlan plan;
    plan.end_of_data = "552 5.3.4 Message size exceeds fixed limit\r\n";
    FaultServer server(plan);
    const Outcome o = send_through(server, 1).at(1);
    EXPECT_EQ(o.kind, OutcomeKind::permanent);
    EXPECT_EQ(o.stage, Stage::end_of_data);
    EXPECT_EQ(o.classification, Classification::message_too_large);
}

TEST(TransportFaults, AConnectionDroppedInTheMiddleOfDataIsAmbiguousNeverAccepted) {
    FaultPlan plan;
    plan.drop_in_data = true;
    FaultServer server(plan);
    const Outcome o = send_through(server, 1).at(1);
    EXPECT_FALSE(o.accepted());
    EXPECT_EQ(o.kind, OutcomeKind::ambiguous);
    EXPECT_EQ(o.stage, Stage::end_of_data);
    EXPECT_EQ(o.cause, Cause::connection_lost);
}

TEST(TransportFaults, AVerdictSlowerThanTheTimeoutIsAmbiguous) {
    FaultPlan plan;
    plan.end_of_data_delay = 1500ms;
    FaultServer server(plan);
    config::RelaySettings relay = loopback_relay(server.port(), TlsMode::none);
    relay.timeouts.data_end = 300ms;
    const Outcome o = send_through(1, relay).at(1);
    EXPECT_EQ(o.kind, OutcomeKind::ambiguous);
    EXPECT_EQ(o.cause, Cause::timeout);
    EXPECT_FALSE(o.accepted());
}

TEST(TransportFaults, AGreetingSlowerThanTheTimeoutIsTransient) {
    FaultPlan plan;
    plan.greeting_delay = 1500ms;
    FaultServer server(plan);
    config::RelaySettings relay = loopback_relay(server.port(), TlsMode::none);
    relay.timeouts.greeting = 300ms;
    const Outcome o = send_through(1, relay).at(1);
    EXPECT_EQ(o.kind, OutcomeKind::transient);
    EXPECT_EQ(o.stage, Stage::greeting);
    EXPECT_EQ(o.cause, Cause::timeout);
}

TEST(TransportFaults, A421InTheMiddleOfASessionReconnectsForTheRest) {
    FaultPlan plan;
    plan.end_of_data_sequence = {"250 2.0.0 one\r\n", "421 4.7.0 closing, slow down\r\n"};
    FaultServer server(plan);
    const auto outcomes = send_through(server, 4);
    EXPECT_TRUE(outcomes.at(1).accepted());
    EXPECT_EQ(outcomes.at(2).classification, Classification::rate_limited);
    EXPECT_EQ(outcomes.at(2).kind, OutcomeKind::transient);
    EXPECT_TRUE(outcomes.at(3).accepted()) << outcomes.at(3).text;
    EXPECT_TRUE(outcomes.at(4).accepted()) << outcomes.at(4).text;
    EXPECT_EQ(server.connections(), 2);
}

TEST(TransportFaults, ATlsHandshakeFailureSendsNothing) {
    FaultPlan plan;
    plan.ehlo = "250-fault.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
    plan.starttls = "220 2.0.0 Ready to start TLS\r\n";
    plan.after_starttls = "this is not a TLS handshake\r\n";
    FaultServer server(plan);
    const Outcome o = send_through(1, loopback_relay(server.port(), TlsMode::starttls)).at(1);
    EXPECT_EQ(o.cause, Cause::tls_failure) << o.text;
    EXPECT_THAT(o.text, HasSubstr("TLS handshake failed"));
    EXPECT_EQ(o.kind, OutcomeKind::transient);
    EXPECT_FALSE(mail_was_sent(server));
}

TEST(TransportFaults, PlaintextInjectedAfterTheStartTlsGoAheadIsRefused) {
    FaultPlan plan;
    plan.ehlo = "250-fault.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
    plan.starttls = "220 2.0.0 Ready to start TLS\r\n250-fault.test\r\n250 AUTH PLAIN\r\n";
    FaultServer server(plan);
    const Outcome o = send_through(1, loopback_relay(server.port(), TlsMode::starttls)).at(1);
    EXPECT_EQ(o.cause, Cause::tls_failure) << o.text;
    EXPECT_THAT(o.text, HasSubstr("plaintext"));
    EXPECT_FALSE(mail_was_sent(server));
}

TEST(TransportFaults, AServerWithoutStartTlsWhenItIsRequiredGetsNoMail) {
    FaultServer server(FaultPlan{});
    const Outcome o = send_through(2, loopback_relay(server.port(), TlsMode::starttls)).at(1);
    EXPECT_EQ(o.cause, Cause::requirement_unmet);
    EXPECT_EQ(o.kind, OutcomeKind::transient);
    EXPECT_FALSE(mail_was_sent(server));
    EXPECT_THAT(server.commands(), Not(Contains("STARTTLS")));
}

TEST(TransportFaults, AMessageOverTheAdvertisedSizeIsNotSent) {
    FaultPlan plan;
    plan.ehlo = "250-fault.test\r\n250-PIPELINING\r\n250 SIZE 50\r\n";
    FaultServer server(plan);
    const Outcome o = send_through(server, 1).at(1);
    EXPECT_EQ(o.kind, OutcomeKind::permanent);
    EXPECT_EQ(o.classification, Classification::message_too_large);
    EXPECT_FALSE(mail_was_sent(server));
}

}  // namespace
}  // namespace brevduva::smtp
