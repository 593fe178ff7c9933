// validate(): what a contact field may hold before it is stored. Pure.
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>

#include "consent/consent_store.hpp"
#include "consent/consent_utf8.hpp"
#include "formats/formats_json.hpp"

namespace brevduva::consent {
namespace {

// C0 controls, DEL and the C1 controls (U+0080–U+009F, C2 80–C2 9F in UTF-8); a line feed
// only where allowed (postal addresses span lines).
bool has_control(std::string_view text, bool allow_line_feed) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n' && allow_line_feed) continue;
        if (c < 0x20 || c == 0x7F) return true;
        if (c == 0xC2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9F) return true;
        }
    }
    return false;
}

std::optional<std::string> text_problem(std::string_view field, std::string_view text,
                                        std::size_t max_bytes, bool allow_line_feed = false) {
    if (text.size() > max_bytes) {
        return fmt::format("{} is longer than {} bytes", field, max_bytes);
    }
    if (const auto at = first_invalid_utf8(text)) {
        return fmt::format("{} is not valid UTF-8 (byte {})", field, *at + 1);
    }
    if (has_control(text, allow_line_feed)) {
        return fmt::format("{} contains a control character", field);
    }
    return std::nullopt;
}

std::optional<std::string> attributes_problem(const std::string& text) {
    if (auto problem = text_problem("attributes", text, max_attributes_bytes, true)) {
        return problem;
    }
    try {
        const auto value = formats::parse_json(text);
        if (value.type() != typeid(Poco::JSON::Object::Ptr)) {
            return std::string("attributes is not a JSON object");
        }
    } catch (const Poco::Exception& e) {
        return fmt::format("attributes is not valid JSON: {}", e.displayText());
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> validate(const ContactUpdate& update) {
    if (update.address.local_part.empty() || update.address.domain.empty()) {
        return std::string("the address is empty");
    }
    if (auto p = text_problem("the address as given", update.address_given, max_text_field_bytes)) {
        return p;
    }
    const std::pair<const char*, const std::optional<std::string>*> single_line[] = {
        {"name", &update.name}, {"phone", &update.phone}, {"organisation", &update.organisation}};
    for (const auto& [field, value] : single_line) {
        if (!*value) continue;
        if (auto p = text_problem(field, **value, max_text_field_bytes)) return p;
    }
    if (update.postal_address) {
        if (auto p = text_problem("postal address", *update.postal_address, max_text_field_bytes,
                                  true)) {
            return p;
        }
    }
    if (update.locale && *update.locale != "sv" && *update.locale != "en") {
        return fmt::format("locale '{}' is not sv or en", *update.locale);
    }
    if (update.attributes) {
        if (auto p = attributes_problem(*update.attributes)) return p;
    }
    for (const auto& list : update.lists) {
        if (list.empty()) return std::string("a list name is empty");
        if (auto p = text_problem("a list name", list, max_text_field_bytes)) return p;
    }
    return std::nullopt;
}

}  // namespace brevduva::consent
