// Volume through Postfix's smtp-sink (package postfix): many 8 KB messages over a pool of
// pipelining connections, each accepted exactly once. The sink runs as a child on a free
// loopback port and is stopped by its PID.
#include <gtest/gtest.h>

#include <thread>

#include "smtp/smtp_pool.hpp"
#include "smtp/smtp_test_support.hpp"
#include "smtp/smtp_testkit.hpp"

namespace brevduva::smtp {
namespace {

using namespace std::chrono_literals;
using namespace brevduva::smtp::test_support;

constexpr const char* kSmtpSink = "/usr/sbin/smtp-sink";

std::string eight_kilobytes(DeliveryId id) {
    std::string content = simple_content(id);
    content.resize(content.size() - 2);  // reopen the last line
    while (content.size() < 8 * 1024) content += "\r\nLorem ipsum dolor sit amet, consectetur.";
    return content + "\r\n";
}

TEST(TransportWithSmtpSink, DeliversAThousandsMessagesOverFourConnectionsExactlyOnce) {
    if (!std::filesystem::exists(kSmtpSink)) GTEST_SKIP() << "postfix's smtp-sink is not installed";
    const std::uint16_t port = testkit::free_port();
    std::vector<std::string> argv{kSmtpSink};
    if (testkit::running_as_root()) argv.insert(argv.end(), {"-u", "nobody"});
    argv.insert(argv.end(), {"127.0.0.1:" + std::to_string(port), "100"});
    testkit::ChildProcess sink(argv, false);
    ASSERT_TRUE(testkit::wait_until_listening(port, 10s));

    constexpr DeliveryId kCount = 3000;
    CollectingObserver observer;
    {
        SmtpTransport transport({loopback_relay(port, config::TlsMode::none, 4)}, observer);
        for (DeliveryId first = 1; first <= kCount; first += 100) {
            std::vector<OutgoingMessage> batch;
            for (DeliveryId id = first; id < first + 100; ++id) {
                batch.push_back(message(id, eight_kilobytes(id)));
            }
            transport.submit(std::move(batch));
        }
        transport.flush();
    }
    ASSERT_TRUE(observer.exactly_once(kCount));
    std::size_t accepted = 0;
    for (const auto& [id, outcome] : observer.outcomes()) accepted += outcome.accepted() ? 1 : 0;
    EXPECT_EQ(accepted, kCount);
}

}  // namespace
}  // namespace brevduva::smtp
