// JSON from outside: the admin API's request bodies and a contact's attributes, read with
// formats::parse_json (duplicate keys and deep nesting refused). For a body that is an object,
// the admin API's field readers (text_field, optional_text, email_field, actor_field) run on
// it; its "attributes" are serialised as the API and the import store them and checked as the
// store checks them; and the whole text goes through attributes_from_json as the renderer reads
// stored attributes.
//
// Properties: parse_json refuses only by a Poco exception, as the API's catch expects; what it
// accepts nests at most max_json_depth deep; serialising what it accepted gives text it accepts
// again, to the same depth, and that the store's validate() never calls invalid JSON; a field
// reader refuses only with ApiError; an address the API accepts normalises to itself; and
// attributes_from_json keeps no key beginning with "__" at any depth.
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "consent/consent_address.hpp"
#include "consent/consent_store.hpp"
#include "formats/formats_json.hpp"
#include "http/http_admin_routes.hpp"
#include "templates/templates_fields.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace brevduva {
namespace {

std::size_t depth_of(const Poco::Dynamic::Var& value) {
    std::size_t deepest = 0;
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
        const auto& object = value.extract<Poco::JSON::Object::Ptr>();
        for (const auto& [key, member] : *object) deepest = std::max(deepest, depth_of(member));
        return deepest + 1;
    }
    if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
        const auto& array = value.extract<Poco::JSON::Array::Ptr>();
        for (const auto& item : *array) deepest = std::max(deepest, depth_of(item));
        return deepest + 1;
    }
    return 0;
}

std::string json_text(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

// parse_json, with the refusal the callers catch turned into nullopt.
std::optional<Poco::Dynamic::Var> parse(std::string_view text) {
    try {
        return formats::parse_json(text);
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

void check_no_reserved_keys(const templates::Value& value) {
    if (const auto* map = value.map_if()) {
        for (std::size_t i = 0; i < map->size(); ++i) {
            FUZZ_REQUIRE(!map->key_at(i).starts_with("__"));
            check_no_reserved_keys(map->value_at(i));
        }
    } else if (const auto* list = value.list_if()) {
        for (const auto& item : *list) check_no_reserved_keys(item);
    }
}

// The admin API's readers of a body's fields; ApiError is their only refusal.
void read_fields(const Poco::JSON::Object::Ptr& body) {
    using http::detail::ApiError;
    for (const char* name : {"name", "phone", "postal_address", "organisation", "locale"}) {
        try {
            (void)http::detail::optional_text(body, name);
        } catch (const ApiError&) {
        }
    }
    try {
        (void)http::detail::actor_field(body);
        (void)http::detail::text_field(body, "reason", true);
    } catch (const ApiError&) {
    }
    try {
        const consent::EmailAddress address = http::detail::email_field(body);
        const auto again = consent::normalise_address(address.text());
        FUZZ_REQUIRE(again.ok() && again.value() == address);
    } catch (const ApiError&) {
    }
}

// What the API and the import do with an "attributes" object: serialise it and let the store
// check it. A size or character problem may refuse it; "not valid JSON" never may.
void check_attributes(const Poco::Dynamic::Var& attributes) {
    if (attributes.type() != typeid(Poco::JSON::Object::Ptr)) return;
    consent::ContactUpdate update;
    update.address = consent::EmailAddress{"anna", "example.se"};
    update.attributes = json_text(attributes);
    if (const auto problem = consent::validate(update)) {
        FUZZ_REQUIRE(problem->find("not valid JSON") == std::string::npos);
        FUZZ_REQUIRE(problem->find("not a JSON object") == std::string::npos);
    }
}

}  // namespace
}  // namespace brevduva

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace brevduva;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse(text);
    const auto converted = templates::attributes_from_json(text);
    if (converted.ok()) check_no_reserved_keys(converted.value());
    if (!parsed) return 0;

    const std::size_t depth = depth_of(*parsed);
    FUZZ_REQUIRE(depth <= formats::max_json_depth);
    const std::string serialised = json_text(*parsed);
    const auto reparsed = parse(serialised);
    FUZZ_REQUIRE(reparsed.has_value());
    FUZZ_REQUIRE(depth_of(*reparsed) == depth);

    if (parsed->type() != typeid(Poco::JSON::Object::Ptr)) return 0;
    const auto body = parsed->extract<Poco::JSON::Object::Ptr>();
    read_fields(body);
    if (body->has("attributes")) check_attributes(body->get("attributes"));
    check_attributes(*parsed);
    return 0;
}
