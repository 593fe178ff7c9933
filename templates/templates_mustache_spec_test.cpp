// The official Mustache spec, read at test time from ../shared/conformance/mustache-spec: one
// test per spec case, named after it, for the core modules and inheritance.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "templates/templates_mustache.hpp"

namespace brevduva::templates {
namespace {

struct SpecCase {
    std::string module;
    std::string name;
    std::string test_name;  // name made into a gtest identifier, unique in its module
    std::string source;
    Value data;
    std::map<std::string, std::string> partials;
    std::string expected;
    std::string load_error;  // why the module could not be read
};

void PrintTo(const SpecCase& spec, std::ostream* out) { *out << spec.module << ": " << spec.name; }

Value to_value(const Poco::Dynamic::Var& var) {
    if (var.isEmpty()) return Value();
    if (var.type() == typeid(Poco::JSON::Object::Ptr)) {
        const auto& object = var.extract<Poco::JSON::Object::Ptr>();
        Map map;
        for (const auto& [key, member] : *object) map.set(key, to_value(member));
        return Value(std::move(map));
    }
    if (var.type() == typeid(Poco::JSON::Array::Ptr)) {
        const auto& array = var.extract<Poco::JSON::Array::Ptr>();
        Value::List list;
        for (const auto& item : *array) list.push_back(to_value(item));
        return Value(std::move(list));
    }
    if (var.isBoolean()) return Value(var.convert<bool>());
    if (var.isString()) return Value(var.convert<std::string>());
    if (var.isInteger()) return Value(var.convert<Poco::Int64>());
    return Value(var.convert<double>());
}

std::string identifier(const std::string& name, std::set<std::string>& taken) {
    std::string id;
    for (const char c : name) {
        id += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
    }
    std::string unique = id;
    for (int n = 2; !taken.insert(unique).second; ++n) unique = id + "_" + std::to_string(n);
    return unique;
}

SpecCase to_case(const std::string& module, const Poco::JSON::Object::Ptr& test,
                 std::set<std::string>& taken) {
    SpecCase spec;
    spec.module = module;
    spec.name = test->getValue<std::string>("name");
    spec.test_name = identifier(spec.name, taken);
    spec.source = test->getValue<std::string>("template");
    spec.expected = test->getValue<std::string>("expected");
    spec.data = to_value(test->get("data"));
    if (const auto partials = test->getObject("partials")) {
        for (const auto& [name, text] : *partials) spec.partials[name] = text.toString();
    }
    return spec;
}

std::vector<SpecCase> load_module(const std::string& module) {
    const std::string path =
        std::string(BREVDUVA_SHARED_DIR) + "/conformance/mustache-spec/" + module + ".json";
    std::ifstream in(path);
    if (!in) {
        SpecCase missing;
        missing.module = module;
        missing.name = missing.test_name = "unreadable";
        missing.load_error = "cannot read " + path;
        return {missing};
    }
    Poco::JSON::Parser parser;
    const auto root = parser.parse(in).extract<Poco::JSON::Object::Ptr>();
    const auto tests = root->getArray("tests");
    std::vector<SpecCase> cases;
    std::set<std::string> taken;
    for (std::size_t i = 0; i < tests->size(); ++i) {
        cases.push_back(to_case(module, tests->getObject(static_cast<unsigned>(i)), taken));
    }
    return cases;
}

class MustacheSpec : public ::testing::TestWithParam<SpecCase> {};

TEST_P(MustacheSpec, Renders) {
    const SpecCase& spec = GetParam();
    ASSERT_TRUE(spec.load_error.empty()) << spec.load_error;
    const PartialResolver partials = [&spec](std::string_view name) -> std::optional<std::string> {
        const auto found = spec.partials.find(std::string(name));
        if (found == spec.partials.end()) return std::nullopt;
        return found->second;
    };
    const auto compiled = CompiledTemplate::compile(spec.name, spec.source, partials);
    ASSERT_TRUE(compiled.ok()) << compiled.error().to_string();
    std::string out;
    const auto error = compiled.value().render(Context{spec.data, Escaping::html}, out);
    ASSERT_FALSE(error.has_value()) << error->message;
    EXPECT_EQ(out, spec.expected) << "template: " << ::testing::PrintToString(spec.source);
}

std::string case_name(const ::testing::TestParamInfo<SpecCase>& info) {
    return info.param.test_name;
}

INSTANTIATE_TEST_SUITE_P(Comments, MustacheSpec, ::testing::ValuesIn(load_module("comments")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Delimiters, MustacheSpec, ::testing::ValuesIn(load_module("delimiters")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Interpolation, MustacheSpec,
                         ::testing::ValuesIn(load_module("interpolation")), case_name);
INSTANTIATE_TEST_SUITE_P(Inverted, MustacheSpec, ::testing::ValuesIn(load_module("inverted")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Partials, MustacheSpec, ::testing::ValuesIn(load_module("partials")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Sections, MustacheSpec, ::testing::ValuesIn(load_module("sections")),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Inheritance, MustacheSpec,
                         ::testing::ValuesIn(load_module("~inheritance")), case_name);

// A spec file that lost cases would otherwise pass quietly.
TEST(MustacheSpecFiles, HoldEveryCase) {
    EXPECT_EQ(load_module("comments").size(), 12U);
    EXPECT_EQ(load_module("delimiters").size(), 14U);
    EXPECT_EQ(load_module("interpolation").size(), 42U);
    EXPECT_EQ(load_module("inverted").size(), 22U);
    EXPECT_EQ(load_module("partials").size(), 12U);
    EXPECT_EQ(load_module("sections").size(), 34U);
    EXPECT_EQ(load_module("~inheritance").size(), 27U);
}

}  // namespace
}  // namespace brevduva::templates
