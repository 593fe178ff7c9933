// The sections that say where mail goes and who may reach the program: database, sender,
// relays, dkim, public and http.
#include "config/config_sections.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "config/config_address.hpp"
#include "config/config_duration.hpp"

namespace brevduva::config::detail {

namespace {

using namespace std::chrono_literals;

void read_database(MapReader& r, DatabaseSettings& out) {
    r.path("sqlite_path", out.sqlite_path);
    r.text("postgres_url", out.postgres_url);
    r.secret("postgres_password", out.postgres_password);
    r.duration("busy_timeout", out.busy_timeout, 0ms);
    r.text("file_group", out.file_group);
    if (out.postgres_url.empty()) {
        if (out.postgres_password.configured()) {
            r.warning("postgres_url",
                      "postgres_password is given but postgres_url is not; "
                      "SQLite is used and the password is ignored");
        }
        std::error_code ignored;
        if (!std::filesystem::is_directory(out.sqlite_path.parent_path(), ignored)) {
            r.warning("sqlite_path", fmt::format("the folder {} does not exist yet",
                                                 out.sqlite_path.parent_path().string()));
        }
        return;
    }
    const std::string_view url = out.postgres_url;
    if (!url.starts_with("postgresql://") && !url.starts_with("postgres://")) {
        r.problem("postgres_url", "must start with postgresql://");
        return;
    }
    const std::string_view authority = url.substr(url.find("//") + 2);
    const auto at = authority.substr(0, authority.find('/')).find('@');
    if (at != std::string_view::npos &&
        authority.substr(0, at).find(':') != std::string_view::npos) {
        r.problem("postgres_url",
                  "holds a password; put it in postgres_password_file instead, so that it is "
                  "never printed or logged");
    }
}

void check_address(MapReader& r, std::string_view key, const std::string& value) {
    if (value.empty() || is_mail_address(value)) return;
    std::string message =
        fmt::format("'{}' is not a mail address such as marketing@example.se", value);
    if (value.starts_with("mailto:")) message += "; leave out 'mailto:'";
    r.problem(key, std::move(message));
}

void read_sender(MapReader& r, SenderSettings& out) {
    r.require("from_address", "the address marketing mail comes from, such as news@example.se");
    r.require("bounce_domain",
              "the domain of the envelope sender, where bounces return, such as "
              "bounces.example.se");
    r.text("from_address", out.from_address);
    r.text("from_name", out.from_name);
    r.text("reply_to", out.reply_to);
    r.text("bounce_domain", out.bounce_domain);
    r.text("unsubscribe_mailbox", out.unsubscribe_mailbox);
    check_address(r, "from_address", out.from_address);
    check_address(r, "reply_to", out.reply_to);
    check_address(r, "unsubscribe_mailbox", out.unsubscribe_mailbox);
    if (!out.bounce_domain.empty() && !is_domain_name(out.bounce_domain)) {
        r.problem("bounce_domain", fmt::format("'{}' is not a domain name such as "
                                               "bounces.example.se",
                                               out.bounce_domain));
    } else if (is_mail_address(out.from_address) && !out.bounce_domain.empty() &&
               !same_organisation(out.bounce_domain, domain_of(out.from_address))) {
        r.warning("bounce_domain",
                  "is not in the domain of from_address, so SPF does not align for DMARC and "
                  "delivery rests on DKIM alone");
    }
}

void check_relay(MapReader& r, const RelaySettings& relay) {
    if (!relay.auth_user.empty() && !relay.password.configured()) {
        r.problem("auth_user", "has no password: give password_file or password_env");
    }
    if (relay.auth_user.empty() && (r.has("password_file") || r.has("password_env"))) {
        r.problem(r.has("password_file") ? "password_file" : "password_env",
                  "a password needs auth_user, the name to log in with");
    }
    if (relay.tls_opportunistic && relay.tls != TlsMode::starttls) {
        r.problem("tls_opportunistic", "applies only to tls: starttls");
    }
    if (relay.tls == TlsMode::none && !relay.auth_user.empty()) {
        r.warning("tls", "with tls: none the relay password crosses the network in clear");
    }
    if (relay.tls == TlsMode::implicit && relay.port == 587) {
        r.warning("port", "tls: implicit is normally port 465; port 587 expects starttls");
    } else if (relay.tls == TlsMode::starttls && relay.port == 465) {
        r.warning("port", "port 465 normally expects tls: implicit, not starttls");
    }
    if (!relay.verify_certificate) {
        r.warning("verify_certificate",
                  "is false: whoever sits between this machine and the relay can read the mail");
    }
}

// RFC 5321 §4.5.3.2 gives minimums; shorter timeouts are allowed (tests, a relay on the same
// host) but give up on a slow yet healthy server, so they are pointed out.
void read_timeouts(MapReader& r, SmtpTimeouts& out) {
    const SmtpTimeouts rfc;
    const auto read = [&](std::string_view key, std::chrono::milliseconds& value,
                          std::chrono::milliseconds minimum) {
        r.duration(key, value, 100ms);
        if (value < minimum) {
            r.warning(key, fmt::format("is below RFC 5321's minimum of {}, so a slow but healthy "
                                       "relay may be given up on",
                                       format_duration(minimum)));
        }
    };
    read("greeting", out.greeting, rfc.greeting);
    read("mail", out.mail, rfc.mail);
    read("rcpt", out.rcpt, rfc.rcpt);
    read("data_init", out.data_init, rfc.data_init);
    read("data_block", out.data_block, rfc.data_block);
    read("data_end", out.data_end, rfc.data_end);
}

bool is_ehlo_name(const std::string& name) {
    return !name.empty() && name.size() <= 255 &&
           std::all_of(name.begin(), name.end(),
                       [](unsigned char c) { return c > 0x20 && c < 0x7F; });
}

void read_relay(MapReader& r, RelaySettings& out) {
    r.require("host", "the relay's host name, such as smtp.example.se");
    r.text("host", out.host);
    r.port("port", out.port);
    r.choice<TlsMode>("tls", out.tls, tls_mode_names);
    r.flag("tls_opportunistic", out.tls_opportunistic);
    r.flag("verify_certificate", out.verify_certificate);
    r.readable_file("ca_file", out.ca_file, FileContent::pem_certificates);
    r.text("auth_user", out.auth_user);
    r.secret("password", out.password);
    r.integer("connections", out.connections, 1, 1000);
    r.duration("connect_timeout", out.connect_timeout, 1s);
    r.text("ehlo_name", out.ehlo_name);
    if (!out.ehlo_name.empty() && !is_ehlo_name(out.ehlo_name)) {
        r.problem("ehlo_name",
                  fmt::format("'{}' is not a host name such as mail.example.se", out.ehlo_name));
    }
    r.section("timeouts", [&](MapReader& t) { read_timeouts(t, out.timeouts); });
    check_relay(r, out);
}

void require_pair(MapReader& r, std::string_view a, std::string_view b) {
    if (r.has(a) && !r.has(b)) r.problem(b, fmt::format("is required together with {}", a));
    if (r.has(b) && !r.has(a)) r.problem(a, fmt::format("is required together with {}", b));
}

void read_dkim(MapReader& r, DkimSettings& out, const SenderSettings& sender) {
    r.text("domain", out.domain);
    r.text("selector", out.selector);
    r.readable_file("rsa_key_file", out.rsa_key_file, FileContent::pem_private_key);
    r.text("ed25519_selector", out.ed25519_selector);
    r.readable_file("ed25519_key_file", out.ed25519_key_file, FileContent::pem_private_key);
    const bool signs = r.has("selector") || r.has("ed25519_selector");
    if (!r.has("domain")) {
        if (signs) r.problem("domain", "is required when a DKIM selector is given");
        r.warning("domain",
                  "DKIM is off: mailbox providers reject or junk unsigned bulk mail; set "
                  "dkim.domain, selector and rsa_key_file");
        return;
    }
    if (!is_domain_name(out.domain)) {
        r.problem("domain", fmt::format("'{}' is not a domain name", out.domain));
    } else if (is_mail_address(sender.from_address) &&
               !same_organisation(out.domain, domain_of(sender.from_address))) {
        r.warning("domain",
                  "is not in the domain of sender.from_address, so the signature "
                  "does not align for DMARC");
    }
    if (!signs) r.problem("selector", "is required when dkim.domain is given");
    require_pair(r, "selector", "rsa_key_file");
    require_pair(r, "ed25519_selector", "ed25519_key_file");
}

void read_public(MapReader& r, PublicSettings& out) {
    r.require("base_url", "where recipients' links point, such as https://mail.example.se");
    r.require_secret("token_secret", "the key that signs the links in messages");
    r.text("base_url", out.base_url);
    // 32 bytes: the HMAC-SHA256 key should be as long as the hash it makes.
    r.secret("token_secret", out.token_secret, 32);
    if (out.base_url.empty()) return;
    if (auto why = base_url_problem(out.base_url)) {
        r.problem("base_url", fmt::format("'{}' {}", out.base_url, *why));
        return;
    }
    while (out.base_url.ends_with('/')) out.base_url.pop_back();
}

void read_consent(MapReader& r, ConsentSettings& out) {
    r.require_secret("suppression_secret",
                     "the key of the hashes that keep unsubscribed and erased addresses "
                     "suppressed; it must never change");
    // 32 bytes, as for token_secret: the HMAC-SHA256 key as long as the hash it makes.
    r.secret("suppression_secret", out.suppression_secret, 32);
    r.duration("undo_window", out.undo_window, std::chrono::milliseconds(0));
    if (out.undo_window > std::chrono::hours(24 * 7)) {
        r.problem("undo_window",
                  "is longer than 7 days; the undo button is for a click made by mistake, "
                  "re-subscribing later goes through the preference page");
    }
}

bool is_loopback(const std::string& address) {
    return address == "localhost" || address == "::1" || address.starts_with("127.");
}

void read_http(MapReader& r, HttpSettings& out) {
    r.listener("public_listener", out.public_listener);
    r.listener("admin_listener", out.admin_listener);
    r.secret("admin_token", out.admin_token, 16);
    r.integer("threads", out.threads, 1, 1024);
    r.size("max_request_bytes", out.max_request_bytes, 1024, 64 * 1024 * 1024);
    r.size("max_connections", out.max_connections, 16, 1'000'000);
    r.size("max_connections_per_client", out.max_connections_per_client, 0, 1'000'000);
    r.flag("reuse_port", out.reuse_port);
    if (out.public_listener.port == out.admin_listener.port) {
        r.problem("admin_listener", "uses the same port as public_listener");
    }
    if (!out.admin_token.configured()) {
        r.warning("admin_token_file",
                  "no admin token is configured, so the admin API cannot admit anyone");
    }
    if (!is_loopback(out.admin_listener.address)) {
        r.warning("admin_listener",
                  fmt::format("the admin API listens beyond this machine ({}); keep it on "
                              "loopback or behind a firewall",
                              out.admin_listener.address));
    }
}

}  // namespace

void read_settings(const YAML::Node& root, ReadContext& context, Settings& out) {
    MapReader top(root, "", root, "", context);
    top.section("database", [&](MapReader& r) { read_database(r, out.database); });
    top.section("sender", [&](MapReader& r) { read_sender(r, out.sender); });
    top.each_map("relays",
                 [&](MapReader& r, std::size_t) { read_relay(r, out.relays.emplace_back()); });
    top.section("dkim", [&](MapReader& r) { read_dkim(r, out.dkim, out.sender); });
    top.section("public", [&](MapReader& r) { read_public(r, out.public_url); });
    top.section("consent", [&](MapReader& r) { read_consent(r, out.consent); });
    top.section("http", [&](MapReader& r) { read_http(r, out.http); });
    top.section("sending", [&](MapReader& r) { read_sending(r, out.sending); });
    if (out.relays.empty() && out.sending.transport == TransportKind::smtp) {
        top.warning("relays", "no relay is configured, so the worker cannot send");
    }
    read_purposes(top, out.purposes);
    top.section("retention", [&](MapReader& r) { read_retention(r, out.retention); });
    top.section("logging", [&](MapReader& r) { read_logging(r, out.logging); });
    top.finish();
}

}  // namespace brevduva::config::detail
