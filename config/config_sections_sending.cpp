// The sections that say how fast, how long and for which purposes mail is sent: sending,
// purposes, retention and logging.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "config/config_address.hpp"
#include "config/config_duration.hpp"
#include "config/config_sections.hpp"

namespace brevduva::config::detail {

namespace {

using namespace std::chrono_literals;

bool is_identifier(std::string_view name) {
    if (name.empty() || std::islower(static_cast<unsigned char>(name.front())) == 0) return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::islower(c) != 0 || std::isdigit(c) != 0 || c == '_';
    });
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

void read_destination(MapReader& r, DestinationRule& out,
                      const std::vector<DestinationRule>& earlier) {
    r.require("name", "a short name for the mailbox provider, such as google");
    r.require("domains", "the recipient domains it covers, such as [gmail.com, googlemail.com]");
    r.text("name", out.name);
    r.text_list("domains", out.domains);
    r.number("messages_per_minute", out.messages_per_minute, 0, 1e6, "0 means no limit of its own");
    r.integer("concurrent_transactions", out.concurrent_transactions, 0, 1000,
              "0 means no limit of its own");
    for (const auto& other : earlier) {
        if (!out.name.empty() && other.name == out.name) {
            r.problem("name", fmt::format("'{}' names two destinations", out.name));
        }
    }
    if (r.has("domains") && out.domains.empty()) r.problem("domains", "lists no domain");
    for (std::size_t i = 0; i < out.domains.size(); ++i) {
        std::string& domain = out.domains[i];
        domain = lower(domain);
        if (!is_domain_name(domain)) {
            r.item_problem("domains", i, fmt::format("'{}' is not a domain name", domain));
        }
        for (const auto& other : earlier) {
            if (std::find(other.domains.begin(), other.domains.end(), domain) !=
                other.domains.end()) {
                r.item_problem(
                    "domains", i,
                    fmt::format("{} is already in destination '{}'", domain, other.name));
            }
        }
    }
}

// Tracking pixels and rewritten links read a person's behaviour: the ePrivacy rules and this
// company's promise allow them only with that person's own consent, never on another basis.
bool is_tracking(const std::string& purpose) {
    return purpose == "open_tracking" || purpose == "click_tracking";
}

void read_purpose(MapReader& r, PurposeSettings& out, const std::vector<PurposeSettings>& earlier) {
    r.require("name", "the purpose's name, such as product_marketing");
    r.require("allowed_bases", "the lawful bases it may rest on, such as [consent]");
    r.text("name", out.name);
    r.choice_list<LawfulBasis>("allowed_bases", out.allowed_bases, lawful_basis_names);
    r.flag("double_opt_in", out.double_opt_in);
    r.integer("lapse_months", out.lapse_months, 0, 1200, "0 means consent does not lapse");
    r.flag("legitimate_interest_needs_organisation", out.legitimate_interest_needs_organisation);
    if (!out.name.empty() && !is_identifier(out.name)) {
        r.problem("name", fmt::format("'{}' must be lower-case letters, digits and _, starting "
                                      "with a letter",
                                      out.name));
    }
    for (const auto& other : earlier) {
        if (!out.name.empty() && other.name == out.name) {
            r.problem("name", fmt::format("'{}' names two purposes", out.name));
        }
    }
    if (r.has("allowed_bases") && out.allowed_bases.empty()) {
        r.problem("allowed_bases", "lists no basis, so nobody could ever be mailed for it");
    }
    const bool consent_only =
        out.allowed_bases.size() == 1 && out.allowed_bases.front() == LawfulBasis::consent;
    if (is_tracking(out.name) && !out.allowed_bases.empty() && !consent_only) {
        r.problem("allowed_bases", "tracking needs the person's own consent; allow only [consent]");
    }
}

}  // namespace

void read_sending(MapReader& r, SendingSettings& out) {
    r.choice<TransportKind>("transport", out.transport, transport_kind_names);
    r.path("file_folder", out.file_folder);
    if (out.transport == TransportKind::file && out.file_folder.empty()) {
        r.problem("file_folder", "is required with transport: file; the .eml files go there");
    } else if (out.transport == TransportKind::smtp && r.has("file_folder")) {
        r.warning("file_folder", "is used only with transport: file");
    }
    r.number("global_rate", out.global_rate, 0, 1e6, "0 means no limit");
    r.integer("batch_size", out.batch_size, 1, 100'000);
    r.duration("retry_initial", out.retry_initial, 1s);
    r.duration("retry_max", out.retry_max, 1s);
    r.duration("maximum_age", out.maximum_age, 1h);
    r.duration("schedule_guard", out.schedule_guard, 1h);
    r.duration("drain_timeout", out.drain_timeout, 0s);
    std::vector<DestinationRule> destinations;
    r.each_map("destinations", [&](MapReader& item, std::size_t) {
        DestinationRule rule;
        read_destination(item, rule, destinations);
        destinations.push_back(std::move(rule));
    });
    if (r.has("destinations")) out.destinations = std::move(destinations);
    if (out.retry_max < out.retry_initial) {
        r.problem("retry_max", fmt::format("must be at least retry_initial ({})",
                                           format_duration(out.retry_initial)));
    }
    if (out.maximum_age < out.retry_initial) {
        r.warning("maximum_age",
                  "is shorter than retry_initial, so a deferred message is never "
                  "retried");
    }
}

void read_purposes(MapReader& top, std::vector<PurposeSettings>& out) {
    std::vector<PurposeSettings> purposes;
    top.each_map("purposes", [&](MapReader& item, std::size_t) {
        PurposeSettings purpose;
        read_purpose(item, purpose, purposes);
        purposes.push_back(std::move(purpose));
    });
    if (!top.has("purposes")) return;
    if (purposes.empty()) {
        top.problem("purposes", "lists no purpose; leave the key out to use the defaults");
    }
    out = std::move(purposes);
}

void read_retention(MapReader& r, RetentionSettings& out) {
    r.integer("tracking_events_months", out.tracking_events_months, 1, 1200);
    r.integer("delivery_records_months", out.delivery_records_months, 1, 1200);
}

void read_logging(MapReader& r, LoggingSettings& out) {
    r.choice("level", out.level, log_level_names);
    r.choice<LogFormat>("format", out.format, log_format_names);
    r.flag("mask_addresses", out.mask_addresses);
}

}  // namespace brevduva::config::detail
