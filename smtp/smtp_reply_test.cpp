#include "smtp/smtp_reply.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace brevduva::smtp {
namespace {

// Everything the parser yields until it needs more bytes.
std::vector<ParsedReply> drain(ReplyParser& parser) {
    std::vector<ParsedReply> out;
    while (auto reply = parser.next()) out.push_back(std::move(*reply));
    return out;
}

std::vector<ParsedReply> parse_whole(std::string_view bytes, ReplyLimits limits = {}) {
    ReplyParser parser(limits);
    parser.feed(bytes);
    return drain(parser);
}

const SmtpReply& reply_at(const std::vector<ParsedReply>& parsed, std::size_t i) {
    return std::get<SmtpReply>(parsed.at(i));
}

const ReplyError& error_at(const std::vector<ParsedReply>& parsed, std::size_t i) {
    return std::get<ReplyError>(parsed.at(i));
}

// A pipelined MAIL/RCPT/RCPT/DATA batch answered in one packet, after a multiline EHLO.
constexpr std::string_view kSession =
    "250-mx.example.net at your service, [192.0.2.7]\r\n"
    "250-SIZE 35882577\r\n"
    "250-8BITMIME\r\n"
    "250-STARTTLS\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-PIPELINING\r\n"
    "250-CHUNKING\r\n"
    "250 SMTPUTF8\r\n"
    "250 2.1.0 OK\r\n"
    "250 2.1.5 OK\r\n"
    "550-5.1.1 The email account that you tried to reach does not exist.\r\n"
    "550 5.1.1 Please check the address.\r\n"
    "354 Go ahead\r\n";

TEST(ReplyParser, ByteByByteGivesTheSameRepliesAsOneChunk) {
    const auto whole = parse_whole(kSession);
    ReplyParser parser;
    std::vector<ParsedReply> pieces;
    for (const char c : kSession) {
        parser.feed(std::string_view(&c, 1));
        for (auto& r : drain(parser)) pieces.push_back(std::move(r));
    }
    ASSERT_EQ(whole.size(), 5u);
    ASSERT_EQ(pieces.size(), whole.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        EXPECT_EQ(reply_at(pieces, i).code, reply_at(whole, i).code);
        EXPECT_EQ(reply_at(pieces, i).text, reply_at(whole, i).text);
        EXPECT_EQ(reply_at(pieces, i).lines, reply_at(whole, i).lines);
        EXPECT_EQ(reply_at(pieces, i).enhanced, reply_at(whole, i).enhanced);
    }
    EXPECT_TRUE(parser.idle());
}

TEST(ReplyParser, PipelinedRepliesInOneChunkComeOutInOrder) {
    const auto parsed = parse_whole(kSession);
    ASSERT_EQ(parsed.size(), 5u);
    EXPECT_EQ(reply_at(parsed, 1).code, 250);
    EXPECT_EQ(reply_at(parsed, 1).enhanced, (EnhancedStatus{2, 1, 0}));
    EXPECT_EQ(reply_at(parsed, 2).enhanced, (EnhancedStatus{2, 1, 5}));
    const SmtpReply& rejected = reply_at(parsed, 3);
    EXPECT_EQ(rejected.code, 550);
    EXPECT_TRUE(rejected.is_permanent());
    EXPECT_EQ(rejected.lines.size(), 2u);
    EXPECT_EQ(rejected.text,
              "5.1.1 The email account that you tried to reach does not exist.\n"
              "5.1.1 Please check the address.");
    EXPECT_EQ(reply_at(parsed, 4).code, 354);
    EXPECT_TRUE(reply_at(parsed, 4).is_positive_intermediate());
}

TEST(ReplyParser, MultilineEhloAdvertisesItsExtensions) {
    const auto parsed = parse_whole(kSession);
    const SmtpReply& ehlo = reply_at(parsed, 0);
    EXPECT_TRUE(ehlo.is_positive_completion());
    EXPECT_EQ(ehlo.lines.size(), 8u);
    EXPECT_FALSE(ehlo.enhanced);
    const ServerCapabilities caps = parse_ehlo(ehlo);
    EXPECT_TRUE(caps.pipelining);
    EXPECT_TRUE(caps.starttls);
    EXPECT_TRUE(caps.eight_bit_mime);
    EXPECT_TRUE(caps.smtputf8);
    EXPECT_TRUE(caps.enhanced_status_codes);
    EXPECT_TRUE(caps.chunking);
    EXPECT_TRUE(caps.size);
    EXPECT_EQ(caps.size_limit, 35882577u);
    EXPECT_TRUE(caps.auth_mechanisms.empty());
}

TEST(ParseEhlo, ReadsAuthMechanismsInBothFormsCaseInsensitively) {
    const auto parsed = parse_whole(
        "250-smtp.example.se\r\n250-auth login Plain XOAUTH2\r\n250-AUTH=LOGIN PLAIN\r\n"
        "250-size\r\n250-X-UNKNOWN-THING 7\r\n250 pipelining\r\n");
    const ServerCapabilities caps = parse_ehlo(reply_at(parsed, 0));
    EXPECT_EQ(caps.auth_mechanisms, (std::vector<std::string>{"LOGIN", "PLAIN", "XOAUTH2"}));
    EXPECT_TRUE(caps.supports_auth("plain"));
    EXPECT_FALSE(caps.supports_auth("CRAM-MD5"));
    EXPECT_TRUE(caps.size);
    EXPECT_FALSE(caps.size_limit);  // SIZE without a number: no fixed maximum
    EXPECT_TRUE(caps.pipelining);
    EXPECT_FALSE(caps.starttls);
}

TEST(ParseEhlo, TheGreetingLineAndANegativeReplyAdvertiseNothing) {
    EXPECT_FALSE(parse_ehlo(reply_at(parse_whole("250 PIPELINING\r\n"), 0)).pipelining);
    const auto refused = parse_whole("554-PIPELINING\r\n554 STARTTLS\r\n");
    EXPECT_FALSE(parse_ehlo(reply_at(refused, 0)).starttls);
}

TEST(ReplyParser, AcceptsABareCodeLoneLfAndACrlfSplitAcrossReads) {
    ReplyParser parser;
    parser.feed("250\r\n221 bye\n354 go\r");
    parser.feed("\n");
    const auto parsed = drain(parser);
    ASSERT_EQ(parsed.size(), 3u);
    EXPECT_EQ(reply_at(parsed, 0).text, "");
    EXPECT_EQ(reply_at(parsed, 1).text, "bye");
    EXPECT_EQ(reply_at(parsed, 2).text, "go");
}

TEST(ReplyParser, ToleratesLinesLongerThanTheRfcLimit) {
    const std::string text(2000, 'x');
    const auto parsed = parse_whole("550 " + text + "\r\n");
    ASSERT_EQ(parsed.size(), 1u);
    EXPECT_EQ(reply_at(parsed, 0).text, text);
}

struct MalformedCase {
    std::string_view bytes;
    ReplyErrorKind kind;
    std::size_t line_number;
};

class MalformedReply : public testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedReply, BecomesAProtocolErrorAfterTheGoodReplies) {
    const MalformedCase& c = GetParam();
    ReplyParser parser;
    parser.feed(std::string("250 ok\r\n") + std::string(c.bytes));
    parser.feed("250 ignored after the error\r\n");
    const auto parsed = drain(parser);
    ASSERT_EQ(parsed.size(), 2u) << c.bytes;
    EXPECT_EQ(reply_at(parsed, 0).code, 250);
    EXPECT_EQ(error_at(parsed, 1).kind, c.kind) << c.bytes;
    EXPECT_EQ(error_at(parsed, 1).line_number, c.line_number) << c.bytes;
    EXPECT_TRUE(parser.failed());
    EXPECT_FALSE(parser.next());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedReply,
    testing::Values(MalformedCase{"2x0 ok\r\n", ReplyErrorKind::bad_code, 2},
                    MalformedCase{"25\r\n", ReplyErrorKind::bad_code, 2},
                    MalformedCase{"\r\n", ReplyErrorKind::bad_code, 2},
                    MalformedCase{"150 not smtp\r\n", ReplyErrorKind::bad_code, 2},
                    MalformedCase{"650 not smtp\r\n", ReplyErrorKind::bad_code, 2},
                    MalformedCase{"250x ok\r\n", ReplyErrorKind::bad_separator, 2},
                    MalformedCase{"250-a\r\n251 b\r\n", ReplyErrorKind::code_changed, 3},
                    MalformedCase{"250-a\r\n550 b\r\n", ReplyErrorKind::code_changed, 3}));

TEST(ReplyParser, BoundsLinesRepliesAndTheQueue) {
    const ReplyLimits small{
        .max_line_octets = 100, .max_reply_octets = 300, .max_queued_replies = 3};
    // A line that never ends is cut off before it can grow without limit.
    ReplyParser endless(small);
    for (int i = 0; i < 10; ++i) endless.feed(std::string(50, 'y'));
    auto parsed = drain(endless);
    ASSERT_EQ(parsed.size(), 1u);
    EXPECT_EQ(error_at(parsed, 0).kind, ReplyErrorKind::line_too_long);
    EXPECT_LE(error_at(parsed, 0).excerpt.size(), 80u);

    parsed = parse_whole("250 " + std::string(200, 'z') + "\r\n", small);
    EXPECT_EQ(error_at(parsed, 0).kind, ReplyErrorKind::line_too_long);

    std::string many_lines;
    for (int i = 0; i < 10; ++i) many_lines += "250-" + std::string(60, 'w') + "\r\n";
    parsed = parse_whole(many_lines + "250 end\r\n", small);
    EXPECT_EQ(error_at(parsed, 0).kind, ReplyErrorKind::reply_too_large);

    parsed = parse_whole("250 a\r\n250 b\r\n250 c\r\n250 d\r\n", small);
    ASSERT_EQ(parsed.size(), 4u);
    EXPECT_EQ(error_at(parsed, 3).kind, ReplyErrorKind::too_many_queued);
}

TEST(ReplyParser, ResetForgetsAnErrorAndBufferedBytes) {
    ReplyParser parser;
    parser.feed("garbage\r\n");
    ASSERT_TRUE(parser.failed());
    parser.reset();
    EXPECT_FALSE(parser.failed());
    EXPECT_TRUE(parser.idle());
    parser.feed("220 fresh\r\n");
    EXPECT_EQ(reply_at(drain(parser), 0).code, 220);
}

TEST(ReplyParser, ShowsBytesPipelinedBehindTheStarttlsGoAhead) {
    ReplyParser parser;
    parser.feed("220 2.0.0 Ready to start TLS\r\n250 injected before the handshake\r\n");
    const auto ready = parser.next();
    ASSERT_TRUE(ready);
    EXPECT_EQ(std::get<SmtpReply>(*ready).code, 220);
    EXPECT_FALSE(parser.idle());  // the client must not act on the 250; it drops the link

    ReplyParser partial;
    partial.feed("220 Ready\r\n25");
    (void)partial.next();
    EXPECT_FALSE(partial.idle());

    ReplyParser clean;
    clean.feed("220 Ready\r\n");
    (void)clean.next();
    EXPECT_TRUE(clean.idle());
}

struct EnhancedCase {
    std::string_view line;
    std::optional<EnhancedStatus> expected;
};

class EnhancedCode : public testing::TestWithParam<EnhancedCase> {};

TEST_P(EnhancedCode, IsReadOnlyWhenWellFormedAndOfTheRepliesClass) {
    const auto parsed = parse_whole(GetParam().line);
    ASSERT_EQ(parsed.size(), 1u);
    EXPECT_EQ(reply_at(parsed, 0).enhanced, GetParam().expected) << GetParam().line;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EnhancedCode,
    testing::Values(EnhancedCase{"550 5.1.1 no such user\r\n", EnhancedStatus{5, 1, 1}},
                    EnhancedCase{"550 5.1.10 null MX\r\n", EnhancedStatus{5, 1, 10}},
                    EnhancedCase{"550 5.7.515 Access denied\r\n", EnhancedStatus{5, 7, 515}},
                    EnhancedCase{"250 2.0.0\r\n", EnhancedStatus{2, 0, 0}},
                    EnhancedCase{"550 4.2.2 class mismatch\r\n", std::nullopt},
                    EnhancedCase{"550 3.1.1 no such class\r\n", std::nullopt},
                    EnhancedCase{"550 5.1.1234 too long\r\n", std::nullopt},
                    EnhancedCase{"550 5.1. truncated\r\n", std::nullopt},
                    EnhancedCase{"550 5.1.1x glued\r\n", std::nullopt},
                    EnhancedCase{"550 mailbox 5.1.1 not at start\r\n", std::nullopt}));

TEST(EnhancedStatus, PrintsAsClassSubjectDetail) {
    EXPECT_EQ(to_string(EnhancedStatus{5, 1, 10}), "5.1.10");
    EXPECT_EQ(parse_enhanced_status("4.7.28"), (EnhancedStatus{4, 7, 28}));
}

TEST(ReplyErrorKind, HasStableNames) {
    EXPECT_EQ(to_string(ReplyErrorKind::code_changed), "code_changed");
    EXPECT_EQ(to_string(ReplyErrorKind::reply_too_large), "reply_too_large");
}

}  // namespace
}  // namespace brevduva::smtp
