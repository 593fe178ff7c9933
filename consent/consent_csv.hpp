// A streaming CSV reader (RFC 4180) for contact and consent imports. It holds one chunk of
// input and one record at a time, so a file of any length is read in bounded memory; a record
// that breaks a limit or the syntax is reported with its line and reading goes on with the
// next record. It reads only the istream it is given and interprets no column: the header is
// returned as the first record.
//
// Dialect:
// - fields may be quoted; inside quotes the delimiter and line breaks are data and "" is one
//   quote; a quote inside an unquoted field is data (as spreadsheets write it); text after a
//   closing quote is an error;
// - records end at LF or CRLF outside quotes; a bare CR is data; line breaks inside quotes are
//   kept as written; a trailing line break at the end of the file is optional;
// - empty physical lines between records are skipped (they carry no record in any import);
// - a UTF-8 byte order mark at the very start is skipped; every field must be valid UTF-8;
// - the delimiter, unless given, is taken from the header record: whichever of ',' and ';'
//   occurs more often outside quotes there, the first seen on a tie, ',' when neither occurs
//   (a one-column file). Semicolons come from spreadsheets in locales with a decimal comma,
//   such as Swedish Excel.
// - an error record is skipped to its true end (quotes still tracked), so one over-long field
//   costs one record; an unclosed quote runs to the end of the file and is reported there,
//   with the line where it opened.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace brevduva::consent {

struct CsvOptions {
    std::size_t max_field_bytes = 64 * 1024;
    std::size_t max_record_bytes = 1024 * 1024;  // raw bytes, delimiters and quotes included
    std::size_t max_fields = 1000;
    std::optional<char> delimiter;  // unset: detect from the header
};

enum class CsvErrorKind {
    field_too_long,
    record_too_long,
    too_many_fields,
    unterminated_quote,
    text_after_quote,
    invalid_utf8,
};

struct CsvError {
    CsvErrorKind kind = CsvErrorKind::invalid_utf8;
    std::string message;  // says which field or line, for an import report
};

struct CsvRecord {
    std::size_t line = 0;  // the physical line (1-based) where the record starts
    std::vector<std::string> fields;
    std::optional<CsvError> error;  // set: the record could not be read, fields is empty
};

class CsvReader {
  public:
    explicit CsvReader(std::istream& in, CsvOptions options = {});
    CsvReader(const CsvReader&) = delete;
    CsvReader& operator=(const CsvReader&) = delete;

    // Reads the next record into `record`, reusing its strings, or returns false at the end of
    // the input. Throws
    // std::runtime_error when the stream itself fails (not for bad CSV).
    [[nodiscard]] bool next(CsvRecord& record);

    // The delimiter in use; detected on the first call to next() unless given.
    [[nodiscard]] char delimiter() const { return delimiter_; }

  private:
    static constexpr int end_of_input = -1;

    int peek(std::size_t ahead = 0);
    int get();
    bool read_more();  // appends a chunk to the buffer; false at the end of the input
    void skip_byte_order_mark();
    char detect_delimiter();
    bool at_line_end();
    void skip_line_end();
    void read_field(CsvRecord& record);
    void read_quoted(CsvRecord& record);
    void read_unquoted(CsvRecord& record);
    void append(CsvRecord& record, char c);
    void finish_field(CsvRecord& record);
    void fail(CsvRecord& record, CsvErrorKind kind, std::string message);

    std::istream& in_;
    CsvOptions options_;
    std::string buffer_;
    std::size_t pos_ = 0;
    bool started_ = false;
    char delimiter_ = ',';
    std::size_t line_ = 1;
    std::size_t record_bytes_ = 0;
    std::size_t field_number_ = 0;  // 1-based, within the current record
    std::size_t used_fields_ = 0;   // fields of the current record stored so far
};

}  // namespace brevduva::consent
