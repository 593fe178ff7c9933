// MapReader's accessors for values made of other values: nested sections, lists, listeners.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "config/config_yaml_reader.hpp"

namespace brevduva::config::detail {

namespace {

std::string kind_of_item(const YAML::Node& node) {
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "nothing";
    return fmt::format("'{}'", node.Scalar());
}

struct HostPort {
    std::string host;
    std::string port;
};

// "127.0.0.1:8081", "localhost:8081" or "[::1]:8081".
std::optional<HostPort> split_host_port(const std::string& text) {
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        return HostPort{text.substr(1, close - 1), text.substr(close + 2)};
    }
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return std::nullopt;
    return HostPort{text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace

void MapReader::section(std::string_view key, const std::function<void(MapReader&)>& read) {
    const Entry* entry = find(key);
    if (entry != nullptr && !entry->value.IsMap()) {
        report(entry, key,
               fmt::format("expected a map of settings, got {}", kind_of_item(entry->value)),
               false);
        return;
    }
    const bool present = entry != nullptr;
    const YAML::Node& anchor = present ? entry->value : (map_.IsMap() ? map_ : anchor_);
    const std::string anchor_path = present ? path_of(key) : (map_.IsMap() ? path_ : anchor_path_);
    MapReader child(present ? entry->value : YAML::Node(), path_of(key), anchor, anchor_path,
                    context_);
    read(child);
    child.finish();
}

void MapReader::each_map(std::string_view key,
                         const std::function<void(MapReader&, std::size_t)>& read) {
    const Entry* entry = find(key);
    if (entry == nullptr) return;
    if (!entry->value.IsSequence()) {
        report(entry, key,
               fmt::format("expected a list of maps (each entry starting with '- '), got {}",
                           kind_of_item(entry->value)),
               false);
        return;
    }
    for (std::size_t i = 0; i < entry->value.size(); ++i) {
        const YAML::Node item = entry->value[i];
        const std::string item_path = fmt::format("{}[{}]", path_of(key), i);
        if (!item.IsMap()) {
            context_.diagnostics.problem(item, item_path, item_path,
                                         fmt::format("expected a map, got {}", kind_of_item(item)));
            continue;
        }
        MapReader child(item, item_path, item, item_path, context_);
        read(child, i);
        child.finish();
    }
}

void MapReader::text_list(std::string_view key, std::vector<std::string>& out) {
    const Entry* entry = find(key);
    if (entry == nullptr) return;
    if (!entry->value.IsSequence()) {
        report(entry, key,
               fmt::format("expected a list such as [a, b], got {}", kind_of_item(entry->value)),
               false);
        return;
    }
    std::vector<std::string> values;
    bool valid = true;
    for (std::size_t i = 0; i < entry->value.size(); ++i) {
        const YAML::Node item = entry->value[i];
        const std::string item_path = fmt::format("{}[{}]", path_of(key), i);
        if (!item.IsScalar()) {
            context_.diagnostics.problem(item, item_path, item_path,
                                         fmt::format("expected text, got {}", kind_of_item(item)));
            valid = false;
            continue;
        }
        values.push_back(item.Scalar());
    }
    if (valid) out = std::move(values);
}

std::optional<std::vector<std::size_t>> MapReader::choice_indices(
    std::string_view key, std::span<const std::string_view> names) {
    std::vector<std::string> words;
    const std::size_t problems_before = context_.diagnostics.problems().size();
    text_list(key, words);
    if (context_.diagnostics.problems().size() != problems_before || !has(key)) return std::nullopt;
    const Entry* entry = find(key);
    std::vector<std::size_t> indices;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const YAML::Node item = entry->value[i];
        const std::string item_path = fmt::format("{}[{}]", path_of(key), i);
        const auto found = std::find(names.begin(), names.end(), words[i]);
        if (found == names.end()) {
            context_.diagnostics.problem(item, item_path, item_path,
                                         fmt::format("unknown value '{}'; expected one of: {}",
                                                     words[i], fmt::join(names, ", ")));
            continue;
        }
        const auto index = static_cast<std::size_t>(found - names.begin());
        if (std::find(indices.begin(), indices.end(), index) != indices.end()) {
            context_.diagnostics.problem(item, item_path, item_path,
                                         fmt::format("'{}' is listed twice", words[i]));
            continue;
        }
        indices.push_back(index);
    }
    if (indices.size() != words.size()) return std::nullopt;
    return indices;
}

void MapReader::listener(std::string_view key, ListenerSettings& out) {
    const Entry* entry = find(key);
    if (entry == nullptr) return;
    // Unquoted, YAML reads [::]:8080 as a list: say how to write it rather than what it became.
    auto text = scalar(*entry, "host:port, such as 127.0.0.1:8081 or \"[::]:8080\" (quoted)");
    if (!text) return;
    const auto parts = split_host_port(*text);
    unsigned port = 0;
    const char* port_end = parts ? parts->port.data() + parts->port.size() : nullptr;
    const bool port_read =
        parts && std::from_chars(parts->port.data(), port_end, port).ptr == port_end;
    if (!parts || parts->host.empty() || !port_read) {
        report(entry, key,
               fmt::format("expected host:port, such as 127.0.0.1:8081 or \"[::1]:8081\", got '{}'",
                           *text),
               false);
        return;
    }
    if (port < 1 || port > 65535) {
        report(entry, key, fmt::format("port must be between 1 and 65535, got {}", parts->port),
               false);
        return;
    }
    out = {parts->host, static_cast<std::uint16_t>(port)};
}

}  // namespace brevduva::config::detail
