#include "smtp/smtp_outcome.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

namespace brevduva::smtp {
namespace {

// Parses what a server would send, so the classification sees exactly what the client will.
SmtpReply reply(std::string_view wire) {
    ReplyParser parser;
    parser.feed(wire);
    auto parsed = parser.next();
    EXPECT_TRUE(parsed && std::holds_alternative<SmtpReply>(*parsed)) << wire;
    return parsed ? std::get<SmtpReply>(*parsed) : SmtpReply{};
}

struct ClassifyCase {
    std::string_view wire;
    Stage stage;
    Classification classification;
    OutcomeKind kind;
};

void PrintTo(const ClassifyCase& c, std::ostream* os) { *os << c.wire; }

class ClassifyTable : public testing::TestWithParam<ClassifyCase> {};

TEST_P(ClassifyTable, GivesTheDispatcherTheRightAction) {
    const ClassifyCase& c = GetParam();
    const Outcome outcome = Outcome::from_reply(reply(c.wire), c.stage);
    EXPECT_EQ(to_string(outcome.classification), to_string(c.classification));
    EXPECT_EQ(to_string(outcome.kind), to_string(c.kind));
    EXPECT_EQ(outcome.stage, c.stage);
    EXPECT_EQ(outcome.cause, Cause::reply);
    EXPECT_FALSE(outcome.accepted());
}

using C = Classification;
using K = OutcomeKind;

INSTANTIATE_TEST_SUITE_P(
    HardBounces, ClassifyTable,
    testing::Values(
        ClassifyCase{"550-5.1.1 The email account that you tried to reach does not exist.\r\n"
                     "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp\r\n",
                     Stage::rcpt_to, C::recipient_invalid, K::permanent},
        ClassifyCase{"550 5.1.2 Bad destination system\r\n", Stage::rcpt_to, C::recipient_invalid,
                     K::permanent},
        ClassifyCase{"553 5.1.3 Bad destination mailbox address syntax\r\n", Stage::rcpt_to,
                     C::recipient_invalid, K::permanent},
        ClassifyCase{"551 5.1.6 Mailbox has moved\r\n", Stage::rcpt_to, C::recipient_invalid,
                     K::permanent},
        ClassifyCase{"556 5.1.10 Recipient address has null MX\r\n", Stage::rcpt_to,
                     C::recipient_invalid, K::permanent},
        ClassifyCase{"550 5.2.1 Mailbox disabled\r\n", Stage::end_of_data, C::recipient_invalid,
                     K::permanent},
        // About our own sender address, not the subscriber: never a reason to suppress.
        ClassifyCase{"550 5.1.1 Sender address unknown\r\n", Stage::mail_from, C::other,
                     K::permanent},
        // No enhanced code: the basic code and well-known wording decide.
        ClassifyCase{"550 User unknown\r\n", Stage::rcpt_to, C::recipient_invalid, K::permanent},
        ClassifyCase{"550 5.5.0 Requested action not taken: mailbox unavailable\r\n",
                     Stage::rcpt_to, C::recipient_invalid, K::permanent},
        ClassifyCase{"550 Mailbox unavailable: your IP is on our blocklist\r\n", Stage::rcpt_to,
                     C::policy, K::permanent},
        ClassifyCase{"554 Transaction failed\r\n", Stage::end_of_data, C::other, K::permanent}));

INSTANTIATE_TEST_SUITE_P(
    MailboxFull, ClassifyTable,
    testing::Values(ClassifyCase{"452-4.2.2 The recipient's inbox is out of storage space.\r\n"
                                 "452 4.2.2 Please direct the recipient to ...\r\n",
                                 Stage::rcpt_to, C::mailbox_full, K::transient},
                    // RFC 3463 allows 5.2.2 as persistent-transient; it is not a hard bounce.
                    ClassifyCase{"552 5.2.2 Mailbox full\r\n", Stage::end_of_data, C::mailbox_full,
                                 K::transient},
                    // RFC 5321 §4.5.3.1.10: a 552 to RCPT is treated as 452.
                    ClassifyCase{
                        "552 Requested mail action aborted: exceeded storage allocation\r\n",
                        Stage::rcpt_to, C::mailbox_full, K::transient},
                    ClassifyCase{"452 Insufficient system storage\r\n", Stage::rcpt_to,
                                 C::mailbox_full, K::transient},
                    ClassifyCase{"550 Recipient is over quota\r\n", Stage::rcpt_to, C::mailbox_full,
                                 K::transient}));

INSTANTIATE_TEST_SUITE_P(
    Policy, ClassifyTable,
    testing::Values(
        ClassifyCase{"550-5.7.26 This mail is unauthenticated, which poses a security risk to\r\n"
                     "550-5.7.26 the sender and Gmail users, and has been blocked. The sender\r\n"
                     "550 5.7.26 must authenticate with at least one of SPF or DKIM. - gsmtp\r\n",
                     Stage::end_of_data, C::policy, K::permanent},
        ClassifyCase{"550 5.7.515 Access denied, sending domain example.se doesn't meet the "
                     "required authentication level.\r\n",
                     Stage::end_of_data, C::policy, K::permanent},
        ClassifyCase{"554 5.7.1 Service unavailable; Client host blocked\r\n", Stage::greeting,
                     C::policy, K::permanent},
        // 5.7.1 names a recipient here, but the refusal is of us, not of the address.
        ClassifyCase{"550 5.7.1 Recipient address rejected: Access denied\r\n", Stage::rcpt_to,
                     C::policy, K::permanent},
        // Gmail's temporary authentication failures: retrying cannot fix our DNS.
        ClassifyCase{"421-4.7.27 Your email has been rate limited because SPF\r\n"
                     "421 4.7.27 authentication didn't pass for this message. - gsmtp\r\n",
                     Stage::end_of_data, C::policy, K::transient},
        ClassifyCase{"421 4.7.30 DKIM authentication didn't pass. - gsmtp\r\n", Stage::end_of_data,
                     C::policy, K::transient}));

INSTANTIATE_TEST_SUITE_P(
    RateLimits, ClassifyTable,
    testing::Values(
        ClassifyCase{"421-4.7.28 [192.0.2.7 15] Gmail has detected an unusual rate of\r\n"
                     "421-4.7.28 unsolicited mail originating from your DKIM domain. To protect\r\n"
                     "421 4.7.28 our users from spam, mail has been rate limited. - gsmtp\r\n",
                     Stage::end_of_data, C::rate_limited, K::transient},
        ClassifyCase{"421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred due to "
                     "unexpected volume or user complaints - 4.16.55.1; see "
                     "https://postmaster.yahooinc.com/error-codes\r\n",
                     Stage::mail_from, C::rate_limited, K::transient},
        ClassifyCase{"421 Service not available, closing transmission channel\r\n", Stage::greeting,
                     C::rate_limited, K::transient},
        ClassifyCase{"450 4.2.1 The user you are trying to contact is receiving mail too "
                     "quickly.\r\n",
                     Stage::rcpt_to, C::rate_limited, K::transient},
        ClassifyCase{"450 Too many connections from your host\r\n", Stage::mail_from,
                     C::rate_limited, K::transient},
        ClassifyCase{"451 Temporary local problem - please try again later\r\n", Stage::end_of_data,
                     C::rate_limited, K::transient},
        ClassifyCase{"451 Throttled: slow down\r\n", Stage::rcpt_to, C::rate_limited, K::transient},
        ClassifyCase{"452 4.5.3 Your message has too many recipients.\r\n", Stage::rcpt_to,
                     C::rate_limited, K::transient},
        ClassifyCase{"452 Too many recipients\r\n", Stage::rcpt_to, C::rate_limited, K::transient},
        ClassifyCase{"552 Too many recipients\r\n", Stage::rcpt_to, C::rate_limited, K::transient},
        // "rate" only as a word of its own.
        ClassifyCase{"451 Local error in processing: the generated queue file was separated\r\n",
                     Stage::end_of_data, C::other, K::transient},
        ClassifyCase{"451 4.3.0 Mail server temporarily rejected message.\r\n", Stage::end_of_data,
                     C::other, K::transient}));

INSTANTIATE_TEST_SUITE_P(
    MessageTooLarge, ClassifyTable,
    testing::Values(ClassifyCase{"552 5.3.4 Message size exceeds fixed limit\r\n",
                                 Stage::end_of_data, C::message_too_large, K::permanent},
                    ClassifyCase{"552 5.3.4 Message size exceeds fixed maximum message size\r\n",
                                 Stage::mail_from, C::message_too_large, K::permanent},
                    ClassifyCase{
                        "552 Requested mail action aborted: exceeded storage allocation\r\n",
                        Stage::end_of_data, C::message_too_large, K::permanent},
                    ClassifyCase{"554 Message too big for this system\r\n", Stage::end_of_data,
                                 C::message_too_large, K::permanent}));

TEST(Outcome, OnlyA2xxAtTheEndOfDataIsAccepted) {
    const Outcome delivered =
        Outcome::from_reply(reply("250 2.0.0 OK queued as 4Xy\r\n"), Stage::end_of_data);
    EXPECT_TRUE(delivered.accepted());
    EXPECT_EQ(delivered.kind, OutcomeKind::accepted);
    EXPECT_EQ(delivered.classification, Classification::none);
    EXPECT_EQ(delivered.code, 250);
    EXPECT_EQ(delivered.enhanced, (EnhancedStatus{2, 0, 0}));
    EXPECT_EQ(delivered.text, "2.0.0 OK queued as 4Xy");

    for (const Stage stage : {Stage::greeting, Stage::ehlo, Stage::mail_from, Stage::rcpt_to}) {
        const Outcome early = Outcome::from_reply(reply("250 OK\r\n"), stage);
        EXPECT_FALSE(early.accepted()) << to_string(stage);
        EXPECT_EQ(early.kind, OutcomeKind::transient) << to_string(stage);
    }
    const Outcome go_ahead = Outcome::from_reply(reply("354 Go ahead\r\n"), Stage::data);
    EXPECT_FALSE(go_ahead.accepted());
    EXPECT_EQ(go_ahead.kind, OutcomeKind::transient);
}

TEST(Outcome, ALostConnectionOrTimeoutAfterTheFinalDotIsAmbiguous) {
    for (const Cause cause : {Cause::connection_lost, Cause::timeout, Cause::protocol_error}) {
        const Outcome after_dot = Outcome::without_reply(cause, Stage::end_of_data);
        EXPECT_EQ(after_dot.kind, OutcomeKind::ambiguous) << to_string(cause);
        EXPECT_FALSE(after_dot.accepted());
        EXPECT_EQ(after_dot.code, 0);
        EXPECT_EQ(after_dot.text, to_string(cause));
        for (const Stage stage : {Stage::connect, Stage::greeting, Stage::rcpt_to, Stage::data}) {
            const Outcome before = Outcome::without_reply(cause, stage, "peer reset");
            EXPECT_EQ(before.kind, OutcomeKind::transient) << to_string(stage);
            EXPECT_EQ(before.text, "peer reset");
        }
    }
    EXPECT_EQ(Outcome::without_reply(Cause::reply, Stage::rcpt_to).cause, Cause::protocol_error);
}

TEST(Outcome, ALocallyRefusedMessageIsPermanentAndAnUnmetRequirementIsPolicy) {
    const Outcome bad = Outcome::without_reply(Cause::invalid_message, Stage::prepare, "bare LF");
    EXPECT_EQ(bad.kind, OutcomeKind::permanent);
    EXPECT_EQ(bad.classification, Classification::other);
    EXPECT_EQ(bad.text, "bare LF");
    for (const Cause cause : {Cause::tls_failure, Cause::requirement_unmet}) {
        const Outcome o = Outcome::without_reply(cause, Stage::starttls);
        EXPECT_EQ(o.kind, OutcomeKind::transient) << to_string(cause);
        EXPECT_EQ(o.classification, Classification::policy) << to_string(cause);
    }
}

TEST(Outcome, AnEnhancedCodeOfTheWrongClassIsIgnored) {
    // "550 4.2.2" contradicts itself; the basic code wins, so it is permanent, and only the
    // text speaks of a full mailbox.
    const Outcome outcome = Outcome::from_reply(reply("550 4.2.2 no\r\n"), Stage::rcpt_to);
    EXPECT_FALSE(outcome.enhanced);
    EXPECT_EQ(outcome.kind, OutcomeKind::permanent);
    EXPECT_EQ(outcome.classification, Classification::other);
}

TEST(OutcomeNames, AreStableAndRoundTrip) {
    EXPECT_EQ(to_string(Stage::end_of_data), "end_of_data");
    EXPECT_EQ(to_string(Stage::rcpt_to), "rcpt_to");
    EXPECT_EQ(to_string(Cause::connection_lost), "connection_lost");
    EXPECT_EQ(to_string(OutcomeKind::ambiguous), "ambiguous");
    EXPECT_EQ(to_string(Classification::recipient_invalid), "recipient_invalid");
    EXPECT_EQ(to_string(Classification::message_too_large), "message_too_large");
    for (int i = 0; i <= static_cast<int>(Stage::prepare); ++i) {
        EXPECT_EQ(stage_from_string(to_string(static_cast<Stage>(i))), static_cast<Stage>(i));
    }
    for (int i = 0; i <= static_cast<int>(Cause::requirement_unmet); ++i) {
        EXPECT_EQ(cause_from_string(to_string(static_cast<Cause>(i))), static_cast<Cause>(i));
    }
    for (int i = 0; i <= static_cast<int>(OutcomeKind::ambiguous); ++i) {
        const auto kind = static_cast<OutcomeKind>(i);
        EXPECT_EQ(outcome_kind_from_string(to_string(kind)), kind);
    }
    for (int i = 0; i <= static_cast<int>(Classification::other); ++i) {
        const auto c = static_cast<Classification>(i);
        EXPECT_EQ(classification_from_string(to_string(c)), c);
    }
    EXPECT_EQ(to_string(Stage::prepare), "prepare");
    EXPECT_EQ(to_string(Cause::tls_failure), "tls_failure");
    EXPECT_FALSE(stage_from_string("timeout"));
}

}  // namespace
}  // namespace brevduva::smtp
