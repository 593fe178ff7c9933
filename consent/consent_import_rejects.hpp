// The reject file of an import: every row that was not imported, as CSV that a spreadsheet
// opens beside the input: line,reason,<the header of the input>, then one record per rejected
// row with its physical line in the input, the reason, and its fields as read (none when the
// record itself could not be read). Written in the input's delimiter, quoted where needed, so
// fields with line breaks or delimiters come out as they went in. Writes only the ostream it
// is given.
#pragma once

#include <cstddef>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace brevduva::consent {

class RejectWriter {
  public:
    RejectWriter(std::ostream& out, char delimiter);
    RejectWriter(const RejectWriter&) = delete;
    RejectWriter& operator=(const RejectWriter&) = delete;

    void write_header(std::span<const std::string> header);
    void write(std::size_t line, std::string_view reason, std::span<const std::string> fields);

    [[nodiscard]] std::size_t rows() const { return rows_; }

  private:
    void field(std::string_view cell);

    std::ostream& out_;
    char delimiter_;
    std::size_t rows_ = 0;
};

}  // namespace brevduva::consent
