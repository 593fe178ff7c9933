#include "consent/consent_hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace brevduva::consent {

Sha256Digest hmac_sha256(std::span<const unsigned char> key, std::span<const unsigned char> data) {
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw std::invalid_argument("HMAC key too long");
    }
    // HMAC() wants a non-null key pointer even for an empty key.
    static constexpr unsigned char no_key = 0;
    Sha256Digest digest{};
    unsigned int length = 0;
    const unsigned char* result =
        HMAC(EVP_sha256(), key.empty() ? &no_key : key.data(), static_cast<int>(key.size()),
             data.empty() ? &no_key : data.data(), data.size(), digest.data(), &length);
    if (result == nullptr || length != digest.size()) {
        throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
    }
    return digest;
}

namespace {

constexpr std::size_t block_bytes = 64;  // SHA-256's block: RFC 2104's B

struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

MdCtx new_context() {
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx) throw std::runtime_error("EVP_MD_CTX_new failed");
    return ctx;
}

void check(int ok) {
    if (ok != 1) throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
}

}  // namespace

// SHA-256 states that have absorbed the key XOR ipad and XOR opad; each tag starts from copies.
struct HmacSha256::State {
    MdCtx inner = new_context();
    MdCtx outer = new_context();
    MdCtx work = new_context();
};

HmacSha256::HmacSha256(std::span<const unsigned char> key) : state_(std::make_unique<State>()) {
    std::array<unsigned char, block_bytes> padded{};
    if (key.size() > block_bytes) {
        unsigned int length = 0;
        check(EVP_Digest(key.data(), key.size(), padded.data(), &length, EVP_sha256(), nullptr));
    } else {
        std::copy(key.begin(), key.end(), padded.begin());
    }
    std::array<unsigned char, block_bytes> pad{};
    for (std::size_t i = 0; i < block_bytes; ++i) pad[i] = padded[i] ^ 0x36;
    check(EVP_DigestInit_ex(state_->inner.get(), EVP_sha256(), nullptr));
    check(EVP_DigestUpdate(state_->inner.get(), pad.data(), pad.size()));
    for (std::size_t i = 0; i < block_bytes; ++i) pad[i] = padded[i] ^ 0x5c;
    check(EVP_DigestInit_ex(state_->outer.get(), EVP_sha256(), nullptr));
    check(EVP_DigestUpdate(state_->outer.get(), pad.data(), pad.size()));
    OPENSSL_cleanse(padded.data(), padded.size());
    OPENSSL_cleanse(pad.data(), pad.size());
}

HmacSha256::~HmacSha256() = default;
HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&&) noexcept = default;

Sha256Digest HmacSha256::tag(std::span<const unsigned char> data) {
    Sha256Digest inner{};
    Sha256Digest digest{};
    EVP_MD_CTX* work = state_->work.get();
    check(EVP_MD_CTX_copy_ex(work, state_->inner.get()));
    check(EVP_DigestUpdate(work, data.data(), data.size()));
    check(EVP_DigestFinal_ex(work, inner.data(), nullptr));
    check(EVP_MD_CTX_copy_ex(work, state_->outer.get()));
    check(EVP_DigestUpdate(work, inner.data(), inner.size()));
    check(EVP_DigestFinal_ex(work, digest.data(), nullptr));
    return digest;
}

}  // namespace brevduva::consent
