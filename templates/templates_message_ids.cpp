#include "templates/templates_message_ids.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace brevduva::templates {
namespace {

constexpr std::string_view kBase32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::size_t kTagBytes = 10;  // 80 bits: 16 base32 characters

// Label and two varints: 10 + 2 × 10 bytes at most.
using IdInput = std::array<unsigned char, 32>;

void put_varint(IdInput& out, std::size_t& used, std::uint64_t value) {
    while (value >= 0x80) {
        out[used++] = static_cast<unsigned char>(value | 0x80);
        value >>= 7;
    }
    out[used++] = static_cast<unsigned char>(value);
}

int base32_value(char c) {
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= '2' && c <= '7') return c - '2' + 26;
    return -1;
}

}  // namespace

std::string derive_message_id_key(std::string_view installation_secret) {
    const consent::Sha256Digest key = consent::hmac_sha256(
        consent::as_bytes(installation_secret), consent::as_bytes("brevduva message-id v1"));
    return std::string(key.begin(), key.end());
}

MessageIds::MessageIds(std::string_view secret, std::string domain)
    : hmac_(consent::as_bytes(secret)), domain_(std::move(domain)) {
    if (secret.size() < 32) throw std::invalid_argument("Message-ID secret shorter than 32 bytes");
    if (domain_.empty() || domain_.find_first_of("<>@ \t\r\n") != std::string::npos) {
        throw std::invalid_argument("Message-ID domain is not a plain domain name");
    }
}

void MessageIds::make(std::uint64_t campaign_id, std::uint64_t contact_id, Ids& ids) {
    static constexpr std::string_view label = "message-id";
    IdInput input{};
    std::copy(label.begin(), label.end(), input.begin());
    std::size_t used = label.size();
    put_varint(input, used, campaign_id);
    put_varint(input, used, contact_id);
    const consent::Sha256Digest digest =
        hmac_.tag(std::span<const unsigned char>(input.data(), used));
    const std::span<const unsigned char> tag(digest.data(), kTagBytes);
    ids.message_id.assign("<c");
    ids.message_id += std::to_string(campaign_id);
    ids.message_id += ".r";
    ids.message_id += std::to_string(contact_id);
    ids.message_id += '.';
    append_base32(ids.message_id, tag);
    ids.message_id += '@';
    ids.message_id += domain_;
    ids.message_id += '>';
    ids.boundary.assign("=_");
    append_base32(ids.boundary, tag);
}

void append_base32(std::string& out, std::span<const unsigned char> bytes) {
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const unsigned char byte : bytes) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out += kBase32[(buffer >> bits) & 31];
        }
    }
    if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
}

std::optional<std::vector<unsigned char>> base32_decode(std::string_view text) {
    std::vector<unsigned char> out;
    out.reserve(text.size() * 5 / 8);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const int value = base32_value(c);
        if (value < 0) return std::nullopt;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<unsigned char>((buffer >> bits) & 0xFF));
        }
    }
    // Left-over bits must be padding zeros, fewer than a byte: one string per byte string.
    if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

void append_verp_address(std::string& out, consent::TokenMinter& minter, std::uint64_t delivery_id,
                         std::chrono::sys_seconds issued, std::string_view bounce_domain) {
    consent::TokenClaims claims;
    claims.kind = consent::TokenKind::bounce;
    claims.delivery_id = delivery_id;
    claims.issued_at = issued;
    consent::TokenBytes bytes{};
    const std::size_t used = minter.mint_bytes(claims, bytes);
    const std::size_t start = out.size();
    out += kVerpPrefix;
    append_base32(out, std::span<const unsigned char>(bytes.data(), used));
    if (out.size() - start > kMaxLocalPart) {
        out.resize(start);
        throw std::length_error("VERP local part longer than 64 octets");
    }
    out += '@';
    out += bounce_domain;
}

consent::Result<consent::TokenClaims, consent::TokenError> decode_verp(
    const consent::TokenKeys& keys, std::string_view address) {
    using Decoded = consent::Result<consent::TokenClaims, consent::TokenError>;
    std::string_view local = address.substr(0, address.find('@'));
    if (local.size() <= kVerpPrefix.size() || local.size() > kMaxLocalPart ||
        base32_value(local[0]) != base32_value(kVerpPrefix[0]) || local[1] != '-') {
        return Decoded::failure(consent::TokenError::malformed);
    }
    local.remove_prefix(kVerpPrefix.size());
    const auto bytes = base32_decode(local);
    if (!bytes) return Decoded::failure(consent::TokenError::malformed);
    return consent::verify_bytes(keys, *bytes, consent::TokenKind::bounce);
}

}  // namespace brevduva::templates
