#include "consent/consent_state.hpp"

#include <algorithm>
#include <array>
#include <tuple>
#include <vector>

#include "consent/consent_names.hpp"

namespace brevduva::consent {

namespace {

constexpr std::array<std::string_view, 5> status_names{"none", "pending", "granted", "withdrawn",
                                                       "objected"};

// Among events of the same time: grant, then confirm, then withdraw, then object (the
// strongest ending last, so that it is the state that remains).
int tie_rank(Action action) {
    switch (action) {
        case Action::grant:
            return 0;
        case Action::confirm:
            return 1;
        case Action::withdraw:
            return 2;
        case Action::object:
            return 3;
    }
    return 3;
}

std::vector<const ConsentEvent*> in_ledger_order(std::span<const ConsentEvent> events,
                                                 std::string_view purpose) {
    std::vector<const ConsentEvent*> ordered;
    for (const auto& event : events) {
        if (event.purpose == purpose) ordered.push_back(&event);
    }
    // Events of the same time are taken grants first and endings last, whatever order they
    // arrived in, so that a tie fails closed: a withdrawal or objection stamped with the same
    // time as a grant ends it. Stable, so that even a ledger with a repeated (at, rank, id)
    // folds the same way every time.
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
        return std::tuple(a->at, tie_rank(a->action), a->id) <
               std::tuple(b->at, tie_rank(b->action), b->id);
    });
    return ordered;
}

bool is_allowed(const PurposeSettings& purpose, LawfulBasis basis) {
    return std::find(purpose.allowed_bases.begin(), purpose.allowed_bases.end(), basis) !=
           purpose.allowed_bases.end();
}

bool grant_counts(const ConsentState& state, const ConsentEvent& grant,
                  const PurposeSettings& purpose, const ContactFacts& contact) {
    if (!is_allowed(purpose, grant.basis)) return false;
    if (grant.basis != LawfulBasis::legitimate_interest) return true;
    if (state.objected_at) return false;
    return contact.has_organisation || !purpose.legitimate_interest_needs_organisation;
}

void apply_grant(ConsentState& state, const ConsentEvent& grant, const PurposeSettings& purpose) {
    const bool is_consent = grant.basis == LawfulBasis::consent;
    state.status =
        is_consent && purpose.double_opt_in ? ConsentStatus::pending : ConsentStatus::granted;
    state.basis = grant.basis;
    state.granted_at = grant.at;
    state.confirmed_at.reset();
    state.lapses_at.reset();
    if (is_consent && purpose.lapse_months > 0) {
        state.lapses_at = add_months(grant.at, purpose.lapse_months);
    }
    state.ended_at.reset();
}

void end_grant(ConsentState& state, ConsentStatus status, TimePoint at) {
    state.status = status;
    state.basis.reset();
    state.granted_at.reset();
    state.confirmed_at.reset();
    state.lapses_at.reset();
    state.ended_at = at;
}

void apply(ConsentState& state, const ConsentEvent& event, const PurposeSettings& purpose,
           const ContactFacts& contact) {
    switch (event.action) {
        case Action::grant:
            if (grant_counts(state, event, purpose, contact)) apply_grant(state, event, purpose);
            break;
        case Action::confirm:
            if (state.status == ConsentStatus::pending || state.status == ConsentStatus::granted) {
                state.status = ConsentStatus::granted;
                // The first confirmation is the proof; clicking the link again adds nothing.
                if (!state.confirmed_at) state.confirmed_at = event.at;
            }
            break;
        case Action::withdraw:
            end_grant(state, ConsentStatus::withdrawn, event.at);
            break;
        case Action::object:
            end_grant(state, ConsentStatus::objected, event.at);
            if (!state.objected_at) state.objected_at = event.at;
            break;
    }
}

}  // namespace

ConsentState fold(std::span<const ConsentEvent> events, const PurposeSettings& purpose,
                  const ContactFacts& contact) {
    ConsentState state;
    state.purpose = purpose.name;
    for (const auto* event : in_ledger_order(events, purpose.name)) {
        apply(state, *event, purpose, contact);
        state.last_event_id = event->id;
    }
    return state;
}

TimePoint add_months(TimePoint from, int months) {
    using namespace std::chrono;
    const auto day = floor<days>(from);
    const auto time_of_day = from - day;
    const year_month_day date{day};
    const year_month target = year_month{date.year(), date.month()} + std::chrono::months{months};
    const auto last_day = year_month_day_last{target.year(), month_day_last{target.month()}}.day();
    const auto target_day = std::min(date.day(), last_day);
    return sys_days{year_month_day{target.year(), target.month(), target_day}} + time_of_day;
}

std::string_view to_string(ConsentStatus status) { return detail::name_of(status_names, status); }

std::optional<ConsentStatus> parse_consent_status(std::string_view text) {
    return detail::parse_name<ConsentStatus>(status_names, text);
}

}  // namespace brevduva::consent
