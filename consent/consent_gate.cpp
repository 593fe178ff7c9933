#include "consent/consent_gate.hpp"

#include <array>
#include <tuple>

#include "consent/consent_names.hpp"

namespace brevduva::consent {

namespace {

constexpr std::array<std::string_view, 7> skip_names{
    "none", "no_basis", "withdrawn", "objected", "suppressed", "unconfirmed", "lapsed"};
constexpr std::string_view suppressed_prefix = "suppressed:";

Decision skip(SkipKind kind) { return Decision{false, SkipReason{kind, {}}}; }

// The earliest matching suppression is named because it is the one that first stopped mail;
// the reason order breaks ties so the name never depends on the order rows came back in.
const Suppression* first_suppression(std::span<const Suppression> suppressions,
                                     std::string_view purpose) {
    const Suppression* found = nullptr;
    for (const auto& suppression : suppressions) {
        if (!suppression.covers(purpose)) continue;
        if (found == nullptr ||
            std::tie(suppression.at, suppression.reason) < std::tie(found->at, found->reason)) {
            found = &suppression;
        }
    }
    return found;
}

Decision from_current_grant(const ConsentState& state, TimePoint now) {
    if (state.lapses_at && now >= *state.lapses_at) return skip(SkipKind::lapsed);
    if (state.status == ConsentStatus::pending) return skip(SkipKind::unconfirmed);
    return Decision{true, {}};
}

}  // namespace

Decision decide(const ConsentState& state, std::span<const Suppression> suppressions,
                TimePoint now) {
    if (const auto* suppression = first_suppression(suppressions, state.purpose)) {
        return Decision{false, SkipReason{SkipKind::suppressed, suppression->reason}};
    }
    switch (state.status) {
        case ConsentStatus::withdrawn:
            return skip(SkipKind::withdrawn);
        case ConsentStatus::objected:
            return skip(SkipKind::objected);
        case ConsentStatus::none:
            return skip(SkipKind::no_basis);
        case ConsentStatus::pending:
        case ConsentStatus::granted:
            return from_current_grant(state, now);
    }
    return skip(SkipKind::no_basis);  // unreachable for a valid status; fail closed
}

Decision decide(const ContactFacts& contact, std::span<const ConsentEvent> events,
                std::span<const Suppression> suppressions, const PurposeSettings& purpose,
                TimePoint now) {
    return decide(fold(events, purpose, contact), suppressions, now);
}

std::string to_string(SkipReason reason) {
    std::string text(detail::name_of(skip_names, reason.kind));
    if (reason.kind == SkipKind::suppressed) {
        text += ':';
        text += to_string(reason.suppression);
    }
    return text;
}

std::optional<SkipReason> parse_skip_reason(std::string_view text) {
    if (text.starts_with(suppressed_prefix)) {
        const auto suppression = parse_suppression_reason(text.substr(suppressed_prefix.size()));
        if (!suppression) return std::nullopt;
        return SkipReason{SkipKind::suppressed, *suppression};
    }
    const auto kind = detail::parse_name<SkipKind>(skip_names, text);
    // A bare "suppressed" names no reason and is not a name this code ever writes.
    if (!kind || *kind == SkipKind::suppressed) return std::nullopt;
    return SkipReason{*kind, {}};
}

std::string to_string(const Decision& decision) {
    return decision.send ? std::string("send") : to_string(decision.reason);
}

}  // namespace brevduva::consent
