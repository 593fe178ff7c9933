// SQL text the components share.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace brevduva::store {

// "1,2,3" for an IN (…) list of ids ("NULL" for none, which matches nothing): numbers only,
// never text from outside, so inlining it in a statement is safe.
[[nodiscard]] inline std::string id_list(std::span<const std::int64_t> ids) {
    std::string out;
    for (const auto id : ids) {
        if (!out.empty()) out += ',';
        out += std::to_string(id);
    }
    return out.empty() ? "NULL" : out;
}

}  // namespace brevduva::store
