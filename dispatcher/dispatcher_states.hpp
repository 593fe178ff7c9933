// The two state machines of the dispatcher, as data: which states a Campaign and a Delivery can
// be in, and which moves between them are allowed. Every state change in the store is checked
// against these tables, so an impossible move (a sent Delivery back to pending, a finished
// campaign resumed) is a refused command, never a silent corruption. The names are stable:
// they are written to the database and shown in the CLI and API.
#pragma once

#include <optional>
#include <string_view>

namespace brevduva::dispatcher {

// draft → scheduled → running ⇄ paused → finished | cancelled. A campaign finishes when every
// Delivery is final; one with ambiguous deliveries left waits for the operator (resend them,
// or cancel the campaign).
enum class CampaignState { draft, scheduled, running, paused, finished, cancelled };

// pending → claimed → sending → sent, on a 2xx at the end of DATA;
// sending → deferred on 4xx or a lost connection, → claimed when its backoff has passed,
// → failed at maximum age;
// sending → failed on 5xx; claimed → skipped when the consent gate says no at send time;
// sending → ambiguous when a lease expires after DATA began (resent only by the operator);
// claimed → pending when a worker releases an unstarted lease.
enum class DeliveryState { pending, claimed, sending, sent, deferred, failed, skipped, ambiguous };

[[nodiscard]] std::string_view to_string(CampaignState state);
[[nodiscard]] std::string_view to_string(DeliveryState state);
[[nodiscard]] std::optional<CampaignState> parse_campaign_state(std::string_view text);
[[nodiscard]] std::optional<DeliveryState> parse_delivery_state(std::string_view text);

[[nodiscard]] bool can_move(CampaignState from, CampaignState to);
[[nodiscard]] bool can_move(DeliveryState from, DeliveryState to);

// No further move leaves these states (ambiguous waits for the operator's resend).
[[nodiscard]] bool is_final(CampaignState state);
[[nodiscard]] bool is_final(DeliveryState state);

}  // namespace brevduva::dispatcher
