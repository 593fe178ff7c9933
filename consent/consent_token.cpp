#include "consent/consent_token.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>

#include "consent/consent_hmac.hpp"
#include "consent/consent_names.hpp"

namespace brevduva::consent {

namespace {

using Bytes = std::vector<unsigned char>;
using Verified = Result<TokenClaims, TokenError>;

constexpr unsigned char token_version = 1;
constexpr std::size_t tag_bytes = 16;  // HMAC-SHA256 truncated to 128 bits (checklist I-84)
// version, kind, key id (≤5), five ids (≤10 each), issued_at (≤10), tag: 83 bytes, 111 chars.
constexpr std::size_t max_token_chars = 112;
constexpr std::size_t min_payload_bytes = 9;  // every varint one byte

constexpr std::array<std::string_view, 6> kind_names{"open",        "click",   "unsubscribe",
                                                     "preferences", "confirm", "bounce"};
constexpr std::array<std::string_view, 4> error_names{"malformed", "unknown_key", "bad_tag",
                                                      "wrong_kind"};
constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static_assert(max_token_bytes == 2 + 5 + 5 * 10 + 10 + tag_bytes);

// Writes into a fixed buffer that max_token_bytes sizes for the worst case.
void put_varint(TokenBytes& out, std::size_t& used, std::uint64_t value) {
    while (value >= 0x80) {
        out[used++] = static_cast<unsigned char>(value | 0x80);
        value >>= 7;
    }
    out[used++] = static_cast<unsigned char>(value);
}

// The payload (everything the tag covers); returns its length.
std::size_t put_payload(TokenBytes& out, std::uint32_t key_id, const TokenClaims& claims) {
    const auto issued = claims.issued_at.time_since_epoch().count();
    if (issued < 0) throw std::invalid_argument("token issued before 1970");
    std::size_t used = 0;
    out[used++] = token_version;
    out[used++] = static_cast<unsigned char>(claims.kind);
    put_varint(out, used, key_id);
    for (const auto id : {claims.campaign_id, claims.contact_id, claims.delivery_id, claims.link_id,
                          claims.purpose_id}) {
        put_varint(out, used, id);
    }
    put_varint(out, used, static_cast<std::uint64_t>(issued));
    return used;
}

// Reads one canonical unsigned LEB128 varint; nullopt for a truncated, overlong or
// overflowing one.
std::optional<std::uint64_t> get_varint(std::span<const unsigned char> in, std::size_t& pos) {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 64 && pos < in.size(); shift += 7) {
        const unsigned char byte = in[pos++];
        const std::uint64_t bits = byte & 0x7Fu;
        if (shift == 63 && bits > 1) return std::nullopt;
        value |= bits << shift;
        if ((byte & 0x80) == 0) {
            if (byte == 0 && shift > 0) return std::nullopt;  // overlong: a trailing zero group
            return value;
        }
    }
    return std::nullopt;
}

// Writes in place: the renderer appends a dozen tokens to reused buffers per message.
void append_base64url(std::string& out, std::span<const unsigned char> in) {
    const std::size_t start = out.size();
    out.resize(start + (in.size() * 4 + 2) / 3);
    char* p = out.data() + start;
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const std::uint32_t n =
            (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
        *p++ = base64url_alphabet[(n >> 18) & 63];
        *p++ = base64url_alphabet[(n >> 12) & 63];
        *p++ = base64url_alphabet[(n >> 6) & 63];
        *p++ = base64url_alphabet[n & 63];
    }
    const std::size_t rest = in.size() - i;
    if (rest > 0) {
        std::uint32_t n = std::uint32_t{in[i]} << 16;
        if (rest == 2) n |= std::uint32_t{in[i + 1]} << 8;
        *p++ = base64url_alphabet[(n >> 18) & 63];
        *p++ = base64url_alphabet[(n >> 12) & 63];
        if (rest == 2) *p++ = base64url_alphabet[(n >> 6) & 63];
    }
}

int base64url_value(char c) {
    const auto pos = base64url_alphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// Strict: no padding, no other alphabet, and the unused low bits of the last character must
// be zero, so that exactly one string decodes to each byte string.
std::optional<Bytes> base64url_decode(std::string_view in) {
    if (in.size() % 4 == 1) return std::nullopt;
    Bytes out;
    out.reserve(in.size() * 3 / 4);
    std::uint32_t accumulator = 0;
    int bits = 0;
    for (const char c : in) {
        const int value = base64url_value(c);
        if (value < 0) return std::nullopt;
        accumulator = (accumulator << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<unsigned char>((accumulator >> bits) & 0xFF));
        }
    }
    if ((accumulator & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::span<const unsigned char> key_bytes(const std::string& key) { return as_bytes(key); }

std::optional<TokenClaims> parse_claims(std::span<const unsigned char> payload) {
    // The MAC has already been checked; this still refuses anything mint would not write.
    std::size_t pos = 1;
    const unsigned char kind = payload[pos++];
    if (kind >= kind_names.size()) return std::nullopt;
    TokenClaims claims;
    claims.kind = static_cast<TokenKind>(kind);
    if (!get_varint(payload, pos)) return std::nullopt;  // key id, read before the MAC check
    std::array<std::uint64_t*, 5> ids{&claims.campaign_id, &claims.contact_id, &claims.delivery_id,
                                      &claims.link_id, &claims.purpose_id};
    for (auto* id : ids) {
        const auto value = get_varint(payload, pos);
        if (!value) return std::nullopt;
        *id = *value;
    }
    const auto issued = get_varint(payload, pos);
    if (!issued || *issued > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        pos != payload.size()) {
        return std::nullopt;
    }
    claims.issued_at =
        std::chrono::sys_seconds{std::chrono::seconds{static_cast<std::int64_t>(*issued)}};
    return claims;
}

void check_key(const std::string& key) {
    if (key.size() < TokenKeys::min_key_bytes) {
        throw std::invalid_argument("token key shorter than 32 bytes");
    }
}

}  // namespace

TokenKeys::TokenKeys(std::uint32_t current_id, std::string current_key) : current_id_(current_id) {
    check_key(current_key);
    keys_.emplace(current_id, std::move(current_key));
}

TokenKeys::~TokenKeys() {
    for (auto& [id, key] : keys_) OPENSSL_cleanse(key.data(), key.size());
}

void TokenKeys::add_verification_key(std::uint32_t id, std::string key) {
    check_key(key);
    if (!keys_.emplace(id, std::move(key)).second) {
        throw std::invalid_argument("token key id already in the ring");
    }
}

const std::string* TokenKeys::find(std::uint32_t id) const {
    const auto it = keys_.find(id);
    return it == keys_.end() ? nullptr : &it->second;
}

std::string mint(const TokenKeys& keys, const TokenClaims& claims) {
    TokenBytes bytes{};
    const std::size_t payload = put_payload(bytes, keys.current_id(), claims);
    const auto tag = hmac_sha256(key_bytes(*keys.find(keys.current_id())),
                                 std::span<const unsigned char>(bytes.data(), payload));
    std::copy(tag.begin(), tag.begin() + tag_bytes, bytes.begin() + payload);
    std::string text;
    append_base64url(text, std::span<const unsigned char>(bytes.data(), payload + tag_bytes));
    return text;
}

TokenMinter::TokenMinter(const TokenKeys& keys)
    : key_id_(keys.current_id()), hmac_(key_bytes(*keys.find(keys.current_id()))) {}

std::size_t TokenMinter::mint_bytes(const TokenClaims& claims, TokenBytes& out) {
    const std::size_t payload = put_payload(out, key_id_, claims);
    const auto tag = hmac_.tag(std::span<const unsigned char>(out.data(), payload));
    std::copy(tag.begin(), tag.begin() + tag_bytes, out.begin() + payload);
    return payload + tag_bytes;
}

void TokenMinter::mint(const TokenClaims& claims, std::string& out) {
    TokenBytes bytes;
    const std::size_t used = mint_bytes(claims, bytes);
    append_base64url(out, std::span<const unsigned char>(bytes.data(), used));
}

Result<TokenClaims, TokenError> verify(const TokenKeys& keys, std::string_view token,
                                       TokenKind expected) {
    if (token.size() > max_token_chars) return Verified::failure(TokenError::malformed);
    const auto bytes = base64url_decode(token);
    if (!bytes) return Verified::failure(TokenError::malformed);
    return verify_bytes(keys, *bytes, expected);
}

Result<TokenClaims, TokenError> verify_bytes(const TokenKeys& keys,
                                             std::span<const unsigned char> all,
                                             TokenKind expected) {
    if (all.size() < min_payload_bytes + tag_bytes || all.size() > max_token_bytes) {
        return Verified::failure(TokenError::malformed);
    }
    const auto payload = all.first(all.size() - tag_bytes);
    if (payload[0] != token_version) return Verified::failure(TokenError::malformed);
    std::size_t pos = 2;
    const auto key_id = get_varint(payload, pos);
    if (!key_id || *key_id > std::numeric_limits<std::uint32_t>::max()) {
        return Verified::failure(TokenError::malformed);
    }
    const std::string* key = keys.find(static_cast<std::uint32_t>(*key_id));
    if (key == nullptr) return Verified::failure(TokenError::unknown_key);
    const auto tag = hmac_sha256(key_bytes(*key), payload);
    if (CRYPTO_memcmp(tag.data(), all.last(tag_bytes).data(), tag_bytes) != 0) {
        return Verified::failure(TokenError::bad_tag);
    }
    auto claims = parse_claims(payload);
    if (!claims) return Verified::failure(TokenError::malformed);
    // Checked after the tag, so that "wrong kind" is only ever said of a genuine token.
    if (claims->kind != expected) return Verified::failure(TokenError::wrong_kind);
    return Verified::success(*claims);
}

std::string_view to_string(TokenKind kind) { return detail::name_of(kind_names, kind); }
std::string_view to_string(TokenError error) { return detail::name_of(error_names, error); }

std::optional<TokenKind> parse_token_kind(std::string_view text) {
    return detail::parse_name<TokenKind>(kind_names, text);
}

std::optional<TokenError> parse_token_error(std::string_view text) {
    return detail::parse_name<TokenError>(error_names, text);
}

}  // namespace brevduva::consent
