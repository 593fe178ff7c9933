#include "smtp/smtp_wire.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace brevduva::smtp {

namespace {

// RFC 5321 §4.5.3.1.3 allows 256 octets for the path including its angle brackets.
constexpr std::size_t kMaxAddressOctets = 254;
constexpr std::size_t kMaxDomainOctets = 255;
// RFC 4954 §4 lets an AUTH line reach 12,288 octets; base64 grows 3 octets to 4.
constexpr std::size_t kMaxCredentialOctets = 9000;

std::size_t offset_of(const void* found, const char* base) {
    return static_cast<std::size_t>(static_cast<const char*>(found) - base);
}

// Of the problems found on one line, the one at the earliest offset is reported.
MessageError first_problem(std::size_t line_number, std::size_t cr_at, std::size_t nul_at,
                           std::size_t bare_lf_at, std::size_t too_long_at) {
    MessageError error{MessageErrorKind::bare_cr, line_number, cr_at};
    if (nul_at < error.offset) error = {MessageErrorKind::nul_byte, line_number, nul_at};
    if (too_long_at < error.offset)
        error = {MessageErrorKind::line_too_long, line_number, too_long_at};
    if (bare_lf_at < error.offset) error = {MessageErrorKind::bare_lf, line_number, bare_lf_at};
    return error;
}

// Walks the message line by line with memchr, so the common case (long runs of ordinary bytes)
// runs at memory speed. Calls on_line(offset) for the start of every line that passed.
template <typename OnLine>
std::optional<MessageError> scan_lines(std::string_view message, OnLine&& on_line) {
    constexpr std::size_t kNowhere = static_cast<std::size_t>(-1);
    const char* const data = message.data();
    const std::size_t size = message.size();
    std::size_t pos = 0;
    for (std::size_t line_number = 1; pos < size; ++line_number) {
        const void* lf = std::memchr(data + pos, '\n', size - pos);
        const std::size_t end = lf != nullptr ? offset_of(lf, data) : size;
        const bool crlf = lf != nullptr && end > pos && data[end - 1] == '\r';
        const std::size_t length = end - pos - (crlf ? 1 : 0);
        const void* cr = std::memchr(data + pos, '\r', length);
        const void* nul = std::memchr(data + pos, '\0', length);
        const bool bare_lf = lf != nullptr && !crlf;
        if (cr != nullptr || nul != nullptr || bare_lf || length > kMaxMessageLineOctets) {
            return first_problem(
                line_number, cr != nullptr ? offset_of(cr, data) : kNowhere,
                nul != nullptr ? offset_of(nul, data) : kNowhere, bare_lf ? end : kNowhere,
                length > kMaxMessageLineOctets ? pos + kMaxMessageLineOctets : kNowhere);
        }
        on_line(pos);
        pos = lf != nullptr ? end + 1 : size;
    }
    return std::nullopt;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

std::optional<CommandError> check_address(std::string_view address, bool smtputf8) {
    if (address.size() > kMaxAddressOctets) return CommandError::address_too_long;
    for (const char ch : address) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_control(c)) return CommandError::control_character;
        if (c == ' ' || c == '<' || c == '>') return CommandError::forbidden_character;
        if (c >= 0x80 && !smtputf8) return CommandError::non_ascii_address;
    }
    return std::nullopt;
}

void append_base64(std::string_view in, std::string& out) {
    const std::size_t start = out.size();
    out.resize(start + 4 * ((in.size() + 2) / 3) + 1);  // +1: EVP_EncodeBlock writes a NUL
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + start),
                                        reinterpret_cast<const unsigned char*>(in.data()),
                                        static_cast<int>(in.size()));
    out.resize(start + static_cast<std::size_t>(written));
}

}  // namespace

std::string_view to_string(MessageErrorKind kind) noexcept {
    switch (kind) {
        case MessageErrorKind::bare_lf:
            return "bare_lf";
        case MessageErrorKind::bare_cr:
            return "bare_cr";
        case MessageErrorKind::line_too_long:
            return "line_too_long";
        case MessageErrorKind::nul_byte:
            return "nul_byte";
    }
    return "unknown";
}

std::optional<MessageError> validate_message(std::string_view message) {
    return scan_lines(message, [](std::size_t) {});
}

std::optional<MessageError> append_dot_stuffed(std::string_view message, std::string& out) {
    const std::size_t original_size = out.size();
    // One reallocation at most for ordinary mail: a little slack for stuffed dots and the end.
    out.reserve(original_size + message.size() + message.size() / 256 + 8);
    std::size_t copied = 0;
    const auto error = scan_lines(message, [&](std::size_t line_start) {
        if (message[line_start] != '.') return;
        out.append(message.substr(copied, line_start - copied));
        out.push_back('.');
        copied = line_start;  // the original dot goes out with the next run
    });
    if (error) {
        out.resize(original_size);
        return error;
    }
    out.append(message.substr(copied));
    if (!message.empty() && !message.ends_with("\r\n")) out.append("\r\n");
    out.append(".\r\n");
    return std::nullopt;
}

std::string_view to_string(CommandError error) noexcept {
    switch (error) {
        case CommandError::empty_address:
            return "empty_address";
        case CommandError::address_too_long:
            return "address_too_long";
        case CommandError::control_character:
            return "control_character";
        case CommandError::forbidden_character:
            return "forbidden_character";
        case CommandError::non_ascii_address:
            return "non_ascii_address";
        case CommandError::bad_domain:
            return "bad_domain";
        case CommandError::nul_in_credentials:
            return "nul_in_credentials";
        case CommandError::credentials_too_long:
            return "credentials_too_long";
    }
    return "unknown";
}

std::optional<CommandError> append_ehlo(std::string_view domain, std::string& out) {
    const bool printable = std::all_of(domain.begin(), domain.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c > 0x20 && c < 0x7F;
    });
    if (domain.empty() || domain.size() > kMaxDomainOctets || !printable) {
        return CommandError::bad_domain;
    }
    out.append("EHLO ").append(domain).append("\r\n");
    return std::nullopt;
}

std::optional<CommandError> append_mail_from(std::string_view reverse_path,
                                             const MailFromOptions& options, std::string& out) {
    if (const auto error = check_address(reverse_path, options.smtputf8)) return error;
    out.append("MAIL FROM:<").append(reverse_path).append(">");
    if (options.size) out.append(" SIZE=").append(std::to_string(*options.size));
    if (options.body_8bitmime) out.append(" BODY=8BITMIME");
    if (options.smtputf8) out.append(" SMTPUTF8");
    out.append("\r\n");
    return std::nullopt;
}

std::optional<CommandError> append_rcpt_to(std::string_view forward_path,
                                           const RcptToOptions& options, std::string& out) {
    if (forward_path.empty()) return CommandError::empty_address;
    if (const auto error = check_address(forward_path, options.smtputf8)) return error;
    out.append("RCPT TO:<").append(forward_path).append(">\r\n");
    return std::nullopt;
}

std::optional<CommandError> append_auth_plain(std::string_view username, std::string_view password,
                                              std::string& out) {
    if (username.find('\0') != std::string_view::npos ||
        password.find('\0') != std::string_view::npos) {
        return CommandError::nul_in_credentials;
    }
    if (username.size() + password.size() + 2 > kMaxCredentialOctets) {
        return CommandError::credentials_too_long;
    }
    // Empty authorisation identity: act as the authenticated user (RFC 4616 §2).
    std::string payload;
    payload.reserve(username.size() + password.size() + 2);
    payload.push_back('\0');
    payload.append(username);
    payload.push_back('\0');
    payload.append(password);
    out.append("AUTH PLAIN ");
    append_base64(payload, out);
    out.append("\r\n");
    OPENSSL_cleanse(payload.data(), payload.size());  // don't leave the password in freed memory
    return std::nullopt;
}

std::optional<CommandError> append_auth_login_response(std::string_view value, std::string& out) {
    if (value.size() > kMaxCredentialOctets) return CommandError::credentials_too_long;
    append_base64(value, out);
    out.append("\r\n");
    return std::nullopt;
}

}  // namespace brevduva::smtp
