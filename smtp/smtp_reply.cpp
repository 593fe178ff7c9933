#include "smtp/smtp_reply.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

namespace brevduva::smtp {

namespace {

constexpr std::size_t kExcerptOctets = 80;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_upper(x) == ascii_upper(y);
           });
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), ascii_upper);
    return out;
}

// Reads 1–3 digits from the front of s; nullopt if there are none or more than three.
std::optional<int> take_short_number(std::string_view& s) {
    std::size_t n = 0;
    while (n < s.size() && is_digit(s[n])) ++n;
    if (n == 0 || n > 3) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < n; ++i) value = value * 10 + (s[i] - '0');
    s.remove_prefix(n);
    return value;
}

// Splits off the next space-separated word, skipping leading spaces.
std::string_view next_word(std::string_view& s) {
    const auto start = s.find_first_not_of(' ');
    if (start == std::string_view::npos) {
        s = {};
        return {};
    }
    s.remove_prefix(start);
    const auto end = std::min(s.find(' '), s.size());
    const std::string_view word = s.substr(0, end);
    s.remove_prefix(end);
    return word;
}

std::optional<std::uint64_t> parse_size_limit(std::string_view params) {
    const std::string_view word = next_word(params);
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    // A garbled or zero number leaves "no fixed maximum": the server still enforces its own
    // limit at the end of DATA, so being lenient here costs nothing.
    if (ec != std::errc{} || end != word.data() + word.size() || value == 0) return std::nullopt;
    return value;
}

void add_auth_mechanisms(std::string_view params, std::vector<std::string>& mechanisms) {
    for (std::string_view word = next_word(params); !word.empty(); word = next_word(params)) {
        std::string mechanism = to_upper(word);
        if (std::find(mechanisms.begin(), mechanisms.end(), mechanism) == mechanisms.end()) {
            mechanisms.push_back(std::move(mechanism));
        }
    }
}

void apply_ehlo_line(std::string_view line, ServerCapabilities& caps) {
    // "AUTH=LOGIN PLAIN" is the pre-standard form some servers still send beside "AUTH ...".
    const auto keyword_end = std::min(line.find_first_of(" ="), line.size());
    const std::string_view keyword = line.substr(0, keyword_end);
    const std::string_view params = line.substr(std::min(keyword_end + 1, line.size()));
    if (iequals(keyword, "PIPELINING")) {
        caps.pipelining = true;
    } else if (iequals(keyword, "STARTTLS")) {
        caps.starttls = true;
    } else if (iequals(keyword, "8BITMIME")) {
        caps.eight_bit_mime = true;
    } else if (iequals(keyword, "SMTPUTF8")) {
        caps.smtputf8 = true;
    } else if (iequals(keyword, "ENHANCEDSTATUSCODES")) {
        caps.enhanced_status_codes = true;
    } else if (iequals(keyword, "CHUNKING")) {
        caps.chunking = true;
    } else if (iequals(keyword, "SIZE")) {
        caps.size = true;
        caps.size_limit = parse_size_limit(params);
    } else if (iequals(keyword, "AUTH")) {
        add_auth_mechanisms(params, caps.auth_mechanisms);
    }
}

}  // namespace

std::string to_string(const EnhancedStatus& status) {
    return std::to_string(status.status_class) + '.' + std::to_string(status.subject) + '.' +
           std::to_string(status.detail);
}

std::optional<EnhancedStatus> parse_enhanced_status(std::string_view text) {
    if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') {
        return std::nullopt;
    }
    EnhancedStatus status;
    status.status_class = text[0] - '0';
    text.remove_prefix(2);
    const auto subject = take_short_number(text);
    if (!subject || text.empty() || text.front() != '.') return std::nullopt;
    text.remove_prefix(1);
    const auto detail = take_short_number(text);
    if (!detail || (!text.empty() && text.front() != ' ')) return std::nullopt;
    status.subject = *subject;
    status.detail = *detail;
    return status;
}

std::string_view to_string(ReplyErrorKind kind) noexcept {
    switch (kind) {
        case ReplyErrorKind::bad_code:
            return "bad_code";
        case ReplyErrorKind::bad_separator:
            return "bad_separator";
        case ReplyErrorKind::code_changed:
            return "code_changed";
        case ReplyErrorKind::line_too_long:
            return "line_too_long";
        case ReplyErrorKind::reply_too_large:
            return "reply_too_large";
        case ReplyErrorKind::too_many_queued:
            return "too_many_queued";
    }
    return "unknown";
}

ReplyParser::ReplyParser(ReplyLimits limits) : limits_(limits) {}

void ReplyParser::feed(std::string_view bytes) {
    while (!failed_ && !bytes.empty()) {
        const void* lf = std::memchr(bytes.data(), '\n', bytes.size());
        if (lf == nullptr) {
            // +1 leaves room for the CR of a CRLF split across reads.
            if (partial_.size() + bytes.size() > limits_.max_line_octets + 1) {
                ++line_number_;
                fail(ReplyErrorKind::line_too_long, partial_.empty() ? bytes : partial_);
                return;
            }
            partial_.append(bytes);
            return;
        }
        const auto length = static_cast<std::size_t>(static_cast<const char*>(lf) - bytes.data());
        std::string_view line = bytes.substr(0, length);
        if (!partial_.empty()) {
            partial_.append(line);  // the only copy: a line split across reads
            line = partial_;
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        ++line_number_;
        if (line.size() > limits_.max_line_octets) {
            fail(ReplyErrorKind::line_too_long, line);
        } else {
            consume_line(line);
        }
        partial_.clear();
        bytes.remove_prefix(length + 1);
    }
}

void ReplyParser::consume_line(std::string_view line) {
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
        line[0] < '2' || line[0] > '5') {
        fail(ReplyErrorKind::bad_code, line);
        return;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    const char separator = line.size() > 3 ? line[3] : ' ';  // RFC 5321 allows a bare "250"
    if (separator != ' ' && separator != '-') {
        fail(ReplyErrorKind::bad_separator, line);
        return;
    }
    if (!current_.lines.empty() && code != current_.code) {
        fail(ReplyErrorKind::code_changed, line);
        return;
    }
    current_octets_ += line.size() + 2;
    if (current_octets_ > limits_.max_reply_octets) {
        fail(ReplyErrorKind::reply_too_large, line);
        return;
    }
    current_.code = code;
    current_.lines.emplace_back(line.substr(std::min<std::size_t>(4, line.size())));
    if (separator == ' ') finish_reply();
}

void ReplyParser::finish_reply() {
    std::size_t text_size = current_.lines.size() - 1;
    for (const auto& l : current_.lines) text_size += l.size();
    current_.text.reserve(text_size);
    for (std::size_t i = 0; i < current_.lines.size(); ++i) {
        if (i > 0) current_.text += '\n';
        current_.text += current_.lines[i];
    }
    const auto enhanced = parse_enhanced_status(current_.lines.front());
    if (enhanced && enhanced->status_class == current_.code / 100) current_.enhanced = enhanced;

    if (ready_.size() - ready_head_ >= limits_.max_queued_replies) {
        current_ = SmtpReply{};
        current_octets_ = 0;
        fail(ReplyErrorKind::too_many_queued, {});
        return;
    }
    ready_.emplace_back(std::exchange(current_, SmtpReply{}));
    current_octets_ = 0;
}

void ReplyParser::fail(ReplyErrorKind kind, std::string_view line) {
    ready_.emplace_back(
        ReplyError{kind, line_number_, std::string(line.substr(0, kExcerptOctets))});
    failed_ = true;
    partial_.clear();
    current_ = SmtpReply{};
}

std::optional<ParsedReply> ReplyParser::next() {
    if (ready_head_ == ready_.size()) return std::nullopt;
    ParsedReply reply = std::move(ready_[ready_head_++]);
    if (ready_head_ == ready_.size()) {
        ready_.clear();  // keeps the capacity for the next batch
        ready_head_ = 0;
    }
    return reply;
}

bool ReplyParser::idle() const {
    return partial_.empty() && current_.lines.empty() && ready_head_ == ready_.size();
}

void ReplyParser::reset() {
    partial_.clear();
    current_ = SmtpReply{};
    current_octets_ = 0;
    line_number_ = 0;
    ready_.clear();
    ready_head_ = 0;
    failed_ = false;
}

bool ServerCapabilities::supports_auth(std::string_view mechanism) const {
    return std::any_of(auth_mechanisms.begin(), auth_mechanisms.end(),
                       [&](const std::string& m) { return iequals(m, mechanism); });
}

ServerCapabilities parse_ehlo(const SmtpReply& reply) {
    ServerCapabilities caps;
    if (!reply.is_positive_completion()) return caps;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) apply_ehlo_line(reply.lines[i], caps);
    return caps;
}

}  // namespace brevduva::smtp
