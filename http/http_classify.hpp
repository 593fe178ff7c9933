// Who fetched a pixel or followed a link: a person, a privacy proxy that fetches images for
// the person (Apple Mail Privacy Protection, Google's and Yahoo's image proxies), or a machine
// that fetches everything (security gateways, link scanners, headless clients, a HEAD, or any
// hit within seconds of delivery). And the truncated IP kept as evidence. Pure: the caller
// passes what the request and the delivery say.
//
// Only "human" counts as a read or a click in the statistics; the others are kept, with the
// reason, because a proxy hit still proves delivery and a scanner hit explains a spike.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace brevduva::http {

enum class SourceClass { human, privacy_proxy, scanner };

[[nodiscard]] std::string_view to_string(SourceClass source_class);

struct HitFacts {
    std::string_view method;      // GET or HEAD
    std::string_view user_agent;  // as sent, possibly empty
    // Since the delivery's 2xx at the end of DATA; nullopt when unknown.
    std::optional<std::chrono::seconds> since_delivery;
};

struct Classification {
    SourceClass source_class = SourceClass::human;
    std::string reason;  // the evidence: "ua:GoogleImageProxy", "3 s after delivery", "direct"

    friend bool operator==(const Classification&, const Classification&) = default;
};

// A hit this soon after delivery is a machine: nobody opens a message within seconds of its
// arrival often enough to be worth the false positives of scanners.
inline constexpr std::chrono::seconds scanner_window{10};

[[nodiscard]] Classification classify(const HitFacts& hit);

// classify() in two steps, for callers that see the same user agent many times: what the
// method and user agent alone say (since_delivery ignored), then the timing on top of that.
[[nodiscard]] Classification classify_agent(std::string_view method, std::string_view user_agent);
[[nodiscard]] Classification with_timing(Classification by_agent,
                                         std::optional<std::chrono::seconds> since_delivery);

// The network part kept as evidence: IPv4 /24 ("192.0.2.0/24"), IPv6 /48
// ("2001:db8:1::/48"); empty for anything that is not an IP address.
[[nodiscard]] std::string truncate_ip(std::string_view ip);

}  // namespace brevduva::http
