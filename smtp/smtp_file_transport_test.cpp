#include "smtp/smtp_file_transport.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "smtp/smtp_test_support.hpp"
#include "smtp/smtp_testkit.hpp"

namespace brevduva::smtp {
namespace {

using namespace brevduva::smtp::test_support;
using ::testing::HasSubstr;

TEST(FileTransport, WritesOneEmlFilePerMessageWithTheEnvelopeInFront) {
    testkit::TempFolder dir;
    CollectingObserver observer;
    FileTransport transport(dir.path() / "outbox", observer);
    transport.submit(batch_of(message(7, simple_content(7)), message(8, "bare\nLF\r\n")));
    const Outcome written = observer.outcome(7);
    EXPECT_TRUE(written.accepted()) << written.text;
    EXPECT_TRUE(observer.data_started(7));
    EXPECT_EQ(testkit::read_file(dir.path() / "outbox" / "7.eml"),
              "Return-Path: <bounces+7@bounces.example.se>\r\nDelivered-To: anna@example.se\r\n" +
                  simple_content(7));
    EXPECT_EQ(observer.outcome(8).kind, OutcomeKind::permanent);
    EXPECT_THAT(observer.outcome(8).text, HasSubstr("bare LF"));
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "outbox" / "8.eml"));
    // Nothing half-written is left behind.
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "outbox")) {
        EXPECT_EQ(entry.path().extension(), ".eml");
        ++files;
    }
    EXPECT_EQ(files, 1U);
}

TEST(FileTransport, ReportsAFailedWriteAsTransient) {
    testkit::TempFolder dir;
    CollectingObserver observer;
    FileTransport transport(dir.path(), observer);
    std::filesystem::create_directory(dir.path() / "9.eml");  // a folder where the file should go
    transport.submit(batch_of(message(9, simple_content(9))));
    EXPECT_EQ(observer.outcome(9).kind, OutcomeKind::transient);
    EXPECT_THAT(observer.outcome(9).text, HasSubstr("cannot write"));
}

TEST(FileTransport, IsWhatTheConfigChooses) {
    testkit::TempFolder dir;
    config::Settings settings;
    settings.sending.transport = config::TransportKind::file;
    settings.sending.file_folder = dir.path();
    CollectingObserver observer;
    auto transport = make_transport(settings, observer);
    transport->submit(batch_of(message(1, simple_content(1))));
    transport->flush();
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "1.eml"));
}

}  // namespace
}  // namespace brevduva::smtp
