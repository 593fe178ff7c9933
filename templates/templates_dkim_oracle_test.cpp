// Our signatures checked by an independent verifier, dkimpy (Debian's python3-dkim, through
// tests/tools/dkim_verify.py), with fresh 2048-bit RSA and Ed25519 keys: the awkward bodies
// verify, and every change after signing makes verification fail.
#include <gtest/gtest.h>

#include "templates/templates_dkim_signer.hpp"
#include "templates/templates_dkim_testkit.hpp"
#include "templates/templates_mime_testkit.hpp"

namespace brevduva::templates {
namespace {

constexpr std::int64_t kNow = 1764000000;

const std::string kHeaders =
    "From: Brevduva Nyheter <nyheter@example.se>\r\n"
    "To: =?UTF-8?Q?=C3=85sa_=C3=96berg?= <asa@example.net>\r\n"
    "Subject: =?UTF-8?Q?H=C3=B6stens_erbjudanden?=\r\n"
    "Date: Mon, 24 Nov 2025 14:35:00 +0100\r\n"
    "Message-ID: <3f1c9a0e5b7d4e21a8c6@example.se>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative;\r\n boundary=\"=_b1\"\r\n"
    "List-Unsubscribe: <https://mail.example.se/u/abc123>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    "Feedback-ID: 42:spring:brevduva\r\n";

const std::string kMultipartBody =
    "--=_b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "Hej =C3=85sa,  v=C3=A4lkommen!\t \r\n\r\n--=_b1\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "<p>Hej</p>\r\n--=_b1--\r\n";

class DkimOracle : public ::testing::Test {
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

    static std::string signed_message(const std::string& body) {
        return signer_->sign(kHeaders, body, kNow) + kHeaders + "\r\n" + body;
    }

    static testkit::ToolRun verify(const std::string& message) {
        return testkit::verify_with_dkimpy(*dir_, "message.eml", message, records_);
    }

    static void expect_valid(const std::string& body) {
        const std::string message = signed_message(body);
        const testkit::ToolRun run = verify(message);
        EXPECT_EQ(run.exit_code, 0) << run.output << run.errors << "\n" << message;
        EXPECT_NE(run.output.find("signature 1: pass"), std::string::npos) << run.output;
    }

    static void expect_invalid(const std::string& message) {
        const testkit::ToolRun run = verify(message);
        EXPECT_EQ(run.exit_code, 1) << run.output << run.errors << "\n" << message;
        EXPECT_NE(run.output.find("FAIL"), std::string::npos) << run.output;
    }

    static inline testkit::TempDir* dir_ = nullptr;
    static inline DkimSigner* signer_ = nullptr;
    static inline std::vector<std::string> records_;
};

TEST_F(DkimOracle, MultipartBodyVerifies) { expect_valid(kMultipartBody); }

TEST_F(DkimOracle, TrailingBlankLinesVerify) { expect_valid("Hej!\r\n\r\n\r\n \r\n\r\n"); }

TEST_F(DkimOracle, LongLinesVerify) {
    std::string spaced;
    while (spaced.size() < 990) spaced += "ord \t  ";
    spaced.resize(998, 'x');
    expect_valid(std::string(998, 'x') + "\r\n" + spaced + "\r\n");
}

TEST_F(DkimOracle, WhitespaceOnlyBodyVerifies) { expect_valid(" \r\n\t\t\r\n   \r\n"); }

TEST_F(DkimOracle, EmptyBodyVerifies) { expect_valid(""); }

TEST_F(DkimOracle, BodyWithoutFinalLineEndVerifies) { expect_valid("sista raden"); }

TEST_F(DkimOracle, ChangedSignedHeaderFails) {
    std::string message = signed_message(kMultipartBody);
    const std::size_t at = message.find("erbjudanden");
    ASSERT_NE(at, std::string::npos);
    message[at] = 'E';
    expect_invalid(message);
}

TEST_F(DkimOracle, ChangedBodyByteFails) {
    std::string message = signed_message(kMultipartBody);
    message[message.find("<p>Hej</p>") + 3] = 'h';
    expect_invalid(message);
}

TEST_F(DkimOracle, AddedListUnsubscribeFailsBelowAndAbove) {
    const std::string extra = "List-Unsubscribe: <https://evil.example/u>\r\n";
    const std::string signatures = signer_->sign(kHeaders, kMultipartBody, kNow);
    expect_invalid(signatures + kHeaders + extra + "\r\n" + kMultipartBody);
    expect_invalid(signatures + extra + kHeaders + "\r\n" + kMultipartBody);
}

TEST_F(DkimOracle, RefoldingTheSignedHeaderListFails) {
    // RFC 6376 §3.7: the hash covers the signature field as emitted, so adding FWS to h=
    // afterwards must break it (checklist C-35).
    std::string message = signed_message(kMultipartBody);
    const std::size_t at = message.find(":to:");
    ASSERT_NE(at, std::string::npos);
    message.insert(at + 1, "\r\n ");
    expect_invalid(message);
}

}  // namespace
}  // namespace brevduva::templates
