#include "http/http_wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace brevduva::http {
namespace {

constexpr std::size_t kMaxChunkLine = 256;
constexpr std::size_t kCompactAt = 16 * 1024;
constexpr std::size_t kMaxReserve = 16 * 1024;

bool is_tchar(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return extra.find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return is_tchar(static_cast<unsigned char>(c));
    });
}

// Field values: visible characters, obs-text, space and tab; never another control character.
bool is_field_value(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return (c < 0x20 && c != '\t') || c == 0x7f;
    });
}

bool is_target(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c > 0x20 && c < 0x7f;
    });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

// Calls f on each trimmed, non-empty element of a comma-separated list.
template <typename F>
void each_element(std::string_view list, F&& f) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto element = trim(list.substr(0, comma));
        if (!element.empty()) f(element);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

const std::string* WireRequest::field(std::string_view name) const {
    for (const auto& [n, v] : fields) {
        if (iequals(n, name)) return &v;
    }
    return nullptr;
}

RequestReader::Progress RequestReader::feed(std::string_view bytes) {
    if (phase_ == Phase::failed) return Progress::failed;
    buffer_.append(bytes);
    return parse();
}

RequestReader::Progress RequestReader::resume() {
    if (phase_ == Phase::failed) return Progress::failed;
    return parse();
}

WireRequest RequestReader::take() {
    WireRequest out = std::move(request_);
    request_ = WireRequest{};
    phase_ = Phase::head;
    head_reported_ = false;
    started_ = false;
    remaining_ = 0;
    trailer_bytes_ = 0;
    framing_bytes_ = 0;
    head_bytes_ = 0;
    request_line_done_ = false;
    buffer_.erase(0, position_);
    position_ = 0;
    scan_ = 0;
    return out;
}

void RequestReader::release_memory() {
    if (position_ == buffer_.size() && buffer_.capacity() > kCompactAt) {
        std::string().swap(buffer_);
        position_ = 0;
        scan_ = 0;
    }
}

RequestReader::Progress RequestReader::fail(int status, std::string reason) {
    phase_ = Phase::failed;
    error_ = WireError{status, std::move(reason)};
    buffer_.clear();
    scan_ = 0;
    position_ = 0;
    return Progress::failed;
}

std::optional<std::string_view> RequestReader::next_line(std::size_t max_bytes, bool crlf_only,
                                                         bool& too_long) {
    too_long = false;
    bad_line_ = false;
    const std::size_t from = position_ + scan_;
    const auto lf = buffer_.find('\n', from);
    if (lf == std::string::npos) {
        scan_ = buffer_.size() - position_;
        too_long = scan_ > max_bytes;
        return std::nullopt;
    }
    std::string_view line(buffer_.data() + position_, lf - position_);
    if (line.size() > max_bytes) {
        too_long = true;
        return std::nullopt;
    }
    const bool crlf = !line.empty() && line.back() == '\r';
    if (crlf) line.remove_suffix(1);
    if (crlf_only && !crlf) {
        bad_line_ = true;
        return std::nullopt;
    }
    position_ = lf + 1;
    scan_ = 0;
    return line;
}

RequestReader::Progress RequestReader::parse() {
    Progress progress = Progress::need_more;
    while (progress == Progress::need_more) {
        switch (phase_) {
            case Phase::head: {
                // Empty lines before a request are not a request: they do not start its clock.
                if (request_line_done_ ||
                    (position_ < buffer_.size() && buffer_[position_] != '\r' &&
                     buffer_[position_] != '\n')) {
                    started_ = true;
                }
                std::size_t room =
                    limits_.max_header_bytes - std::min(head_bytes_, limits_.max_header_bytes);
                // The request line is bounded by the target's limit, so that a long target is
                // answered 414 without waiting for the rest of a head that may never come.
                if (!request_line_done_) room = std::min(room, limits_.max_target_bytes + 64);
                bool too_long = false;
                const auto line = next_line(room, false, too_long);
                if (too_long) {
                    if (!request_line_done_) {
                        return fail(414, "the request-target is longer than the limit");
                    }
                    return fail(431, "the request head is larger than the limit");
                }
                if (!line) return progress;
                head_bytes_ += line->size() + 2;
                if (line->find('\r') != std::string_view::npos) {
                    return fail(400, "a bare CR in the request head");
                }
                if (!request_line_done_) {
                    // Empty lines before a request line are skipped (RFC 9112 section 2.2).
                    if (line->empty()) break;
                    if (!parse_request_line(*line)) return Progress::failed;
                    request_line_done_ = true;
                } else if (line->empty()) {
                    progress = after_head();
                } else if (!parse_field(*line, request_.fields)) {
                    return Progress::failed;
                }
                break;
            }
            case Phase::body_length: {
                const auto take = std::min<std::uint64_t>(remaining_, buffer_.size() - position_);
                request_.body.append(buffer_, position_, take);
                position_ += take;
                remaining_ -= take;
                if (remaining_ != 0) goto body_wait;
                phase_ = Phase::done;
                break;
            }
            case Phase::chunk_size: {
                bool too_long = false;
                const auto line = next_line(kMaxChunkLine, true, too_long);
                if (bad_line_) return fail(400, "a chunk-size line not ended by CRLF");
                if (too_long) return fail(400, "a chunk-size line longer than 256 bytes");
                if (!line) goto body_wait;
                // Framing counts too: a body of one-byte chunks with long extensions is bounded
                // on the wire, not only once decoded.
                framing_bytes_ += line->size() + 4;
                if (framing_bytes_ > limits_.max_header_bytes + limits_.max_body_bytes / 2) {
                    return fail(413, "the chunked body's framing is larger than the limit");
                }
                if (!parse_chunk_size(*line)) return Progress::failed;
                phase_ = remaining_ == 0 ? Phase::trailers : Phase::chunk_data;
                break;
            }
            case Phase::chunk_data: {
                const auto take = std::min<std::uint64_t>(remaining_, buffer_.size() - position_);
                request_.body.append(buffer_, position_, take);
                position_ += take;
                remaining_ -= take;
                if (remaining_ != 0) goto body_wait;
                phase_ = Phase::chunk_end;
                break;
            }
            case Phase::chunk_end: {
                if (buffer_.size() - position_ < 2) {
                    if (position_ < buffer_.size() && buffer_[position_] != '\r') {
                        return fail(400, "chunk data not followed by CRLF");
                    }
                    goto body_wait;
                }
                if (buffer_[position_] != '\r' || buffer_[position_ + 1] != '\n') {
                    return fail(400, "chunk data not followed by CRLF");
                }
                position_ += 2;
                phase_ = Phase::chunk_size;
                break;
            }
            case Phase::trailers: {
                const std::size_t room =
                    limits_.max_header_bytes - std::min(trailer_bytes_, limits_.max_header_bytes);
                bool too_long = false;
                const auto line = next_line(room, true, too_long);
                if (bad_line_) return fail(400, "a trailer line not ended by CRLF");
                if (too_long) return fail(431, "the trailer fields are larger than the limit");
                if (!line) goto body_wait;
                trailer_bytes_ += line->size() + 2;
                if (line->empty()) {
                    phase_ = Phase::done;
                    break;
                }
                // Trailer fields are checked like header fields and then dropped: nothing here
                // needs them, and merging them into the head is what RFC 9110 section 6.5.1
                // warns against.
                std::vector<std::pair<std::string, std::string>> dropped;
                if (!parse_field(*line, dropped)) return Progress::failed;
                break;
            }
            case Phase::done:
                return Progress::complete;
            case Phase::failed:
                return Progress::failed;
        }
        continue;
    body_wait:
        compact();
        if (!head_reported_) {
            head_reported_ = true;
            return Progress::head;
        }
        return Progress::need_more;
    }
    return progress;
}

void RequestReader::compact() {
    if (position_ >= kCompactAt || position_ == buffer_.size()) {
        buffer_.erase(0, position_);
        position_ = 0;
    }
}

bool RequestReader::parse_request_line(std::string_view line) {
    const auto first = line.find(' ');
    const auto last = line.rfind(' ');
    if (first == std::string_view::npos || first == last) {
        fail(400, "the request line is not METHOD SP TARGET SP VERSION");
        return false;
    }
    const auto method = line.substr(0, first);
    const auto target = line.substr(first + 1, last - first - 1);
    const auto version = line.substr(last + 1);
    if (!is_token(method)) {
        fail(400, "the method is not a token");
        return false;
    }
    if (target.size() > limits_.max_target_bytes) {
        fail(414, "the request-target is longer than the limit");
        return false;
    }
    if (!is_target(target)) {
        fail(400, "the request-target is empty or holds a space or control character");
        return false;
    }
    const bool shaped = version.size() == 8 && version.starts_with("HTTP/") && version[5] >= '0' &&
                        version[5] <= '9' && version[6] == '.' && version[7] >= '0' &&
                        version[7] <= '9';
    if (!shaped) {
        fail(400, "the request line's version is not HTTP/<digit>.<digit>");
        return false;
    }
    if (version[5] != '1') {
        fail(505, fmt::format("HTTP/{}.{} is not supported; this server speaks HTTP/1.1",
                              version[5], version[7]));
        return false;
    }
    request_.method = std::string(method);
    request_.target = std::string(target);
    request_.minor_version = version[7] == '0' ? 0 : 1;
    return true;
}

bool RequestReader::parse_field(std::string_view line,
                                std::vector<std::pair<std::string, std::string>>& into) {
    if (line.front() == ' ' || line.front() == '\t') {
        fail(400, "a folded header line (obsolete line folding is refused)");
        return false;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
        fail(400, "a header line without a colon");
        return false;
    }
    const auto name = line.substr(0, colon);
    if (!is_token(name)) {
        fail(400, "a header field name that is not a token (whitespace before the colon?)");
        return false;
    }
    const auto value = trim(line.substr(colon + 1));
    if (!is_field_value(value)) {
        fail(400, fmt::format("a control character in the {} header", name.substr(0, 64)));
        return false;
    }
    if (into.size() >= 100) {
        fail(431, "more than 100 header fields");
        return false;
    }
    into.emplace_back(std::string(name), std::string(value));
    return true;
}

bool RequestReader::parse_chunk_size(std::string_view line) {
    std::size_t digits = 0;
    while (digits < line.size() && hex_value(line[digits]) >= 0) ++digits;
    if (digits == 0) {
        fail(400, "a chunk size that is not hexadecimal");
        return false;
    }
    auto rest = line.substr(digits);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    if (!rest.empty() && (rest.front() != ';' || !is_field_value(rest))) {
        fail(400, "a chunk size that is not hexadecimal");
        return false;
    }
    std::size_t start = 0;
    while (start + 1 < digits && line[start] == '0') ++start;
    if (digits - start > 16) {
        fail(413, "a chunk larger than the body limit");
        return false;
    }
    std::uint64_t size = 0;
    for (std::size_t i = start; i < digits; ++i) {
        size = (size << 4U) | static_cast<std::uint64_t>(hex_value(line[i]));
    }
    if (size > limits_.max_body_bytes - request_.body.size()) {
        fail(413, "the chunked body is larger than the limit");
        return false;
    }
    remaining_ = size;
    return true;
}

RequestReader::Progress RequestReader::after_head() {
    WireRequest& r = request_;
    std::size_t hosts = 0;
    std::optional<std::uint64_t> length;
    bool has_length = false;
    bool has_coding = false;
    std::vector<std::string> codings;
    bool close = false;
    bool keep_alive_token = false;
    for (const auto& [name, value] : r.fields) {
        if (iequals(name, "Host")) {
            ++hosts;
        } else if (iequals(name, "Content-Length")) {
            bool bad = false;
            bool any = false;
            each_element(value, [&](std::string_view element) {
                any = true;
                if (bad) return;
                if (!std::all_of(element.begin(), element.end(),
                                 [](char c) { return c >= '0' && c <= '9'; })) {
                    bad = true;
                    return;
                }
                std::uint64_t n = 0;
                for (char c : element) {
                    if (n > (UINT64_MAX - 9) / 10) {
                        n = UINT64_MAX;
                        break;
                    }
                    n = n * 10 + static_cast<std::uint64_t>(c - '0');
                }
                if (has_length && length != n) bad = true;
                length = n;
                has_length = true;
            });
            if (bad || !any) return fail(400, "a Content-Length that is not one decimal number");
        } else if (iequals(name, "Transfer-Encoding")) {
            has_coding = true;
            each_element(value, [&](std::string_view coding) {
                if (codings.size() < 8) codings.emplace_back(coding.substr(0, 32));
            });
        } else if (iequals(name, "Connection")) {
            each_element(value, [&](std::string_view option) {
                if (iequals(option, "close")) close = true;
                if (iequals(option, "keep-alive")) keep_alive_token = true;
            });
        } else if (iequals(name, "Expect")) {
            if (!iequals(value, "100-continue")) {
                return fail(417, "the only expectation understood is 100-continue");
            }
            r.expects_continue = r.minor_version >= 1;
        }
    }
    if (r.minor_version >= 1 && hosts != 1) {
        return fail(400, hosts == 0 ? "an HTTP/1.1 request without Host" : "more than one Host");
    }
    if (hosts > 1) return fail(400, "more than one Host");
    r.keep_alive = !close && (r.minor_version >= 1 || keep_alive_token);
    if (has_coding) {
        if (has_length) {
            return fail(400, "Content-Length and Transfer-Encoding together (refused framing)");
        }
        if (r.minor_version == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
        // RFC 9112 section 6.3: when chunked is not the final coding the length cannot be
        // known, so the request is refused and the connection closed.
        if (codings.empty() || !iequals(codings.back(), "chunked")) {
            return fail(400, "a Transfer-Encoding whose last coding is not chunked");
        }
        if (codings.size() > 1) {
            return fail(501,
                        fmt::format("the transfer coding {} is not supported", codings.front()));
        }
        phase_ = Phase::chunk_size;
        return Progress::need_more;
    }
    if (has_length && *length > limits_.max_body_bytes) {
        return fail(413, "the body is larger than the limit");
    }
    remaining_ = has_length ? *length : 0;
    phase_ = remaining_ == 0 ? Phase::done : Phase::body_length;
    if (remaining_ != 0)
        r.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, kMaxReserve)));
    return Progress::need_more;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 417:
            return "Expectation Failed";
        case 422:
            return "Unprocessable Content";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

}  // namespace brevduva::http
