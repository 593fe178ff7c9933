// Typed settings for one Brevduva deployment. This header is the contract between config/ and
// the rest of the program: plain structs, every default written here and nowhere else, no
// YAML. A secret is never held here, only the place it comes from (SecretSource); it is read
// when it is needed, by whoever needs it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace brevduva::config {

// Where a secret comes from: a file (a path, e.g. under $CREDENTIALS_DIRECTORY) or the name of
// an environment variable. Exactly one is set when the secret is configured.
struct SecretSource {
    std::filesystem::path file;
    std::string env;

    [[nodiscard]] bool configured() const { return !file.empty() || !env.empty(); }
};

struct DatabaseSettings {
    // The embedded default. Relative paths are resolved against the config file's folder.
    std::filesystem::path sqlite_path = "/var/lib/brevduva/brevduva.db";
    // A PostgreSQL connection URL (postgresql://user@host/db); when set, it is used instead
    // of SQLite. The password, if any, comes from postgres_password, never from the URL.
    std::string postgres_url;
    SecretSource postgres_password;
    std::chrono::milliseconds busy_timeout{5000};
    // A group whose members may use a new SQLite database (it is created 0660 and given to the
    // group: the split pair's web user writes it); empty: the owner alone (0600).
    std::string file_group;
};

struct SenderSettings {
    std::string from_address;   // required: marketing@example.se
    std::string from_name;      // display name, may contain å ä ö
    std::string reply_to;       // optional
    std::string bounce_domain;  // required: envelope senders are VERP addresses on this domain
    std::string unsubscribe_mailbox;  // optional mailto: entry for List-Unsubscribe
};

enum class TlsMode { none, starttls, implicit };

// How long the client waits for each reply, at least the minimums of RFC 5321 §4.5.3.2; a
// server that is slower is given up on (after the final dot the outcome is then ambiguous).
struct SmtpTimeouts {
    std::chrono::milliseconds greeting{std::chrono::minutes(5)};    // the initial 220
    std::chrono::milliseconds mail{std::chrono::minutes(5)};        // MAIL, and EHLO, STARTTLS,
                                                                    // AUTH, RSET, QUIT
    std::chrono::milliseconds rcpt{std::chrono::minutes(5)};        // RCPT
    std::chrono::milliseconds data_init{std::chrono::minutes(2)};   // the 354 to DATA
    std::chrono::milliseconds data_block{std::chrono::minutes(3)};  // each write of content
    std::chrono::milliseconds data_end{std::chrono::minutes(10)};   // the reply to the final dot
};

struct RelaySettings {
    std::string host;
    std::uint16_t port = 587;
    TlsMode tls = TlsMode::starttls;
    bool tls_opportunistic = false;  // starttls only: send in clear when not offered
    bool verify_certificate = true;
    std::filesystem::path ca_file;  // empty: the system store
    std::string auth_user;          // empty: no AUTH
    SecretSource password;
    int connections = 4;
    std::chrono::seconds connect_timeout{30};
    std::string ehlo_name;  // the name we greet with; empty: this machine's host name
    SmtpTimeouts timeouts;
};

struct DkimSettings {
    std::string domain;  // empty: DKIM disabled (config check warns for marketing use)
    std::string selector;
    std::filesystem::path rsa_key_file;      // PEM, 2048-bit
    std::string ed25519_selector;            // optional second signature
    std::filesystem::path ed25519_key_file;  // PEM
};

struct PublicSettings {
    std::string base_url;       // required, https://mail.example.se
    SecretSource token_secret;  // required: HMAC key that signs the tokens in links
};

struct ConsentSettings {
    // required: the HMAC key of suppression keys (the keyed hash that keeps an erased person
    // suppressed). Unlike the token secret it never rotates: a new key would orphan every
    // suppression, and erased people would be mailed again.
    SecretSource suppression_secret;
    // How long after an unsubscribe link's own withdrawal the undo button on its page may
    // restore the consent. After it, or for a withdrawal that came from anywhere else, the
    // person subscribes again through the preference page.
    std::chrono::seconds undo_window{24 * 3600};
};

struct ListenerSettings {
    std::string address;
    std::uint16_t port = 0;
};

struct HttpSettings {
    ListenerSettings public_listener{"0.0.0.0", 8080};
    ListenerSettings admin_listener{"127.0.0.1", 8081};
    SecretSource admin_token;
    int threads = 16;
    std::size_t max_request_bytes = 64 * 1024;
    // Open connections on the public listener (and again on the admin one); more are answered
    // 503. Per peer address, loopback excepted (a reverse proxy there speaks for many): 429.
    std::size_t max_connections = 16'384;
    std::size_t max_connections_per_client = 64;  // 0: no cap
    // SO_REUSEPORT on both listeners: off, so that a second process on a port already in use
    // fails to start instead of silently sharing the port's requests with the first.
    bool reuse_port = false;
};

struct DestinationRule {
    std::string name;                  // e.g. "google"
    std::vector<std::string> domains;  // gmail.com, googlemail.com
    double messages_per_minute = 0;    // 0: no limit of its own
    int concurrent_transactions = 0;   // 0: no limit of its own
};

// Where finished messages go: the relays, or .eml files in a folder (previews, dry runs).
enum class TransportKind { smtp, file };

struct SendingSettings {
    TransportKind transport = TransportKind::smtp;
    std::filesystem::path file_folder;  // required with transport: file
    double global_rate = 50;            // messages per second over all relays; 0: unlimited
    std::vector<DestinationRule> destinations;
    std::chrono::seconds retry_initial{60};
    std::chrono::seconds retry_max{3600};
    std::chrono::hours maximum_age{72};
    std::chrono::hours schedule_guard{6};  // a schedule older than this is not fired unforced
    std::chrono::seconds drain_timeout{30};
    int batch_size = 100;
};

enum class LawfulBasis { consent, legitimate_interest, contract };

struct PurposeSettings {
    std::string name;
    std::vector<LawfulBasis> allowed_bases;
    bool double_opt_in = false;
    int lapse_months = 0;  // 0: consent does not lapse
    // legitimate interest counts only for contacts of an organisation (Swedish Marketing Act)
    bool legitimate_interest_needs_organisation = true;
};

struct RetentionSettings {
    int tracking_events_months = 13;
    int delivery_records_months = 24;
};

enum class LogFormat { text, json };

struct LoggingSettings {
    std::string level = "info";  // spdlog's names: trace, debug, info, warn, error, critical, off
    LogFormat format = LogFormat::text;
    bool mask_addresses = true;
};

struct Settings {
    std::filesystem::path source;  // the file these came from
    DatabaseSettings database;
    SenderSettings sender;
    std::vector<RelaySettings> relays;
    DkimSettings dkim;
    PublicSettings public_url;
    ConsentSettings consent;
    HttpSettings http;
    SendingSettings sending;
    std::vector<PurposeSettings> purposes = default_purposes();
    RetentionSettings retention;
    LoggingSettings logging;

    static std::vector<PurposeSettings> default_purposes();
};

inline std::vector<PurposeSettings> Settings::default_purposes() {
    using enum LawfulBasis;
    return {
        {"service_status", {contract, legitimate_interest}, false, 0, false},
        {"product_marketing", {consent}, false, 24, true},
        {"open_tracking", {consent}, false, 0, true},
        {"click_tracking", {consent}, false, 0, true},
    };
}

}  // namespace brevduva::config
