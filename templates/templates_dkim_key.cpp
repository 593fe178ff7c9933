#include "templates/templates_dkim_key.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace brevduva::templates {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;  // a PEM key is a few KiB; more is not a key

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct FileClose {
    void operator()(std::FILE* file) const { (void)std::fclose(file); }  // read only
};

// OpenSSL keeps errors on a thread-local queue; take the newest one as text and clear the rest,
// so one failed load cannot leak a stale error into an unrelated later call.
std::string take_openssl_error() {
    const unsigned long code = ERR_peek_last_error();
    const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
    std::string text = reason != nullptr ? reason : "unknown OpenSSL error";
    ERR_clear_error();
    return text;
}

// A passphrase callback that always declines: an encrypted key must fail to load rather than
// make OpenSSL prompt on a terminal that a service does not have.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

std::string read_key_file(const std::filesystem::path& file) {
    using Problem = DkimKeyError::Problem;
    std::unique_ptr<std::FILE, FileClose> in(std::fopen(file.c_str(), "rb"));
    if (!in) {
        const int err = errno;
        throw DkimKeyError(err == ENOENT ? Problem::missing : Problem::unreadable, file,
                           std::generic_category().message(err));
    }
    std::string text(kMaxKeyFileBytes + 1, '\0');
    const std::size_t got = std::fread(text.data(), 1, text.size(), in.get());
    if (std::ferror(in.get()) != 0) {
        throw DkimKeyError(Problem::unreadable, file, std::generic_category().message(errno));
    }
    if (got > kMaxKeyFileBytes) {
        throw DkimKeyError(Problem::not_a_key, file, "file is larger than any PEM key");
    }
    text.resize(got);
    return text;
}

std::string base64(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3), '\0');
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

void write_private_file(const std::filesystem::path& file, std::string_view pem) {
    using Problem = DkimKeyError::Problem;
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw DkimKeyError(Problem::write_failed, file, std::generic_category().message(errno));
    }
    // fchmod pins the mode even when the umask is unusual; the key must never be group-readable.
    bool ok = ::fchmod(fd, 0600) == 0;
    std::size_t done = 0;
    while (ok && done < pem.size()) {
        const ssize_t n = ::write(fd, pem.data() + done, pem.size() - done);
        ok = n > 0;
        done += ok ? static_cast<std::size_t>(n) : 0;
    }
    const int err = errno;
    ok = (::close(fd) == 0) && ok;
    if (!ok) {
        ::unlink(file.c_str());
        throw DkimKeyError(Problem::write_failed, file, std::generic_category().message(err));
    }
}

}  // namespace

DkimKeyError::DkimKeyError(Problem problem, const std::filesystem::path& file,
                           const std::string& detail)
    : std::runtime_error("DKIM key " + file.string() + ": " + detail), problem_(problem) {}

void DkimKey::Free::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

DkimKey DkimKey::load_pem_file(const std::filesystem::path& file, KeyStrength strength) {
    using Problem = DkimKeyError::Problem;
    const std::string pem = read_key_file(file);
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* raw =
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr;
    if (raw == nullptr) {
        throw DkimKeyError(Problem::not_a_key, file,
                           "no unencrypted PEM private key (" + take_openssl_error() + ")");
    }
    DkimKey key(raw, DkimAlgorithm::rsa_sha256);
    switch (EVP_PKEY_get_base_id(raw)) {
        case EVP_PKEY_RSA:
            break;
        case EVP_PKEY_ED25519:
            key.algorithm_ = DkimAlgorithm::ed25519_sha256;
            return key;
        default:
            throw DkimKeyError(Problem::wrong_type, file,
                               std::string("key type ") + OBJ_nid2sn(EVP_PKEY_get_base_id(raw)) +
                                   " is not RSA or Ed25519");
    }
    const int floor = strength == KeyStrength::production ? kMinRsaBits : kMinWeakRsaBits;
    if (key.bits() < floor) {
        throw DkimKeyError(Problem::rsa_too_short, file,
                           "RSA key has " + std::to_string(key.bits()) + " bits, at least " +
                               std::to_string(floor) + " are required");
    }
    return key;
}

DkimKey DkimKey::from_ed25519_seed(std::span<const std::uint8_t> seed) {
    if (seed.size() != 32) {
        throw std::invalid_argument("an Ed25519 seed has 32 bytes, got " +
                                    std::to_string(seed.size()));
    }
    EVP_PKEY* raw =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
    if (raw == nullptr) {
        throw std::runtime_error("Ed25519 seed rejected: " + take_openssl_error());
    }
    return DkimKey(raw, DkimAlgorithm::ed25519_sha256);
}

int DkimKey::bits() const { return EVP_PKEY_get_bits(pkey_.get()); }

DkimKey DkimKey::share() const {
    EVP_PKEY_up_ref(pkey_.get());
    return DkimKey(pkey_.get(), algorithm_);
}

std::string dkim_dns_record(const DkimKey& key) {
    if (key.algorithm() == DkimAlgorithm::ed25519_sha256) {
        unsigned char raw[32];
        std::size_t size = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(key.native(), raw, &size) != 1) {
            throw std::runtime_error("Ed25519 public key: " + take_openssl_error());
        }
        return "v=DKIM1; k=ed25519; p=" + base64(raw, size);
    }
    unsigned char* der = nullptr;
    const int size = i2d_PUBKEY(key.native(), &der);
    if (size <= 0) {
        throw std::runtime_error("RSA public key: " + take_openssl_error());
    }
    std::string record = "v=DKIM1; k=rsa; p=" + base64(der, static_cast<std::size_t>(size));
    OPENSSL_free(der);
    return record;
}

std::vector<std::string> dkim_txt_strings(std::string_view record) {
    constexpr std::size_t kMaxTxtString = 255;
    std::vector<std::string> strings;
    for (std::size_t at = 0; at < record.size(); at += kMaxTxtString) {
        strings.emplace_back(record.substr(at, kMaxTxtString));
    }
    return strings;
}

void generate_dkim_key(DkimAlgorithm algorithm, const std::filesystem::path& file) {
    using Problem = DkimKeyError::Problem;
    const bool rsa = algorithm == DkimAlgorithm::rsa_sha256;
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
        EVP_PKEY_CTX_new_id(rsa ? EVP_PKEY_RSA : EVP_PKEY_ED25519, nullptr));
    EVP_PKEY* raw = nullptr;
    const bool generated =
        ctx && EVP_PKEY_keygen_init(ctx.get()) == 1 &&
        (!rsa || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), kMinRsaBits) == 1) &&
        EVP_PKEY_keygen(ctx.get(), &raw) == 1;
    std::unique_ptr<EVP_PKEY, PkeyFree> key(raw);
    if (!generated) {
        throw DkimKeyError(Problem::write_failed, file,
                           "key generation failed: " + take_openssl_error());
    }
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1) {
        throw DkimKeyError(Problem::write_failed, file,
                           "PEM encoding failed: " + take_openssl_error());
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    write_private_file(file, std::string_view(data, static_cast<std::size_t>(size)));
}

std::string_view dkim_algorithm_name(DkimAlgorithm algorithm) {
    return algorithm == DkimAlgorithm::rsa_sha256 ? "rsa-sha256" : "ed25519-sha256";
}

}  // namespace brevduva::templates
