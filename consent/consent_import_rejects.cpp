#include "consent/consent_import_rejects.hpp"

#include "formats/formats_spreadsheet.hpp"

namespace brevduva::consent {

RejectWriter::RejectWriter(std::ostream& out, char delimiter) : out_(out), delimiter_(delimiter) {}

void RejectWriter::write_header(std::span<const std::string> header) {
    out_ << "line" << delimiter_ << "reason";
    for (const auto& name : header) {
        out_ << delimiter_;
        field(name);
    }
    out_ << "\r\n";
}

void RejectWriter::write(std::size_t line, std::string_view reason,
                         std::span<const std::string> fields) {
    out_ << line << delimiter_;
    field(reason);
    for (const auto& text : fields) {
        out_ << delimiter_;
        field(text);
    }
    out_ << "\r\n";
    ++rows_;
}

// RFC 4180: a field with the delimiter, a quote or a line break is quoted and its quotes
// doubled. Leading or trailing spaces are quoted too, so that no reader trims them away. A
// field a spreadsheet would take for a formula gets an apostrophe first (formats_spreadsheet).
void RejectWriter::field(std::string_view cell) {
    const std::string safe = formats::spreadsheet_safe(cell);
    const std::string_view text = safe;
    const char specials[] = {delimiter_, '"', '\r', '\n'};
    const bool quote =
        text.find_first_of(std::string_view(specials, sizeof specials)) != std::string_view::npos ||
        (!text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!quote) {
        out_ << text;
        return;
    }
    out_ << '"';
    for (const char c : text) {
        if (c == '"') out_ << '"';
        out_ << c;
    }
    out_ << '"';
}

}  // namespace brevduva::consent
