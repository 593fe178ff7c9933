// brevduva_bench_render: messages per second on one core for an 8 KB HTML campaign with 10
// substitutions, a derived text part, click rewriting and the open pixel, from compiled
// template to the exact wire bytes; first without DKIM, then with rsa-sha256. In the same run
// it asks `openssl speed -seconds 3 rsa2048` for the machine's RSA-2048 signing rate, since
// signing bounds the second figure, and prints both ratios against the goals:
//   render + MIME without DKIM  >= 50,000 messages/s
//   with rsa-sha256             >= 85% of openssl's sign/s
// and the peak RSS. Rates are per CPU second of this thread (CLOCK_THREAD_CPUTIME_ID), like
// openssl speed's, which divides by user time: on a shared machine wall time would measure
// the neighbours. usage: brevduva_bench_render [messages-without-dkim] [messages-with-dkim]
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_openssl.hpp"
#include "templates/templates_campaign.hpp"
#include "templates/templates_compose.hpp"
#include "templates/templates_dkim_key.hpp"

namespace {

using namespace brevduva;
using namespace brevduva::templates;

double thread_cpu_seconds() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

constexpr double kGoalWithoutDkim = 50'000;
constexpr double kGoalDkimRatio = 0.85;

// Ten substitutions: first name (twice), organisation (twice), name, email, campaign name,
// sender name, preferences and unsubscribe URLs; eight tracked links.
CampaignSources campaign_sources() {
    CampaignSources s;
    s.subject = "{{contact.first_name}}, höstens nyheter för {{organisation.name}}\n";
    s.preheader = "Tre nyheter från {{sender.name}} – och en inbjudan.";
    s.partials["layout"] =
        "<!DOCTYPE html>\n<html lang=\"sv\"><head><meta charset=\"utf-8\">"
        "<title>{{campaign.name}}</title><style>body{margin:0;font-family:Arial,sans-serif}"
        ".c{padding:24px;color:#222;font-size:16px;line-height:1.5}</style></head>\n<body>\n"
        "<table role=\"presentation\" width=\"100%\"><tr><td class=\"c\">\n"
        "<a href=\"https://www.example.se/\"><img src=\"https://www.example.se/logga.png\" "
        "alt=\"Exempelföretaget\" width=\"160\"></a>\n{{$content}}{{/content}}\n</td></tr>"
        "<tr><td class=\"c\">{{>footer}}</td></tr></table>\n</body>\n</html>\n";
    s.partials["footer"] =
        "<p>Du får det här brevet som kontaktperson hos {{sender.name}}. "
        "<a href=\"{{preferences_url}}\">Ändra dina inställningar</a> · "
        "<a href=\"{{unsubscribe_url}}\">Avregistrera dig</a></p>\n";
    std::string body =
        "{{<layout}}{{$content}}\n<h1>Höstens nyheter</h1>\n"
        "<p>Hej {{contact.first_name}}! Här är nyheterna för {{organisation.name}}"
        " ({{contact.name}}, {{contact.email}}).</p>\n";
    for (int i = 1; i <= 7; ++i) {
        body += "<h2>Nyhet " + std::to_string(i) + "</h2>\n<p>";
        for (int j = 0; j < 5; ++j) {
            body +=
                "Vi har ägnat sommaren åt att göra tjänsterna snabbare, säkrare och enklare "
                "att använda för alla våra kunder. ";
        }
        body += "<a href=\"https://www.example.se/nyheter/" + std::to_string(i) +
                "?utm_source=nyhetsbrev&amp;utm_medium=e-post\">Läs mer</a></p>\n";
    }
    body +=
        "<p>Hälsningar,<br>{{sender.name}} · {{organisation.name}}</p>\n{{/content}}{{/layout}}\n";
    s.html = body;
    return s;
}

struct Person {
    std::string name, email, organisation;
};

std::vector<Person> people() {
    const char* first[] = {"Åsa", "Örjan", "Anna-Karin", "Per", "Märta", "Lars", "Göran", "Eva"};
    const char* last[] = {"Öberg", "Ängström", "Lind", "Svensson", "Åkesson", "Berg"};
    std::vector<Person> all;
    for (int i = 0; i < 1000; ++i) {
        Person p;
        p.name = std::string(first[i % 8]) + " " + last[i % 6];
        p.email = "kontakt" + std::to_string(i) + "@kund" + std::to_string(i % 37) + ".se";
        p.organisation = "Kund " + std::to_string(i % 37) + " AB";
        all.push_back(std::move(p));
    }
    return all;
}

// Messages per second composing `count` messages, all with open and click tracking.
double run(MessageComposer& composer, const std::vector<Person>& persons, int count,
           std::size_t& bytes) {
    ComposedMessage message;
    Delivery delivery;
    delivery.open_tracking = true;
    delivery.click_tracking = true;
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const double start = thread_cpu_seconds();
    for (int i = 0; i < count; ++i) {
        const Person& p = persons[static_cast<std::size_t>(i) % persons.size()];
        delivery.delivery_id = 1000000 + static_cast<std::uint64_t>(i);
        delivery.contact_id = 5000 + static_cast<std::uint64_t>(i % 100000);
        delivery.recipient = Recipient{p.name, p.email, "sv", p.organisation, nullptr};
        if (auto error = composer.compose(delivery, now, message)) {
            throw std::runtime_error("compose failed: " + error->message);
        }
        bytes += message.wire.size();
    }
    return count / (thread_cpu_seconds() - start);
}

int measure(int argc, char** argv) {
    const int plain_count = argc > 1 ? std::stoi(argv[1]) : 200'000;
    const int signed_count = argc > 2 ? std::stoi(argv[2]) : 20'000;
    auto compiled = CampaignTemplate::compile(campaign_sources(), CampaignCheck{});
    if (!compiled) {
        for (const auto& e : compiled.error())
            (void)std::fprintf(stderr, "%s\n", e.to_string().c_str());
        return 1;
    }
    const CampaignTemplate& campaign = compiled.value();
    const consent::TokenKeys keys(1, std::string(32, 'k'));
    ComposerSettings settings;
    settings.base_url = "https://mail.example.se";
    settings.sender = MessageSender{"Exempelföretaget",   "nyheter@example.se",      "",
                                    "bounces.example.se", "avregistrera@example.se", "brevduva"};
    settings.campaign = CampaignInfo{42, "Höstens nyhetsbrev", "product_marketing", 2};
    const std::vector<Person> persons = people();

    MessageComposer plain(campaign, settings, keys, std::string(32, 'm'), nullptr);
    std::size_t bytes = 0;
    run(plain, persons, 2000, bytes);  // warm the buffers
    bytes = 0;
    const double plain_rate = run(plain, persons, plain_count, bytes);
    const double average = static_cast<double>(bytes) / plain_count;

    const std::filesystem::path key_file =
        std::filesystem::temp_directory_path() /
        ("brevduva-bench-" + std::to_string(::getpid()) + ".pem");
    generate_dkim_key(DkimAlgorithm::rsa_sha256, key_file);
    std::vector<DkimSignatureKey> signing;
    signing.push_back(DkimSignatureKey{"s2025", DkimKey::load_pem_file(key_file)});
    std::filesystem::remove(key_file);
    DkimSigner signer(DkimSignerSettings{"example.se", "", std::string(kDefaultSignedHeaders)},
                      std::move(signing));
    MessageComposer with_dkim(campaign, settings, keys, std::string(32, 'm'), &signer);
    bytes = 0;
    // openssl runs just before and just after our signing run, and the mean is the baseline:
    // on a shared machine the load drifts, and one sample would take its share of the drift.
    const double openssl_before = bench::openssl_rsa2048_signs(3);
    const double signed_rate = run(with_dkim, persons, signed_count, bytes);
    const double openssl_after = bench::openssl_rsa2048_signs(3);
    const double openssl = (openssl_before + openssl_after) / 2;
    const double ratio = openssl > 0 ? signed_rate / openssl : 0;

    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    (void)std::printf(
        "campaign: %zu tracked links, text part derived, average message %.0f bytes\n",
        campaign.links().size(), average);
    (void)std::printf("render + MIME, no DKIM: %10.0f messages/s (%d messages)  goal >= %.0f  %s\n",
                      plain_rate, plain_count, kGoalWithoutDkim,
                      plain_rate >= kGoalWithoutDkim ? "PASS" : "MISS");
    (void)std::printf("with rsa-sha256 DKIM:   %10.0f messages/s (%d messages)\n", signed_rate,
                      signed_count);
    (void)std::printf(
        "openssl speed rsa2048:  %10.1f sign/s (mean of %.1f before and %.1f after)\n", openssl,
        openssl_before, openssl_after);
    (void)std::printf("ratio:                  %10.1f %%  goal >= %.0f %%  %s\n", ratio * 100,
                      kGoalDkimRatio * 100, ratio >= kGoalDkimRatio ? "PASS" : "MISS");
    (void)std::printf("peak RSS:               %10ld KiB\n", usage.ru_maxrss);
    return 0;
}

}  // namespace

// Usage: brevduva_bench_render [MESSAGES_WITHOUT_DKIM [MESSAGES_WITH_DKIM]]
int main(int argc, char** argv) {
    try {
        return measure(argc, argv);
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "brevduva_bench_render: %s\n", e.what());
        return 1;
    }
}
