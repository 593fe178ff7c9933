#include "dispatcher/dispatcher_states.hpp"

#include <array>
#include <utility>

namespace brevduva::dispatcher {
namespace {

using enum CampaignState;
constexpr std::array campaign_names{
    std::pair{draft, "draft"},       std::pair{scheduled, "scheduled"},
    std::pair{running, "running"},   std::pair{paused, "paused"},
    std::pair{finished, "finished"}, std::pair{cancelled, "cancelled"}};

constexpr std::array delivery_names{std::pair{DeliveryState::pending, "pending"},
                                    std::pair{DeliveryState::claimed, "claimed"},
                                    std::pair{DeliveryState::sending, "sending"},
                                    std::pair{DeliveryState::sent, "sent"},
                                    std::pair{DeliveryState::deferred, "deferred"},
                                    std::pair{DeliveryState::failed, "failed"},
                                    std::pair{DeliveryState::skipped, "skipped"},
                                    std::pair{DeliveryState::ambiguous, "ambiguous"}};

template <typename Table, typename State>
std::string_view name_of(const Table& table, State state) {
    for (const auto& [s, name] : table) {
        if (s == state) return name;
    }
    return "unknown";
}

template <typename Table>
auto parse_in(const Table& table, std::string_view text)
    -> std::optional<typename Table::value_type::first_type> {
    for (const auto& [s, name] : table) {
        if (text == name) return s;
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(CampaignState state) { return name_of(campaign_names, state); }
std::string_view to_string(DeliveryState state) { return name_of(delivery_names, state); }

std::optional<CampaignState> parse_campaign_state(std::string_view text) {
    return parse_in(campaign_names, text);
}

std::optional<DeliveryState> parse_delivery_state(std::string_view text) {
    return parse_in(delivery_names, text);
}

bool can_move(CampaignState from, CampaignState to) {
    switch (from) {
        case draft:
            return to == scheduled || to == running || to == cancelled;
        case scheduled:
            return to == running || to == draft || to == cancelled;
        case running:
            return to == paused || to == finished || to == cancelled;
        case paused:
            return to == running || to == cancelled;
        case finished:
        case cancelled:
            return false;
    }
    return false;
}

bool can_move(DeliveryState from, DeliveryState to) {
    using D = DeliveryState;
    switch (from) {
        case D::pending:
            return to == D::claimed || to == D::skipped;
        case D::claimed:
            return to == D::sending || to == D::skipped || to == D::pending;
        case D::sending:
            return to == D::sent || to == D::deferred || to == D::failed || to == D::ambiguous;
        case D::deferred:
            // claimed: its next attempt is due; failed: past the maximum age.
            return to == D::claimed || to == D::pending || to == D::failed || to == D::skipped;
        case D::ambiguous:
            return to == D::pending;  // only by `campaign resend-ambiguous`
        case D::sent:
        case D::failed:
        case D::skipped:
            return false;
    }
    return false;
}

bool is_final(CampaignState state) { return state == finished || state == cancelled; }

bool is_final(DeliveryState state) {
    return state == DeliveryState::sent || state == DeliveryState::failed ||
           state == DeliveryState::skipped;
}

}  // namespace brevduva::dispatcher
