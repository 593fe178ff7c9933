// The wire form of a composed message, read as raw bytes: the header fields and their order,
// the one-click pair byte for byte, line limits, Message-ID and VERP, and header injection.
#include "templates/templates_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "templates/templates_compose_testkit.hpp"
#include "templates/templates_message_ids.hpp"

namespace brevduva::templates {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string header_block(const std::string& wire) {
    return wire.substr(0, wire.find("\r\n\r\n") + 2);
}

// Field names in order, continuation lines skipped.
std::vector<std::string> field_names(const std::string& wire) {
    std::vector<std::string> names;
    const std::string headers = header_block(wire);
    for (std::size_t at = 0; at < headers.size(); at = headers.find("\r\n", at) + 2) {
        if (headers[at] != ' ' && headers[at] != '\t') {
            names.push_back(headers.substr(at, headers.find(':', at) - at));
        }
    }
    return names;
}

class Message : public ::testing::Test {
  protected:
    ComposedMessage compose(const Delivery& delivery,
                            ComposerSettings settings = testkit::settings(),
                            std::optional<std::string>* error = nullptr) {
        MessageComposer composer(campaign_, std::move(settings), keys_, testkit::kMessageIdSecret,
                                 nullptr);
        ComposedMessage message;
        const auto failed = composer.compose(delivery, testkit::kNow, message);
        if (error != nullptr) {
            *error = failed ? std::optional(failed->message) : std::nullopt;
        } else {
            EXPECT_FALSE(failed) << failed->message;
        }
        return message;
    }

    CampaignTemplate campaign_ = testkit::compile_or_fail(testkit::newsletter());
    consent::TokenKeys keys_{1, testkit::kTokenKey};
};

TEST_F(Message, HasEveryFieldOnceInOrderAndNoReturnPath) {
    const std::string wire = compose(testkit::delivery()).wire;
    EXPECT_THAT(
        field_names(wire),
        ElementsAre("From", "To", "Subject", "Date", "Message-ID", "Reply-To", "List-Unsubscribe",
                    "List-Unsubscribe-Post", "Feedback-ID", "MIME-Version", "Content-Type"));
    EXPECT_THAT(wire, HasSubstr("\r\nDate: Mon, 24 Nov 2025 13:35:00 +0000\r\n"));
    EXPECT_THAT(wire, HasSubstr("\r\nReply-To: kundtjanst@example.se\r\n"));
    EXPECT_THAT(wire, HasSubstr("\r\nFeedback-ID: c12:product_marketing:brevduva\r\n"));
    EXPECT_THAT(wire, HasSubstr("\r\nMIME-Version: 1.0\r\n"));
}

TEST_F(Message, CarriesTheOneClickPairExactly) {
    const std::string wire = compose(testkit::delivery()).wire;
    const std::string headers = header_block(wire);
    const std::regex pair(
        "\r\nList-Unsubscribe: <(https://mail\\.example\\.se/u/([A-Za-z0-9_-]+))>,\r\n "
        "<mailto:avregistrera@example\\.se\\?subject=unsubscribe-([A-Za-z0-9_-]+)>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(headers, match, pair)) << headers;
    EXPECT_EQ(match[2].str(), match[3].str());
    const auto claims = consent::verify(keys_, match[2].str(), consent::TokenKind::unsubscribe);
    ASSERT_TRUE(claims.ok());
    EXPECT_EQ(claims.value().purpose_id, 2u);
    EXPECT_EQ(claims.value().contact_id, 4242u);
    // The same URL is the visible link in both parts.
    EXPECT_THAT(wire, HasSubstr(match[1].str().substr(0, 40)));
}

TEST_F(Message, ServiceMessagesHaveNoOneClickPair) {
    ComposerSettings settings = testkit::settings();
    settings.campaign.purpose = "service_status";
    const std::string wire = compose(testkit::delivery(), settings).wire;
    EXPECT_THAT(wire, Not(HasSubstr("List-Unsubscribe")));
    EXPECT_THAT(wire, HasSubstr("Feedback-ID: c12:service_status:brevduva\r\n"));
}

TEST_F(Message, IsSevenBitCrlfAndWithinLineLimits) {
    const std::string wire = compose(testkit::delivery(true, true)).wire;
    const std::size_t body = wire.find("\r\n\r\n");
    std::size_t start = 0;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        ASSERT_LT(static_cast<unsigned char>(wire[i]), 0x80) << "8-bit byte at " << i;
        ASSERT_TRUE(wire[i] != '\n' || (i > 0 && wire[i - 1] == '\r')) << "bare LF at " << i;
        ASSERT_TRUE(wire[i] != '\r' || wire[i + 1] == '\n') << "bare CR at " << i;
        if (wire[i] != '\n') continue;
        const std::string_view line(wire.data() + start, i - 1 - start);
        // List-Unsubscribe may not fold inside its brackets (RFC 2369 §2): only 998 holds.
        const bool unfoldable = line.find("<https://") != std::string_view::npos ||
                                line.find("<mailto:") != std::string_view::npos;
        EXPECT_LE(line.size(), start < body ? (unfoldable ? 998u : 78u) : 76u) << line;
        start = i + 1;
    }
    EXPECT_THAT(wire, ::testing::EndsWith("--\r\n"));
}

TEST_F(Message, MessageIdIsDeterministicPerCampaignAndContact) {
    Delivery first = testkit::delivery();
    Delivery again = testkit::delivery(true, true);
    again.delivery_id = 1;  // a resend is another delivery of the same message
    const std::regex id("\r\nMessage-ID: (<c12\\.r4242\\.[a-z2-7]{16}@example\\.se>)\r\n");
    std::smatch a, b;
    const std::string wire_a = compose(first).wire;
    const std::string wire_b = compose(again).wire;
    ASSERT_TRUE(std::regex_search(wire_a, a, id));
    ASSERT_TRUE(std::regex_search(wire_b, b, id));
    EXPECT_EQ(a[1].str(), b[1].str());
    Delivery other = testkit::delivery();
    other.contact_id = 4243;
    EXPECT_THAT(compose(other).wire, Not(HasSubstr(a[1].str())));
    MessageIds ids_elsewhere(std::string(40, 'x'), "example.se");
    MessageIds::Ids elsewhere;
    ids_elsewhere.make(12, 4242, elsewhere);
    EXPECT_NE(elsewhere.message_id, a[1].str());
    EXPECT_THAT(a[1].str(), Not(HasSubstr("orjan")));
}

TEST_F(Message, TheEnvelopeSenderIsAVerpAddressThatDecodesToTheDelivery) {
    const std::string sender = compose(testkit::delivery()).envelope_sender;
    const std::regex verp("b-[a-z2-7]+@bounces\\.example\\.se");
    EXPECT_TRUE(std::regex_match(sender, verp)) << sender;
    EXPECT_LE(sender.find('@'), kMaxLocalPart);
    const auto claims = decode_verp(keys_, sender);
    ASSERT_TRUE(claims.ok());
    EXPECT_EQ(claims.value().delivery_id, 987654u);
    EXPECT_EQ(claims.value().kind, consent::TokenKind::bounce);
    std::string upper = sender;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(decode_verp(keys_, upper).value().delivery_id, 987654u);
    for (std::size_t i = 2; i < sender.find('@'); ++i) {
        std::string altered = sender;
        altered[i] = altered[i] == 'a' ? 'b' : 'a';
        EXPECT_FALSE(decode_verp(keys_, altered).ok()) << i;
    }
    EXPECT_FALSE(decode_verp(keys_, "bounces+x@bounces.example.se").ok());
}

TEST(MessageIdsPieces, VerpFitsALocalPartForEveryDeliveryId) {
    consent::TokenKeys keys((1u << 14) - 1, testkit::kTokenKey);
    consent::TokenMinter minter(keys);
    std::string address;
    append_verp_address(address, minter, ~std::uint64_t{0} >> 1,
                        std::chrono::sys_seconds{std::chrono::seconds{4102444800}}, "b.example.se");
    EXPECT_LE(address.find('@'), kMaxLocalPart) << address;
}

TEST(MessageIdsPieces, Base32RoundTripsAndIsStrict) {
    const std::vector<unsigned char> bytes{0x00, 0xFF, 0x10, 0x20, 0x7F, 0x80};
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
        std::string text;
        append_base32(text, std::span(bytes.data(), n));
        EXPECT_EQ(base32_decode(text),
                  std::vector<unsigned char>(bytes.begin(), bytes.begin() + n));
    }
    EXPECT_EQ(base32_decode("me"), std::vector<unsigned char>{0x61});
    EXPECT_FALSE(base32_decode("mf"));  // padding bits set
    EXPECT_FALSE(base32_decode("m1"));
    EXPECT_FALSE(base32_decode("m"));
}

TEST_F(Message, NoUrlWeWriteCarriesAnAddress) {
    const std::string wire = compose(testkit::delivery(true, true)).wire;
    const std::regex url("https://mail\\.example\\.se/[^\"'<> \r\n]*");
    int count = 0;
    for (std::sregex_iterator it(wire.begin(), wire.end(), url), end; it != end; ++it, ++count) {
        EXPECT_THAT(it->str(), Not(HasSubstr("@")));
        EXPECT_THAT(it->str(), Not(HasSubstr("%40")));
        EXPECT_THAT(it->str(), Not(HasSubstr("orjan")));
    }
    EXPECT_GE(count, 5);
}

TEST_F(Message, HeaderInjectionThroughContactDataFails) {
    std::optional<std::string> error;
    Delivery eve = testkit::delivery();
    eve.recipient.name = "Eve\r\nBcc: victim@x.test";
    compose(eve, testkit::settings(), &error);
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "header refused: To: contains CR at byte 3");
    Delivery subject = testkit::delivery();
    subject.recipient.organisation = "Kund AB\nX-Evil: 1";  // in the subject template
    compose(subject, testkit::settings(), &error);
    ASSERT_TRUE(error);
    EXPECT_THAT(*error, HasSubstr("header refused: Subject: contains LF"));
    EXPECT_THAT(*error, Not(HasSubstr("Evil")));
    Delivery address = testkit::delivery();
    address.recipient.email = "a@b.se\r\nRCPT TO:<x@y>";
    compose(address, testkit::settings(), &error);
    ASSERT_TRUE(error);
    // A display name with specials stays one mailbox.
    Delivery doe = testkit::delivery();
    doe.recipient.name = "Doe, John";
    EXPECT_THAT(compose(doe).wire, HasSubstr("\r\nTo: \"Doe, John\" <orjan.angstrom@kund.se>\r\n"));
}

TEST(MessagePieces, DatesAreRfc5322InUtc) {
    std::string out;
    append_rfc5322_date(out, std::chrono::sys_seconds{std::chrono::seconds{0}});
    EXPECT_EQ(out, "Thu, 1 Jan 1970 00:00:00 +0000");
    out.clear();
    append_rfc5322_date(out, std::chrono::sys_seconds{std::chrono::seconds{1709251199}});
    EXPECT_EQ(out, "Thu, 29 Feb 2024 23:59:59 +0000");
}

TEST(MessagePieces, RefusesAnHttpUnsubscribeUrl) {
    MessageHeaders h;
    h.from_address = "a@b.se";
    h.to_address = "c@d.se";
    h.subject = "S";
    h.message_id = "<x@b.se>";
    h.boundary = "=_b";
    h.list_unsubscribe_url = "http://b.se/u/x";
    std::string out;
    std::size_t header_size = 0;
    const auto error = append_message(out, h, "t", "h", header_size);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->describe(), "List-Unsubscribe: the URL is not https (RFC 8058 §3.1)");
}

TEST(MessagePieces, ComposerRefusesSettingsThatBreakEveryMessage) {
    const CampaignTemplate campaign = testkit::compile_or_fail(testkit::newsletter());
    const consent::TokenKeys keys(1, testkit::kTokenKey);
    for (const std::string base : {"http://mail.example.se", "https://mail.example.se/a b",
                                   "https://mail.example.se/?a=1&b=2"}) {
        ComposerSettings s = testkit::settings();
        s.base_url = base;
        EXPECT_THROW(MessageComposer(campaign, s, keys, testkit::kMessageIdSecret, nullptr),
                     std::invalid_argument)
            << base;
    }
    ComposerSettings s = testkit::settings();
    s.campaign.purpose = "product marketing";
    EXPECT_THROW(MessageComposer(campaign, s, keys, testkit::kMessageIdSecret, nullptr),
                 std::invalid_argument);
}

}  // namespace
}  // namespace brevduva::templates
