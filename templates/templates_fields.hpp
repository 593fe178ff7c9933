// The variables a campaign template may use, and the data behind them for one recipient.
//
//   contact.name, contact.first_name (the first word of the name), contact.email,
//   contact.locale ("sv" or "en")
//   organisation.name          the contact's organisation ("" when none)
//   campaign.name
//   sender.name, sender.address
//   attributes.<key>           the contact's attributes (a JSON object), by declared key
//   unsubscribe_url            BASE/u/<token>: one-click unsubscribe from this purpose
//   preferences_url            BASE/p/<token>: the preference page
//
// Phone and postal address are stored for contacts but deliberately not offered: a marketing
// message has no need to repeat them (GDPR Art. 5(1)(c), data minimisation).
//
// RenderData holds one data tree per worker and refills it per recipient: the tree's shape
// never changes, and every string is assigned in place, so after the first recipient only the
// attributes allocate. Pure; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "templates/templates_mustache_result.hpp"
#include "templates/templates_mustache_value.hpp"

namespace brevduva::templates {

// What a variable name means to the check; see check_variable().
struct Schema {
    std::vector<std::string> attributes;  // the declared attribute keys
};

// Why `name` (as written in a tag) is not a variable this schema provides, or nullopt. A name
// this schema does not know is fine inside a section, where it may name a field of the item
// being iterated; names under contact, organisation, campaign, sender and attributes are
// checked everywhere, and the renderer's own root (__brevduva) is refused everywhere.
// `interpolation`: the tag prints the value ({{x}}), so a group (contact) is a mistake.
[[nodiscard]] std::optional<std::string> check_variable(std::string_view name, bool in_section,
                                                        bool interpolation, const Schema& schema);

struct CampaignFields {
    std::string name;
    std::string sender_name;
    std::string sender_address;
};

struct Recipient {
    std::string_view name;
    std::string_view email;
    std::string_view locale;
    std::string_view organisation;
    const Value* attributes = nullptr;  // a Map (attributes_from_json), or null for none
};

// The first word of a name: "Anna-Karin Berg" → "Anna-Karin".
[[nodiscard]] std::string_view first_name_of(std::string_view name);

// A contact's attributes (a JSON object) as template data: objects become maps, arrays
// lists, numbers integers or decimals. Keys that begin with "__" are dropped, at every depth,
// so that no attribute can shadow the renderer's own data inside a section.
[[nodiscard]] Result<Value, std::string> attributes_from_json(std::string_view json);

class RenderData {
  public:
    RenderData(const CampaignFields& campaign, std::size_t link_count);
    RenderData(const RenderData&) = delete;
    RenderData& operator=(const RenderData&) = delete;

    void fill(const Recipient& recipient, std::string_view unsubscribe_url,
              std::string_view preferences_url);
    // The slot for link `id`'s tracked URL (1 ≤ id ≤ link_count): write BASE/c/<token>.
    [[nodiscard]] Value& click_slot(std::uint32_t id) { return *clicks_.at(id - 1); }

    [[nodiscard]] const Value& root() const { return root_; }

  private:
    Value root_;
    Value* name_ = nullptr;
    Value* first_name_ = nullptr;
    Value* email_ = nullptr;
    Value* locale_ = nullptr;
    Value* organisation_ = nullptr;
    Value* attributes_ = nullptr;
    Value* unsubscribe_ = nullptr;
    Value* preferences_ = nullptr;
    std::vector<Value*> clicks_;
};

}  // namespace brevduva::templates
