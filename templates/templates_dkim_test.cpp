// DKIM known answers: RFC 8463 Appendix A reproduced byte for byte (vectors read from
// ../shared/conformance at test time), the empty-body hashes and the relaxed
// canonicalisation edge cases of RFC 6376 §3.4 with erratum 1384.
#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "templates/templates_dkim_canon.hpp"
#include "templates/templates_dkim_signer.hpp"
#include "templates/templates_mime_testkit.hpp"

namespace brevduva::templates {
namespace {

using Poco::JSON::Object;

Object::Ptr load_vectors() {
    const std::string text = testkit::read_file(std::filesystem::path(BREVDUVA_SHARED_DIR) /
                                                "conformance/dkim-rfc8463/vectors.json");
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Object::Ptr>();
}

std::vector<std::uint8_t> base64_decode(const std::string& text) {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::vector<std::uint8_t> bytes;
    for (int c = decoder.get(); c != EOF; c = decoder.get()) {
        bytes.push_back(static_cast<std::uint8_t>(c));
    }
    return bytes;
}

std::string header_block(const Object::Ptr& vectors) {
    std::string block;
    const Poco::JSON::Array::Ptr headers = vectors->getArray("message_headers");
    for (std::size_t i = 0; i < headers->size(); ++i) {
        const Poco::JSON::Array::Ptr field = headers->getArray(static_cast<unsigned>(i));
        block +=
            field->getElement<std::string>(0) + ": " + field->getElement<std::string>(1) + "\r\n";
    }
    return block;
}

// The b= value with its folding whitespace removed.
std::string b_value(std::string_view field) {
    std::string b(field.substr(field.rfind("b=") + 2));
    std::erase_if(b, [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
    return b;
}

// The relaxed form of the field with b= emptied: equal forms hash equally whatever the folding.
std::string canonical_without_b(std::string_view field) {
    std::string out;
    append_relaxed_header(out, field.substr(0, field.rfind("b=") + 2));
    return out;
}

class Rfc8463 : public ::testing::Test {
  protected:
    void check_vector(const std::string& name, DkimKey key) {
        const std::string dns_record = dkim_dns_record(key);
        const Object::Ptr vector = vectors_->getObject(name);
        DkimSignerSettings settings;
        settings.domain = vectors_->getValue<std::string>("domain");
        settings.identity = vectors_->getValue<std::string>("identity");
        settings.signed_headers = vectors_->getValue<std::string>("signed_headers");
        std::vector<DkimSignatureKey> keys;
        keys.push_back({vector->getValue<std::string>("selector"), std::move(key)});
        DkimSigner signer(settings, std::move(keys));
        const std::string field =
            signer.sign(header_block(vectors_), vectors_->getValue<std::string>("body"),
                        vectors_->getValue<std::int64_t>("timestamp"));

        EXPECT_EQ(b_value(field), vector->getValue<std::string>("expected_b"));
        EXPECT_EQ(canonical_without_b(field),
                  canonical_without_b("DKIM-Signature: " +
                                      vector->getValue<std::string>("dkim_signature_header")));
        EXPECT_NE(field.find("bh=" + vectors_->getValue<std::string>("expected_body_hash") + ";"),
                  std::string::npos);

        // And the independent verifier accepts the message as we would send it.
        testkit::write_file(dir_ / "signed.eml", field + header_block(vectors_) + "\r\n" +
                                                     vectors_->getValue<std::string>("body"));
        const testkit::ToolRun run = testkit::run_python_tool(
            dir_, "dkim_verify.py", {(dir_ / "signed.eml").string(), dns_record});
        EXPECT_EQ(run.exit_code, 0) << run.output << run.errors;
    }

    Object::Ptr vectors_ = load_vectors();
    testkit::TempDir dir_;
};

TEST_F(Rfc8463, Ed25519SignatureIsReproducedByteForByte) {
    const Object::Ptr ed = vectors_->getObject("ed25519");
    const auto seed = base64_decode(ed->getValue<std::string>("private_seed_base64"));
    DkimKey key = DkimKey::from_ed25519_seed(seed);
    EXPECT_EQ(dkim_dns_record(key),
              "v=DKIM1; k=ed25519; p=" + ed->getValue<std::string>("public_base64"));
    check_vector("ed25519", std::move(key));
}

TEST_F(Rfc8463, RsaSignatureIsReproducedByteForByte) {
    const auto pem = dir_ / "rfc8463-rsa.pem";
    testkit::write_file(
        pem, vectors_->getObject("rsa_sha256")->getValue<std::string>("private_key_pem"));
    check_vector("rsa_sha256", DkimKey::load_pem_file(pem, KeyStrength::allow_weak));
}

TEST_F(Rfc8463, BodyHashMatches) {
    EXPECT_EQ(dkim_relaxed_body_hash(vectors_->getValue<std::string>("body")),
              vectors_->getValue<std::string>("expected_body_hash"));
}

TEST(DkimBodyHash, EmptyRelaxedBodyIsTheHashOfNothing) {
    EXPECT_EQ(dkim_relaxed_body_hash(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    EXPECT_EQ(dkim_relaxed_body_hash("\r\n\r\n"), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    EXPECT_EQ(dkim_relaxed_body_hash(" \t\r\n  \r\n"),
              "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(RelaxedBody, IgnoresTrailingWhitespaceAndCompressesRuns) {
    EXPECT_EQ(relaxed_body("a  \t b \t\r\n\tc\r\n"), "a b\r\n c\r\n");
}

TEST(RelaxedBody, DropsTrailingEmptyLinesAfterTrimmingWhitespace) {
    // Erratum 1384: the whitespace-only line becomes empty first, then empty lines go.
    EXPECT_EQ(relaxed_body("testing\r\n  \r\n\r\n"), "testing\r\n");
    EXPECT_EQ(relaxed_body("a\r\n\r\n \r\nb\r\n\r\n\r\n"), "a\r\n\r\n\r\nb\r\n");
}

TEST(RelaxedBody, AddsTheMissingFinalLineEnd) { EXPECT_EQ(relaxed_body("abc"), "abc\r\n"); }

TEST(RelaxedBody, TreatsBareCrAndLfAsContent) {
    EXPECT_EQ(relaxed_body("a\nb \r c\r"), "a\nb \r c\r\r\n");
}

TEST(RelaxedBody, GivesTheSameResultWhateverTheChunking) {
    std::string body;
    for (int i = 0; i < 3000; ++i) {
        body += (i % 7 == 0) ? "  \t x\r\n" : (i % 5 == 0 ? "\r\n" : "ord  text\r");
    }
    body += "\r\n \r\n\r\n";
    const std::string whole = relaxed_body(body);
    for (const std::size_t step : {1u, 2u, 3u, 4095u, 4096u, 5000u}) {
        std::string chunked;
        struct Sink final : ByteSink {
            std::string* out;
            void consume(std::string_view bytes) override { out->append(bytes); }
        } sink;
        sink.out = &chunked;
        RelaxedBodyCanonicaliser canon(sink);
        for (std::size_t at = 0; at < body.size(); at += step) {
            canon.feed(std::string_view(body).substr(at, step));
        }
        canon.finish();
        EXPECT_EQ(chunked, whole) << "chunk size " << step;
    }
}

// RFC 6376 §3.4.4 written the slow, obvious way: line by line, as in the checklist's checker.
std::string reference_relaxed_body(std::string_view body) {
    std::vector<std::string> lines;
    for (std::size_t start = 0;;) {
        const std::size_t end = body.find("\r\n", start);
        std::string line;
        for (const char c : body.substr(start, end - start)) {
            const bool wsp = c == ' ' || c == '\t';
            if (wsp && !line.empty() && line.back() == ' ') continue;
            line += wsp ? ' ' : c;
        }
        if (!line.empty() && line.back() == ' ') line.pop_back();
        lines.push_back(line);
        if (end == std::string_view::npos) break;
        start = end + 2;
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    std::string out;
    for (const std::string& line : lines) out += line + "\r\n";
    return out;
}

TEST(RelaxedBody, MatchesTheReferenceOnRandomBodies) {
    std::mt19937 random(6376);
    const std::string_view pieces[] = {"a", "b", " ", "\t", "\r", "\n", "\r\n", "\r\n", "ö"};
    for (int round = 0; round < 3000; ++round) {
        std::string body;
        for (int i = static_cast<int>(random() % 40); i > 0; --i) body += pieces[random() % 9];
        ASSERT_EQ(relaxed_body(body), reference_relaxed_body(body)) << testing::PrintToString(body);
    }
}

// Long stretches of content between the awkward bytes: the 16-bytes-at-a-time scan sees every
// awkward byte at every offset of its blocks, and at the end of the body.
TEST(RelaxedBody, MatchesTheReferenceOnLongBodies) {
    std::mt19937 random(8463);
    const std::string_view pieces[] = {
        "abcdefghijklmnopq", "x", " ", " ", "\t", "\r", "\n", "\r\n", "\r\n", "  ", "ö"};
    for (int round = 0; round < 5000; ++round) {
        std::string body;
        for (int i = static_cast<int>(random() % 60); i > 0; --i) body += pieces[random() % 11];
        ASSERT_EQ(relaxed_body(body), reference_relaxed_body(body)) << testing::PrintToString(body);
    }
}

std::string relaxed_header(std::string_view field) {
    std::string out;
    append_relaxed_header(out, field);
    return out;
}

TEST(RelaxedHeader, UnfoldsAndCompressesWhitespace) {
    EXPECT_EQ(relaxed_header("Subject: a\r\n\tb\r\n"), "subject:a b");
    EXPECT_EQ(relaxed_header("Subject:  a  \t b \r\n  c  "), "subject:a b c");
}

TEST(RelaxedHeader, RemovesWhitespaceAroundTheColonAndKeepsValueCase) {
    EXPECT_EQ(relaxed_header("SUBJect :  AbC  "), "subject:AbC");
    EXPECT_EQ(relaxed_header("X-Empty:   \r\n"), "x-empty:");
}

}  // namespace
}  // namespace brevduva::templates
