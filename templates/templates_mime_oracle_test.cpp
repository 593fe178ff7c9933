// Our encoders read back by an independent parser, Python's email package with
// policy.default (through tests/tools/parse_mail.py): the parser finds no defects and gets
// back exactly the Unicode we put in, for Swedish, emoji, long subjects and tricky names.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "templates/templates_mime_encode.hpp"
#include "templates/templates_mime_testkit.hpp"

namespace brevduva::templates {
namespace {

struct Mail {
    std::string subject;
    std::string from_name;
    std::string to_name;
    std::string text;
    std::string html;
};

void add(std::optional<HeaderError> error) { ASSERT_FALSE(error) << error->describe(); }

// "=_" cannot occur in quoted-printable output, so the boundary never collides with a part.
std::string wire_form(const Mail& mail) {
    std::string m;
    add(append_address_field(m, "From", mail.from_name, "nyheter@example.se"));
    add(append_address_field(m, "To", mail.to_name, "kund@example.net"));
    add(append_unstructured_field(m, "Subject", mail.subject));
    m += "Date: Mon, 24 Nov 2025 14:35:00 +0100\r\nMessage-ID: <1a2b3c@example.se>\r\n"
         "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"=_b\"\r\n\r\n"
         "--=_b\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    append_quoted_printable(m, mail.text);
    m += "\r\n--=_b\r\nContent-Type: text/html; charset=utf-8\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    append_quoted_printable(m, mail.html);
    m += "\r\n--=_b--\r\n";
    return m;
}

// RFC 5322 §2.1.1 and §2.3 on the raw bytes: 7-bit, CRLF only, headers <= 78, body <= 76.
void expect_wire_rules(std::string_view wire) {
    const std::size_t body = wire.find("\r\n\r\n");
    std::size_t start = 0;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        ASSERT_LT(static_cast<unsigned char>(wire[i]), 0x80) << "8-bit byte at " << i;
        ASSERT_TRUE(wire[i] != '\n' || (i > 0 && wire[i - 1] == '\r')) << "bare LF at " << i;
        ASSERT_TRUE(wire[i] != '\r' || (i + 1 < wire.size() && wire[i + 1] == '\n'));
        if (wire[i] == '\n') {
            EXPECT_LE(i - 1 - start, start < body ? 78u : 76u) << wire.substr(start, i - start);
            start = i + 1;
        }
    }
}

std::string crlf_to_lf(std::string text) {
    for (std::size_t at = text.find("\r\n"); at != std::string::npos; at = text.find("\r\n", at)) {
        text.erase(at, 1);
    }
    return text;
}

// How many encoded-words the (folded) field holds.
std::size_t encoded_words(std::string_view wire, std::string_view field) {
    std::size_t start = wire.find(std::string(field) + ":");
    std::size_t end = wire.find("\r\n", start);
    while (end + 2 < wire.size() && wire[end + 2] == ' ') end = wire.find("\r\n", end + 2);
    const std::string_view text = wire.substr(start, end - start);
    std::size_t count = 0;
    for (std::size_t at = text.find("=?"); at != std::string_view::npos;
         at = text.find("=?", text.find("?=", at + 10) + 2)) {
        ++count;
    }
    return count;
}

class MimeOracle : public ::testing::Test {
  protected:
    // Parses all mails in one Python run and checks each against what went in.
    void expect_round_trip(const std::vector<Mail>& mails) {
        std::vector<std::string> files;
        for (std::size_t i = 0; i < mails.size(); ++i) {
            const std::string wire = wire_form(mails[i]);
            expect_wire_rules(wire);
            files.push_back((dir_ / ("m" + std::to_string(i) + ".eml")).string());
            testkit::write_file(files.back(), wire);
        }
        const testkit::ToolRun run = testkit::run_python_tool(dir_, "parse_mail.py", files);
        ASSERT_EQ(run.exit_code, 0) << run.errors;
        Poco::JSON::Parser parser;
        const auto parsed = parser.parse(run.output).extract<Poco::JSON::Array::Ptr>();
        ASSERT_EQ(parsed->size(), mails.size());
        for (std::size_t i = 0; i < mails.size(); ++i) {
            const std::string wire = testkit::read_file(files[i]);
            SCOPED_TRACE(wire);
            expect_same(mails[i], parsed->getObject(static_cast<unsigned>(i)), wire);
        }
    }

    static void expect_same(const Mail& mail, const Poco::JSON::Object::Ptr& got,
                            std::string_view wire) {
        EXPECT_EQ(got->getArray("defects")->size(), 0u);
        EXPECT_EQ(got->getValue<std::string>("subject"), mail.subject);
        EXPECT_EQ(got->getValue<std::string>("from_name_rfc2047"), mail.from_name);
        EXPECT_EQ(got->getValue<std::string>("to_name_rfc2047"), mail.to_name);
        // policy.default reads the space between two encoded-words in a display name as
        // part of the name (RFC 2047 §6.2 says to ignore it), so only one-word names agree.
        if (encoded_words(wire, "From") <= 1) {
            EXPECT_EQ(got->getValue<std::string>("from_name"), mail.from_name);
        }
        if (encoded_words(wire, "To") <= 1) {
            EXPECT_EQ(got->getValue<std::string>("to_name"), mail.to_name);
        }
        EXPECT_EQ(got->getValue<std::string>("from_address"), "nyheter@example.se");
        EXPECT_EQ(got->getValue<int>("to_count"), 1);
        EXPECT_EQ(got->getArray("headers")->size(), 7u);
        const Poco::JSON::Array::Ptr parts = got->getArray("parts");
        ASSERT_EQ(parts->size(), 2u);
        EXPECT_EQ(crlf_to_lf(parts->getObject(0)->getValue<std::string>("text")),
                  crlf_to_lf(mail.text));
        EXPECT_EQ(crlf_to_lf(parts->getObject(1)->getValue<std::string>("text")),
                  crlf_to_lf(mail.html));
    }

    testkit::TempDir dir_;
};

TEST_F(MimeOracle, SwedishTextRoundTrips) {
    expect_round_trip({{"Höstens erbjudanden – spara 20 %", "Åsa Öberg", "Doe, John",
                        "Hej Åsa!\r\n\r\nVälkommen till höstrean på Ölands Ägg & Ost.\r\n"
                        ".\r\nFrom the team  \r\n",
                        "<p>Hej &Aring;sa! Välkommen = 100 %</p>\r\n"}});
}

TEST_F(MimeOracle, LongSubjectsEmojiAndTrickyNamesRoundTrip) {
    std::string long_swedish;
    while (long_swedish.size() < 260) long_swedish += "Sista chansen för höstens bästa fynd – ";
    std::string long_ascii;
    while (long_ascii.size() < 300) long_ascii += "Last chance for the autumn sale ";
    std::string long_html;
    while (long_html.size() < 5000) long_html += "<td class=\"x\">Fynd på Åre – 😀</td>";
    expect_round_trip({
        {long_swedish, "Brevduva Nyheter", "Svensson, Åsa", "Hej\n", long_html},
        {"🎉 Fest! 😀 ✨ Välkommen", "Kalle 😀 Anka", R"(Anna "Nisse" Nilsson)", "😀\n", ""},
        {long_ascii, "J. R. \"Bob\" Dobbs", "Anna-Karin O'Neil", "a\tb \n", "x"},
        {"=?UTF-8?Q?not_an_encoded_word?=", "=?UTF-8?Q?x?=", "Åsa (Öberg)", "", ""},
        {"", "A; B: C", "Ö", std::string(3000, 'y') + "\n", ". \n"},
    });
}

TEST_F(MimeOracle, SplitsNeverFallInsideACharacter) {
    std::vector<Mail> mails;
    for (std::size_t prefix = 0; prefix < 80; ++prefix) {
        std::string subject(prefix, 'a');
        std::string name(prefix % 40, 'n');
        for (int i = 0; i < 12; ++i) {
            subject += "åäö😀é";
            name += "Ö😀";
        }
        mails.push_back({subject, name, "Åsa " + std::string(prefix, 'b') + "x", subject, subject});
    }
    expect_round_trip(mails);
}

}  // namespace
}  // namespace brevduva::templates
