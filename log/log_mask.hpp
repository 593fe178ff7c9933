// Masking of e-mail addresses in log text: personal data never reaches a log unmasked.
// "anna.svensson@example.se" becomes "a…@example.se" — the first character of the local part
// and the domain stay, so an operator can still tell destinations apart. Pure; no allocation
// beyond the returned string.
#pragma once

#include <string>
#include <string_view>

namespace brevduva::log {

// Every address-like run "local@domain.tld" in text is masked; the rest is copied unchanged.
[[nodiscard]] std::string mask_addresses(std::string_view text);

// Appends text to out with every address masked (the form used inside the log formatter).
void append_masked(std::string_view text, std::string& out);

}  // namespace brevduva::log
