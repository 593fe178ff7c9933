#include "config/config_address.hpp"

#include <algorithm>
#include <cctype>

namespace brevduva::config {

namespace {

bool is_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
        return false;
    }
    return std::all_of(label.begin(), label.end(),
                       [](unsigned char c) { return std::isalnum(c) != 0 || c == '-'; });
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view last_two_labels(std::string_view domain) {
    const auto last = domain.rfind('.');
    if (last == std::string_view::npos || last == 0) return domain;
    const auto second = domain.rfind('.', last - 1);
    return second == std::string_view::npos ? domain : domain.substr(second + 1);
}

}  // namespace

bool is_domain_name(std::string_view text) {
    if (text.empty() || text.size() > 253) return false;
    std::size_t labels = 0;
    std::size_t start = 0;
    while (true) {
        const auto dot = text.find('.', start);
        if (!is_label(text.substr(start, dot - start))) return false;
        ++labels;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return labels >= 2;
}

bool is_mail_address(std::string_view text) {
    const auto at = text.find('@');
    if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != text.npos) {
        return false;
    }
    const std::string_view local = text.substr(0, at);
    const bool clean_local = std::none_of(local.begin(), local.end(), [](unsigned char c) {
        return std::isspace(c) != 0 || c == '<' || c == '>' || c == ',' || c == ';' || c == ':';
    });
    return clean_local && is_domain_name(text.substr(at + 1));
}

std::string_view domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

bool same_organisation(std::string_view a, std::string_view b) {
    return lower(last_two_labels(a)) == lower(last_two_labels(b));
}

std::optional<std::string> base_url_problem(std::string_view text) {
    const std::string url = lower(text);
    std::string_view rest;
    // RFC 8058 wants an https URL in List-Unsubscribe, and the links carry capability tokens.
    if (!url.starts_with("https://")) return "must start with https://";
    rest = std::string_view(text).substr(8);
    const std::string_view host = rest.substr(0, rest.find_first_of(":/"));
    if (host.empty()) return "has no host name after the scheme";
    if (text.find_first_of("?# \t") != std::string_view::npos) {
        return "must not hold a query (?), a fragment (#) or spaces: links are appended to it";
    }
    return std::nullopt;
}

}  // namespace brevduva::config
