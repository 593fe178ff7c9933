// Compiling one Mustache source into a Program (internal to the templates component). Partial
// and parent nodes come out naming a partial by id in SymbolTables; linking them to programs
// happens once every source is parsed (templates_mustache_compile.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "templates/templates_mustache_program.hpp"

namespace brevduva::templates::mustache_detail {

// Interns names so that the renderer compares numbers and looks names up pre-split.
class SymbolTables {
  public:
    explicit SymbolTables(Compiled& compiled) : compiled_(compiled) {}

    std::uint32_t name(std::string_view written);
    std::uint32_t block(std::string_view written);
    std::uint32_t partial(std::string_view written);
    [[nodiscard]] const std::vector<std::string>& partial_names() const { return partials_; }

  private:
    Compiled& compiled_;
    std::unordered_map<std::string, std::uint32_t> name_ids_;
    std::unordered_map<std::string, std::uint32_t> block_ids_;
    std::unordered_map<std::string, std::uint32_t> partial_ids_;
    std::vector<std::string> partials_;
};

[[nodiscard]] Result<Program, CompileError> parse_program(std::string_view file,
                                                          std::string_view source,
                                                          std::size_t max_source_bytes,
                                                          SymbolTables& tables);

}  // namespace brevduva::templates::mustache_detail
