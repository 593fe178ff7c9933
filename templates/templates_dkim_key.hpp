// DKIM private keys (RFC 6376, RFC 8301, RFC 8463): loaded once at start-up, then shared by
// every signer. Loading refuses anything a receiver would not trust (RSA under 2048 bits unless
// the caller explicitly allows weak keys for a known-answer test, never under 1024; key types
// other than RSA and Ed25519), and every refusal names the file and the problem. The only I/O
// in DKIM lives here: reading a key file, and writing one in generate_dkim_key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of the interface

namespace brevduva::templates {

enum class DkimAlgorithm { rsa_sha256, ed25519_sha256 };

// allow_weak lowers the RSA floor from 2048 to 1024 bits (RFC 8301's absolute minimum); only
// the RFC 8463 known-answer test, whose published key has 1024 bits, needs it.
enum class KeyStrength { production, allow_weak };

inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMinWeakRsaBits = 1024;

// A key that cannot be used; what() reads "DKIM key <file>: <problem>".
class DkimKeyError : public std::runtime_error {
  public:
    enum class Problem { missing, unreadable, not_a_key, wrong_type, rsa_too_short, write_failed };
    DkimKeyError(Problem problem, const std::filesystem::path& file, const std::string& detail);
    [[nodiscard]] Problem problem() const { return problem_; }

  private:
    Problem problem_;
};

class DkimKey {
  public:
    // Reads a PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY", unencrypted).
    [[nodiscard]] static DkimKey load_pem_file(const std::filesystem::path& file,
                                               KeyStrength strength = KeyStrength::production);
    // The 32-byte Ed25519 secret seed of RFC 8032 (the form RFC 8463 A.1 publishes).
    [[nodiscard]] static DkimKey from_ed25519_seed(std::span<const std::uint8_t> seed);

    [[nodiscard]] DkimAlgorithm algorithm() const { return algorithm_; }
    [[nodiscard]] int bits() const;
    // A second handle to the same immutable key (a reference count, not a copy), so each
    // worker's signer can own its key without loading the file again.
    [[nodiscard]] DkimKey share() const;
    [[nodiscard]] evp_pkey_st* native() const { return pkey_.get(); }

  private:
    struct Free {
        void operator()(evp_pkey_st* key) const;
    };
    DkimKey(evp_pkey_st* key, DkimAlgorithm algorithm) : pkey_(key), algorithm_(algorithm) {}

    std::unique_ptr<evp_pkey_st, Free> pkey_;
    DkimAlgorithm algorithm_;
};

// The TXT record value to publish at <selector>._domainkey.<domain>:
// "v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>" or "v=DKIM1; k=ed25519; p=<44 chars>".
[[nodiscard]] std::string dkim_dns_record(const DkimKey& key);

// The record cut into TXT character-strings of at most 255 octets (RFC 1035 §3.3), in order;
// DNS joins them back without separators.
[[nodiscard]] std::vector<std::string> dkim_txt_strings(std::string_view record);

// Generates a new key (RSA: 2048 bits) and writes it as unencrypted PKCS#8 PEM with mode 0600.
// Refuses to overwrite an existing file: replacing a live key would break every signature
// that receivers still verify against the old DNS record.
void generate_dkim_key(DkimAlgorithm algorithm, const std::filesystem::path& file);

[[nodiscard]] std::string_view dkim_algorithm_name(DkimAlgorithm algorithm);

}  // namespace brevduva::templates
