#include "config/config_describe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <string_view>
#include <vector>

#include "config/config_duration.hpp"
#include "config/config_names.hpp"
#include "config/config_secret.hpp"

namespace brevduva::config {

namespace {

// Text that YAML would read as something else (a number, a bool, a map, a comment) is quoted.
std::string quoted(std::string_view text) {
    constexpr std::string_view plain_words[] = {"true", "false", "null", "~",     "yes", "no",
                                                "on",   "off",   "True", "False", "Null"};
    const bool needs_quotes =
        text.empty() || text.front() == ' ' || text.back() == ' ' ||
        std::string_view("!&*-?{}[],#|>@`\"'%").find(text.front()) != std::string_view::npos ||
        text.find(": ") != std::string_view::npos || text.find(" #") != std::string_view::npos ||
        text.back() == ':' || text.find_first_of("\n\t\\") != std::string_view::npos ||
        std::find(std::begin(plain_words), std::end(plain_words), text) != std::end(plain_words) ||
        text.find_first_not_of("0123456789.+-eE") == std::string_view::npos;
    if (!needs_quotes) return std::string(text);
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

std::string flow_list(const std::vector<std::string>& words) {
    std::vector<std::string> items;
    std::transform(words.begin(), words.end(), std::back_inserter(items), quoted);
    return fmt::format("[{}]", fmt::join(items, ", "));
}

std::string listener(const ListenerSettings& listener) {
    const bool ipv6 = listener.address.find(':') != std::string::npos;
    return ipv6 ? fmt::format("[{}]:{}", listener.address, listener.port)
                : fmt::format("{}:{}", listener.address, listener.port);
}

std::string bases(const std::vector<LawfulBasis>& allowed) {
    std::vector<std::string> words;
    words.reserve(allowed.size());
    for (const auto basis : allowed) words.emplace_back(to_string(basis));
    return flow_list(words);
}

// One "key: value" line at a depth; `first_in_item` starts a list entry ("- key: value").
class Writer {
  public:
    void section(std::string_view name) { fmt::format_to(std::back_inserter(out_), "{}:\n", name); }
    void value(int depth, std::string_view key, std::string_view text, bool first_in_item = false) {
        const int spaces = 2 * depth - (first_in_item ? 2 : 0);
        fmt::format_to(std::back_inserter(out_), "{:{}}{}{}:{}{}\n", "", spaces,
                       first_in_item ? "- " : "", key, text.empty() ? "" : " ", text);
    }
    void text(int depth, std::string_view key, std::string_view text, bool first = false) {
        value(depth, key, quoted(text), first);
    }
    void flag(int depth, std::string_view key, bool flag) {
        value(depth, key, flag ? "true" : "false");
    }
    template <class Rep, class Period>
    void duration(int depth, std::string_view key, std::chrono::duration<Rep, Period> d) {
        value(depth, key,
              format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(d)));
    }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

void describe_delivery(Writer& w, const Settings& s) {
    w.section("database");
    w.text(1, "sqlite_path", s.database.sqlite_path.string());
    w.text(1, "postgres_url", s.database.postgres_url);
    w.value(1, "postgres_password", describe_source(s.database.postgres_password));
    w.duration(1, "busy_timeout", s.database.busy_timeout);
    w.text(1, "file_group", s.database.file_group);
    w.section("sender");
    w.text(1, "from_address", s.sender.from_address);
    w.text(1, "from_name", s.sender.from_name);
    w.text(1, "reply_to", s.sender.reply_to);
    w.text(1, "bounce_domain", s.sender.bounce_domain);
    w.text(1, "unsubscribe_mailbox", s.sender.unsubscribe_mailbox);
    w.value(0, "relays", s.relays.empty() ? "[]" : "");
    for (const auto& relay : s.relays) {
        w.text(2, "host", relay.host, true);
        w.value(2, "port", std::to_string(relay.port));
        w.value(2, "tls", to_string(relay.tls));
        w.flag(2, "tls_opportunistic", relay.tls_opportunistic);
        w.flag(2, "verify_certificate", relay.verify_certificate);
        w.text(2, "ca_file", relay.ca_file.string());
        w.text(2, "auth_user", relay.auth_user);
        w.value(2, "password", describe_source(relay.password));
        w.value(2, "connections", std::to_string(relay.connections));
        w.duration(2, "connect_timeout", relay.connect_timeout);
        w.text(2, "ehlo_name", relay.ehlo_name);
        w.value(2, "timeouts", "");
        w.duration(3, "greeting", relay.timeouts.greeting);
        w.duration(3, "mail", relay.timeouts.mail);
        w.duration(3, "rcpt", relay.timeouts.rcpt);
        w.duration(3, "data_init", relay.timeouts.data_init);
        w.duration(3, "data_block", relay.timeouts.data_block);
        w.duration(3, "data_end", relay.timeouts.data_end);
    }
    w.section("dkim");
    w.text(1, "domain", s.dkim.domain);
    w.text(1, "selector", s.dkim.selector);
    w.text(1, "rsa_key_file", s.dkim.rsa_key_file.string());
    w.text(1, "ed25519_selector", s.dkim.ed25519_selector);
    w.text(1, "ed25519_key_file", s.dkim.ed25519_key_file.string());
}

void describe_access(Writer& w, const Settings& s) {
    w.section("public");
    w.text(1, "base_url", s.public_url.base_url);
    w.value(1, "token_secret", describe_source(s.public_url.token_secret));
    w.section("consent");
    w.value(1, "suppression_secret", describe_source(s.consent.suppression_secret));
    w.duration(1, "undo_window", s.consent.undo_window);
    w.section("http");
    w.value(1, "public_listener", listener(s.http.public_listener));
    w.value(1, "admin_listener", listener(s.http.admin_listener));
    w.value(1, "admin_token", describe_source(s.http.admin_token));
    w.value(1, "threads", std::to_string(s.http.threads));
    w.value(1, "max_request_bytes", std::to_string(s.http.max_request_bytes));
    w.value(1, "max_connections", std::to_string(s.http.max_connections));
    w.value(1, "max_connections_per_client", std::to_string(s.http.max_connections_per_client));
    w.value(1, "reuse_port", s.http.reuse_port ? "true" : "false");
}

void describe_sending(Writer& w, const SendingSettings& s) {
    w.section("sending");
    w.value(1, "transport", to_string(s.transport));
    w.text(1, "file_folder", s.file_folder.string());
    w.value(1, "global_rate", fmt::format("{}", s.global_rate));
    w.value(1, "batch_size", std::to_string(s.batch_size));
    w.duration(1, "retry_initial", s.retry_initial);
    w.duration(1, "retry_max", s.retry_max);
    w.duration(1, "maximum_age", s.maximum_age);
    w.duration(1, "schedule_guard", s.schedule_guard);
    w.duration(1, "drain_timeout", s.drain_timeout);
    w.value(1, "destinations", s.destinations.empty() ? "[]" : "");
    for (const auto& rule : s.destinations) {
        w.text(3, "name", rule.name, true);
        w.value(3, "domains", flow_list(rule.domains));
        w.value(3, "messages_per_minute", fmt::format("{}", rule.messages_per_minute));
        w.value(3, "concurrent_transactions", std::to_string(rule.concurrent_transactions));
    }
}

void describe_policy(Writer& w, const Settings& s) {
    w.value(0, "purposes", s.purposes.empty() ? "[]" : "");
    for (const auto& purpose : s.purposes) {
        w.text(2, "name", purpose.name, true);
        w.value(2, "allowed_bases", bases(purpose.allowed_bases));
        w.flag(2, "double_opt_in", purpose.double_opt_in);
        w.value(2, "lapse_months", std::to_string(purpose.lapse_months));
        w.flag(2, "legitimate_interest_needs_organisation",
               purpose.legitimate_interest_needs_organisation);
    }
    w.section("retention");
    w.value(1, "tracking_events_months", std::to_string(s.retention.tracking_events_months));
    w.value(1, "delivery_records_months", std::to_string(s.retention.delivery_records_months));
    w.section("logging");
    w.text(1, "level", s.logging.level);
    w.value(1, "format", to_string(s.logging.format));
    w.flag(1, "mask_addresses", s.logging.mask_addresses);
}

}  // namespace

std::string describe(const Settings& settings) {
    Writer writer;
    describe_delivery(writer, settings);
    describe_access(writer, settings);
    describe_sending(writer, settings.sending);
    describe_policy(writer, settings);
    return writer.take();
}

}  // namespace brevduva::config
