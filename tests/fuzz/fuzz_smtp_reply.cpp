// SMTP replies as a relay sends them: the input is the byte stream from the server. It is fed
// to ReplyParser three ways (all at once, in pieces cut at points drawn from the bytes, and one
// byte at a time, draining after every feed), and a fourth time with small limits. Every
// complete reply goes through parse_ehlo, and the start of every line through
// parse_enhanced_status.
//
// Properties: the three ways give the same replies and the same error (kind and line); a reply
// has a code in 200-599, at least one line, text that is its lines joined with '\n', and an
// enhanced status only when its class is the code's first digit; nothing follows an error; no
// line and no reply is larger than the limits; an enhanced status reads back from its own
// to_string; parse_ehlo advertises nothing for a reply that is not 2xx and lists each AUTH
// mechanism once, upper-case.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "smtp/smtp_reply.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace brevduva::smtp {
namespace {

// What a reply or error is, reduced to what must not depend on how the bytes arrived. An
// error's excerpt may: a line cut off as too long is quoted from what had arrived.
std::string summary(const ParsedReply& parsed) {
    if (const auto* error = std::get_if<ReplyError>(&parsed)) {
        return "error " + std::string(to_string(error->kind)) + " at line " +
               std::to_string(error->line_number);
    }
    const auto& reply = std::get<SmtpReply>(parsed);
    std::string out = std::to_string(reply.code) + " " + reply.text;
    if (reply.enhanced) out += " [" + to_string(*reply.enhanced) + "]";
    return out;
}

void check_enhanced(std::string_view text) {
    const auto status = parse_enhanced_status(text);
    if (!status) return;
    FUZZ_REQUIRE(status->status_class == 2 || status->status_class == 4 ||
                 status->status_class == 5);
    FUZZ_REQUIRE(status->subject >= 0 && status->subject <= 999);
    FUZZ_REQUIRE(status->detail >= 0 && status->detail <= 999);
    FUZZ_REQUIRE(parse_enhanced_status(to_string(*status)) == status);
}

void check_reply(const SmtpReply& reply, const ReplyLimits& limits) {
    FUZZ_REQUIRE(reply.code >= 200 && reply.code <= 599);
    FUZZ_REQUIRE(!reply.lines.empty());
    std::string joined;
    std::size_t octets = 0;
    for (std::size_t i = 0; i < reply.lines.size(); ++i) {
        if (i > 0) joined += '\n';
        joined += reply.lines[i];
        FUZZ_REQUIRE(reply.lines[i].size() <= limits.max_line_octets);
        octets += reply.lines[i].size();
        check_enhanced(reply.lines[i]);
    }
    FUZZ_REQUIRE(joined == reply.text);
    FUZZ_REQUIRE(octets <= limits.max_reply_octets);
    if (reply.enhanced) FUZZ_REQUIRE(reply.enhanced->status_class == reply.code / 100);

    const ServerCapabilities caps = parse_ehlo(reply);
    if (!reply.is_positive_completion()) {
        FUZZ_REQUIRE(!caps.pipelining && !caps.starttls && !caps.size && !caps.chunking);
        FUZZ_REQUIRE(caps.auth_mechanisms.empty());
    }
    if (caps.size_limit) FUZZ_REQUIRE(caps.size && *caps.size_limit > 0);
    for (std::size_t i = 0; i < caps.auth_mechanisms.size(); ++i) {
        const std::string& mechanism = caps.auth_mechanisms[i];
        FUZZ_REQUIRE(!mechanism.empty());
        for (const char c : mechanism) FUZZ_REQUIRE(!(c >= 'a' && c <= 'z') && c != ' ');
        for (std::size_t k = 0; k < i; ++k) FUZZ_REQUIRE(caps.auth_mechanisms[k] != mechanism);
        FUZZ_REQUIRE(caps.supports_auth(mechanism));
    }
}

// Drains the parser, checking each reply; false once an error has come out.
bool drain(ReplyParser& parser, const ReplyLimits& limits, std::vector<std::string>& seen,
           bool& failed) {
    while (auto parsed = parser.next()) {
        FUZZ_REQUIRE(!failed);  // nothing follows an error
        if (std::holds_alternative<ReplyError>(*parsed)) {
            failed = true;
            FUZZ_REQUIRE(parser.failed());
        } else {
            check_reply(std::get<SmtpReply>(*parsed), limits);
        }
        seen.push_back(summary(*parsed));
    }
    return !failed;
}

template <typename Feed>
std::vector<std::string> parse(const ReplyLimits& limits, Feed feed_all) {
    ReplyParser parser(limits);
    std::vector<std::string> seen;
    bool failed = false;
    feed_all([&](std::string_view piece) {
        parser.feed(piece);
        drain(parser, limits, seen, failed);
    });
    if (!failed) FUZZ_REQUIRE(!parser.failed());
    return seen;
}

}  // namespace
}  // namespace brevduva::smtp

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace brevduva::smtp;
    const std::string_view stream(reinterpret_cast<const char*>(data), size);
    check_enhanced(stream);

    // A queue cap that cannot trip, so that draining less often changes nothing.
    ReplyLimits roomy;
    roomy.max_queued_replies = size + 1;
    const auto whole = parse(roomy, [&](auto feed) { feed(stream); });
    const auto pieces =
        parse(roomy, [&](auto feed) { brevduva::fuzz::for_each_piece(stream, feed); });
    const auto bytes = parse(roomy, [&](auto feed) {
        for (std::size_t i = 0; i < stream.size(); ++i) feed(stream.substr(i, 1));
    });
    FUZZ_REQUIRE(whole == pieces);
    FUZZ_REQUIRE(whole == bytes);

    ReplyLimits small;
    small.max_line_octets = 64;
    small.max_reply_octets = 160;
    small.max_queued_replies = 4;
    (void)parse(small, [&](auto feed) { feed(stream); });
    return 0;
}
