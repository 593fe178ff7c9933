// Composed messages read back by independent programs: Python's email package (policy.default,
// tests/tools/parse_mail.py) finds no defects and decodes subject, names and both parts to the
// original Unicode; dkimpy (tests/tools/dkim_verify.py) verifies the RSA and the Ed25519
// signature, and fails both once any signed header or body byte changes or a second one-click
// header is added in transit.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "templates/templates_compose_testkit.hpp"
#include "templates/templates_dkim_testkit.hpp"
#include "templates/templates_mime_testkit.hpp"

namespace brevduva::templates {
namespace {

using ::testing::HasSubstr;

class MessageOracle : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new testkit::TempDir;
        auto keys = testkit::make_dual_key_signer(*dir_);
        signer_ = keys.signer.release();
        records_ = std::move(keys.records);
    }
    static void TearDownTestSuite() {
        delete signer_;
        delete dir_;
    }

    std::string compose(const Delivery& delivery, const CampaignSources& sources) {
        const CampaignTemplate campaign = testkit::compile_or_fail(sources);
        MessageComposer composer(campaign, testkit::settings(), keys_, testkit::kMessageIdSecret,
                                 signer_);
        ComposedMessage message;
        const auto error = composer.compose(delivery, testkit::kNow, message);
        EXPECT_FALSE(error) << error->message;
        return message.wire;
    }

    static Poco::JSON::Object::Ptr parse(const std::string& wire) {
        testkit::write_file(*dir_ / "parse.eml", wire);
        const auto run =
            testkit::run_python_tool(*dir_, "parse_mail.py", {(*dir_ / "parse.eml").string()});
        EXPECT_EQ(run.exit_code, 0) << run.errors;
        Poco::JSON::Parser parser;
        return parser.parse(run.output).extract<Poco::JSON::Array::Ptr>()->getObject(0);
    }

    static testkit::ToolRun verify(const std::string& wire) {
        return testkit::verify_with_dkimpy(*dir_, "signed.eml", wire, records_);
    }

    consent::TokenKeys keys_{1, testkit::kTokenKey};
    static inline testkit::TempDir* dir_ = nullptr;
    static inline DkimSigner* signer_ = nullptr;
    static inline std::vector<std::string> records_;
};

std::size_t count(const Poco::JSON::Array::Ptr& names, std::string_view name) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < names->size(); ++i) {
        n += names->getElement<std::string>(static_cast<unsigned>(i)) == name;
    }
    return n;
}

TEST_F(MessageOracle, ParsesWithoutDefectsToTheOriginalUnicode) {
    const std::string wire = compose(testkit::delivery(true, true), testkit::newsletter());
    const auto got = parse(wire);
    EXPECT_EQ(got->getArray("defects")->size(), 0u) << wire;
    EXPECT_EQ(got->getValue<std::string>("subject"), "Örjan, höstens nyheter för Kund AB");
    EXPECT_EQ(got->getValue<std::string>("from_name_rfc2047"), "Åsa på Exempelföretaget");
    EXPECT_EQ(got->getValue<std::string>("to_name_rfc2047"), "Örjan Ängström");
    EXPECT_EQ(got->getValue<std::string>("to_address"), "orjan.angstrom@kund.se");
    const auto headers = got->getArray("headers");
    EXPECT_EQ(count(headers, "DKIM-Signature"), 2u);
    EXPECT_EQ(count(headers, "List-Unsubscribe"), 1u);
    EXPECT_EQ(count(headers, "List-Unsubscribe-Post"), 1u);
    const auto parts = got->getArray("parts");
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ(parts->getObject(0)->getValue<std::string>("content_type"), "text/plain");
    EXPECT_EQ(parts->getObject(1)->getValue<std::string>("content_type"), "text/html");
    std::string text = parts->getObject(0)->getValue<std::string>("text");
    std::erase(text, '\r');  // the quoted-printable hard breaks are CRLF
    EXPECT_THAT(text, ::testing::StartsWith("# Hej Örjan!\n\nNyheter för Kund AB: Läs mer "
                                            "(https://www.example.se/a?x=1&y=2),"));
    EXPECT_THAT(text, HasSubstr("Avregistrera (https://mail.example.se/u/"));
    const std::string html = parts->getObject(1)->getValue<std::string>("text");
    EXPECT_THAT(html, HasSubstr("<h1>Hej Örjan!</h1>"));
    EXPECT_THAT(html, HasSubstr(">Tre nyheter från Åsa på Exempelföretaget.&zwnj;"));
}

TEST_F(MessageOracle, AwkwardNamesAndLongSubjectsRoundTrip) {
    CampaignSources sources = testkit::newsletter();
    sources.subject =
        "{{contact.name}} – {{organisation.name}}: höstens erbjudanden, spara 20 % på allt i "
        "butiken fram till jul 🎄\n";
    for (const std::string name : {"Doe, John", "Åsa \"Kalla\" Öberg", "Zoë 🎉 Ünal",
                                   "Anna-Karin Ängström-Öhrvall Svensson Lindqvist"}) {
        Delivery delivery = testkit::delivery();
        delivery.recipient.name = name;
        const auto got = parse(compose(delivery, sources));
        EXPECT_EQ(got->getArray("defects")->size(), 0u) << name;
        EXPECT_EQ(got->getValue<std::string>("to_name_rfc2047"), name);
        EXPECT_EQ(got->getValue<std::string>("subject"),
                  name +
                      " – Kund AB: höstens erbjudanden, spara 20 % på allt i butiken fram "
                      "till jul 🎄");
    }
}

TEST_F(MessageOracle, BothSignaturesVerifyAndCoverTheOneClickPair) {
    const std::string wire = compose(testkit::delivery(true, true), testkit::newsletter());
    const auto run = verify(wire);
    EXPECT_EQ(run.exit_code, 0) << run.output << run.errors;
    EXPECT_EQ(run.output, "signature 0: pass\nsignature 1: pass\n");
    const std::string signature = wire.substr(0, wire.find("\r\nFrom:"));
    std::string unfolded;
    for (const char c : signature) {
        if (c != '\r' && c != '\n' && c != ' ' && c != '\t') unfolded += c;
    }
    EXPECT_THAT(unfolded, HasSubstr("list-unsubscribe:list-unsubscribe-post:feedback-id"));
    EXPECT_THAT(unfolded, ::testing::Not(HasSubstr("l=")));
}

TEST_F(MessageOracle, AnyChangeAfterSigningBreaksTheSignatures) {
    const std::string wire = compose(testkit::delivery(), testkit::newsletter());
    const std::size_t from = wire.find("\r\nFrom: ") + 2;
    const std::size_t body = wire.find("\r\n\r\n") + 4;
    std::vector<std::pair<std::string, std::string>> changes;
    std::string subject = wire;
    subject[subject.find("Subject: ") + 12] ^= 0x01;
    changes.emplace_back("a subject byte", subject);
    std::string body_byte = wire;
    body_byte[body + 200] = body_byte[body + 200] == 'a' ? 'b' : 'a';
    changes.emplace_back("a body byte", body_byte);
    std::string second_unsubscribe = wire;
    second_unsubscribe.insert(from, "List-Unsubscribe: <https://evil.example/u/x>\r\n");
    changes.emplace_back("a second List-Unsubscribe", second_unsubscribe);
    std::string second_post = wire;
    second_post.insert(from, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    changes.emplace_back("a second List-Unsubscribe-Post", second_post);
    std::string from_name = wire;
    from_name.replace(from, 6, "From: Z");
    changes.emplace_back("the From field", from_name);
    std::string appended = wire + "Extra text\r\n";
    changes.emplace_back("text appended to the body", appended);
    for (const auto& [what, changed] : changes) {
        const auto run = verify(changed);
        EXPECT_EQ(run.exit_code, 1) << what << "\n" << run.output;
        EXPECT_EQ(run.output.find("pass"), std::string::npos) << what << "\n" << run.output;
    }
}

}  // namespace
}  // namespace brevduva::templates
