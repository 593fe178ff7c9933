#include "formats/formats_spreadsheet.hpp"

namespace brevduva::formats {

std::string spreadsheet_safe(std::string_view cell) {
    static constexpr std::string_view formula_starts = "=+-@\t\r";
    if (!cell.empty() && formula_starts.find(cell.front()) != std::string_view::npos) {
        return "'" + std::string(cell);
    }
    return std::string(cell);
}

std::string tsv_field(std::string_view text) {
    std::string out = spreadsheet_safe(text);
    for (char& c : out) {
        if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    }
    return out;
}

}  // namespace brevduva::formats
