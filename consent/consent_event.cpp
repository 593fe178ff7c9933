#include "consent/consent_event.hpp"

#include <array>

#include "consent/consent_names.hpp"

namespace brevduva::consent {

namespace {

// Indexed by the enumerators' values, in declaration order.
constexpr std::array<std::string_view, 4> action_names{"grant", "confirm", "withdraw", "object"};
constexpr std::array<std::string_view, 6> suppression_names{
    "unsubscribed", "hard_bounce", "complaint", "objection", "erased", "manual"};
constexpr std::array<std::string_view, 3> basis_names{"consent", "legitimate_interest", "contract"};

}  // namespace

std::string_view to_string(Action action) { return detail::name_of(action_names, action); }

std::string_view to_string(SuppressionReason reason) {
    return detail::name_of(suppression_names, reason);
}

std::string_view lawful_basis_name(LawfulBasis basis) {
    return detail::name_of(basis_names, basis);
}

std::optional<Action> parse_action(std::string_view text) {
    return detail::parse_name<Action>(action_names, text);
}

std::optional<SuppressionReason> parse_suppression_reason(std::string_view text) {
    return detail::parse_name<SuppressionReason>(suppression_names, text);
}

std::optional<LawfulBasis> parse_lawful_basis(std::string_view text) {
    return detail::parse_name<LawfulBasis>(basis_names, text);
}

}  // namespace brevduva::consent
