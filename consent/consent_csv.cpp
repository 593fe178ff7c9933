#include "consent/consent_csv.hpp"

#include <stdexcept>

#include "consent/consent_utf8.hpp"

namespace brevduva::consent {

namespace {

constexpr std::size_t chunk_bytes = 64 * 1024;
constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

}  // namespace

CsvReader::CsvReader(std::istream& in, CsvOptions options) : in_(in), options_(options) {
    if (options_.delimiter) delimiter_ = *options_.delimiter;
}

bool CsvReader::read_more() {
    // Only what has been consumed is dropped; a look-ahead in progress keeps its bytes.
    if (pos_ > 0) {
        buffer_.erase(0, pos_);
        pos_ = 0;
    }
    const std::size_t kept = buffer_.size();
    buffer_.resize(kept + chunk_bytes);
    in_.read(buffer_.data() + kept, static_cast<std::streamsize>(chunk_bytes));
    const auto got = static_cast<std::size_t>(in_.gcount());
    buffer_.resize(kept + got);
    if (in_.bad()) throw std::runtime_error("reading the CSV input failed");
    return got > 0;
}

int CsvReader::peek(std::size_t ahead) {
    while (pos_ + ahead >= buffer_.size()) {
        if (!read_more()) return end_of_input;
    }
    return static_cast<unsigned char>(buffer_[pos_ + ahead]);
}

int CsvReader::get() {
    const int c = peek();
    if (c == end_of_input) return c;
    ++pos_;
    ++record_bytes_;
    if (c == '\n') ++line_;
    return c;
}

void CsvReader::skip_byte_order_mark() {
    for (std::size_t i = 0; i < byte_order_mark.size(); ++i) {
        if (peek(i) != static_cast<unsigned char>(byte_order_mark[i])) return;
    }
    pos_ += byte_order_mark.size();
}

char CsvReader::detect_delimiter() {
    std::size_t commas = 0;
    std::size_t semicolons = 0;
    char first = 0;
    bool quoted = false;
    // Looks ahead over the header record without consuming it; the record cap bounds the
    // look-ahead like it bounds a record.
    for (std::size_t k = 0; k < options_.max_record_bytes; ++k) {
        const int c = peek(k);
        if (c == end_of_input || (!quoted && c == '\n')) break;
        if (c == '"') quoted = !quoted;
        if (quoted || (c != ',' && c != ';')) continue;
        ++(c == ',' ? commas : semicolons);
        if (first == 0) first = static_cast<char>(c);
    }
    if (commas == semicolons) return first == 0 ? ',' : first;
    return commas > semicolons ? ',' : ';';
}

bool CsvReader::at_line_end() { return peek() == '\n' || (peek() == '\r' && peek(1) == '\n'); }

void CsvReader::skip_line_end() {
    if (peek() == '\r') get();
    get();
}

void CsvReader::fail(CsvRecord& record, CsvErrorKind kind, std::string message) {
    if (!record.error) record.error = CsvError{kind, std::move(message)};
}

void CsvReader::append(CsvRecord& record, char c) {
    if (record.error) return;  // skipping to the end of a broken record
    if (record_bytes_ > options_.max_record_bytes) {
        fail(record, CsvErrorKind::record_too_long,
             "record is longer than " + std::to_string(options_.max_record_bytes) + " bytes");
        return;
    }
    auto& field = record.fields[used_fields_ - 1];
    if (field.size() >= options_.max_field_bytes) {
        fail(record, CsvErrorKind::field_too_long,
             "field " + std::to_string(field_number_) + " is longer than " +
                 std::to_string(options_.max_field_bytes) + " bytes");
        return;
    }
    field.push_back(c);
}

void CsvReader::finish_field(CsvRecord& record) {
    if (record.error) return;
    if (record_bytes_ > options_.max_record_bytes) {
        fail(record, CsvErrorKind::record_too_long,
             "record is longer than " + std::to_string(options_.max_record_bytes) + " bytes");
        return;
    }
    if (const auto bad = first_invalid_utf8(record.fields[used_fields_ - 1])) {
        fail(record, CsvErrorKind::invalid_utf8,
             "field " + std::to_string(field_number_) + " is not valid UTF-8 (byte " +
                 std::to_string(*bad + 1) + ")");
    }
}

void CsvReader::read_unquoted(CsvRecord& record) {
    while (peek() != end_of_input && peek() != static_cast<unsigned char>(delimiter_) &&
           !at_line_end()) {
        append(record, static_cast<char>(get()));
    }
}

void CsvReader::read_quoted(CsvRecord& record) {
    const std::size_t opened = line_;
    get();  // the opening quote
    while (true) {
        const int c = get();
        if (c == end_of_input) {
            fail(record, CsvErrorKind::unterminated_quote,
                 "quoted field opened on line " + std::to_string(opened) +
                     " is not closed before the end of the input");
            return;
        }
        if (c != '"') {
            append(record, static_cast<char>(c));
            continue;
        }
        if (peek() == '"') {
            get();
            append(record, '"');
            continue;
        }
        if (peek() == end_of_input || peek() == static_cast<unsigned char>(delimiter_) ||
            at_line_end()) {
            return;
        }
        fail(record, CsvErrorKind::text_after_quote,
             "text after the closing quote of field " + std::to_string(field_number_));
        read_unquoted(record);  // resynchronise at the next delimiter or line end
        return;
    }
}

void CsvReader::read_field(CsvRecord& record) {
    ++field_number_;
    if (!record.error) {
        if (used_fields_ >= options_.max_fields) {
            fail(record, CsvErrorKind::too_many_fields,
                 "record has more than " + std::to_string(options_.max_fields) + " fields");
        } else if (used_fields_ < record.fields.size()) {
            record.fields[used_fields_++].clear();  // keeps its capacity: no allocation
        } else {
            record.fields.emplace_back();
            ++used_fields_;
        }
    }
    if (peek() == '"') {
        read_quoted(record);
    } else {
        read_unquoted(record);
    }
    finish_field(record);
}

bool CsvReader::next(CsvRecord& record) {
    if (!started_) {
        skip_byte_order_mark();
        started_ = true;
    }
    while (at_line_end()) skip_line_end();
    if (peek() == end_of_input) return false;
    if (!options_.delimiter) {
        delimiter_ = detect_delimiter();
        options_.delimiter = delimiter_;
    }
    record.line = line_;
    // The strings of the previous record are reused, so that a long import does not allocate
    // per field once the first record has been read.
    used_fields_ = 0;
    record.error.reset();
    record_bytes_ = 0;
    field_number_ = 0;
    while (true) {
        read_field(record);
        if (peek() != static_cast<unsigned char>(delimiter_)) break;
        get();
    }
    if (at_line_end()) skip_line_end();
    record.fields.resize(record.error ? 0 : used_fields_);
    return true;
}

}  // namespace brevduva::consent
