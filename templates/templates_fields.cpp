#include "templates/templates_fields.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <array>

#include "formats/formats_json.hpp"
#include "templates/templates_tracking.hpp"

namespace brevduva::templates {
namespace {

struct Group {
    std::string_view name;
    std::span<const std::string_view> fields;
};

constexpr std::array<std::string_view, 4> kContactFields{"name", "first_name", "email", "locale"};
constexpr std::array<std::string_view, 1> kOrganisationFields{"name"};
constexpr std::array<std::string_view, 1> kCampaignFields{"name"};
constexpr std::array<std::string_view, 2> kSenderFields{"name", "address"};
constexpr std::array<Group, 4> kGroups{{{"contact", kContactFields},
                                        {"organisation", kOrganisationFields},
                                        {"campaign", kCampaignFields},
                                        {"sender", kSenderFields}}};
constexpr std::array<std::string_view, 2> kBuiltIns{"unsubscribe_url", "preferences_url"};
constexpr std::string_view kAttributes = "attributes";
constexpr std::size_t kMaxJsonDepth = 16;

std::string join(std::span<const std::string_view> words) {
    std::string text;
    for (const std::string_view word : words)
        text += (text.empty() ? "" : ", ") + std::string(word);
    return text;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::optional<std::string> check_group(const Group& group, std::string_view name,
                                       std::string_view rest, bool interpolation) {
    if (rest.empty()) {
        if (!interpolation) return std::nullopt;  // {{#contact}} is always there
        return quoted(name) + " is a group of fields; name one: " + std::string(group.name) + "." +
               std::string(group.fields.front()) + " (" + std::string(group.name) + " has " +
               join(group.fields) + ")";
    }
    if (std::find(group.fields.begin(), group.fields.end(), rest) != group.fields.end()) {
        return std::nullopt;
    }
    return "unknown variable " + quoted(name) + ": " + std::string(group.name) + " has " +
           join(group.fields);
}

std::optional<std::string> check_attribute(std::string_view name, std::string_view rest,
                                           bool interpolation, const Schema& schema) {
    if (rest.empty()) {
        if (!interpolation) return std::nullopt;
        return quoted(name) + " is a group; name one attribute, e.g. attributes.<key>";
    }
    const std::string_view key = rest.substr(0, rest.find('.'));
    if (std::find(schema.attributes.begin(), schema.attributes.end(), key) !=
        schema.attributes.end()) {
        return std::nullopt;
    }
    std::string known;
    for (const std::string& a : schema.attributes) known += (known.empty() ? "" : ", ") + a;
    return "unknown variable " + quoted(name) + ": no contact attribute " + quoted(key) +
           " is declared" +
           (known.empty() ? std::string(" (none are)") : " (declared: " + known + ")");
}

std::string suggestion(std::string_view name) {
    for (const Group& group : kGroups) {
        if (std::find(group.fields.begin(), group.fields.end(), name) != group.fields.end()) {
            return "; did you mean " + std::string(group.name) + "." + std::string(name) + "?";
        }
    }
    return {};
}

Result<Value, std::string> to_value(const Poco::Dynamic::Var& var, std::size_t depth);

Result<Value, std::string> object_to_value(const Poco::JSON::Object& object, std::size_t depth) {
    Map map;
    for (const auto& [key, member] : object) {
        if (key.starts_with("__")) continue;
        auto value = to_value(member, depth + 1);
        if (!value) return value;
        map.set(key, std::move(value).value());
    }
    return Result<Value, std::string>::success(Value(std::move(map)));
}

Result<Value, std::string> to_value(const Poco::Dynamic::Var& var, std::size_t depth) {
    using Converted = Result<Value, std::string>;
    if (depth > kMaxJsonDepth) return Converted::failure("attributes nest deeper than 16 levels");
    if (var.isEmpty()) return Converted::success(Value());
    if (var.type() == typeid(Poco::JSON::Object::Ptr)) {
        return object_to_value(*var.extract<Poco::JSON::Object::Ptr>(), depth);
    }
    if (var.type() == typeid(Poco::JSON::Array::Ptr)) {
        Value::List list;
        for (const auto& item : *var.extract<Poco::JSON::Array::Ptr>()) {
            auto value = to_value(item, depth + 1);
            if (!value) return value;
            list.push_back(std::move(value).value());
        }
        return Converted::success(Value(std::move(list)));
    }
    if (var.isBoolean()) return Converted::success(Value(var.convert<bool>()));
    if (var.isString()) return Converted::success(Value(var.convert<std::string>()));
    if (var.isInteger()) {
        try {
            return Converted::success(Value(var.convert<std::int64_t>()));
        } catch (const Poco::RangeException&) {
            return Converted::success(Value(var.convert<double>()));
        }
    }
    return Converted::success(Value(var.convert<double>()));
}

}  // namespace

std::optional<std::string> check_variable(std::string_view name, bool in_section,
                                          bool interpolation, const Schema& schema) {
    if (name == ".") {
        if (in_section) return std::nullopt;
        return "{{.}} outside a section prints nothing";
    }
    const std::size_t dot = name.find('.');
    const std::string_view root = name.substr(0, dot);
    const std::string_view rest = dot == std::string_view::npos ? "" : name.substr(dot + 1);
    if (root.starts_with("__")) return quoted(name) + ": names beginning with __ are reserved";
    for (const Group& group : kGroups) {
        if (root == group.name) return check_group(group, name, rest, interpolation);
    }
    if (root == kAttributes) return check_attribute(name, rest, interpolation, schema);
    if (std::find(kBuiltIns.begin(), kBuiltIns.end(), root) != kBuiltIns.end()) {
        if (rest.empty()) return std::nullopt;
        return "unknown variable " + quoted(name) + ": " + quoted(root) + " has no fields";
    }
    if (in_section) return std::nullopt;  // may be a field of the item being iterated
    return "unknown variable " + quoted(name) +
           ": not a field of contact, organisation, campaign or sender, an attribute, or one "
           "of " +
           join(kBuiltIns) + suggestion(name);
}

std::string_view first_name_of(std::string_view name) {
    const std::size_t start = name.find_first_not_of(" \t");
    if (start == std::string_view::npos) return {};
    name.remove_prefix(start);
    return name.substr(0, name.find_first_of(" \t"));
}

Result<Value, std::string> attributes_from_json(std::string_view json) {
    using Converted = Result<Value, std::string>;
    if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return Converted::success(Value(Map{}));
    }
    try {
        const Poco::Dynamic::Var parsed = formats::parse_json(json);
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
            return Converted::failure("attributes are not a JSON object");
        }
        return to_value(parsed, 0);
    } catch (const Poco::Exception& e) {
        return Converted::failure("attributes are not valid JSON: " + e.message());
    }
}

RenderData::RenderData(const CampaignFields& campaign, std::size_t link_count) {
    Map clicks;
    clicks.reserve(link_count);
    for (std::size_t id = 1; id <= link_count; ++id) {
        clicks.set(click_key(static_cast<std::uint32_t>(id)), Value(""));
    }
    root_ = Value(Map{
        {"contact", Map{{"name", ""}, {"first_name", ""}, {"email", ""}, {"locale", ""}}},
        {"organisation", Map{{"name", ""}}},
        {"campaign", Map{{"name", campaign.name}}},
        {"sender", Map{{"name", campaign.sender_name}, {"address", campaign.sender_address}}},
        {std::string(kAttributes), Map{}},
        {"unsubscribe_url", ""},
        {"preferences_url", ""},
        {std::string(kReservedRoot), std::move(clicks)},
    });
    // The shape is final: pointers into it stay valid.
    Map& root = *root_.map_if();
    Map& contact = *root.find("contact")->map_if();
    name_ = contact.find("name");
    first_name_ = contact.find("first_name");
    email_ = contact.find("email");
    locale_ = contact.find("locale");
    organisation_ = root.find("organisation")->map_if()->find("name");
    attributes_ = root.find(kAttributes);
    unsubscribe_ = root.find("unsubscribe_url");
    preferences_ = root.find("preferences_url");
    Map& click_map = *root.find(kReservedRoot)->map_if();
    for (std::size_t id = 1; id <= link_count; ++id) {
        clicks_.push_back(click_map.find(click_key(static_cast<std::uint32_t>(id))));
    }
}

void RenderData::fill(const Recipient& recipient, std::string_view unsubscribe_url,
                      std::string_view preferences_url) {
    name_->assign(recipient.name);
    first_name_->assign(first_name_of(recipient.name));
    email_->assign(recipient.email);
    locale_->assign(recipient.locale);
    organisation_->assign(recipient.organisation);
    if (recipient.attributes != nullptr && recipient.attributes->map_if() != nullptr) {
        *attributes_ = *recipient.attributes;
    } else if (attributes_->map_if() == nullptr || !attributes_->map_if()->empty()) {
        *attributes_ = Value(Map{});
    }
    unsubscribe_->assign(unsubscribe_url);
    preferences_->assign(preferences_url);
}

}  // namespace brevduva::templates
