// The data a Mustache template is rendered against: null, bool, integer, decimal, string, list
// and map. Built by the caller once per recipient, so it is cheap to refill: a Map is two flat
// vectors, keys and values (for the ~20 short keys of a contact, a linear scan beats hashing), and
// Map::assign overwrites an existing string in place, so a Map reused across recipients stops
// allocating after the first one. Pure data; no I/O.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace brevduva::templates {

class Value;
struct Member;

namespace mustache_detail {
// bool is integral too, but true must stay a boolean, not become 1.
template <typename T>
concept integer = std::integral<T> && !std::same_as<T, bool>;
}  // namespace mustache_detail

// Insertion-ordered map from key to Value with linear lookup. Keys are unique: set and assign
// replace the value of an existing key.
class Map {
  public:
    Map() = default;
    Map(std::initializer_list<Member> members);

    [[nodiscard]] const Value* find(std::string_view key) const noexcept;
    // Mutable access, so that a caller refilling a tree can keep pointers to its slots.
    [[nodiscard]] Value* find(std::string_view key) noexcept;
    // Replaces the value of key, or appends it; returns the stored value.
    Value& set(std::string_view key, Value value);
    // Like set for a string, but reuses the capacity of a string already stored under key.
    void assign(std::string_view key, std::string_view text);

    void reserve(std::size_t count);
    [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }
    [[nodiscard]] bool empty() const noexcept { return keys_.empty(); }
    [[nodiscard]] std::string_view key_at(std::size_t index) const { return keys_[index]; }
    [[nodiscard]] const Value& value_at(std::size_t index) const;

  private:
    [[nodiscard]] std::size_t index_of(std::string_view key) const noexcept;
    Value& append(std::string key, Value value);

    // Keys apart from values: a lookup scans only the keys, side by side in memory.
    std::vector<std::string> keys_;
    std::vector<Value> values_;
};

class Value {
  public:
    using List = std::vector<Value>;

    Value() noexcept = default;  // null
    Value(std::nullptr_t) noexcept {}
    Value(bool flag) noexcept : data_(flag) {}
    template <mustache_detail::integer T>
    Value(T number) noexcept : data_(static_cast<std::int64_t>(number)) {}
    template <std::floating_point T>
    Value(T number) noexcept : data_(static_cast<double>(number)) {}
    // const char* would otherwise convert to bool.
    Value(const char* text);
    Value(std::string_view text);
    Value(std::string text);
    Value(List list);
    Value(Map map);

    // Stores text, reusing this value's string capacity when it already holds a string.
    void assign(std::string_view text);

    [[nodiscard]] bool is_null() const noexcept { return data_.index() == 0; }
    [[nodiscard]] const bool* bool_if() const noexcept { return std::get_if<bool>(&data_); }
    [[nodiscard]] const std::int64_t* integer_if() const noexcept {
        return std::get_if<std::int64_t>(&data_);
    }
    [[nodiscard]] const double* decimal_if() const noexcept { return std::get_if<double>(&data_); }
    [[nodiscard]] const std::string* string_if() const noexcept {
        return std::get_if<std::string>(&data_);
    }
    [[nodiscard]] const List* list_if() const noexcept { return std::get_if<List>(&data_); }
    [[nodiscard]] const Map* map_if() const noexcept { return std::get_if<Map>(&data_); }
    // Mutable access, so that a caller can keep one Value per worker and refill its map.
    [[nodiscard]] List* list_if() noexcept { return std::get_if<List>(&data_); }
    [[nodiscard]] Map* map_if() noexcept { return std::get_if<Map>(&data_); }

    // JavaScript's truthiness, which the spec names (`!!data`): null, false, 0, NaN and "" are
    // falsey; an empty list renders a section zero times; every map is truthy. Making "" falsey
    // lets a recipient's empty field switch a section off like a missing one.
    [[nodiscard]] bool truthy() const noexcept;

    // Appends the text an interpolation of this value produces: integers in decimal, decimals
    // in their shortest round-trip form (1.21 stays "1.21"), booleans as true/false, lists and
    // maps as nothing.
    void append_text(std::string& out) const;

  private:
    std::variant<std::monostate, bool, std::int64_t, double, std::string, List, Map> data_;
};

struct Member {
    std::string key;
    Value value;
};

// Defined here, where Value is complete.
inline void Map::reserve(std::size_t count) {
    keys_.reserve(count);
    values_.reserve(count);
}
inline const Value& Map::value_at(std::size_t index) const { return values_[index]; }

}  // namespace brevduva::templates
