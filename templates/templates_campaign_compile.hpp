// Compiling a campaign's sources (internal to the templates component): the checks that look
// at sources and compiled parts, shared by templates_campaign.cpp.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "templates/templates_campaign.hpp"
#include "templates/templates_html_mask.hpp"

namespace brevduva::templates::campaign_detail {

// Size, UTF-8 and control characters of one file; appends every problem found.
void check_source(std::string_view file, std::string_view source,
                  std::vector<CompileError>& problems);

// Every {{>name}} and {{<name}} of a masked file names an existing, well-named partial.
void check_partial_names(const MaskedSource& masked,
                         const std::map<std::string, std::string>& partials,
                         std::vector<CompileError>& problems);

// The variables a compiled part reads, checked against the schema.
void check_variables(const CompiledTemplate& part, const Schema& schema, std::string_view root_file,
                     std::vector<CompileError>& problems);

// Whether the part reads unsubscribe_url outside every section; the first use, if any.
[[nodiscard]] const VariableUse* unsubscribe_use(const CompiledTemplate& part);

// A compiled part names partials by name; people know them by file.
[[nodiscard]] std::string file_of(std::string_view program, std::string_view root_file);

}  // namespace brevduva::templates::campaign_detail
