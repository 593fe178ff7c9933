#include "consent/consent_csv.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <array>
#include <cstdio>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

namespace brevduva::consent {
namespace {

struct Read {
    std::size_t line;
    std::vector<std::string> fields;
    std::string error;
};

std::vector<Read> read_all(const std::string& text, CsvOptions options = {},
                           char* delimiter = nullptr) {
    std::istringstream in(text);
    CsvReader reader(in, options);
    std::vector<Read> out;
    CsvRecord record;
    while (reader.next(record)) {
        out.push_back({record.line, record.fields, record.error ? record.error->message : ""});
    }
    if (delimiter != nullptr) *delimiter = reader.delimiter();
    return out;
}

using Fields = std::vector<std::string>;

TEST(CsvReader, ReadsSimpleRecordsWithLfOrCrlfAndOptionalFinalNewline) {
    for (const std::string text : {"email,name\na@x.se,Anna\n", "email,name\r\na@x.se,Anna\r\n",
                                   "email,name\na@x.se,Anna", "email,name\r\na@x.se,Anna"}) {
        const auto rows = read_all(text);
        ASSERT_EQ(rows.size(), 2u) << text;
        EXPECT_EQ(rows[0].fields, (Fields{"email", "name"}));
        EXPECT_EQ(rows[1].fields, (Fields{"a@x.se", "Anna"}));
        EXPECT_EQ(rows[1].line, 2u);
        EXPECT_EQ(rows[1].error, "");
    }
}

TEST(CsvReader, SkipsAByteOrderMark) {
    const auto rows = read_all(
        "\xEF\xBB\xBF"
        "email\na@x.se\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fields, (Fields{"email"}));
}

TEST(CsvReader, DetectsSemicolonsFromTheHeader) {
    char delimiter = 0;
    const auto rows = read_all("email;name;\"a,b\"\na@x.se;Svensson, Anna;1,5\n", {}, &delimiter);
    EXPECT_EQ(delimiter, ';');
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].fields, (Fields{"a@x.se", "Svensson, Anna", "1,5"}));
}

TEST(CsvReader, DelimiterRuleCountsOutsideQuotesAndDefaultsToComma) {
    char delimiter = 0;
    (void)read_all("\"a;b;c\",d\n", {}, &delimiter);
    EXPECT_EQ(delimiter, ',');
    (void)read_all("email\n", {}, &delimiter);
    EXPECT_EQ(delimiter, ',');
    (void)read_all("a;b,c;d\n", {}, &delimiter);
    EXPECT_EQ(delimiter, ';');
    (void)read_all("a;b,c\n", {}, &delimiter);  // a tie goes to the first seen
    EXPECT_EQ(delimiter, ';');
    CsvOptions given;
    given.delimiter = '\t';
    EXPECT_EQ(read_all("a\tb\n", given)[0].fields, (Fields{"a", "b"}));
}

TEST(CsvReader, KeepsCommasNewlinesAndDoubledQuotesInsideQuotes) {
    const auto rows =
        read_all("h1,h2,h3\n\"a,b\",\"line1\nline2\r\nline3\",\"say \"\"hej\"\"\"\nx,y,z\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1].fields, (Fields{"a,b", "line1\nline2\r\nline3", "say \"hej\""}));
    EXPECT_EQ(rows[1].line, 2u);
    EXPECT_EQ(rows[2].line, 5u);  // the physical line, after the two breaks inside quotes
}

TEST(CsvReader, KeepsEmptyFieldsAndSkipsEmptyLines) {
    const auto rows = read_all("a,b,c\n,,\n\n\"\",x,\n\r\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1].fields, (Fields{"", "", ""}));
    EXPECT_EQ(rows[2].fields, (Fields{"", "x", ""}));
    EXPECT_EQ(rows[2].line, 4u);
}

TEST(CsvReader, TreatsAQuoteInsideAnUnquotedFieldAsData) {
    EXPECT_EQ(read_all("a,b\n5\" disk,x\n")[1].fields, (Fields{"5\" disk", "x"}));
}

TEST(CsvReader, ReportsTextAfterAClosingQuoteAndGoesOn) {
    const auto rows = read_all("a,b\n\"x\"y,z\nok,1\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1].error, "text after the closing quote of field 1");
    EXPECT_TRUE(rows[1].fields.empty());
    EXPECT_EQ(rows[2].fields, (Fields{"ok", "1"}));
}

TEST(CsvReader, ReportsInvalidUtf8WithTheFieldAndGoesOn) {
    const auto rows = read_all("a,b\nok,bad\xC3(\nnext,\xE2\x82\xAC\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1].error, "field 2 is not valid UTF-8 (byte 4)");
    EXPECT_EQ(rows[2].fields, (Fields{"next", "\xE2\x82\xAC"}));
}

TEST(CsvReader, ReportsAnUnterminatedQuoteWithTheLineItOpenedOn) {
    const auto rows = read_all("a,b\n1,2\n3,\"open\nmore\nlines\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[2].line, 3u);
    EXPECT_EQ(rows[2].error,
              "quoted field opened on line 3 is not closed before the end of the input");
}

TEST(CsvReader, AFieldOfMegabytesIsRefusedAndTheNextRecordIsRead) {
    const std::string huge(3 * 1024 * 1024, 'x');
    const std::string text = "a,b\n1,\"" + huge + "\"\n2," + huge + "\n3,ok\n";
    CsvOptions options;
    options.max_record_bytes = 8 * 1024 * 1024;
    const auto rows = read_all(text, options);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[1].error, "field 2 is longer than 65536 bytes");
    EXPECT_EQ(rows[2].error, "field 2 is longer than 65536 bytes");
    EXPECT_EQ(rows[3].fields, (Fields{"3", "ok"}));
    EXPECT_EQ(rows[3].line, 4u);
    options.max_field_bytes = 4 * 1024 * 1024;
    const auto allowed = read_all(text, options);
    ASSERT_EQ(allowed.size(), 4u);
    EXPECT_EQ(allowed[1].fields[1].size(), huge.size());
}

TEST(CsvReader, EnforcesTheRecordCapAndTheFieldCount) {
    CsvOptions options;
    options.max_record_bytes = 100;
    options.max_fields = 5;
    const std::string many(50, ',');
    const std::string long_record = std::string(60, 'a') + "," + std::string(60, 'b');
    const auto rows = read_all("h\n" + many + "\n" + long_record + "\nok\n", options);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[1].error, "record has more than 5 fields");
    EXPECT_EQ(rows[2].error, "record is longer than 100 bytes");
    EXPECT_EQ(rows[3].fields, (Fields{"ok"}));
}

// Produces a CSV of `rows` records on demand, so that the input itself is never in memory. It
// writes into one fixed buffer, so that the test measures the reader's memory, not its own.
class GeneratedCsv : public std::streambuf {
  public:
    explicit GeneratedCsv(std::size_t rows) : rows_(rows) {}

  protected:
    int_type underflow() override {
        if (next_ > rows_) return traits_type::eof();
        const int length =
            next_ == 0 ? std::snprintf(line_.data(), line_.size(), "email;name;note\n")
                       : std::snprintf(line_.data(), line_.size(),
                                       "user%zu@example.se;Namn %zu;\"a \"\"quoted\"\"; note\"\n",
                                       next_, next_);
        ++next_;
        setg(line_.data(), line_.data(), line_.data() + length);
        return traits_type::to_int_type(line_[0]);
    }

  private:
    std::size_t rows_;
    std::size_t next_ = 0;
    std::array<char, 128> line_{};
};

long peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

TEST(CsvReader, ReadsAMillionRowsInBoundedMemory) {
    constexpr std::size_t rows = 1'000'000;
    GeneratedCsv source(rows);
    std::istream in(&source);
    CsvReader reader(in);
    CsvRecord record;
    const long before = peak_rss_kib();
    std::size_t count = 0;
    std::size_t last_line = 0;
    while (reader.next(record)) {
        ASSERT_FALSE(record.error) << record.error->message;
        ASSERT_EQ(record.fields.size(), 3u);
        last_line = record.line;
        ++count;
    }
    EXPECT_EQ(count, rows + 1);
    EXPECT_EQ(last_line, rows + 1);
    EXPECT_EQ(record.fields[0], "user1000000@example.se");
    EXPECT_EQ(record.fields[2], "a \"quoted\"; note");
    // About 60 MB went through; the reader holds one chunk and one record.
    EXPECT_LT(peak_rss_kib() - before, 16 * 1024);
}

}  // namespace
}  // namespace brevduva::consent
