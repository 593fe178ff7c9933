// HTTP/1.1 requests as a client sends them to either listener: the input is the byte stream of
// one connection. RequestReader is fed the way the event loop feeds it (http_server.cpp): after
// a complete request, take() it and resume() while bytes are buffered, for pipelined requests;
// after a failure nothing more is read. The stream is fed three ways under small limits (all at
// once, in pieces cut at points drawn from the bytes, one byte at a time), and once whole under
// the listeners' default limits.
//
// Properties: the three ways give the same sequence of requests and the same refusal; a
// complete request keeps the limits (body, target, at most 100 fields), has a token method, a
// target without space or control characters, minor version 0 or 1, exactly one Host in
// HTTP/1.1, field names that are tokens and values trimmed and free of control characters,
// never both Content-Length and Transfer-Encoding, and a body as long as its Content-Length;
// Connection: close means no keep-alive and 100-continue is only expected in HTTP/1.1; a
// refusal is a 4xx or 5xx status with a reason.
#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_wire.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace brevduva::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
        };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool is_tchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    for (const char c : s) {
        if (!is_tchar(c)) return false;
    }
    return !s.empty();
}

bool all_digits(std::string_view s) {
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return !s.empty();
}

void check_request(const WireRequest& r, const WireLimits& limits) {
    FUZZ_REQUIRE(r.body.size() <= limits.max_body_bytes);
    FUZZ_REQUIRE(!r.target.empty() && r.target.size() <= limits.max_target_bytes);
    for (const char c : r.target) FUZZ_REQUIRE(c > 0x20 && c < 0x7F);
    FUZZ_REQUIRE(is_token(r.method));
    FUZZ_REQUIRE(r.minor_version == 0 || r.minor_version == 1);
    FUZZ_REQUIRE(r.fields.size() <= 100);
    std::size_t hosts = 0;
    bool length = false;
    bool coding = false;
    for (const auto& [name, value] : r.fields) {
        FUZZ_REQUIRE(is_token(name));
        FUZZ_REQUIRE(value.empty() || (value.front() != ' ' && value.front() != '\t' &&
                                       value.back() != ' ' && value.back() != '\t'));
        for (const char c : value) {
            const auto u = static_cast<unsigned char>(c);
            FUZZ_REQUIRE((u >= 0x20 || u == '\t') && u != 0x7F);
        }
        hosts += iequals(name, "Host") ? 1 : 0;
        coding = coding || iequals(name, "Transfer-Encoding");
        if (iequals(name, "Content-Length")) {
            length = true;
            if (all_digits(value) && value.size() < 10) {
                FUZZ_REQUIRE(r.body.size() == std::stoull(value));
            }
        }
        if (iequals(name, "Connection") && iequals(value, "close")) FUZZ_REQUIRE(!r.keep_alive);
    }
    if (r.minor_version == 1) FUZZ_REQUIRE(hosts == 1);
    FUZZ_REQUIRE(hosts <= 1);
    FUZZ_REQUIRE(!(length && coding));
    if (!length && !coding) FUZZ_REQUIRE(r.body.empty());
    if (r.expects_continue) FUZZ_REQUIRE(r.minor_version == 1);
    if (r.minor_version == 0 && r.field("Connection") == nullptr) FUZZ_REQUIRE(!r.keep_alive);
    FUZZ_REQUIRE(r.field("Host") == nullptr || hosts == 1);
}

std::string summary(const WireRequest& r) {
    std::string out = r.method + " " + r.target + " 1." + std::to_string(r.minor_version);
    for (const auto& [name, value] : r.fields) out += fmt::format("|{}:{}", name, value);
    out += fmt::format("|body {}:{}", r.body.size(), r.body);
    out += r.keep_alive ? "|keep-alive" : "|close";
    out += r.expects_continue ? "|continue" : "";
    return out;
}

// Feeds pieces like the event loop and returns what came out: requests and at most one refusal.
class Connection {
  public:
    explicit Connection(WireLimits limits) : limits_(limits), reader_(limits) {}

    void receive(std::string_view bytes) {
        if (failed_) {
            FUZZ_REQUIRE(reader_.feed(bytes) == RequestReader::Progress::failed);
            return;
        }
        advance(reader_.feed(bytes));
    }
    [[nodiscard]] const std::vector<std::string>& seen() const { return seen_; }

  private:
    void advance(RequestReader::Progress progress) {
        using P = RequestReader::Progress;
        for (;;) {
            if (progress == P::head) {
                // The head is read: what the listener answers 100-continue on.
                FUZZ_REQUIRE(is_token(reader_.current().method));
                FUZZ_REQUIRE(reader_.current().target.size() <= limits_.max_target_bytes);
                FUZZ_REQUIRE(reader_.current().body.size() <= limits_.max_body_bytes);
                return;
            }
            if (progress == P::failed) {
                const WireError& error = reader_.error();
                FUZZ_REQUIRE(error.status >= 400 && error.status <= 599 && !error.reason.empty());
                FUZZ_REQUIRE(reason_phrase(error.status) != "Unknown");
                seen_.push_back("refused " + std::to_string(error.status) + " " + error.reason);
                failed_ = true;
                return;
            }
            if (progress != P::complete) return;
            const WireRequest request = reader_.take();
            check_request(request, limits_);
            seen_.push_back(summary(request));
            if (reader_.buffered() == 0) return;
            progress = reader_.resume();
        }
    }

    WireLimits limits_;
    RequestReader reader_;
    std::vector<std::string> seen_;
    bool failed_ = false;
};

}  // namespace
}  // namespace brevduva::http

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace brevduva::http;
    const std::string_view stream(reinterpret_cast<const char*>(data), size);
    WireLimits small;
    small.max_target_bytes = 64;
    small.max_header_bytes = 1024;
    small.max_body_bytes = 512;

    Connection whole(small);
    whole.receive(stream);
    Connection pieces(small);
    brevduva::fuzz::for_each_piece(stream, [&](std::string_view piece) { pieces.receive(piece); });
    Connection bytes(small);
    for (std::size_t i = 0; i < stream.size(); ++i) bytes.receive(stream.substr(i, 1));
    FUZZ_REQUIRE(whole.seen() == pieces.seen());
    FUZZ_REQUIRE(whole.seen() == bytes.seen());

    Connection listener(WireLimits{});
    listener.receive(stream);
    return 0;
}
