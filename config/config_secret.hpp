// Reading a secret at the moment it is needed, from the place SecretSource names: a file (its
// trailing newline dropped, as editors and `echo` add one) or an environment variable. Errors
// name the file or the variable, never the content, so they are safe to log. The caller holds
// the secret only as long as it needs it; Settings never does.
#pragma once

#include <optional>
#include <string>

#include "config/config_settings.hpp"

namespace brevduva::config {

struct SecretRead {
    std::optional<std::string> value;
    std::string error;  // why it could not be read, when value is empty
};

// For callers that report rather than fail, like `config check`.
[[nodiscard]] SecretRead try_read_secret(const SecretSource& source);

// Throws std::runtime_error when the secret is not configured, missing, unreadable or empty.
[[nodiscard]] std::string read_secret(const SecretSource& source);

// Where the secret comes from, for people: "<from file /etc/x>", "<from environment variable
// X>" or "<not set>". Never the secret.
[[nodiscard]] std::string describe_source(const SecretSource& source);

}  // namespace brevduva::config
