// Cells of the CSV and tab-separated output a person may open in a spreadsheet: `contacts
// list`, `suppress list` and an import's reject file. A spreadsheet reads a cell that begins
// with =, +, -, @, a tab or a carriage return as a formula, so a contact named
// =HYPERLINK(…) or =cmd|… would run when staff open the file (OWASP, "CSV Injection"). Such a
// cell is written with an apostrophe in front, which spreadsheets show as plain text. Pure.
#pragma once

#include <string>
#include <string_view>

namespace brevduva::formats {

// The cell as it may be written: unchanged, or with a leading apostrophe.
[[nodiscard]] std::string spreadsheet_safe(std::string_view cell);

// One field of tab-separated output: spreadsheet_safe, with any tab or line break inside it
// turned into a space, so that the record stays one line of the columns its header names.
[[nodiscard]] std::string tsv_field(std::string_view text);

}  // namespace brevduva::formats
