// Quoted-printable and header-field writers: the RFC 2045 §6.7 and RFC 2047 rules checked on
// every output line, decode(encode(x)) == x on random input, and header injection refused.
#include <gtest/gtest.h>

#include <cctype>
#include <random>

#include "templates/templates_mime_encode.hpp"

namespace brevduva::templates {
namespace {

std::string qp(std::string_view text) {
    std::string out;
    append_quoted_printable(out, text);
    return out;
}

int hex_value(char c) { return c <= '9' ? c - '0' : c - 'A' + 10; }

std::string qp_decode(std::string_view encoded) {
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] != '=') {
            out += encoded[i];
        } else if (encoded.substr(i + 1, 2) == "\r\n") {
            i += 2;  // soft line break
        } else {
            out += static_cast<char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2]));
            i += 2;
        }
    }
    return out;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t end = text.find("\r\n"); end != std::string_view::npos;
         start = end + 2, end = text.find("\r\n", start)) {
        lines.push_back(text.substr(start, end - start));
    }
    lines.push_back(text.substr(start));
    return lines;
}

// Every RFC 2045 §6.7 rule that can be seen on one encoded line.
void expect_valid_qp_lines(std::string_view encoded) {
    for (const std::string_view line : lines_of(encoded)) {
        ASSERT_LE(line.size(), 76u) << line;
        if (!line.empty()) {
            EXPECT_NE(line.back(), ' ') << line;
            EXPECT_NE(line.back(), '\t') << line;
            EXPECT_NE(line.front(), '.') << line;
        }
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto u = static_cast<unsigned char>(line[i]);
            ASSERT_TRUE((u >= 32 && u < 127) || u == '\t') << line;
            if (line[i] == '=' && i + 1 < line.size()) {
                ASSERT_LE(i + 2, line.size() - 1) << "split =XX in " << line;
                EXPECT_TRUE(std::isxdigit(line[i + 1]) && std::isxdigit(line[i + 2])) << line;
                EXPECT_FALSE(std::islower(line[i + 1]) || std::islower(line[i + 2])) << line;
            }
        }
    }
}

TEST(QuotedPrintable, EncodesEqualsNonAsciiAndControls) {
    EXPECT_EQ(qp("Hej Åsa, 1+1=2\x01"), "Hej =C3=85sa, 1+1=3D2=01");
}

TEST(QuotedPrintable, EncodesWhitespaceOnlyBeforeALineBreak) {
    EXPECT_EQ(qp("a b \r\nc\t\nd "), "a b=20\r\nc=09\r\nd=20");
}

TEST(QuotedPrintable, NormalisesLineBreaksToCrlf) {
    EXPECT_EQ(qp("a\nb\r\nc\rd\n\n"), "a\r\nb\r\nc\r\nd\r\n\r\n");
}

TEST(QuotedPrintable, EscapesRiskyLineStarts) {
    EXPECT_EQ(qp(".\r\n..x\r\nFrom me\r\nFromage"), "=2E\r\n=2E.x\r\n=46rom me\r\nFromage");
}

TEST(QuotedPrintable, WrapsALongHtmlLine) {
    std::string html;
    while (html.size() < 5000) html += "<td style=\"color:#333\">Höstrea – 20 %</td> ";
    const std::string encoded = qp(html);
    expect_valid_qp_lines(encoded);
    EXPECT_GT(lines_of(encoded).size(), 60u);
    EXPECT_EQ(qp_decode(encoded), html);
}

TEST(QuotedPrintable, SoftBreaksNeverStartALineWithADot) {
    for (std::size_t prefix = 70; prefix < 80; ++prefix) {
        const std::string text = std::string(prefix, 'x') + "....." + std::string(80, '.');
        const std::string encoded = qp(text);
        expect_valid_qp_lines(encoded);
        EXPECT_EQ(qp_decode(encoded), text);
    }
}

TEST(QuotedPrintable, RoundTripsRandomBinaryAndText) {
    std::mt19937 random(20251124);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 400);
    const std::string_view pieces[] = {"å", "ä", "ö", "😀", " ", "\t", "=", ".", "From ", "\r\n"};
    for (int round = 0; round < 500; ++round) {
        std::string binary;
        std::string text;
        for (int i = length(random); i > 0; --i) {
            const char b = static_cast<char>(byte(random));
            if (b != '\r' && b != '\n') binary += b;
            text += (byte(random) < 128)
                        ? std::string(1, static_cast<char>('a' + byte(random) % 26))
                        : std::string(pieces[byte(random) % 10]);
        }
        for (const std::string& input : {binary, text}) {
            const std::string encoded = qp(input);
            expect_valid_qp_lines(encoded);
            ASSERT_EQ(qp_decode(encoded), input);
        }
    }
}

TEST(QuotedPrintable, AppendsToTheGivenBuffer) {
    std::string out = "prefix:";
    append_quoted_printable(out, "å");
    EXPECT_EQ(out, "prefix:=C3=A5");
}

std::string field(std::string_view name, std::string_view value) {
    std::string out;
    const auto error = append_unstructured_field(out, name, value);
    EXPECT_FALSE(error) << error->describe();
    return out;
}

std::string address(std::string_view name, std::string_view display, std::string_view addr) {
    std::string out;
    const auto error = append_address_field(out, name, display, addr);
    EXPECT_FALSE(error) << error->describe();
    return out;
}

void expect_header_limits(std::string_view header) {
    ASSERT_TRUE(header.ends_with("\r\n"));
    const std::vector<std::string_view> lines = lines_of(header.substr(0, header.size() - 2));
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_LE(lines[i].size(), lines[i].find("=?") == std::string_view::npos ? 78u : 76u)
            << lines[i];
        EXPECT_TRUE(i == 0 || lines[i].starts_with(" ") || lines[i].starts_with("\t"));
        for (std::size_t at = lines[i].find("=?"); at != std::string_view::npos;) {
            const std::size_t end = lines[i].find("?=", at + 10);
            ASSERT_NE(end, std::string_view::npos) << lines[i];
            EXPECT_LE(end + 2 - at, 75u) << lines[i];
            at = lines[i].find("=?", end + 2);
        }
        for (const char c : lines[i]) {
            EXPECT_TRUE(static_cast<unsigned char>(c) < 0x80 && c != '\r' && c != '\n');
        }
    }
}

TEST(HeaderFields, PlainAsciiStaysReadableAndFoldsAtSpaces) {
    EXPECT_EQ(field("Subject", "Spring sale"), "Subject: Spring sale\r\n");
    std::string words;
    for (int i = 0; i < 30; ++i) words += "word" + std::to_string(i) + " ";
    const std::string folded = field("Subject", words);
    expect_header_limits(folded);
    EXPECT_NE(folded.find("\r\n word"), std::string::npos);
}

TEST(HeaderFields, NonAsciiBecomesShortQEncodedWords) {
    EXPECT_EQ(field("Subject", "Höst"), "Subject: =?UTF-8?Q?H=C3=B6st?=\r\n");
    EXPECT_EQ(address("From", "Åsa Öberg", "asa@example.se"),
              "From: =?UTF-8?Q?=C3=85sa_=C3=96berg?= <asa@example.se>\r\n");
}

TEST(HeaderFields, MostlyMultibyteTextUsesB) {
    EXPECT_EQ(field("Subject", "😀😀😀"), "Subject: =?UTF-8?B?8J+YgPCfmIDwn5iA?=\r\n");
}

TEST(HeaderFields, LookalikeEncodedWordsAndUnfoldableWordsAreEncoded) {
    EXPECT_TRUE(field("Subject", "=?UTF-8?Q?x?=").starts_with("Subject: =?UTF-8?Q?=3D=3FUTF"));
    const std::string url = field("Subject", "see " + std::string(120, 'x'));
    expect_header_limits(url);
    EXPECT_NE(url.find("=?UTF-8?"), std::string::npos);
}

TEST(HeaderFields, LongSwedishSubjectsStayWithinLimitsAtEverySplit) {
    for (std::size_t prefix = 0; prefix < 80; ++prefix) {
        std::string subject(prefix, 'a');
        for (int i = 0; i < 40; ++i) subject += " Höstens ö 😀 ";
        expect_header_limits(field("Subject", subject));
        expect_header_limits(field("List-Unsubscribe-Post", subject));
    }
}

TEST(HeaderFields, DisplayNamesWithSpecialsAreQuoted) {
    EXPECT_EQ(address("To", "Doe, John", "john@example.se"),
              "To: \"Doe, John\" <john@example.se>\r\n");
    EXPECT_EQ(address("To", R"(Anna "Nisse" \ N.)", "a@example.se"),
              "To: \"Anna \\\"Nisse\\\" \\\\ N.\" <a@example.se>\r\n");
    EXPECT_EQ(address("To", "Anna-Karin O'Neil", "ak@example.se"),
              "To: Anna-Karin O'Neil <ak@example.se>\r\n");
    EXPECT_EQ(address("To", "", "ak@example.se"), "To: ak@example.se\r\n");
}

TEST(HeaderFields, LongNamesFoldBeforeTheAddress) {
    const std::string long_name(60, 'n');
    const std::string header = address("To", long_name, "someone@example.se");
    expect_header_limits(header);
    EXPECT_NE(header.find("\r\n <someone@example.se>"), std::string::npos);
    expect_header_limits(address("To", "Åsa " + std::string(150, 'x'), "a@example.se"));
}

// A line that holds an encoded-word may be 76 long, not 78 (RFC 2047 section 2): the address
// after an encoded name moves to a line of its own one column earlier than after plain words.
TEST(HeaderFields, AnAddressAfterAnEncodedNameKeepsItsLineWithin76) {
    const std::string name =
        "Plain ASCII subject that is long enough to need folding at its spaces =?en written "
        "into a header line";
    const std::string header = address("From", name, "news@example.se");
    std::size_t start = 0;
    while (start < header.size()) {
        const auto end = header.find("\r\n", start);
        const auto line = std::string_view(header).substr(start, end - start);
        if (line.find("=?") != std::string_view::npos) {
            EXPECT_LE(line.size(), 76U) << line;
        }
        start = end + 2;
    }
}

TEST(HeaderFields, InjectionIsRefusedAndNothingIsWritten) {
    std::string out = "kept";
    auto error = append_unstructured_field(out, "Subject", "x\r\nBcc: y");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->describe(), "Subject: contains CR at byte 1");
    error = append_unstructured_field(out, "Subject", "x\nX-Evil: 1");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->describe(), "Subject: contains LF at byte 1");
    error = append_address_field(out, "To", "Eve\r\nBcc: victim@x.test", "eve@example.se");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->field, "To");
    EXPECT_TRUE(append_address_field(out, "To", "Eve", "eve@example.se\r\nRCPT TO:<v@x>"));
    EXPECT_TRUE(append_address_field(out, "To", "Eve", "eve@example.se>, <v@x.test"));
    EXPECT_TRUE(append_unstructured_field(out, "Subject", std::string_view("a\0b", 3)));
    EXPECT_TRUE(append_unstructured_field(out, "Subject", "esc\x1b[31m"));
    EXPECT_TRUE(append_unstructured_field(out, "Subject", "G\xF6teborg"));
    EXPECT_EQ(out, "kept");
}

TEST(HeaderFields, AddressesThatAreNotPlainAsciiMailboxesAreRefused) {
    std::string out;
    for (const std::string_view bad : {"", "no-at", "@example.se", "a@", "a b@example.se",
                                       "åsa@example.se", "a@exa mple.se", "a@[127.0.0.1]"}) {
        EXPECT_TRUE(append_address_field(out, "To", "", bad)) << bad;
    }
    EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace brevduva::templates
