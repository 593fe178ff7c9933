#include "config/config_load.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "config/config_files.hpp"
#include "config/config_override.hpp"
#include "config/config_sections.hpp"
#include "config/config_yaml_reader.hpp"

namespace brevduva::config {

namespace {

Problem whole_file(const std::filesystem::path& file, std::string message) {
    return {file.string(), 0, 0, {}, std::move(message)};
}

// The parsed document, or the one problem that stops it being read at all.
std::optional<YAML::Node> parse_file(const std::filesystem::path& file,
                                     std::vector<Problem>& problems) {
    const FileRead read = read_small_file(file);
    if (!read.content) {
        problems.push_back(whole_file(file, "cannot read the config file: " + read.error));
        return std::nullopt;
    }
    try {
        YAML::Node root = YAML::Load(*read.content);
        if (root.IsNull()) {
            problems.push_back(whole_file(file, "the config file is empty"));
            return std::nullopt;
        }
        if (!root.IsMap()) {
            const YAML::Mark mark = root.Mark();
            problems.push_back({file.string(),
                                mark.line + 1,
                                mark.column + 1,
                                {},
                                "the config file must be a map of sections, such as "
                                "'sender:' and 'public:'"});
            return std::nullopt;
        }
        return root;
    } catch (const YAML::Exception& e) {
        problems.push_back(
            {file.string(), e.mark.line + 1, e.mark.column + 1, {}, "YAML syntax error: " + e.msg});
        return std::nullopt;
    }
}

// Like a compiler: the file's problems in reading order, then the overrides' in theirs.
void sort_for_reading(std::vector<Problem>& problems) {
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
        const auto rank = [](const Problem& p) {
            const bool from_set = p.file == "--set";
            return std::tuple(from_set, from_set ? 0 : p.line, from_set ? 0 : p.column);
        };
        return rank(a) < rank(b);
    });
}

}  // namespace

std::string to_string(const Problem& problem) {
    if (problem.key.empty()) {
        return fmt::format("{}:{}:{}: {}", problem.file, problem.line, problem.column,
                           problem.message);
    }
    return fmt::format("{}:{}:{}: {}: {}", problem.file, problem.line, problem.column, problem.key,
                       problem.message);
}

LoadResult load_settings(const std::filesystem::path& file,
                         const std::vector<std::string>& overrides) {
    LoadResult result;
    auto root = parse_file(file, result.problems);
    if (!root) return result;

    auto applied = detail::apply_overrides(*root, overrides);
    detail::Diagnostics diagnostics(file.string(), std::move(applied.origins));
    const auto source = std::filesystem::absolute(file).lexically_normal();
    detail::ReadContext context{diagnostics, source.parent_path()};
    Settings settings;
    settings.source = source;
    detail::read_settings(*root, context, settings);

    result.problems = std::move(applied.problems);
    for (auto& problem : diagnostics.problems()) result.problems.push_back(std::move(problem));
    result.warnings = std::move(diagnostics.warnings());
    sort_for_reading(result.problems);
    sort_for_reading(result.warnings);
    if (result.problems.empty()) result.settings = std::move(settings);
    return result;
}

}  // namespace brevduva::config
