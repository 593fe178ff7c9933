// The gate against a reference model over thousands of random histories. The model is written
// from the rules, not from the gate: instead of folding events forwards, it finds the last
// event that decides the matter and asks of it, rule by rule, whether it stands; it does its
// own calendar arithmetic and its own names. Seed: BREVDUVA_PROPERTY_SEED overrides the fixed
// default; a mismatch prints a history shrunk to the events that still make it fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "consent/consent_gate.hpp"

namespace brevduva::consent {
namespace {

using namespace std::chrono;

constexpr std::uint64_t default_seed = 0x6272657664757661;  // "brevduva"
constexpr int case_count = 20000;
const TimePoint epoch = sys_days{2024y / January / 1};

struct Case {
    PurposeSettings purpose;
    ContactFacts contact;
    std::vector<ConsentEvent> events;
    std::vector<Suppression> suppressions;
    TimePoint now;
};

// --- the model's own calendar (days since 1970-01-01, proleptic Gregorian) ---------------

std::int64_t days_from_civil(std::int64_t y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, int& m, int& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

int days_in_month(std::int64_t y, int m) {
    static constexpr std::array<int, 12> lengths{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : lengths[static_cast<std::size_t>(m - 1)];
}

bool model_lapsed(TimePoint granted, int months, TimePoint now) {
    const std::int64_t ns = granted.time_since_epoch().count();
    constexpr std::int64_t ns_per_day = 86'400'000'000'000;
    const std::int64_t day = ns >= 0 ? ns / ns_per_day : -((-ns + ns_per_day - 1) / ns_per_day);
    const std::int64_t time_of_day = ns - day * ns_per_day;
    std::int64_t y = 0;
    int m = 0;
    int d = 0;
    civil_from_days(day, y, m, d);
    const std::int64_t month_index = y * 12 + (m - 1) + months;
    const std::int64_t ty = month_index / 12;
    const int tm = static_cast<int>(month_index % 12) + 1;
    const int td = std::min(d, days_in_month(ty, tm));
    const std::int64_t lapse_ns = days_from_civil(ty, tm, td) * ns_per_day + time_of_day;
    return now.time_since_epoch().count() >= lapse_ns;
}

// --- the model ------------------------------------------------------------------------------

bool allows(const PurposeSettings& p, LawfulBasis b) {
    for (auto allowed : p.allowed_bases) {
        if (allowed == b) return true;
    }
    return false;
}

std::string model_reason_name(SuppressionReason r) {
    static const std::array<std::string, 6> names{"unsubscribed", "hard_bounce", "complaint",
                                                  "objection",    "erased",      "manual"};
    return names[static_cast<std::size_t>(r)];
}

struct ModelAnswer {
    std::string decision;  // "send" or the skip reason's name
    std::string status;    // what the fold should say
};

ModelAnswer model(const Case& c) {
    const std::string& p = c.purpose.name;
    std::vector<ConsentEvent> h;
    std::copy_if(c.events.begin(), c.events.end(), std::back_inserter(h),
                 [&](const ConsentEvent& e) { return e.purpose == p; });
    // Same time: endings after grants and confirmations, an objection last of all.
    const auto rank = [](Action a) {
        return a == Action::grant ? 0 : a == Action::confirm ? 1 : a == Action::withdraw ? 2 : 3;
    };
    std::sort(h.begin(), h.end(), [&](const ConsentEvent& a, const ConsentEvent& b) {
        if (a.at != b.at) return a.at < b.at;
        if (rank(a.action) != rank(b.action)) return rank(a.action) < rank(b.action);
        return a.id < b.id;
    });
    auto counts = [&](std::size_t i) {
        const auto& e = h[i];
        if (e.action != Action::grant || !allows(c.purpose, e.basis)) return false;
        if (e.basis != LawfulBasis::legitimate_interest) return true;
        for (std::size_t j = 0; j < i; ++j) {
            if (h[j].action == Action::object) return false;
        }
        return c.contact.has_organisation || !c.purpose.legitimate_interest_needs_organisation;
    };
    std::optional<std::size_t> last;
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (h[i].action == Action::withdraw || h[i].action == Action::object || counts(i)) last = i;
    }
    ModelAnswer answer;
    if (!last) {
        answer = {"no_basis", "none"};
    } else if (h[*last].action == Action::withdraw) {
        answer = {"withdrawn", "withdrawn"};
    } else if (h[*last].action == Action::object) {
        answer = {"objected", "objected"};
    } else {
        const auto& g = h[*last];
        const bool is_consent = g.basis == LawfulBasis::consent;
        bool confirmed = false;
        for (std::size_t j = *last + 1; j < h.size(); ++j) {
            confirmed = confirmed || h[j].action == Action::confirm;
        }
        const bool waiting = is_consent && c.purpose.double_opt_in && !confirmed;
        answer.status = waiting ? "pending" : "granted";
        if (is_consent && c.purpose.lapse_months > 0 &&
            model_lapsed(g.at, c.purpose.lapse_months, c.now)) {
            answer.decision = "lapsed";
        } else {
            answer.decision = waiting ? "unconfirmed" : "send";
        }
    }
    const Suppression* named = nullptr;
    for (const auto& s : c.suppressions) {
        if (!s.purpose.empty() && s.purpose != p) continue;
        if (named == nullptr || s.at < named->at ||
            (s.at == named->at && s.reason < named->reason)) {
            named = &s;
        }
    }
    if (named != nullptr) answer.decision = "suppressed:" + model_reason_name(named->reason);
    return answer;
}

// --- the system under test, rendered the same way ---------------------------------------------

ModelAnswer gate(const Case& c) {
    const auto decision = decide(c.contact, c.events, c.suppressions, c.purpose, c.now);
    const auto state = fold(c.events, c.purpose, c.contact);
    return {to_string(decision), std::string(to_string(state.status))};
}

bool agree(const Case& c) {
    const auto expected = model(c);
    const auto actual = gate(c);
    return expected.decision == actual.decision && expected.status == actual.status;
}

// --- generation -------------------------------------------------------------------------------

template <typename T>
T pick(std::mt19937_64& rng, std::initializer_list<T> choices) {
    std::uniform_int_distribution<std::size_t> index(0, choices.size() - 1);
    return *(choices.begin() + static_cast<std::ptrdiff_t>(index(rng)));
}

int uniform(std::mt19937_64& rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}

TimePoint random_time(std::mt19937_64& rng) {
    // Few distinct days and hours, so that ties and month ends are common.
    return epoch + days{uniform(rng, 0, 40) * 3} + hours{pick(rng, {0, 12, 23})};
}

Case random_case(std::mt19937_64& rng) {
    using enum LawfulBasis;
    Case c;
    c.purpose.name = "p";
    for (auto b : {consent, legitimate_interest, contract}) {
        if (uniform(rng, 0, 2) > 0) c.purpose.allowed_bases.push_back(b);
    }
    c.purpose.double_opt_in = uniform(rng, 0, 1) == 1;
    c.purpose.lapse_months = uniform(rng, 0, 1) == 1 ? 0 : uniform(rng, 1, 14);
    c.purpose.legitimate_interest_needs_organisation = uniform(rng, 0, 1) == 1;
    c.contact.has_organisation = uniform(rng, 0, 1) == 1;
    const int n = uniform(rng, 0, 9);
    std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
    std::iota(ids.begin(), ids.end(), 1);
    std::shuffle(ids.begin(), ids.end(), rng);
    for (int i = 0; i < n; ++i) {
        c.events.push_back(ConsentEvent{
            ids[static_cast<std::size_t>(i)], uniform(rng, 0, 7) == 0 ? "q" : "p",
            pick(rng,
                 {Action::grant, Action::grant, Action::confirm, Action::withdraw, Action::object}),
            pick(rng, {consent, legitimate_interest, contract}), random_time(rng), "", "", ""});
    }
    const int s = uniform(rng, 0, 5) < 4 ? 0 : uniform(rng, 1, 2);
    for (int i = 0; i < s; ++i) {
        c.suppressions.push_back(Suppression{static_cast<SuppressionReason>(uniform(rng, 0, 5)),
                                             pick<std::string>(rng, {"", "p", "q"}),
                                             random_time(rng)});
    }
    c.now = epoch + days{uniform(rng, 0, 560)} + hours{pick(rng, {0, 12, 23})};
    return c;
}

// --- shrinking and printing ----------------------------------------------------------------

Case shrink(Case c) {
    bool progress = true;
    while (progress) {
        progress = false;
        for (std::size_t i = 0; i < c.events.size(); ++i) {
            Case smaller = c;
            smaller.events.erase(smaller.events.begin() + static_cast<std::ptrdiff_t>(i));
            if (!agree(smaller)) {
                c = std::move(smaller);
                progress = true;
                break;
            }
        }
        for (std::size_t i = 0; !progress && i < c.suppressions.size(); ++i) {
            Case smaller = c;
            smaller.suppressions.erase(smaller.suppressions.begin() +
                                       static_cast<std::ptrdiff_t>(i));
            if (!agree(smaller)) {
                c = std::move(smaller);
                progress = true;
            }
        }
    }
    return c;
}

std::string offset(TimePoint t) {
    const auto h = duration_cast<hours>(t - epoch).count();
    return "day " + std::to_string(h / 24) + " " + std::to_string(h % 24) + "h";
}

std::string describe(const Case& c) {
    std::ostringstream out;
    out << "purpose p: bases {";
    for (auto b : c.purpose.allowed_bases) out << ' ' << lawful_basis_name(b);
    out << " } double_opt_in=" << c.purpose.double_opt_in
        << " lapse_months=" << c.purpose.lapse_months
        << " li_needs_org=" << c.purpose.legitimate_interest_needs_organisation
        << "; contact has_organisation=" << c.contact.has_organisation << "; now " << offset(c.now)
        << "\n";
    for (const auto& e : c.events) {
        out << "  event id=" << e.id << " " << e.purpose << " " << to_string(e.action) << " "
            << lawful_basis_name(e.basis) << " at " << offset(e.at) << "\n";
    }
    for (const auto& s : c.suppressions) {
        out << "  suppression " << to_string(s.reason) << " purpose='" << s.purpose << "' at "
            << offset(s.at) << "\n";
    }
    const auto expected = model(c);
    const auto actual = gate(c);
    out << "model: " << expected.decision << " / " << expected.status
        << "; gate: " << actual.decision << " / " << actual.status;
    return out.str();
}

std::uint64_t property_seed() {
    if (const char* text = std::getenv("BREVDUVA_PROPERTY_SEED")) {
        return std::strtoull(text, nullptr, 0);
    }
    return default_seed;
}

TEST(ConsentGateProperty, AgreesWithTheReferenceModelOnRandomHistories) {
    const std::uint64_t seed = property_seed();
    std::cout << "BREVDUVA_PROPERTY_SEED=" << seed << " (" << case_count << " cases)\n";
    RecordProperty("seed", std::to_string(seed));
    std::mt19937_64 rng(seed);
    std::array<int, 8> seen{};  // how often each outcome came up, to show the cases are varied
    for (int i = 0; i < case_count; ++i) {
        const Case c = random_case(rng);
        if (!agree(c)) {
            FAIL() << "case " << i << " with seed " << seed << ", shrunk:\n" << describe(shrink(c));
        }
        const auto d = decide(c.contact, c.events, c.suppressions, c.purpose, c.now);
        ++seen[d.send ? 7 : static_cast<std::size_t>(d.reason.kind)];
    }
    for (std::size_t k = 1; k < seen.size(); ++k) {
        EXPECT_GT(seen[k], case_count / 200) << "outcome " << k << " is too rare to be tested";
    }
}

TEST(ConsentGateProperty, TheFoldDoesNotDependOnTheOrderEventsArriveIn) {
    std::mt19937_64 rng(property_seed() + 1);
    for (int i = 0; i < 5000; ++i) {
        Case c = random_case(rng);
        const auto expected = fold(c.events, c.purpose, c.contact);
        std::shuffle(c.events.begin(), c.events.end(), rng);
        ASSERT_EQ(fold(c.events, c.purpose, c.contact), expected) << describe(c);
    }
}

}  // namespace
}  // namespace brevduva::consent
