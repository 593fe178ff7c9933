#include "http/http_language.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace brevduva::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// The q-value of one "tag;q=0.8" element (1 when absent, 0 when malformed).
double quality(std::string_view params) {
    while (!params.empty()) {
        const auto semi = params.find(';');
        auto param = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
            double q = 0;
            const auto value = param.substr(2);
            const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
            if (ec != std::errc{} || ptr != value.data() + value.size() || q < 0 || q > 1) return 0;
            return q;
        }
    }
    return 1;
}

// The primary subtag ("sv" of "sv-SE", "*" stays "*").
std::string_view primary(std::string_view tag) { return tag.substr(0, tag.find('-')); }

}  // namespace

std::string_view to_string(Language language) { return language == Language::sv ? "sv" : "en"; }

Language language_from_accept(std::string_view accept_language, Language fallback) {
    double best_sv = -1;
    double best_en = -1;

    while (!accept_language.empty()) {
        const auto comma = accept_language.find(',');
        const auto element = accept_language.substr(0, comma);
        accept_language = comma == std::string_view::npos ? std::string_view{}
                                                          : accept_language.substr(comma + 1);
        const auto semi = element.find(';');
        const auto tag = primary(trim(element.substr(0, semi)));
        const double q = semi == std::string_view::npos ? 1.0 : quality(element.substr(semi + 1));
        if (equals_ignoring_case(tag, "sv")) best_sv = std::max(best_sv, q);
        if (equals_ignoring_case(tag, "en")) best_en = std::max(best_en, q);
    }
    if (best_sv <= 0 && best_en <= 0) return fallback;
    if (best_sv == best_en) return fallback;
    return best_sv > best_en ? Language::sv : Language::en;
}

Language choose_language(std::string_view contact_locale, std::string_view accept_language) {
    if (contact_locale == "sv") return Language::sv;
    if (contact_locale == "en") return Language::en;
    return language_from_accept(accept_language, Language::sv);
}

}  // namespace brevduva::http
