// brevduva dkim keygen: a new DKIM key written with mode 0600 (never over an existing file:
// receivers may still verify mail against the old key's DNS record), and the DNS TXT record to
// publish, as a zone-file line whose value is cut into strings of at most 255 octets.
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "app/app_commands.hpp"
#include "templates/templates_dkim_key.hpp"

namespace brevduva::app {
namespace {

struct KeygenOptions {
    std::string domain;
    std::string selector;
    std::string type = "rsa";
    std::string out;
};

// Letters, digits and hyphens in dot-separated labels of at most 63 octets.
bool is_dns_name(std::string_view name) {
    if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') {
        return false;
    }
    std::size_t label = 0;
    for (const char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok || ++label > 63) return false;
    }
    return true;
}

void keygen(const KeygenOptions& o) {
    if (!is_dns_name(o.domain)) {
        throw CommandFailure(exit_usage, fmt::format("--domain {} is not a domain name", o.domain));
    }
    if (!is_dns_name(o.selector)) {
        throw CommandFailure(exit_usage,
                             fmt::format("--selector {} is not a DNS label", o.selector));
    }
    const auto algorithm = o.type == "ed25519" ? templates::DkimAlgorithm::ed25519_sha256
                                               : templates::DkimAlgorithm::rsa_sha256;
    const std::string file =
        o.out.empty() ? fmt::format("{}._domainkey.{}.pem", o.selector, o.domain) : o.out;
    std::error_code error;
    if (std::filesystem::exists(file, error)) {
        throw CommandFailure(
            exit_failure, fmt::format("{} exists; a DKIM key is never overwritten (receivers may "
                                      "still verify mail against it): choose another --out",
                                      file));
    }
    try {
        templates::generate_dkim_key(algorithm, file);
    } catch (const templates::DkimKeyError& e) {
        throw CommandFailure(exit_failure, e.what());
    }
    const auto key = templates::DkimKey::load_pem_file(file);
    const auto strings = templates::dkim_txt_strings(templates::dkim_dns_record(key));
    fmt::print("{}._domainkey.{}. IN TXT (\n", o.selector, o.domain);
    for (const std::string& part : strings) fmt::print("    \"{}\"\n", part);
    fmt::print("    )\n");
    fmt::print(stderr,
               "wrote the private key to {} (mode 0600); publish the TXT record above, then set "
               "dkim.domain: {}, dkim.{}selector: {} and dkim.{}_key_file: {}\n",
               file, o.domain, o.type == "ed25519" ? "ed25519_" : "", o.selector, o.type, file);
}

}  // namespace

void add_dkim_commands(CLI::App& app, Context& /*context*/) {
    auto* group = app.add_subcommand("dkim", "DKIM keys");
    group->require_subcommand(1);
    auto o = std::make_shared<KeygenOptions>();
    auto* keygen_command = group->add_subcommand(
        "keygen", "Generate a DKIM key (mode 0600) and print the DNS TXT record to publish");
    keygen_command->add_option("--domain", o->domain, "The signing domain (d=)")->required();
    keygen_command->add_option("--selector", o->selector, "The selector (s=)")->required();
    keygen_command->add_option("--type", o->type, "rsa (2048 bits) or ed25519")
        ->check(CLI::IsMember({"rsa", "ed25519"}))
        ->capture_default_str();
    keygen_command->add_option("--out", o->out,
                               "The key file (default SELECTOR._domainkey.DOMAIN.pem); never "
                               "overwritten");
    keygen_command->callback([o] { keygen(*o); });
}

}  // namespace brevduva::app
