// DKIM keys and signer settings: every refusal names the file and the problem, generated keys
// are private to their owner, DNS records have the published shape, and the signer refuses
// settings that a verifier would reject.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "templates/templates_dkim_signer.hpp"
#include "templates/templates_mime_testkit.hpp"

namespace brevduva::templates {
namespace {

using Problem = DkimKeyError::Problem;

constexpr std::string_view kEcKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgq8n69T/jS0OL+MXe
6dZ8ziwrL0FJJymL5DS6RKNCdDahRANCAARCztrX7m06z7ohIMSbXpfhC1fzPBh0
cTPYoJns04ZKmpI4E9RdO0uNBTFtC2iG7R9IA6wqUt6HjrbfAJr4anOF
-----END PRIVATE KEY-----
)";

constexpr std::string_view kRsa768Key = R"(-----BEGIN PRIVATE KEY-----
MIIB4wIBADANBgkqhkiG9w0BAQEFAASCAc0wggHJAgEAAmEAxcESiRxW6AIUeNL5
DZYZ2080PWjWllF3/4cmIICghXnboR0AfFIdTedfLNbhpmTjcbNfoikq7gLHGozh
w6/sg+BYftl5Z8V768J+9VCRxSWZMregUErb4SpQ0sbJri4VAgMBAAECYDfcp3DF
6aLWW5QZ/LKi0SELibVDNUL3No+fTNznmPC7kJg9ihKUW6TTFCaleM65NqqlexK5
hHaxoQtOFKuKOGx9r5MDOsLfwbq0qQF1MoKSwERumuMpG6bj4lr7yvslIQIxAP55
X7F5u3Sg4UOJArj8F+zE9hzZJ/HK0qV6uQV6cUGEy8ZdvodWMr1n5je3v3iEuQIx
AMbwobLdjLQxL1nh+pe5IInNhGsBjVJEjOSQwxKjle6SOtQspVFexDcVb+POcv/+
PQIwXwTFFYjF1ROpaUVEjfwblt4oo7b2MlOwefesFH6WwYcra6NfXDt0cMLV9KIY
zZCJAjB92CBhllZ4chijAhlUOu6DXXdjfVLZdLWvrIdJ1iN1DBmcuDVHmOwEcFIc
SC9lEn0CMFldOqcWqcgtRYLZq0INZnK7hWYYA5n+0bCJszCTKyFnFGe2RmLO5JoD
xgnkZtFGLA==
-----END PRIVATE KEY-----
)";

// Loads the file and returns the refusal; fails the test if the key was accepted.
DkimKeyError refusal(const std::filesystem::path& file,
                     KeyStrength strength = KeyStrength::production) {
    try {
        (void)DkimKey::load_pem_file(file, strength);
    } catch (const DkimKeyError& e) {
        EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
        return e;
    }
    ADD_FAILURE() << file << " was accepted";
    return DkimKeyError(Problem::write_failed, file, "accepted");
}

class DkimKeys : public ::testing::Test {
  protected:
    testkit::TempDir dir_;
};

TEST_F(DkimKeys, MissingUnreadableAndNonKeyFilesAreRefusedByName) {
    EXPECT_EQ(refusal(dir_ / "absent.pem").problem(), Problem::missing);
    EXPECT_EQ(refusal(dir_.path()).problem(), Problem::unreadable);  // a folder, not a file
    testkit::write_file(dir_ / "junk.pem", "hello, not a key\n");
    const DkimKeyError junk = refusal(dir_ / "junk.pem");
    EXPECT_EQ(junk.problem(), Problem::not_a_key);
    EXPECT_NE(std::string(junk.what()).find("no unencrypted PEM private key"), std::string::npos);
}

TEST_F(DkimKeys, OtherKeyTypesAreRefused) {
    testkit::write_file(dir_ / "ec.pem", kEcKey);
    const DkimKeyError e = refusal(dir_ / "ec.pem");
    EXPECT_EQ(e.problem(), Problem::wrong_type);
    EXPECT_NE(std::string(e.what()).find("is not RSA or Ed25519"), std::string::npos);
}

TEST_F(DkimKeys, ShortRsaKeysAreRefused) {
    testkit::write_file(dir_ / "768.pem", kRsa768Key);
    EXPECT_EQ(refusal(dir_ / "768.pem", KeyStrength::allow_weak).problem(), Problem::rsa_too_short);
    const DkimKeyError e = refusal(dir_ / "768.pem");
    EXPECT_NE(std::string(e.what()).find("768 bits, at least 2048"), std::string::npos);
}

TEST_F(DkimKeys, GeneratedRsaKeyIsPrivateLoadableAndPublishable) {
    const auto file = dir_ / "rsa.pem";
    generate_dkim_key(DkimAlgorithm::rsa_sha256, file);
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EXPECT_NE(testkit::read_file(file).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);

    const DkimKey key = DkimKey::load_pem_file(file);
    EXPECT_EQ(key.algorithm(), DkimAlgorithm::rsa_sha256);
    EXPECT_EQ(key.bits(), 2048);
    const std::string record = dkim_dns_record(key);
    EXPECT_TRUE(
        record.starts_with("v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"))
        << record;
    const std::vector<std::string> strings = dkim_txt_strings(record);
    EXPECT_GE(strings.size(), 2u);
    std::string joined;
    for (const std::string& s : strings) {
        EXPECT_LE(s.size(), 255u);
        joined += s;
    }
    EXPECT_EQ(joined, record);

    try {
        generate_dkim_key(DkimAlgorithm::rsa_sha256, file);
        ADD_FAILURE() << "an existing key was overwritten";
    } catch (const DkimKeyError& e) {
        EXPECT_EQ(e.problem(), Problem::write_failed);
    }
}

TEST_F(DkimKeys, GeneratedEd25519KeyHasA44CharacterRecord) {
    const auto file = dir_ / "ed.pem";
    generate_dkim_key(DkimAlgorithm::ed25519_sha256, file);
    const DkimKey key = DkimKey::load_pem_file(file);
    EXPECT_EQ(key.algorithm(), DkimAlgorithm::ed25519_sha256);
    const std::string record = dkim_dns_record(key);
    ASSERT_TRUE(record.starts_with("v=DKIM1; k=ed25519; p=")) << record;
    EXPECT_EQ(record.size() - std::string_view("v=DKIM1; k=ed25519; p=").size(), 44u);
}

DkimSignatureKey ed25519(std::string selector) {
    const std::vector<std::uint8_t> seed(32, 7);
    return {std::move(selector), DkimKey::from_ed25519_seed(seed)};
}

DkimSigner make_signer(DkimSignerSettings settings, std::string s1 = "a", std::string s2 = "") {
    std::vector<DkimSignatureKey> keys;
    keys.push_back(ed25519(std::move(s1)));
    if (!s2.empty()) keys.push_back(ed25519(std::move(s2)));
    return DkimSigner(std::move(settings), std::move(keys));
}

TEST(DkimSignerSettings, RefusesWhatVerifiersWouldReject) {
    EXPECT_THROW(make_signer({"example.se", "", "to:subject"}), std::invalid_argument);
    EXPECT_THROW(make_signer({"example.se", "@other.se", "from"}), std::invalid_argument);
    EXPECT_THROW(make_signer({"exa;mple.se", "", "from"}), std::invalid_argument);
    EXPECT_THROW(make_signer({"example.se", "", "from"}, "s1", "s1"), std::invalid_argument);
    EXPECT_THROW(make_signer({"example.se", "", "from::to"}), std::invalid_argument);
    EXPECT_NO_THROW(make_signer({"example.se", "@news.example.se", "from"}, "s1", "s2"));
}

TEST(DkimSignerOutput, IsFoldedRelaxedWithoutBodyLength) {
    DkimSigner signer = make_signer({"example.se", "", std::string(kDefaultSignedHeaders)});
    const std::string out =
        signer.sign("From: a@example.se\r\nSubject: x\r\n", "hi\r\n", 1700000000);
    ASSERT_TRUE(out.starts_with("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;"));
    ASSERT_TRUE(out.ends_with("\r\n"));
    EXPECT_EQ(out.find("l="), std::string::npos);
    EXPECT_NE(out.find(" t=1700000000;"), std::string::npos);
    std::size_t start = 0;
    for (std::size_t end = out.find("\r\n"); end != std::string::npos;
         start = end + 2, end = out.find("\r\n", start)) {
        EXPECT_LE(end - start, 78u) << out.substr(start, end - start);
        EXPECT_TRUE(start == 0 || out[start] == ' ');
    }
    EXPECT_EQ(signer.sign("From: a@example.se\r\nSubject: x\r\n", "hi\r\n", 1700000000), out);
}

TEST(DkimSignerOutput, RefusesHeaderBlocksWithBareLineBreaks) {
    DkimSigner signer = make_signer({"example.se", "", "from"});
    EXPECT_THROW((void)signer.sign("From: a@example.se\nTo: b\r\n", "", 0), std::invalid_argument);
    EXPECT_THROW((void)signer.sign("From: a\r@example.se\r\n", "", 0), std::invalid_argument);
    EXPECT_THROW((void)signer.sign("From: a@example.se", "", 0), std::invalid_argument);
}

}  // namespace
}  // namespace brevduva::templates
