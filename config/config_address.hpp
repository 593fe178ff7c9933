// Cheap shape checks for the addresses a config names: enough to catch a typo or a value in the
// wrong key at `config check`, not a full RFC 5321/3986 parser. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace brevduva::config {

// An ASCII host name of two or more labels (internationalised names in xn-- form).
[[nodiscard]] bool is_domain_name(std::string_view text);

// local@domain with one '@', no spaces or angle brackets, and a domain name after it.
[[nodiscard]] bool is_mail_address(std::string_view text);

[[nodiscard]] std::string_view domain_of(std::string_view address);

// Whether two domains share their last two labels, the way DMARC's relaxed alignment would
// see them for a .se or .com domain (it misjudges suffixes like co.uk; used for warnings only).
[[nodiscard]] bool same_organisation(std::string_view a, std::string_view b);

// Why `text` is not an http(s) base URL without query or fragment, or nothing when it is.
[[nodiscard]] std::optional<std::string> base_url_problem(std::string_view text);

}  // namespace brevduva::config
