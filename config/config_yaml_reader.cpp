#include "config/config_yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "config/config_duration.hpp"
#include "config/config_suggest.hpp"

namespace brevduva::config::detail {

namespace {

// True when `path` is `prefix` itself or lies inside it (relays[0] is inside relays).
bool within(const std::string& path, const std::string& prefix) {
    if (!path.starts_with(prefix)) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

// How a value looks, for "expected X, got Y"; long text is cut so one line stays one line.
std::string kind_of(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map:
            return "a map";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Scalar: {
            const std::string& text = node.Scalar();
            return text.size() > 40 ? fmt::format("'{}...'", text.substr(0, 40))
                                    : fmt::format("'{}'", text);
        }
        default:
            return "nothing";
    }
}

bool is_quoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::string join(std::span<const std::string_view> words) {
    return fmt::format("{}", fmt::join(words, ", "));
}

std::string unknown_value(const std::string& text, std::span<const std::string_view> names) {
    std::string message = fmt::format("unknown value '{}'; expected one of: {}", text, join(names));
    if (auto near = nearest_word(text, names)) {
        message += fmt::format(" (did you mean '{}'?)", *near);
    }
    return message;
}

}  // namespace

Diagnostics::Diagnostics(std::string file, std::vector<OverrideOrigin> overrides)
    : file_(std::move(file)), overrides_(std::move(overrides)) {}

void Diagnostics::problem(const YAML::Node& at, const std::string& at_path, std::string key,
                          std::string message) {
    Problem problem = place(at, at_path);
    problem.key = std::move(key);
    problem.message = std::move(message);
    problems_.push_back(std::move(problem));
}

void Diagnostics::warning(const YAML::Node& at, const std::string& at_path, std::string key,
                          std::string message) {
    Problem warning = place(at, at_path);
    warning.key = std::move(key);
    warning.message = std::move(message);
    warnings_.push_back(std::move(warning));
}

// A node without a mark was created by an override's key path (the file never had it); a node
// with a mark inside an overridden path came from that override's value, parsed on its own, so
// its column counts from the start of the value. The latest override wins, as when applied.
Problem Diagnostics::place(const YAML::Node& at, const std::string& at_path) const {
    const YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
    if (mark.is_null()) {
        for (auto o = overrides_.rbegin(); o != overrides_.rend(); ++o) {
            for (const auto& segment : o->segments) {
                if (segment.path == at_path) return {"--set", 1, segment.column + 1, {}, {}};
            }
        }
        return {file_, 0, 0, {}, {}};
    }
    for (auto o = overrides_.rbegin(); o != overrides_.rend(); ++o) {
        if (!o->segments.empty() && within(at_path, o->segments.back().path)) {
            return {"--set", 1, o->value_column + mark.column + 1, {}, {}};
        }
    }
    return {file_, mark.line + 1, mark.column + 1, {}, {}};
}

MapReader::MapReader(const YAML::Node& map, std::string path, const YAML::Node& anchor,
                     std::string anchor_path, ReadContext& context)
    : map_(map),
      path_(std::move(path)),
      anchor_(anchor),
      anchor_path_(std::move(anchor_path)),
      context_(context) {
    if (!map_.IsDefined() || map_.IsNull()) return;
    if (!map_.IsMap()) {
        broken_ = true;
        context_.diagnostics.problem(
            map_, path_, path_, fmt::format("expected a map of settings, got {}", kind_of(map_)));
        return;
    }
    for (const auto& pair : map_) {
        const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : std::string();
        if (key.empty()) {
            context_.diagnostics.problem(pair.first, path_, path_, "keys must be plain words");
            continue;
        }
        const bool repeated = std::any_of(entries_.begin(), entries_.end(),
                                          [&](const Entry& e) { return e.key == key; });
        if (repeated) {
            context_.diagnostics.problem(pair.first, path_of(key), path_of(key),
                                         "is given more than once; keep one");
        }
        entries_.push_back({key, pair.first, pair.second});
    }
}

std::string MapReader::path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

const MapReader::Entry* MapReader::find(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
    for (const auto& entry : entries_) {
        if (entry.key == key) return entry.value.IsNull() ? nullptr : &entry;
    }
    return nullptr;
}

bool MapReader::has(std::string_view key) { return find(key) != nullptr; }

void MapReader::report(const Entry* entry, std::string_view key, std::string message,
                       bool is_warning) {
    const YAML::Node& at = entry != nullptr ? entry->value : (map_.IsMap() ? map_ : anchor_);
    const std::string at_path =
        entry != nullptr ? path_of(entry->key) : (map_.IsMap() ? path_ : anchor_path_);
    auto& diagnostics = context_.diagnostics;
    if (is_warning) {
        diagnostics.warning(at, at_path, path_of(key), std::move(message));
    } else {
        diagnostics.problem(at, at_path, path_of(key), std::move(message));
    }
}

void MapReader::problem(std::string_view key, std::string message) {
    report(find(key), key, std::move(message), false);
}

void MapReader::item_problem(std::string_view key, std::size_t index, std::string message) {
    const Entry* entry = find(key);
    if (entry == nullptr || !entry->value.IsSequence() || index >= entry->value.size()) {
        report(entry, key, std::move(message), false);
        return;
    }
    const std::string item_path = fmt::format("{}[{}]", path_of(key), index);
    context_.diagnostics.problem(entry->value[index], item_path, item_path, std::move(message));
}

void MapReader::warning(std::string_view key, std::string message) {
    report(find(key), key, std::move(message), true);
}

void MapReader::require(std::string_view key, std::string_view what) {
    if (!broken_ && !has(key)) report(nullptr, key, fmt::format("is required: {}", what), false);
}

void MapReader::require_secret(std::string_view stem, std::string_view what) {
    const std::string file_key = fmt::format("{}_file", stem);
    const std::string env_key = fmt::format("{}_env", stem);
    if (broken_ || has(file_key) || has(env_key)) return;
    report(nullptr, file_key, fmt::format("is required (or {}): {}", env_key, what), false);
}

std::optional<std::string> MapReader::scalar(const Entry& entry, std::string_view expected) {
    if (entry.value.IsScalar()) return entry.value.Scalar();
    report(&entry, entry.key, fmt::format("expected {}, got {}", expected, kind_of(entry.value)),
           false);
    return std::nullopt;
}

void MapReader::text(std::string_view key, std::string& out) {
    const Entry* entry = find(key);
    if (entry == nullptr) return;
    if (auto value = scalar(*entry, "text")) out = std::move(*value);
}

void MapReader::flag(std::string_view key, bool& out) {
    const Entry* entry = find(key);
    if (entry == nullptr) return;
    auto value = scalar(*entry, "true or false");
    if (!value) return;
    std::string lower = *value;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!is_quoted(entry->value) && (lower == "true" || lower == "false")) {
        out = lower == "true";
        return;
    }
    report(entry, key, fmt::format("expected true or false, got {}", kind_of(entry->value)), false);
}

std::optional<long long> MapReader::integer_value(std::string_view key, long long min,
                                                  long long max, std::string_view note) {
    const Entry* entry = find(key);
    if (entry == nullptr) return std::nullopt;
    auto text = scalar(*entry, "a whole number");
    if (!text) return std::nullopt;
    long long value = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || is_quoted(entry->value)) {
        const bool numeric = error == std::errc() && end == text->data() + text->size();
        report(entry, key,
               fmt::format("expected a whole number, got {}{}", kind_of(entry->value),
                           numeric ? " in quotes; remove the quotes" : ""),
               false);
        return std::nullopt;
    }
    if (value < min || value > max) {
        std::string range = fmt::format("must be between {} and {}", min, max);
        if (!note.empty()) range += fmt::format(" ({})", note);
        report(entry, key, fmt::format("{}, got {}", range, value), false);
        return std::nullopt;
    }
    return value;
}

void MapReader::integer(std::string_view key, int& out, int min, int max, std::string_view note) {
    if (auto value = integer_value(key, min, max, note)) out = static_cast<int>(*value);
}

void MapReader::size(std::string_view key, std::size_t& out, std::size_t min, std::size_t max) {
    const auto bound = static_cast<long long>(std::min<std::size_t>(max, 1ULL << 40));
    if (auto value = integer_value(key, static_cast<long long>(min), bound, {})) {
        out = static_cast<std::size_t>(*value);
    }
}

void MapReader::port(std::string_view key, std::uint16_t& out) {
    if (auto value = integer_value(key, 1, 65535, {})) out = static_cast<std::uint16_t>(*value);
}

void MapReader::number(std::string_view key, double& out, double min, double max,
                       std::string_view note) {
    const Entry* entry = find(key);
    if (entry == nullptr) return;
    auto text = scalar(*entry, "a number");
    if (!text) return;
    double value = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || !std::isfinite(value) ||
        is_quoted(entry->value)) {
        report(entry, key, fmt::format("expected a number, got {}", kind_of(entry->value)), false);
        return;
    }
    if (value < min || value > max) {
        std::string range = value < min && min == 0
                                ? std::string("cannot be negative")
                                : fmt::format("must be between {} and {}", min, max);
        if (!note.empty()) range += fmt::format(" ({})", note);
        report(entry, key, fmt::format("{}, got {}", range, *text), false);
        return;
    }
    out = value;
}

std::optional<std::chrono::milliseconds> MapReader::duration_value(std::string_view key,
                                                                   std::chrono::milliseconds min,
                                                                   std::chrono::milliseconds step) {
    const Entry* entry = find(key);
    if (entry == nullptr) return std::nullopt;
    auto text = scalar(*entry, "a duration such as 60s, 5m or 3d");
    if (!text) return std::nullopt;
    const DurationParse parsed = parse_duration(*text);
    if (!parsed.value) {
        report(entry, key, parsed.error, false);
        return std::nullopt;
    }
    if (parsed.value->count() % step.count() != 0) {
        report(entry, key,
               fmt::format("must be a whole number of {}, got {}", format_duration(step), *text),
               false);
        return std::nullopt;
    }
    if (*parsed.value < min) {
        report(entry, key, fmt::format("must be at least {}, got {}", format_duration(min), *text),
               false);
        return std::nullopt;
    }
    return parsed.value;
}

std::optional<std::size_t> MapReader::choice_index(std::string_view key,
                                                   std::span<const std::string_view> names) {
    const Entry* entry = find(key);
    if (entry == nullptr) return std::nullopt;
    auto text = scalar(*entry, fmt::format("one of: {}", join(names)));
    if (!text) return std::nullopt;
    const auto found = std::find(names.begin(), names.end(), *text);
    if (found != names.end()) return static_cast<std::size_t>(found - names.begin());
    report(entry, key, unknown_value(*text, names), false);
    return std::nullopt;
}

void MapReader::choice(std::string_view key, std::string& out,
                       std::span<const std::string_view> names) {
    if (auto index = choice_index(key, names)) out = std::string(names[*index]);
}

void MapReader::finish() {
    std::vector<std::string_view> known(known_.begin(), known_.end());
    for (const auto& entry : entries_) {
        if (std::find(known_.begin(), known_.end(), entry.key) != known_.end()) continue;
        std::string message = fmt::format("unknown key '{}'", entry.key);
        if (auto near = nearest_word(entry.key, known)) {
            message += fmt::format("; did you mean '{}'?", *near);
        } else {
            message += fmt::format("; the keys here are: {}", join(known));
        }
        context_.diagnostics.problem(entry.key_node, path_of(entry.key), path_of(entry.key),
                                     std::move(message));
    }
}

}  // namespace brevduva::config::detail
