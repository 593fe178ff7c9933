#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "log/log_mask.hpp"
#include "log/log_setup.hpp"

namespace brevduva::log {
namespace {

TEST(LogMask, MasksLocalPartKeepsFirstCharacterAndDomain) {
    EXPECT_EQ(mask_addresses("sent to anna.svensson@example.se"), "sent to a…@example.se");
}

TEST(LogMask, MasksEveryAddressAndLeavesTheRest) {
    EXPECT_EQ(mask_addresses("a: <bo+news@firma.se>, c: \"x\" carl_k@mail.example.com."),
              "a: <b…@firma.se>, c: \"x\" c…@mail.example.com.");
}

TEST(LogMask, KeepsWholeFirstUtf8Character) {
    EXPECT_EQ(mask_addresses("Örjan.Ek@företag.se"), "Ö…@företag.se");
}

TEST(LogMask, LeavesTextWithoutAddressesAlone) {
    EXPECT_EQ(mask_addresses("no address @ here, user@localhost, @example.se"),
              "no address @ here, user@localhost, @example.se");
    EXPECT_EQ(mask_addresses(""), "");
}

std::string format_one(config::LogFormat format, TextStyle style, bool mask,
                       spdlog::level::level_enum level, std::string_view text) {
    Formatter formatter(format, style, mask);
    spdlog::details::log_msg msg("brevduva", level, text);
    spdlog::memory_buf_t buf;
    formatter.format(msg, buf);
    return std::string(buf.data(), buf.size());
}

TEST(LogFormatter, JournalLinesCarrySyslogPriority) {
    EXPECT_EQ(format_one(config::LogFormat::text, TextStyle::journal, true, spdlog::level::warn,
                         "bounce from eva@example.se"),
              "<4>bounce from e…@example.se\n");
    EXPECT_EQ(
        format_one(config::LogFormat::text, TextStyle::journal, true, spdlog::level::err, "x"),
        "<3>x\n");
}

TEST(LogFormatter, JsonLinesAreEscapedAndMasked) {
    const auto line = format_one(config::LogFormat::json, TextStyle::plain, true,
                                 spdlog::level::info, "to \"eva@example.se\"\n");
    EXPECT_NE(line.find(R"("level":"info")"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("message":"to \"e…@example.se\"\n"})"), std::string::npos) << line;
    EXPECT_EQ(line.find("eva@"), std::string::npos) << line;
}

TEST(LogFormatter, MaskingCanBeSwitchedOff) {
    EXPECT_EQ(format_one(config::LogFormat::text, TextStyle::journal, false, spdlog::level::info,
                         "eva@example.se"),
              "<6>eva@example.se\n");
}

}  // namespace
}  // namespace brevduva::log
