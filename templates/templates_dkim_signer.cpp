#include "templates/templates_dkim_signer.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <stdexcept>

#include "templates/templates_dkim_canon.hpp"

namespace brevduva::templates {
namespace {

constexpr std::size_t kMaxLine = 78;  // RFC 5322 §2.1.1 SHOULD, excluding the CRLF
constexpr std::size_t kDigestSize = 32;

struct MdFree {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

std::string_view trim_wsp(std::string_view s) {
    while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
    return s;
}

[[noreturn]] void fail_openssl(const char* what) {
    const unsigned long code = ERR_peek_last_error();
    const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
    ERR_clear_error();
    throw std::runtime_error(std::string("DKIM: ") + what +
                             " failed: " + (reason != nullptr ? reason : "unknown OpenSSL error"));
}

void check(int rc, const char* what) {
    if (rc != 1) fail_openssl(what);
}

// A tag value we put between "x=" and ";" must not be able to end the tag or the field.
void require_tag_text(std::string_view tag, std::string_view value) {
    const bool bad = std::any_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= ' ' || u >= 0x7F || c == ';';
    });
    if (value.empty() || bad) {
        throw std::invalid_argument("DKIM " + std::string(tag) + "= value \"" + std::string(value) +
                                    "\" is empty or has WSP, ';' or "
                                    "non-ASCII");
    }
}

std::vector<std::string> parse_signed_headers(std::string_view text) {
    std::vector<std::string> names;
    while (true) {
        const std::size_t colon = text.find(':');
        const std::string_view name = trim_wsp(text.substr(0, colon));
        require_tag_text("h", name);
        names.emplace_back(name);
        if (colon == std::string_view::npos) break;
        text.remove_prefix(colon + 1);
    }
    if (std::none_of(names.begin(), names.end(),
                     [](const std::string& n) { return iequals(n, "from"); })) {
        throw std::invalid_argument("DKIM h= must include From (RFC 6376 §5.4)");
    }
    return names;
}

// The i= domain must be d= or a subdomain of it, or verifiers reject the signature.
void require_identity_in_domain(std::string_view identity, std::string_view domain) {
    const std::size_t at = identity.rfind('@');
    const std::string_view idomain =
        at == std::string_view::npos ? std::string_view{} : identity.substr(at + 1);
    const bool same = iequals(idomain, domain);
    const bool sub = idomain.size() > domain.size() &&
                     idomain[idomain.size() - domain.size() - 1] == '.' &&
                     iequals(idomain.substr(idomain.size() - domain.size()), domain);
    if (!same && !sub) {
        throw std::invalid_argument("DKIM i= \"" + std::string(identity) +
                                    "\" is not in d= " + std::string(domain));
    }
}

// Writes a header field word by word, starting a continuation line (CRLF SP) whenever the
// next word would pass column 78. Folding happens only where the caller says WSP is allowed.
class FieldFolder {
  public:
    explicit FieldFolder(std::string& out) : out_(out), line_start_(out.size()) {}

    void word(std::initializer_list<std::string_view> parts, bool space_before = true) {
        std::size_t size = space_before ? 1 : 0;
        for (const std::string_view p : parts) size += p.size();
        if (column() + size > kMaxLine && column() > 1) {
            new_line();
        } else if (space_before) {
            out_ += ' ';
        }
        for (const std::string_view p : parts) out_ += p;
    }

    // Text in which FWS may appear anywhere (a base64 value): fills each line to the limit.
    void fill(std::string_view text) {
        while (!text.empty()) {
            if (column() >= kMaxLine) new_line();
            const std::size_t take = std::min(text.size(), kMaxLine - column());
            out_.append(text.substr(0, take));
            text.remove_prefix(take);
        }
    }

  private:
    std::size_t column() const { return out_.size() - line_start_; }
    void new_line() {
        out_ += "\r\n ";
        line_start_ = out_.size() - 1;
    }

    std::string& out_;
    std::size_t line_start_;
};

// h= goes out as written, folded where it has WSP or just after a ':' (RFC 6376 §3.5 allows
// FWS around the colons). The hash covers the folded text, so both sides agree either way.
void append_header_list(FieldFolder& fold, std::string_view list) {
    list = trim_wsp(list);
    bool space_before = true;
    std::string_view prefix = "h=";
    std::size_t i = 0;
    while (i < list.size()) {
        if (is_wsp(list[i])) {
            space_before = true;
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < list.size() && !is_wsp(list[end]) && list[end] != ':') ++end;
        if (end < list.size() && list[end] == ':') ++end;
        fold.word({prefix, list.substr(i, end - i), end == list.size() ? ";" : ""}, space_before);
        prefix = {};
        space_before = false;
        i = end;
    }
}

class DigestSink final : public ByteSink {
  public:
    explicit DigestSink(EVP_MD_CTX* ctx) : ctx_(ctx) {}
    void consume(std::string_view bytes) override {
        check(EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()), "SHA-256 update");
    }

  private:
    EVP_MD_CTX* ctx_;
};

std::string_view base64(const unsigned char* data, std::size_t size, std::string& out) {
    out.resize(4 * ((size + 2) / 3) + 1);
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    return std::string_view(out.data(), static_cast<std::size_t>(n));
}

}  // namespace

struct DkimSigner::State {
    struct Entry {
        std::string selector;
        DkimKey key;
        std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> rsa_ctx;  // prepared once: padding, md
        std::vector<unsigned char> signature;
    };

    State(DkimSignerSettings s, std::vector<DkimSignatureKey> keys);
    void collect_fields(std::string_view header_block);
    void build_header_input();
    std::string_view body_hash(std::string_view body, std::string& out);
    std::size_t sign_digest(Entry& entry, const unsigned char* digest);
    void append_signature(std::string& out, Entry& entry, std::string_view bh,
                          std::int64_t unix_time);

    DkimSignerSettings settings;
    std::vector<std::string> names;     // h= names, in order
    std::vector<std::size_t> ordinals;  // names[i] takes the ordinals[i]-th field from below
    std::vector<Entry> entries;
    std::unique_ptr<EVP_MD, MdFree> sha256{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> md_ctx{EVP_MD_CTX_new()};
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> sign_ctx{EVP_MD_CTX_new()};
    DigestSink sink{md_ctx.get()};
    RelaxedBodyCanonicaliser canon{sink};
    // Reused per message so a warm signer allocates only the text it returns.
    std::vector<std::string_view> fields;
    std::string header_input;
    std::string signature_input;
    std::string bh_text;
    std::string b_text;
};

DkimSigner::State::State(DkimSignerSettings s, std::vector<DkimSignatureKey> keys)
    : settings(std::move(s)), names(parse_signed_headers(settings.signed_headers)) {
    if (!sha256 || !md_ctx || !sign_ctx) fail_openssl("OpenSSL set-up");
    require_tag_text("d", settings.domain);
    if (!settings.identity.empty()) {
        require_tag_text("i", settings.identity);
        require_identity_in_domain(settings.identity, settings.domain);
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        ordinals.push_back(static_cast<std::size_t>(
            std::count_if(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i),
                          [&](const std::string& n) { return iequals(n, names[i]); })));
    }
    if (keys.empty() || keys.size() > 2) {
        throw std::invalid_argument("DKIM signer takes one or two keys");
    }
    if (keys.size() == 2 && keys[0].selector == keys[1].selector) {
        throw std::invalid_argument("DKIM signatures need distinct selectors (RFC 8463 §6)");
    }
    for (DkimSignatureKey& k : keys) {
        require_tag_text("s", k.selector);
        Entry entry{std::move(k.selector), std::move(k.key), nullptr, {}};
        entry.signature.resize(static_cast<std::size_t>(EVP_PKEY_get_size(entry.key.native())));
        if (entry.key.algorithm() == DkimAlgorithm::rsa_sha256) {
            entry.rsa_ctx.reset(EVP_PKEY_CTX_new(entry.key.native(), nullptr));
            if (!entry.rsa_ctx) fail_openssl("RSA context");
            check(EVP_PKEY_sign_init(entry.rsa_ctx.get()), "RSA sign init");
            check(EVP_PKEY_CTX_set_rsa_padding(entry.rsa_ctx.get(), RSA_PKCS1_PADDING),
                  "RSA padding");
            check(EVP_PKEY_CTX_set_signature_md(entry.rsa_ctx.get(), sha256.get()), "RSA digest");
        }
        entries.push_back(std::move(entry));
    }
}

void DkimSigner::State::collect_fields(std::string_view header_block) {
    fields.clear();
    std::size_t start = 0;
    while (start < header_block.size()) {
        const std::size_t lf = header_block.find('\n', start);
        if (lf == std::string_view::npos || lf == start || header_block[lf - 1] != '\r') {
            throw std::invalid_argument("DKIM: header block has a line not ended by CRLF");
        }
        const std::string_view line = header_block.substr(start, lf + 1 - start);
        if (line.find('\r') != line.size() - 2) {
            throw std::invalid_argument("DKIM: header block has a bare CR");
        }
        if (line.size() == 2) break;  // the empty line that ends the header
        if (is_wsp(line.front()) && !fields.empty()) {
            const std::string_view& last = fields.back();
            fields.back() = std::string_view(last.data(), last.size() + line.size());
        } else {
            fields.push_back(line);
        }
        start = lf + 1;
    }
}

// RFC 6376 §5.4.2: for each name in h=, the next instance of that field from the bottom;
// a name with no instance left contributes nothing (the "null string").
void DkimSigner::State::build_header_input() {
    header_input.clear();
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::size_t skip = ordinals[i];
        for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
            const std::string_view field_name = trim_wsp(it->substr(0, it->find(':')));
            if (!iequals(field_name, names[i])) continue;
            if (skip-- > 0) continue;
            append_relaxed_header(header_input, *it);
            header_input += "\r\n";
            break;
        }
    }
}

std::string_view DkimSigner::State::body_hash(std::string_view body, std::string& out) {
    check(EVP_DigestInit_ex(md_ctx.get(), sha256.get(), nullptr), "SHA-256 init");
    canon.feed(body);
    canon.finish();
    std::array<unsigned char, kDigestSize> digest{};
    check(EVP_DigestFinal_ex(md_ctx.get(), digest.data(), nullptr), "SHA-256 final");
    return base64(digest.data(), digest.size(), out);
}

// RFC 8463 §3: Ed25519 signs the SHA-256 digest itself (PureEdDSA over 32 bytes); RSA wraps
// the same digest in PKCS#1 v1.5 with the SHA-256 DigestInfo (RFC 8301).
std::size_t DkimSigner::State::sign_digest(Entry& entry, const unsigned char* digest) {
    std::size_t size = entry.signature.size();
    if (entry.rsa_ctx) {
        check(
            EVP_PKEY_sign(entry.rsa_ctx.get(), entry.signature.data(), &size, digest, kDigestSize),
            "RSA sign");
        return size;
    }
    check(EVP_MD_CTX_reset(sign_ctx.get()), "Ed25519 reset");
    check(EVP_DigestSignInit(sign_ctx.get(), nullptr, nullptr, nullptr, entry.key.native()),
          "Ed25519 init");
    check(EVP_DigestSign(sign_ctx.get(), entry.signature.data(), &size, digest, kDigestSize),
          "Ed25519 sign");
    return size;
}

void DkimSigner::State::append_signature(std::string& out, Entry& entry, std::string_view bh,
                                         std::int64_t unix_time) {
    const std::size_t start = out.size();
    std::array<char, 24> time_text{};
    const auto time_end = std::to_chars(time_text.begin(), time_text.end(), unix_time).ptr;
    FieldFolder fold(out);
    out += "DKIM-Signature:";
    fold.word({"v=1;"});
    fold.word({"a=", dkim_algorithm_name(entry.key.algorithm()), ";"});
    fold.word({"c=relaxed/relaxed;"});
    fold.word({"d=", settings.domain, ";"});
    if (!settings.identity.empty()) fold.word({"i=", settings.identity, ";"});
    fold.word({"q=dns/txt;"});
    fold.word({"s=", entry.selector, ";"});
    fold.word({"t=", std::string_view(time_text.data(), time_end), ";"});
    append_header_list(fold, settings.signed_headers);
    fold.word({"bh=", bh, ";"});
    fold.word({"b="});
    // §3.7: the field as emitted, b= empty, relaxed, without CRLF, closes the hash input.
    signature_input.clear();
    append_relaxed_header(signature_input, std::string_view(out).substr(start));
    std::array<unsigned char, kDigestSize> digest{};
    check(EVP_DigestInit_ex(md_ctx.get(), sha256.get(), nullptr), "SHA-256 init");
    check(EVP_DigestUpdate(md_ctx.get(), header_input.data(), header_input.size()),
          "SHA-256 update");
    check(EVP_DigestUpdate(md_ctx.get(), signature_input.data(), signature_input.size()),
          "SHA-256 update");
    check(EVP_DigestFinal_ex(md_ctx.get(), digest.data(), nullptr), "SHA-256 final");
    const std::size_t size = sign_digest(entry, digest.data());
    fold.fill(base64(entry.signature.data(), size, b_text));
    out += "\r\n";
}

DkimSigner::DkimSigner(DkimSignerSettings settings, std::vector<DkimSignatureKey> keys)
    : state_(std::make_unique<State>(std::move(settings), std::move(keys))) {}
DkimSigner::~DkimSigner() = default;
DkimSigner::DkimSigner(DkimSigner&&) noexcept = default;
DkimSigner& DkimSigner::operator=(DkimSigner&&) noexcept = default;

std::string DkimSigner::sign(std::string_view header_block, std::string_view body,
                             std::int64_t unix_time) {
    State& s = *state_;
    s.collect_fields(header_block);
    s.build_header_input();
    const std::string_view bh = s.body_hash(body, s.bh_text);
    std::string out;
    out.reserve(s.entries.size() * 800);
    for (State::Entry& entry : s.entries) {
        s.append_signature(out, entry, bh, unix_time);
    }
    return out;
}

std::string dkim_relaxed_body_hash(std::string_view body) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx) fail_openssl("SHA-256 context");
    check(EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr), "SHA-256 init");
    DigestSink sink(ctx.get());
    RelaxedBodyCanonicaliser canon(sink);
    canon.feed(body);
    canon.finish();
    std::array<unsigned char, kDigestSize> digest{};
    check(EVP_DigestFinal_ex(ctx.get(), digest.data(), nullptr), "SHA-256 final");
    std::string out;
    const std::size_t size = base64(digest.data(), digest.size(), out).size();
    out.resize(size);
    return out;
}

}  // namespace brevduva::templates
