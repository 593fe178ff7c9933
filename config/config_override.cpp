#include "config/config_override.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace brevduva::config::detail {

namespace {

struct Segment {
    std::string name;
    int column = 0;  // 0-based, within the override text
};

Problem at_column(std::size_t column, std::string key, std::string message) {
    return {"--set", 1, static_cast<int>(column) + 1, std::move(key), std::move(message)};
}

bool is_index(const std::string& name) {
    return !name.empty() && name.size() <= 6 &&
           std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// The path as problems name it: relays[0].port, whichever way the override spelt it.
std::string display_path(const std::vector<Segment>& segments) {
    std::string path;
    for (const auto& segment : segments) {
        if (is_index(segment.name)) {
            path += fmt::format("[{}]", segment.name);
        } else {
            path += path.empty() ? segment.name : "." + segment.name;
        }
    }
    return path;
}

// Splits "relays.0.port" or "relays[0].port" into segments, or says where it goes wrong.
std::optional<std::vector<Segment>> split_key(std::string_view key, Problem& problem) {
    std::vector<Segment> segments;
    std::size_t i = 0;
    const auto fail = [&](std::size_t column, std::string message) {
        problem = at_column(column, std::string(key), std::move(message));
        return std::nullopt;
    };
    while (i < key.size()) {
        const std::size_t start = i;
        while (i < key.size() && is_name_char(key[i])) ++i;
        if (i == start) return fail(i, "expected a key name here, such as sending.global_rate");
        segments.push_back({std::string(key.substr(start, i - start)), static_cast<int>(start)});
        while (i < key.size() && key[i] == '[') {
            const std::size_t close = key.find(']', i);
            const std::string index(key.substr(
                i + 1, close == std::string_view::npos ? std::string_view::npos : close - i - 1));
            if (close == std::string_view::npos || !is_index(index)) {
                return fail(i, "expected a list entry number in brackets, such as relays[0]");
            }
            segments.push_back({index, static_cast<int>(i + 1)});
            i = close + 1;
        }
        if (i == key.size()) break;
        if (key[i] != '.' || i + 1 == key.size()) {
            return fail(i, fmt::format("unexpected '{}' in the key path", key[i]));
        }
        ++i;
    }
    if (segments.empty()) return fail(0, "expected key.path=value, such as sending.global_rate=10");
    return segments;
}

// Walks (and creates) the path down from root and puts value at its end.
std::optional<Problem> apply_one(YAML::Node& root, const std::vector<Segment>& segments,
                                 const YAML::Node& value, OverrideOrigin& origin) {
    YAML::Node current(root);
    std::string path;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const Segment& segment = segments[i];
        const auto column = static_cast<std::size_t>(segment.column);
        if (current.IsScalar()) {
            return at_column(
                column, path,
                fmt::format("'{}' is a single value; it has no '{}'", path, segment.name));
        }
        YAML::Node next;
        if (current.IsSequence() || (!current.IsMap() && is_index(segment.name))) {
            const std::size_t size = current.IsSequence() ? current.size() : 0;
            if (!is_index(segment.name)) {
                return at_column(column, path,
                                 fmt::format("'{}' is a list; choose an entry by its number, "
                                             "such as {}.0.{}",
                                             path, path, segment.name));
            }
            const std::size_t index = std::stoul(segment.name);
            if (index > size) {
                return at_column(
                    column, fmt::format("{}[{}]", path, index),
                    fmt::format("'{}' has {} entries; number {} adds one", path, size, size));
            }
            path += fmt::format("[{}]", index);
            next.reset(current[index]);
        } else {
            path += path.empty() ? segment.name : "." + segment.name;
            next.reset(current[segment.name]);
        }
        origin.segments.push_back({path, segment.column});
        if (i + 1 == segments.size()) {
            next = value;  // assigning through a node handle replaces it inside the tree
        } else {
            current.reset(next);
        }
    }
    return std::nullopt;
}

}  // namespace

AppliedOverrides apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides) {
    AppliedOverrides applied;
    for (const auto& text : overrides) {
        const auto equals = text.find('=');
        if (equals == std::string::npos) {
            applied.problems.push_back(
                at_column(0, text, "expected key.path=value, such as sending.global_rate=10"));
            continue;
        }
        std::string_view key = std::string_view(text).substr(0, equals);
        while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
        Problem problem;
        const auto segments = split_key(key, problem);
        if (!segments) {
            applied.problems.push_back(std::move(problem));
            continue;
        }
        const std::size_t value_column = equals + 1;
        YAML::Node value;
        try {
            value = YAML::Load(text.substr(value_column));
        } catch (const YAML::Exception& e) {
            const auto column = value_column + static_cast<std::size_t>(std::max(0, e.mark.column));
            applied.problems.push_back(at_column(column, display_path(*segments), e.msg));
            continue;
        }
        OverrideOrigin origin{{}, static_cast<int>(value_column)};
        if (auto failure = apply_one(root, *segments, value, origin)) {
            applied.problems.push_back(std::move(*failure));
            continue;
        }
        applied.origins.push_back(std::move(origin));
    }
    return applied;
}

}  // namespace brevduva::config::detail
