#include "templates/templates_mustache_value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace brevduva::templates {

Map::Map(std::initializer_list<Member> members) {
    reserve(members.size());
    for (const Member& member : members) set(member.key, member.value);
}

std::size_t Map::index_of(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (keys_[i] == key) return i;
    }
    return keys_.size();
}

const Value* Map::find(std::string_view key) const noexcept {
    const std::size_t index = index_of(key);
    return index < values_.size() ? &values_[index] : nullptr;
}

Value* Map::find(std::string_view key) noexcept {
    const std::size_t index = index_of(key);
    return index < values_.size() ? &values_[index] : nullptr;
}

Value& Map::set(std::string_view key, Value value) {
    const std::size_t index = index_of(key);
    if (index < values_.size()) {
        values_[index] = std::move(value);
        return values_[index];
    }
    return append(std::string(key), std::move(value));
}

void Map::assign(std::string_view key, std::string_view text) {
    const std::size_t index = index_of(key);
    if (index < values_.size()) {
        values_[index].assign(text);
        return;
    }
    append(std::string(key), Value(text));
}

Value& Map::append(std::string key, Value value) {
    // Everything that may throw happens first, so keys_ and values_ never differ in length.
    if (keys_.size() == keys_.capacity()) keys_.reserve(std::max<std::size_t>(8, 2 * keys_.size()));
    if (values_.size() == values_.capacity()) {
        values_.reserve(std::max<std::size_t>(8, 2 * values_.size()));
    }
    keys_.push_back(std::move(key));
    values_.push_back(std::move(value));
    return values_.back();
}

Value::Value(const char* text) : data_(std::string(text)) {}
Value::Value(std::string_view text) : data_(std::string(text)) {}
Value::Value(std::string text) : data_(std::move(text)) {}
Value::Value(List list) : data_(std::move(list)) {}
Value::Value(Map map) : data_(std::move(map)) {}

void Value::assign(std::string_view text) {
    if (auto* held = std::get_if<std::string>(&data_)) {
        held->assign(text);
    } else {
        data_.emplace<std::string>(text);
    }
}

bool Value::truthy() const noexcept {
    // get_if, not get: nothing here can throw.
    if (const auto* flag = std::get_if<bool>(&data_)) return *flag;
    if (const auto* integer = std::get_if<std::int64_t>(&data_)) return *integer != 0;
    if (const auto* number = std::get_if<double>(&data_)) {
        return *number != 0.0 && !std::isnan(*number);
    }
    if (const auto* text = std::get_if<std::string>(&data_)) return !text->empty();
    if (const auto* list = std::get_if<List>(&data_)) return !list->empty();
    return data_.index() != 0;  // none is falsey; every map is truthy
}

void Value::append_text(std::string& out) const {
    char buffer[32];
    std::to_chars_result written{buffer, std::errc{}};
    if (const auto* number = std::get_if<std::int64_t>(&data_)) {
        written = std::to_chars(buffer, buffer + sizeof buffer, *number);
    } else if (const auto* decimal = std::get_if<double>(&data_)) {
        written = std::to_chars(buffer, buffer + sizeof buffer, *decimal);
    } else if (const auto* flag = std::get_if<bool>(&data_)) {
        out.append(*flag ? "true" : "false");
    } else if (const auto* text = std::get_if<std::string>(&data_)) {
        out.append(*text);
    }
    out.append(buffer, written.ptr);
}

}  // namespace brevduva::templates
