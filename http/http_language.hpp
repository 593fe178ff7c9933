// Which language a recipient-facing page speaks: the contact's own locale when we know the
// contact, else the browser's Accept-Language (RFC 9110 12.5.4, with q-values), else Swedish.
// Only Swedish and English pages exist. Pure.
#pragma once

#include <string_view>

namespace brevduva::http {

enum class Language { sv, en };

[[nodiscard]] std::string_view to_string(Language language);

// The better of sv and en by an Accept-Language header's q-values; `fallback` when the header
// names neither, ranks them equally, or is empty or malformed.
[[nodiscard]] Language language_from_accept(std::string_view accept_language, Language fallback);

// contact_locale is the stored locale ("sv", "en" or empty when the token names no contact).
[[nodiscard]] Language choose_language(std::string_view contact_locale,
                                       std::string_view accept_language);

}  // namespace brevduva::http
