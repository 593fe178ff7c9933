// Internal to config/: the only header in Brevduva that names yaml-cpp types, included by
// config_load.cpp and its helpers alone. MapReader reads one YAML map into typed values; each
// accessor names a key it knows, so finish() can report every other key as unknown, with the
// nearest known one. Nothing stops at the first problem: each is recorded by Diagnostics with
// its place (file:line:column, or the column inside a --set override) and the value keeps its
// default, so reading goes on and the operator sees every problem in one run.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_load.hpp"
#include "config/config_names.hpp"
#include "config/config_settings.hpp"

namespace brevduva::config::detail {

// Where one --set override sits in its own text, so that problems in the nodes it created or
// replaced point there rather than into the file.
struct OverrideOrigin {
    struct Segment {
        std::string path;  // the key path up to and including this segment: relays[0]
        int column = 0;    // 0-based, within the override text
    };
    std::vector<Segment> segments;
    int value_column = 0;  // 0-based, where the value starts after '='
};

class Diagnostics {
  public:
    Diagnostics(std::string file, std::vector<OverrideOrigin> overrides);

    // `at` is the node the problem is about and `at_path` its own key path (which tells whether
    // an override put it there); `key` is the path shown to the operator.
    void problem(const YAML::Node& at, const std::string& at_path, std::string key,
                 std::string message);
    void warning(const YAML::Node& at, const std::string& at_path, std::string key,
                 std::string message);

    [[nodiscard]] std::vector<Problem>& problems() { return problems_; }
    [[nodiscard]] std::vector<Problem>& warnings() { return warnings_; }

  private:
    [[nodiscard]] Problem place(const YAML::Node& at, const std::string& at_path) const;

    std::string file_;
    std::vector<OverrideOrigin> overrides_;
    std::vector<Problem> problems_;
    std::vector<Problem> warnings_;
};

struct ReadContext {
    Diagnostics& diagnostics;
    std::filesystem::path base_dir;  // relative paths resolve against the config file's folder
};

enum class FileContent { any, pem_private_key, pem_certificates };

class MapReader {
  public:
    // `map` may be undefined or null (a section left out): every key is then absent, and
    // problems about it are placed at `anchor`, the nearest node that exists.
    MapReader(const YAML::Node& map, std::string path, const YAML::Node& anchor,
              std::string anchor_path, ReadContext& context);

    // Each leaves `out` at its default when the key is absent or null, or its value is wrong.
    void text(std::string_view key, std::string& out);
    void flag(std::string_view key, bool& out);
    void integer(std::string_view key, int& out, int min, int max, std::string_view note = {});
    void size(std::string_view key, std::size_t& out, std::size_t min, std::size_t max);
    void port(std::string_view key, std::uint16_t& out);
    void number(std::string_view key, double& out, double min, double max,
                std::string_view note = {});
    template <class Rep, class Period>
    void duration(std::string_view key, std::chrono::duration<Rep, Period>& out,
                  std::chrono::milliseconds min);
    template <class Enum>
    void choice(std::string_view key, Enum& out, std::span<const EnumName<Enum>> names);
    void choice(std::string_view key, std::string& out, std::span<const std::string_view> names);
    template <class Enum>
    void choice_list(std::string_view key, std::vector<Enum>& out,
                     std::span<const EnumName<Enum>> names);
    void text_list(std::string_view key, std::vector<std::string>& out);
    void path(std::string_view key, std::filesystem::path& out);  // resolved, not checked
    void readable_file(std::string_view key, std::filesystem::path& out, FileContent content);
    // Reads `<stem>_file` and `<stem>_env`; checks the secret can be read and is long enough.
    void secret(std::string_view stem, SecretSource& out, std::size_t min_bytes = 1);
    void listener(std::string_view key, ListenerSettings& out);  // "host:port"

    // Nested map and list of maps; each MapReader handed out is finished afterwards.
    void section(std::string_view key, const std::function<void(MapReader&)>& read);
    void each_map(std::string_view key, const std::function<void(MapReader&, std::size_t)>& read);

    [[nodiscard]] bool has(std::string_view key);  // present and not null
    void require(std::string_view key, std::string_view what);
    void require_secret(std::string_view stem, std::string_view what);
    void problem(std::string_view key, std::string message);  // at the key, else the map
    void item_problem(std::string_view key, std::size_t index, std::string message);  // a list's
    void warning(std::string_view key, std::string message);
    [[nodiscard]] std::string path_of(std::string_view key) const;

    void finish();  // reports the keys no accessor asked for

  private:
    struct Entry {
        std::string key;
        YAML::Node key_node;
        YAML::Node value;
    };

    const Entry* find(std::string_view key);  // also records the key as known
    std::optional<std::string> scalar(const Entry& entry, std::string_view expected);
    std::optional<long long> integer_value(std::string_view key, long long min, long long max,
                                           std::string_view note);
    std::optional<std::chrono::milliseconds> duration_value(std::string_view key,
                                                            std::chrono::milliseconds min,
                                                            std::chrono::milliseconds step);
    std::optional<std::size_t> choice_index(std::string_view key,
                                            std::span<const std::string_view> names);
    std::optional<std::vector<std::size_t>> choice_indices(std::string_view key,
                                                           std::span<const std::string_view> names);
    void report(const Entry* entry, std::string_view key, std::string message, bool is_warning);
    [[nodiscard]] std::filesystem::path resolve(const std::string& text) const;
    void check_secret(const Entry& entry, const SecretSource& source, std::size_t min_bytes);

    YAML::Node map_;
    std::string path_;
    YAML::Node anchor_;
    std::string anchor_path_;
    ReadContext& context_;
    std::vector<Entry> entries_;
    std::vector<std::string> known_;
    bool broken_ = false;  // not a map: its keys were not read, so none is reported missing
};

// Which step a duration must be a multiple of, taken from the type it is stored in.
template <class Rep, class Period>
void MapReader::duration(std::string_view key, std::chrono::duration<Rep, Period>& out,
                         std::chrono::milliseconds min) {
    using Target = std::chrono::duration<Rep, Period>;
    const auto step = std::chrono::duration_cast<std::chrono::milliseconds>(Target{1});
    if (auto value = duration_value(key, min, step)) {
        out = std::chrono::duration_cast<Target>(*value);
    }
}

template <class Enum>
std::vector<std::string_view> names_of(std::span<const EnumName<Enum>> names) {
    std::vector<std::string_view> words;
    for (const auto& entry : names) words.push_back(entry.name);
    return words;
}

template <class Enum>
void MapReader::choice(std::string_view key, Enum& out, std::span<const EnumName<Enum>> names) {
    const auto words = names_of(names);
    if (auto index = choice_index(key, words)) out = names[*index].value;
}

template <class Enum>
void MapReader::choice_list(std::string_view key, std::vector<Enum>& out,
                            std::span<const EnumName<Enum>> names) {
    const auto words = names_of(names);
    if (auto indices = choice_indices(key, words)) {
        out.clear();
        for (const auto index : *indices) out.push_back(names[index].value);
    }
}

}  // namespace brevduva::config::detail
