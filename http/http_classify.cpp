#include "http/http_classify.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace brevduva::http {
namespace {

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
    const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                                [](char a, char b) {
                                    return std::tolower(static_cast<unsigned char>(a)) ==
                                           std::tolower(static_cast<unsigned char>(b));
                                });
    return it != haystack.end();
}

struct Signature {
    std::string_view fragment;  // matched case-insensitively anywhere in the user agent
    std::string_view name;
};

// Image proxies that fetch on the reader's behalf. Apple's Mail Privacy Protection fetches
// through iCloud Private Relay with a bare "Mozilla/5.0" (matched exactly, below); its egress
// ranges are a published list this build does not carry.
constexpr std::array proxies{
    Signature{"GoogleImageProxy", "GoogleImageProxy"},
    Signature{"YahooMailProxy", "YahooMailProxy"},
    Signature{"ggpht.com", "GoogleImageProxy"},
};

// Security gateways, link checkers and scripted clients.
constexpr std::array scanners{
    Signature{"barracuda", "Barracuda"},
    Signature{"mimecast", "Mimecast"},
    Signature{"proofpoint", "Proofpoint"},
    Signature{"symantec", "Symantec"},
    Signature{"trendmicro", "TrendMicro"},
    Signature{"forcepoint", "Forcepoint"},
    Signature{"sophos", "Sophos"},
    Signature{"fortiguard", "FortiGuard"},
    Signature{"cisco", "Cisco"},
    Signature{"bingpreview", "BingPreview"},
    Signature{"headlesschrome", "HeadlessChrome"},
    Signature{"phantomjs", "PhantomJS"},
    Signature{"python-requests", "python-requests"},
    Signature{"python-urllib", "python-urllib"},
    Signature{"aiohttp", "aiohttp"},
    Signature{"curl/", "curl"},
    Signature{"wget/", "Wget"},
    Signature{"go-http-client", "Go-http-client"},
    Signature{"okhttp", "okhttp"},
    Signature{"java/", "Java"},
    Signature{"libwww-perl", "libwww-perl"},
    Signature{"zgrab", "zgrab"},
    Signature{"bot/", "bot"},
    Signature{"bot;", "bot"},
    Signature{"spider", "spider"},
    Signature{"crawler", "crawler"},
    Signature{"scanner", "scanner"},
};

}  // namespace

std::string_view to_string(SourceClass source_class) {
    switch (source_class) {
        case SourceClass::human:
            return "human";
        case SourceClass::privacy_proxy:
            return "privacy_proxy";
        case SourceClass::scanner:
            return "scanner";
    }
    return "human";
}

Classification classify_agent(std::string_view method, std::string_view user_agent) {
    for (const auto& proxy : proxies) {
        if (contains_ignoring_case(user_agent, proxy.fragment)) {
            return {SourceClass::privacy_proxy, "ua:" + std::string(proxy.name)};
        }
    }
    if (user_agent == "Mozilla/5.0") return {SourceClass::privacy_proxy, "ua:AppleMailProxy"};
    if (method == "HEAD") return {SourceClass::scanner, "method:HEAD"};
    if (user_agent.empty()) return {SourceClass::scanner, "ua:empty"};
    for (const auto& scanner : scanners) {
        if (contains_ignoring_case(user_agent, scanner.fragment)) {
            return {SourceClass::scanner, "ua:" + std::string(scanner.name)};
        }
    }
    return {SourceClass::human, "direct"};
}

Classification with_timing(Classification by_agent,
                           std::optional<std::chrono::seconds> since_delivery) {
    if (by_agent.source_class == SourceClass::human && since_delivery &&
        *since_delivery < scanner_window) {
        return {
            SourceClass::scanner,
            std::to_string(std::max<long long>(0, since_delivery->count())) + " s after delivery"};
    }
    return by_agent;
}

Classification classify(const HitFacts& hit) {
    return with_timing(classify_agent(hit.method, hit.user_agent), hit.since_delivery);
}

std::string truncate_ip(std::string_view ip) {
    // IPv4-mapped IPv6 addresses (::ffff:192.0.2.1) are IPv4.
    if (ip.starts_with("::ffff:") && ip.find('.') != std::string_view::npos) ip.remove_prefix(7);
    if (ip.size() >= INET6_ADDRSTRLEN) return {};
    const std::string text(ip);
    std::array<unsigned char, 16> bytes{};
    char out[INET6_ADDRSTRLEN] = {};
    if (::inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
        bytes[3] = 0;
        if (::inet_ntop(AF_INET, bytes.data(), out, sizeof out) == nullptr) return {};
        return std::string(out) + "/24";
    }
    if (::inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
        std::fill(bytes.begin() + 6, bytes.end(), 0);
        if (::inet_ntop(AF_INET6, bytes.data(), out, sizeof out) == nullptr) return {};
        return std::string(out) + "/48";
    }
    return {};
}

}  // namespace brevduva::http
