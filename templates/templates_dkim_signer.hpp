// DKIM signing (RFC 6376 with RFC 8301's algorithm rules and RFC 8463's Ed25519): given the
// final wire form of a message (CRLF line ends, transfer encoding applied), returns the
// DKIM-Signature field(s) to put on top of it. Always c=relaxed/relaxed, never l=; t= comes
// from the caller so tests control time. Pure: no I/O, no clock, no allocation per message
// beyond the returned text once warm. A signer reuses its OpenSSL contexts, so it is not
// thread-safe: give each worker its own signer (keys are shared with DkimKey::share()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "templates/templates_dkim_key.hpp"

namespace brevduva::templates {

// h= for our messages: every field a receiver or a one-click unsubscribe depends on, then
// From, Subject and the List-Unsubscribe pair again, so that a second copy added in transit
// breaks the signature instead of riding on it (RFC 6376 §5.4, "over-signing"). Reply-To and
// List-Id are listed because RFC 6376 §5.4.1 wants them signed when present; when absent they are
// hashed as null, which likewise stops anyone adding them later.
inline constexpr std::string_view kDefaultSignedHeaders =
    "from:to:subject:date:message-id:mime-version:content-type:reply-to:list-id:"
    "list-unsubscribe:list-unsubscribe-post:feedback-id:"
    "from:subject:list-unsubscribe:list-unsubscribe-post";

struct DkimSignerSettings {
    std::string domain;    // d=
    std::string identity;  // i=, e.g. "@example.se"; empty: omitted (receivers assume "@d")
    // The h= value exactly as emitted: names separated by ':', optionally with spaces around
    // them ("from : to" as in RFC 8463 A.3). A name may repeat to over-sign.
    std::string signed_headers{kDefaultSignedHeaders};
};

struct DkimSignatureKey {
    std::string selector;  // s=
    DkimKey key;
};

class DkimSigner {
  public:
    // One or two signatures with distinct selectors (RFC 8463 §6), emitted in this order. Put
    // RSA first: not every receiver verifies Ed25519, and some verifiers check only the top
    // signature. Throws std::invalid_argument for settings a verifier would reject, e.g. an
    // h= without "from".
    DkimSigner(DkimSignerSettings settings, std::vector<DkimSignatureKey> keys);
    ~DkimSigner();
    DkimSigner(DkimSigner&&) noexcept;
    DkimSigner& operator=(DkimSigner&&) noexcept;
    DkimSigner(const DkimSigner&) = delete;
    DkimSigner& operator=(const DkimSigner&) = delete;

    // header_block: the header fields as sent, each ending in CRLF (a final empty line is
    // allowed); body: everything after the empty line. Returns one "DKIM-Signature: ..."
    // field per key, each folded to at most 78 columns and ending in CRLF. Throws
    // std::invalid_argument when header_block has a bare CR or LF, since the signature
    // would then cover bytes that no receiver sees.
    [[nodiscard]] std::string sign(std::string_view header_block, std::string_view body,
                                   std::int64_t unix_time);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

// base64(SHA-256(relaxed body)), the bh= value: for tests and for diagnosing failures.
[[nodiscard]] std::string dkim_relaxed_body_hash(std::string_view body);

}  // namespace brevduva::templates
