#include "consent/consent_address.hpp"

#include <idn2.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>

#include "consent/consent_utf8.hpp"

namespace brevduva::consent {

namespace {

using Reason = std::optional<std::string>;
using AddressResult = Result<EmailAddress, std::string>;

// RFC 5321 4.5.3.1: local part 64 octets, domain 255 octets, and a path of 256 octets
// including the angle brackets, so 254 for the address itself.
constexpr std::size_t max_local_octets = 64;
constexpr std::size_t max_domain_octets = 255;
constexpr std::size_t max_address_octets = 254;
constexpr std::size_t max_label_octets = 63;
// Bounds the work on hostile input before any of it reaches libidn2. An IDN may shrink on the
// way to A-labels (NFC composition, UTS #46 mapping soft hyphens to nothing), so the bound
// given is generous; what is this long as written is too long as an address anyway.
constexpr std::size_t max_given_octets = 1024;

bool is_ascii_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// atext of RFC 5322 3.2.3, which RFC 5321 4.1.2 uses for Atom.
bool is_atext(unsigned char c) {
    static constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return is_ascii_alpha(c) || is_ascii_digit(c) ||
           specials.find(static_cast<char>(c)) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    // Only horizontal white space: a line break is never a harmless decoration in an
    // address (it is how header injection starts), so it is rejected rather than trimmed.
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t");
    return s.substr(first, last - first + 1);
}

Reason check_characters(std::string_view s) {
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n') return "address contains a line break";
        if (c == 0) return "address contains a NUL byte";
        if (c < 0x20 || c == 0x7F) return "address contains a control character";
    }
    if (first_invalid_utf8(s)) return "address is not valid UTF-8";
    return std::nullopt;
}

bool has_non_ascii(std::string_view s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// RFC 5321 4.1.2 Quoted-string: qtextSMTP (%d32-33 / %d35-91 / %d93-126) and quoted-pairSMTP
// (backslash and %d32-126). Returns the length of the quoted string including both quotes.
Result<std::size_t, std::string> scan_quoted(std::string_view s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"') return Result<std::size_t, std::string>::success(i + 1);
        if (c >= 0x80) {
            return Result<std::size_t, std::string>::failure(
                "local part has non-ASCII characters (SMTPUTF8 is not supported)");
        }
        if (c == '\\') {
            if (i + 1 == s.size()) break;
            ++i;
        }
    }
    return Result<std::size_t, std::string>::failure("quoted local part is not closed");
}

Reason check_dot_string(std::string_view local) {
    if (local.empty()) return "local part is empty";
    if (local.front() == '.') return "local part starts with a dot";
    if (local.back() == '.') return "local part ends with a dot";
    if (local.find("..") != std::string_view::npos) return "local part has two dots in a row";
    for (const char ch : local) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80) return "local part has non-ASCII characters (SMTPUTF8 is not supported)";
        if (c != '.' && !is_atext(c)) {
            return "local part contains a character that is allowed only in quotes";
        }
    }
    return std::nullopt;
}

// Splits at the '@' that ends the local part: for a quoted local part the '@' right after the
// closing quote, otherwise the only '@' there is.
Result<std::size_t, std::string> find_separator(std::string_view s) {
    using R = Result<std::size_t, std::string>;
    if (s.front() == '"') {
        auto quoted = scan_quoted(s);
        if (!quoted) return R::failure(quoted.error());
        const std::size_t end = quoted.value();
        if (end == s.size()) return R::failure("address has no @");
        if (s[end] != '@') return R::failure("text after the quoted local part before the @");
        if (s.find('@', end + 1) != std::string_view::npos) {
            return R::failure("address has more than one @");
        }
        return R::success(end);
    }
    const auto at = s.find('@');
    if (at == std::string_view::npos) return R::failure("address has no @");
    if (s.find('@', at + 1) != std::string_view::npos) {
        return R::failure("address has more than one @");
    }
    return R::success(at);
}

Reason check_local_part(std::string_view local) {
    if (local.size() > max_local_octets) return "local part longer than 64 octets";
    if (local.empty()) return "local part is empty";
    if (local.front() == '"') {
        // An empty quoted string is valid syntax but names no mailbox anyone uses.
        if (local == "\"\"") return "local part is an empty quoted string";
        return std::nullopt;  // scan_quoted has checked its characters
    }
    return check_dot_string(local);
}

struct FreeDeleter {
    void operator()(char* p) const { std::free(p); }  // libidn2 allocates with malloc
};

std::string idn2_reason(int rc) {
    switch (rc) {
        case IDN2_TOO_BIG_LABEL:
            return "domain label longer than 63 characters";
        case IDN2_TOO_BIG_DOMAIN:
            return "domain longer than 255 octets";
        case IDN2_HYPHEN_STARTEND:
            return "domain label starts or ends with a hyphen";
        case IDN2_2HYPHEN:
            return "domain label has hyphens in the third and fourth places";
        case IDN2_PUNYCODE_BAD_INPUT:
        case IDN2_PUNYCODE_BIG_OUTPUT:
        case IDN2_PUNYCODE_OVERFLOW:
            return "domain label has invalid punycode";
        default:
            return std::string("domain is not a valid internationalised name: ") +
                   idn2_strerror(rc);
    }
}

// IDNA2008 through UTS #46 non-transitional processing, as browsers and mail providers do:
// "ß" stays "ß" (xn--strae-oqa), NFC first so that decomposed input gives the same A-label.
Result<std::string, std::string> to_a_labels(const std::string& domain) {
    char* out = nullptr;
    const int rc = idn2_to_ascii_8z(domain.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    std::unique_ptr<char, FreeDeleter> owned(out);
    if (rc != IDN2_OK) return Result<std::string, std::string>::failure(idn2_reason(rc));
    return Result<std::string, std::string>::success(std::string(owned.get()));
}

Reason check_label(std::string_view label) {
    if (label.empty()) return "domain has an empty label";
    if (label.size() > max_label_octets) return "domain label longer than 63 characters";
    if (label.front() == '-') return "domain label starts with a hyphen";
    if (label.back() == '-') return "domain label ends with a hyphen";
    for (const char ch : label) {
        const auto c = static_cast<unsigned char>(ch);
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '-') {
            return "domain label contains a character other than a letter, digit or hyphen";
        }
    }
    return std::nullopt;
}

// Checks on the A-label form, which is what goes on the wire and what the limits are about.
Reason check_ascii_domain(std::string_view domain) {
    if (domain.size() > max_domain_octets) return "domain longer than 255 octets";
    std::size_t labels = 0;
    std::string_view last;
    std::size_t start = 0;
    while (true) {
        const auto dot = domain.find('.', start);
        const auto label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (auto reason = check_label(label)) return reason;
        ++labels;
        last = label;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    // Marketing mail goes to registered domains; a dotless name is a local host or a typo.
    if (labels < 2) return "domain has no dot";
    // RFC 1123 2.1: a top-level domain is alphabetic; digits only means an IP address
    // written without brackets.
    if (std::all_of(last.begin(), last.end(),
                    [](char c) { return is_ascii_digit(static_cast<unsigned char>(c)); })) {
        return "top-level domain is all digits";
    }
    return std::nullopt;
}

// Structural checks on the domain as written, before IDNA, so that the common mistakes get a
// precise reason rather than libidn2's wording.
Reason check_domain_shape(std::string_view domain) {
    if (domain.empty()) return "domain is empty";
    if (domain.front() == '[') return "domain is an address literal, which is not accepted";
    if (domain.back() == '.') return "domain ends with a dot";
    if (domain.front() == '.') return "domain starts with a dot";
    if (domain.find("..") != std::string_view::npos) return "domain has an empty label";
    return std::nullopt;
}

bool needs_idna(std::string_view lowered) {
    return has_non_ascii(lowered) || lowered.starts_with("xn--") ||
           lowered.find(".xn--") != std::string_view::npos;
}

Result<std::string, std::string> normalise_domain(std::string_view given) {
    using R = Result<std::string, std::string>;
    if (auto reason = check_domain_shape(given)) return R::failure(*reason);
    std::string lowered(given);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    if (needs_idna(lowered)) {
        auto converted = to_a_labels(lowered);
        if (!converted) return converted;
        lowered = std::move(converted).value();
    }
    if (auto reason = check_ascii_domain(lowered)) return R::failure(*reason);
    return R::success(std::move(lowered));
}

}  // namespace

std::string fold_address(const EmailAddress& address) {
    std::string folded = address.text();
    std::transform(folded.begin(), folded.end(), folded.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return folded;
}

Result<EmailAddress, std::string> normalise_address(std::string_view given) {
    const std::string_view s = trim(given);
    if (s.empty()) return AddressResult::failure("address is empty");
    if (s.size() > max_given_octets)
        return AddressResult::failure("address longer than 254 octets");
    if (auto reason = check_characters(s)) return AddressResult::failure(*reason);

    auto separator = find_separator(s);
    if (!separator) return AddressResult::failure(separator.error());
    const std::string_view local = s.substr(0, separator.value());
    if (auto reason = check_local_part(local)) return AddressResult::failure(*reason);

    auto domain = normalise_domain(s.substr(separator.value() + 1));
    if (!domain) return AddressResult::failure(domain.error());
    if (local.size() + 1 + domain.value().size() > max_address_octets) {
        return AddressResult::failure("address longer than 254 octets");
    }
    return AddressResult::success(EmailAddress{std::string(local), std::move(domain).value()});
}

}  // namespace brevduva::consent
