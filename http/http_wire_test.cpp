#include "http/http_wire.hpp"

#include <gtest/gtest.h>

#include <string>

namespace brevduva::http {
namespace {

using Progress = RequestReader::Progress;

struct Outcome {
    Progress progress = Progress::need_more;
    WireRequest request;
    WireError error;
};

Outcome read_all(std::string_view bytes, WireLimits limits = {}) {
    RequestReader reader(limits);
    Outcome out;
    out.progress = reader.feed(bytes);
    while (out.progress == Progress::head) out.progress = reader.resume();
    if (out.progress == Progress::complete) out.request = reader.take();
    if (out.progress == Progress::failed) out.error = reader.error();
    return out;
}

// The same bytes fed one at a time.
Outcome read_bytewise(std::string_view bytes, WireLimits limits = {}) {
    RequestReader reader(limits);
    Outcome out;
    for (char c : bytes) {
        out.progress = reader.feed(std::string_view(&c, 1));
        if (out.progress == Progress::complete || out.progress == Progress::failed) break;
    }
    if (out.progress == Progress::complete) out.request = reader.take();
    if (out.progress == Progress::failed) out.error = reader.error();
    return out;
}

int refusal(std::string_view bytes) {
    const auto out = read_all(bytes);
    return out.progress == Progress::failed ? out.error.status : 0;
}

TEST(Wire, ReadsAPlainRequest) {
    const auto out =
        read_all("GET /o/abc.gif?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent:  x y \r\n\r\n");
    ASSERT_EQ(out.progress, Progress::complete);
    EXPECT_EQ(out.request.method, "GET");
    EXPECT_EQ(out.request.target, "/o/abc.gif?x=1");
    EXPECT_EQ(out.request.minor_version, 1);
    ASSERT_NE(out.request.field("user-agent"), nullptr);
    EXPECT_EQ(*out.request.field("USER-AGENT"), "x y");
    EXPECT_TRUE(out.request.keep_alive);
}

TEST(Wire, DecodesChunkedBodiesWithExtensionsAndTrailers) {
    const std::string bytes =
        "POST /u/t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;name=value\r\nList-\r\n0000000015\r\nUnsubscribe=One-Click\r\n0\r\nX-Trailer: 1\r\n\r\n";
    for (const auto& out : {read_all(bytes), read_bytewise(bytes)}) {
        ASSERT_EQ(out.progress, Progress::complete);
        EXPECT_EQ(out.request.body, "List-Unsubscribe=One-Click");
        EXPECT_EQ(out.request.field("X-Trailer"), nullptr);
    }
}

TEST(Wire, ByteByByteReadsWhatAWholeReadReads) {
    const std::string bytes =
        "\r\nPOST /p/t HTTP/1.0\nHost: a\nConnection: keep-alive\nContent-Length: 11\n\nhello "
        "world";
    const auto whole = read_all(bytes);
    const auto bytewise = read_bytewise(bytes);
    ASSERT_EQ(whole.progress, Progress::complete);
    ASSERT_EQ(bytewise.progress, Progress::complete);
    EXPECT_EQ(whole.request.body, "hello world");
    EXPECT_EQ(bytewise.request.body, "hello world");
    EXPECT_EQ(whole.request.minor_version, 0);
    EXPECT_TRUE(whole.request.keep_alive);
}

TEST(Wire, PipelinedRequestsComeOneAtATime) {
    RequestReader reader({});
    ASSERT_EQ(reader.feed("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n"
                          "Connection: close\r\n\r\nGET /c"),
              Progress::complete);
    EXPECT_EQ(reader.take().target, "/a");
    ASSERT_EQ(reader.resume(), Progress::complete);
    const auto second = reader.take();
    EXPECT_EQ(second.target, "/b");
    EXPECT_FALSE(second.keep_alive);
    EXPECT_EQ(reader.resume(), Progress::need_more);
    EXPECT_TRUE(reader.started());
}

TEST(Wire, RefusesBothFramingHeadersTogether) {
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
              400);
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Length: 0\r\n\r\n0\r\n\r\n"),
              400);
}

TEST(Wire, RefusesLengthsThatAreNotOneNumber) {
    for (const char* length : {"-1", "+4", "4 4", "0x10", "", ",", " , ", "4, 5", "1e3", "four"}) {
        EXPECT_EQ(refusal(std::string("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ") + length +
                          "\r\n\r\nbody"),
                  400)
            << length;
    }
    EXPECT_EQ(
        refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n"),
        400);
    // The same length twice is one length (RFC 9112 section 6.3).
    EXPECT_EQ(read_all("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 4\r\n\r\nbody").progress,
              Progress::complete);
}

TEST(Wire, RefusesOversizedLengthsBeforeReadingTheBody) {
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n"), 413);
    EXPECT_EQ(
        refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
        413);
}

TEST(Wire, RefusesMalformedChunks) {
    const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    EXPECT_EQ(refusal(head + "zz\r\nab\r\n0\r\n\r\n"), 400);
    EXPECT_EQ(refusal(head + "-5\r\nabcde\r\n0\r\n\r\n"), 400);
    EXPECT_EQ(refusal(head + "ffffffffffffffff\r\nab\r\n0\r\n\r\n"), 413);
    EXPECT_EQ(refusal(head + "10000000000000000\r\nab\r\n"), 413);
    EXPECT_EQ(refusal(head + "2\r\nabc\r\n0\r\n\r\n"), 400);   // data longer than its size
    EXPECT_EQ(refusal(head + "2\nab\r\n0\r\n\r\n"), 400);      // a bare LF after the size
    EXPECT_EQ(refusal(head + "\r\nab\r\n0\r\n\r\n"), 400);     // no size at all
    EXPECT_EQ(refusal(head + "2 x\r\nab\r\n0\r\n\r\n"), 400);  // junk after the size
}

TEST(Wire, ChunkFramingIsBoundedOnTheWireToo) {
    // 64 KiB of one-byte chunks, each with a long extension: far more framing than body.
    std::string bytes = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 1000; ++i) bytes += "1;" + std::string(200, 'e') + "\r\nx\r\n";
    EXPECT_EQ(refusal(bytes), 413);
}

TEST(Wire, EmptyLinesBetweenRequestsDoNotStartOne) {
    RequestReader reader({});
    ASSERT_EQ(reader.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n"), Progress::complete);
    (void)reader.take();
    EXPECT_EQ(reader.resume(), Progress::need_more);
    EXPECT_FALSE(reader.started());
    EXPECT_EQ(reader.feed("G"), Progress::need_more);
    EXPECT_TRUE(reader.started());
}

TEST(Wire, ATruncatedChunkedBodyIsNeverComplete) {
    const auto out = read_all(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nList-Unsub");
    EXPECT_EQ(out.progress, Progress::need_more);
    const auto no_end = read_all(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n");
    EXPECT_EQ(no_end.progress, Progress::need_more);
}

TEST(Wire, RefusesTransferCodingsItCannotRead) {
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"), 400);
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
              400);
    EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
              501);
    EXPECT_EQ(refusal("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400);
}

TEST(Wire, RefusesUnknownVersionsWith505AndMalformedOnesWith400) {
    EXPECT_EQ(refusal("GET / HTTP/9.9\r\nHost: a\r\n\r\n"), 505);
    EXPECT_EQ(refusal("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
    EXPECT_EQ(refusal("GET / HTTP/1.1x\r\nHost: a\r\n\r\n"), 400);
    EXPECT_EQ(refusal("GET / http/1.1\r\nHost: a\r\n\r\n"), 400);
    EXPECT_EQ(refusal("GET /\r\n\r\n"), 400);
    EXPECT_EQ(refusal("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    // A higher minor version is answered as 1.1.
    const auto minor = read_all("GET / HTTP/1.7\r\nHost: a\r\n\r\n");
    ASSERT_EQ(minor.progress, Progress::complete);
    EXPECT_EQ(minor.request.minor_version, 1);
}

TEST(Wire, RefusesAmbiguousHeads) {
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\n\r\n"), 400);                            // no Host
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);      // two
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);                // space
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  2\r\n\r\n"), 400);  // folded
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n"), 400);           // bare CR
    using namespace std::string_literals;
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\nX: 1\0002\r\n\r\n"s), 400);
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n"), 400);
    EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n"), 417);
}

TEST(Wire, RefusesOversizedHeadsAsTheyArrive) {
    // A long target is answered before the line ends.
    EXPECT_EQ(read_bytewise("GET /" + std::string(3000, 'a')).error.status, 414);
    std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
    while (head.size() < 17 * 1024) head += "X-Filler: " + std::string(100, 'x') + "\r\n";
    EXPECT_EQ(read_bytewise(head).error.status, 431);
}

TEST(Wire, ExpectContinueIsReportedWithTheHead) {
    RequestReader reader({});
    EXPECT_EQ(reader.feed("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
                          "Content-Length: 4\r\n\r\n"),
              Progress::head);
    EXPECT_TRUE(reader.current().expects_continue);
    EXPECT_EQ(reader.feed("bo"), Progress::need_more);
    EXPECT_EQ(reader.feed("dy"), Progress::complete);
    EXPECT_EQ(reader.take().body, "body");
}

TEST(Wire, ReasonPhrasesAreTheStatusesOwn) {
    EXPECT_EQ(reason_phrase(404), "Not Found");
    EXPECT_EQ(reason_phrase(505), "HTTP Version Not Supported");
    EXPECT_EQ(reason_phrase(413), "Content Too Large");
}

}  // namespace
}  // namespace brevduva::http
