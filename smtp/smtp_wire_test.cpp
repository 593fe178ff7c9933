#include "smtp/smtp_wire.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace brevduva::smtp {
namespace {

// What a receiving server does (RFC 5321 §4.5.2): strip the terminator, then one leading dot
// from every line that has one.
std::string undo_dot_stuffing(std::string_view wire) {
    EXPECT_TRUE(wire.ends_with("\r\n.\r\n") || wire == ".\r\n") << wire;
    wire.remove_suffix(3);  // ".\r\n"; the CRLF before it belongs to the message
    std::string message;
    bool line_start = true;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        if (line_start && wire[i] == '.') {
            line_start = false;
            continue;
        }
        line_start = wire[i] == '\n';
        message.push_back(wire[i]);
    }
    return message;
}

// Spelled out in full: GCC 12 warns when a designated initializer skips leading members.
const MailFromOptions kUtf8Mail{.size = std::nullopt, .body_8bitmime = false, .smtputf8 = true};

std::string stuffed(std::string_view message) {
    std::string out;
    const auto error = append_dot_stuffed(message, out);
    EXPECT_FALSE(error) << to_string(error->kind) << " at line " << error->line_number;
    return out;
}

TEST(DotStuffing, DoublesLeadingDotsAndRoundTrips) {
    const std::string message =
        ".starts with a dot\r\nSubject: x\r\n\r\n.\r\n..\r\n.hidden\r\nnot.a.dot\r\n"
        "\r\n.\r\nlast line\r\n";
    const std::string wire = stuffed(message);
    EXPECT_EQ(wire,
              "..starts with a dot\r\nSubject: x\r\n\r\n..\r\n...\r\n..hidden\r\nnot.a.dot\r\n"
              "\r\n..\r\nlast line\r\n.\r\n");
    EXPECT_EQ(undo_dot_stuffing(wire), message);
}

TEST(DotStuffing, AddsTheMissingFinalCrlf) {
    EXPECT_EQ(stuffed("Subject: x\r\n\r\nno newline at the end"),
              "Subject: x\r\n\r\nno newline at the end\r\n.\r\n");
    EXPECT_EQ(stuffed("body\r\n.ends with a dot line"), "body\r\n..ends with a dot line\r\n.\r\n");
    EXPECT_EQ(stuffed("."), "..\r\n.\r\n");
}

TEST(DotStuffing, AnEmptyMessageIsJustTheTerminator) { EXPECT_EQ(stuffed(""), ".\r\n"); }

TEST(DotStuffing, AppendsToWhatIsAlreadyBufferedAndLeavesItAloneOnError) {
    std::string out = "DATA\r\n";
    ASSERT_FALSE(append_dot_stuffed("a\r\n", out));
    EXPECT_EQ(out, "DATA\r\na\r\n.\r\n");
    const auto error = append_dot_stuffed("fine\r\n.then\nbare", out);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind, MessageErrorKind::bare_lf);
    EXPECT_EQ(out, "DATA\r\na\r\n.\r\n");
}

TEST(ValidateMessage, Accepts998OctetsAndRefuses999WithTheLineNumber) {
    const std::string ok = "To: a@example.se\r\n\r\n" + std::string(998, 'a') + "\r\n";
    EXPECT_FALSE(validate_message(ok));
    const std::string too_long = "To: a@example.se\r\n\r\n" + std::string(999, 'a') + "\r\n";
    const auto error = validate_message(too_long);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind, MessageErrorKind::line_too_long);
    EXPECT_EQ(error->line_number, 3u);
    EXPECT_EQ(error->offset, 20u + 998u);
    // The last line counts even without its CRLF.
    EXPECT_EQ(validate_message("x\r\n" + std::string(999, 'b'))->line_number, 2u);
    EXPECT_FALSE(validate_message("x\r\n" + std::string(998, 'b')));
}

struct BadMessage {
    std::string_view message;
    MessageError expected;
};

void PrintTo(const BadMessage& c, std::ostream* os) { *os << testing::PrintToString(c.message); }

class RefusedMessage : public testing::TestWithParam<BadMessage> {};

TEST_P(RefusedMessage, IsReportedAtItsFirstProblem) {
    EXPECT_EQ(validate_message(GetParam().message), GetParam().expected);
    std::string out;
    EXPECT_EQ(append_dot_stuffed(GetParam().message, out), GetParam().expected);
    EXPECT_TRUE(out.empty());
}

using std::string_view_literals::operator""sv;

INSTANTIATE_TEST_SUITE_P(
    Cases, RefusedMessage,
    testing::Values(
        BadMessage{"a\r\nb\nc\r\n", {MessageErrorKind::bare_lf, 2, 4}},
        BadMessage{"\n", {MessageErrorKind::bare_lf, 1, 0}},
        // SMTP smuggling: a server that also ends lines at a bare LF would see the data end.
        BadMessage{"a\r\n\n.\r\nMAIL FROM:<x@evil>\r\n", {MessageErrorKind::bare_lf, 2, 3}},
        BadMessage{"a\rb\r\n", {MessageErrorKind::bare_cr, 1, 1}},
        BadMessage{"a\r\nend\r", {MessageErrorKind::bare_cr, 2, 6}},
        BadMessage{"a\r\r\n", {MessageErrorKind::bare_cr, 1, 1}},
        BadMessage{"ab\0c\r\n"sv, {MessageErrorKind::nul_byte, 1, 2}},
        BadMessage{"a\0b\rc\r\n"sv, {MessageErrorKind::nul_byte, 1, 1}}));

TEST(Commands, BuildTheEnvelope) {
    std::string out;
    ASSERT_FALSE(append_ehlo("mta1.example.se", out));
    ASSERT_FALSE(append_mail_from("bounces+a1b2@bounces.example.se",
                                  {.size = 12345, .body_8bitmime = true}, out));
    ASSERT_FALSE(append_rcpt_to("anna@example.com", {}, out));
    out.append(kDataCommand);
    EXPECT_EQ(out,
              "EHLO mta1.example.se\r\n"
              "MAIL FROM:<bounces+a1b2@bounces.example.se> SIZE=12345 BODY=8BITMIME\r\n"
              "RCPT TO:<anna@example.com>\r\n"
              "DATA\r\n");
}

TEST(Commands, AllowANullSenderButNotAnEmptyRecipient) {
    std::string out;
    ASSERT_FALSE(append_mail_from("", {}, out));
    EXPECT_EQ(out, "MAIL FROM:<>\r\n");
    EXPECT_EQ(append_rcpt_to("", {}, out), CommandError::empty_address);
}

TEST(Commands, AllowUtf8AddressesOnlyWithSmtputf8) {
    std::string out;
    EXPECT_EQ(append_rcpt_to("bj\xC3\xB6rn@exempel.se", {}, out), CommandError::non_ascii_address);
    EXPECT_EQ(append_mail_from("n\xC3\xA4s@exempel.se", {}, out), CommandError::non_ascii_address);
    EXPECT_TRUE(out.empty());
    ASSERT_FALSE(append_mail_from("n\xC3\xA4s@exempel.se", kUtf8Mail, out));
    ASSERT_FALSE(append_rcpt_to("bj\xC3\xB6rn@exempel.se", {.smtputf8 = true}, out));
    EXPECT_EQ(out,
              "MAIL FROM:<n\xC3\xA4s@exempel.se> SMTPUTF8\r\n"
              "RCPT TO:<bj\xC3\xB6rn@exempel.se>\r\n");
}

struct Injection {
    std::string_view address;
    CommandError expected;
};

class InjectedAddress : public testing::TestWithParam<Injection> {};

TEST_P(InjectedAddress, IsRefusedAndNothingIsAppended) {
    std::string out = "kept";
    EXPECT_EQ(append_rcpt_to(GetParam().address, {.smtputf8 = true}, out), GetParam().expected);
    EXPECT_EQ(append_mail_from(GetParam().address, kUtf8Mail, out), GetParam().expected);
    EXPECT_EQ(out, "kept");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, InjectedAddress,
    testing::Values(Injection{"a@example.se>\r\nRCPT TO:<victim@example.com",
                              CommandError::forbidden_character},
                    Injection{"a@example.se\r\nRSET", CommandError::control_character},
                    Injection{"a@example.se\nDATA", CommandError::control_character},
                    Injection{"a@example.se\rDATA", CommandError::control_character},
                    Injection{"a@exa\0mple.se"sv, CommandError::control_character},
                    Injection{"a@example.se\t", CommandError::control_character},
                    Injection{"a@example.se> NOTIFY=NEVER", CommandError::forbidden_character},
                    Injection{"<a@example.se", CommandError::forbidden_character},
                    Injection{"a b@example.se", CommandError::forbidden_character}));

TEST(Commands, RefuseOverlongAddressesAndBadEhloDomains) {
    std::string out;
    const std::string local(64, 'l');
    const std::string at_limit = local + "@" + std::string(189, 'd');  // 254 octets
    EXPECT_FALSE(append_rcpt_to(at_limit, {}, out));
    EXPECT_EQ(append_rcpt_to(at_limit + "d", {}, out), CommandError::address_too_long);
    EXPECT_EQ(append_ehlo("", out), CommandError::bad_domain);
    EXPECT_EQ(append_ehlo("mx.example.se\r\nQUIT", out), CommandError::bad_domain);
    EXPECT_EQ(append_ehlo("two words", out), CommandError::bad_domain);
    EXPECT_FALSE(append_ehlo("[192.0.2.1]", out));
}

TEST(Auth, PlainMatchesTheRfc4616Example) {
    std::string out;
    ASSERT_FALSE(append_auth_plain("tim", "tanstaaftanstaaf", out));
    EXPECT_EQ(out, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
    EXPECT_EQ(append_auth_plain("tim\0x"sv, "pw", out), CommandError::nul_in_credentials);
    EXPECT_EQ(append_auth_plain("tim", "p\0w"sv, out), CommandError::nul_in_credentials);
    EXPECT_EQ(append_auth_plain("tim", std::string(10000, 'p'), out),
              CommandError::credentials_too_long);
    EXPECT_EQ(out, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
}

TEST(Auth, LoginStepsAreBase64Lines) {
    std::string out(kAuthLoginCommand);
    ASSERT_FALSE(append_auth_login_response("username", out));
    ASSERT_FALSE(append_auth_login_response("p@ss w0rd", out));
    EXPECT_EQ(out, "AUTH LOGIN\r\ndXNlcm5hbWU=\r\ncEBzcyB3MHJk\r\n");
}

TEST(WireNames, AreStable) {
    EXPECT_EQ(to_string(MessageErrorKind::bare_lf), "bare_lf");
    EXPECT_EQ(to_string(MessageErrorKind::line_too_long), "line_too_long");
    EXPECT_EQ(to_string(CommandError::control_character), "control_character");
    EXPECT_EQ(to_string(CommandError::non_ascii_address), "non_ascii_address");
}

}  // namespace
}  // namespace brevduva::smtp
