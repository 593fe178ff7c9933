// brevduva_bench_pixel: the open pixel under wrk (2 threads, 64 connections, 10 s) against
// the real http::Listeners with opens recorded durably in SQLite, beside nginx serving the same
// 43-byte GIF as a static file in the same run (alternating, --rounds times). Prints requests/s
// and p99 latency of both, the ratio, and then counts the opens in the database: every
// answered request must be there. Then once more with --slow slow-loris clients (a request head
// that never ends, a line every second, reconnecting when cut off) and --idle idle keep-alive
// connections held open by a child process: brevduva's requests/s and p99 beside the figures
// without them, its open connections, its memory, and what /healthz says meanwhile.
// A program, not a test: it prints figures and goals, it never fails on them.
// Usage: brevduva_bench_pixel [--seconds N] [--connections N] [--threads N] [--deliveries N]
//                             [--server-threads N] [--rounds N] [--nice N] [--slow N]
//                             [--idle N] [--keep]
#include <Poco/Data/Session.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "consent/consent_migrations.hpp"
#include "consent/consent_store.hpp"
#include "consent/consent_token.hpp"
#include "http/http_listeners.hpp"
#include "http/http_public.hpp"
#include "store/store_migrate.hpp"
#include "store/store_time.hpp"

namespace {

namespace fs = std::filesystem;
using namespace brevduva;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

struct Options {
    int seconds = 10;
    int connections = 64;
    int threads = 2;
    int deliveries = 1000;
    int server_threads = 16;  // http.threads' default
    int rounds = 3;
    int slow = 1000;
    int idle = 10'000;
    int nice = http::PublicOptions{}.request_thread_nice;  // of brevduva's request threads
    bool keep = false;
};

struct WrkResult {
    double requests_per_second = 0;
    double p99_ms = 0;
    std::int64_t requests = 0;
    std::int64_t errors = 0;
    std::string raw;
};

std::string run_capture(const std::string& program, const std::vector<std::string>& args) {
    Poco::Pipe out;
    auto handle = Poco::Process::launch(program, args, nullptr, &out, &out);
    Poco::PipeInputStream in(out);
    std::ostringstream text;
    Poco::StreamCopier::copyStream(in, text);
    (void)handle.wait();
    return text.str();
}

double milliseconds(const std::string& value, const std::string& unit) {
    const double v = std::stod(value);
    if (unit == "us") return v / 1000;
    if (unit == "s") return v * 1000;
    return v;
}

WrkResult run_wrk(const Options& o, const std::string& url, const fs::path& script) {
    WrkResult r;
    r.raw = run_capture(
        "/usr/bin/wrk",
        {"-t" + std::to_string(o.threads), "-c" + std::to_string(o.connections),
         "-d" + std::to_string(o.seconds) + "s", "--latency", "-s", script.string(), url});
    std::smatch m;
    if (std::regex_search(r.raw, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
        r.requests_per_second = std::stod(m[1]);
    }
    if (std::regex_search(r.raw, m, std::regex(R"(99%\s+([0-9.]+)(us|ms|s)\b)"))) {
        r.p99_ms = milliseconds(m[1], m[2]);
    }
    if (std::regex_search(r.raw, m, std::regex(R"((\d+) requests in)"))) {
        r.requests = std::stoll(m[1]);
    }
    if (std::regex_search(r.raw, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) {
        r.errors += std::stoll(m[1]);
    }
    if (std::regex_search(
            r.raw, m,
            std::regex(
                R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
        r.errors += std::stoll(m[1]) + std::stoll(m[2]) + std::stoll(m[3]) + std::stoll(m[4]);
    }
    return r;
}

int connect_loopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
}

bool send_all(int fd, std::string_view bytes) {
    return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
}

// The child that holds the connections: `idle` keep-alive connections that asked for one
// page and then say nothing, and `slow` ones that never finish their request head, sending a
// header line each second and starting again whenever the server cuts them off. Says
// "holding" once all are open; runs until killed.
int hold(int port, int slow, int idle) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        (void)::setrlimit(RLIMIT_NOFILE, &limit);
    }
    constexpr std::string_view start = "GET /o/slow.gif HTTP/1.1\r\nHost: mail.example.se\r\n";
    std::vector<int> idle_fds;
    for (int i = 0; i < idle; ++i) {
        const int fd = connect_loopback(port);
        if (fd < 0) break;
        send_all(fd, "GET /robots.txt HTTP/1.1\r\nHost: mail.example.se\r\n\r\n");
        idle_fds.push_back(fd);
    }
    std::vector<int> slow_fds;
    for (int i = 0; i < slow; ++i) {
        const int fd = connect_loopback(port);
        if (fd < 0) break;
        send_all(fd, start);
        slow_fds.push_back(fd);
    }
    fmt::print("holding {} slow and {} idle connections\n", slow_fds.size(), idle_fds.size());
    (void)std::fflush(stdout);
    for (std::uint64_t line = 0;; ++line) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        for (int& fd : slow_fds) {
            if (fd >= 0 && send_all(fd, fmt::format("X-Line-{}: slow\r\n", line))) continue;
            if (fd >= 0) ::close(fd);
            fd = connect_loopback(port);
            if (fd >= 0) send_all(fd, start);
        }
    }
}

std::int64_t resident_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6));
    }
    return 0;
}

// The admin listener's /healthz: its status and body.
std::pair<int, std::string> healthz(int port) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/healthz",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::ostringstream body;
    Poco::StreamCopier::copyStream(in, body);
    return {static_cast<int>(response.getStatus()), body.str()};
}

// The GIF as a file and nginx in the foreground under a temporary prefix, serving it for every
// /o/<token>.gif, as a static file with the same Cache-Control.
Poco::ProcessHandle start_nginx(const fs::path& dir, int port) {
    fs::create_directories(dir / "logs");
    std::ofstream(dir / "pixel.gif", std::ios::binary) << http::transparent_gif();
    std::ofstream(dir / "nginx.conf")
        << "daemon off;\nworker_processes auto;\nerror_log " << (dir / "logs/error.log").string()
        << ";\npid " << (dir / "nginx.pid").string()
        << ";\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n"
        << "  client_body_temp_path " << (dir / "tmp").string() << ";\n"
        << "  server {\n    listen 127.0.0.1:" << port << ";\n    root " << dir.string()
        << ";\n    location /o/ {\n      default_type image/gif;\n"
        << "      add_header Cache-Control \"no-store, max-age=0\";\n"
        << "      try_files /pixel.gif =404;\n    }\n  }\n}\n";
    return Poco::Process::launch("/usr/sbin/nginx",
                                 {"-p", dir.string(), "-c", (dir / "nginx.conf").string()});
}

int free_port() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

void wait_for_port(int port) {
    for (int i = 0; i < 100; ++i) {
        try {
            Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", port));
            return;
        } catch (const Poco::Exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    throw std::runtime_error("nginx did not start listening");
}

// Contacts with open-tracking consent, one campaign, one sent delivery each; returns the pixel
// paths of their messages.
std::vector<std::string> seed(store::Database& db, const config::Settings& settings,
                              const consent::TokenKeys& keys, int deliveries) {
    store::Migrator migrator(
        db, consent::builtin_migrations(store::Backend::sqlite, settings.purposes));
    (void)migrator.migrate();
    std::string at = store::stored_time(std::chrono::system_clock::now() - std::chrono::hours(1));
    db.session() << "INSERT INTO campaigns (name, purpose, template_folder, audience_lists, "
                    "state, created_by, created_at, updated_at) VALUES ('bench', "
                    "'product_marketing', '/none', '[\"bench\"]', 'running', 'bench', $1, $1)",
        use(at), now;
    std::int64_t campaign = 0;
    db.session() << "SELECT max(id) FROM campaigns", into(campaign), now;
    consent::ContactStore contacts(db, settings.purposes);
    consent::Ledger ledger(db, settings.purposes);
    std::vector<std::string> paths;
    store::Transaction transaction(db);
    for (int i = 0; i < deliveries; ++i) {
        consent::ContactUpdate update;
        update.address = consent::normalise_address(fmt::format("p{}@bench.example.se", i)).value();
        auto contact = contacts.upsert(update).value().id;
        consent::LedgerEntry entry;
        entry.contact_id = contact;
        entry.event = {0,
                       "open_tracking",
                       consent::Action::grant,
                       config::LawfulBasis::consent,
                       std::chrono::system_clock::now() - std::chrono::hours(2),
                       "bench",
                       "",
                       "bench"};
        (void)ledger.append(entry).value();
        db.session()
            << "INSERT INTO deliveries (campaign_id, contact_id, state, due_at, "
               "open_tracking, sent_at, updated_at) VALUES ($1, $2, 'sent', $3, 1, $3, $3)",
            use(campaign), use(contact), use(at), now;
        std::int64_t delivery = 0;
        db.session() << "SELECT max(id) FROM deliveries", into(delivery), now;
        consent::TokenClaims claims;
        claims.kind = consent::TokenKind::open;
        claims.campaign_id = static_cast<std::uint64_t>(campaign);
        claims.contact_id = static_cast<std::uint64_t>(contact);
        claims.delivery_id = static_cast<std::uint64_t>(delivery);
        claims.issued_at =
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        paths.push_back("/o/" + consent::mint(keys, claims) + ".gif");
    }
    transaction.commit();
    return paths;
}

void write_script(const fs::path& path, const std::vector<std::string>& paths) {
    std::ofstream out(path);
    out << "local paths = {\n";
    for (const auto& p : paths) out << "  \"" << p << "\",\n";
    out << "}\nlocal n = 0\n"
           "wrk.headers[\"User-Agent\"] = \"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
           "Gecko/20100101 Firefox/128.0\"\n"
           "request = function()\n  n = n + 1\n  return wrk.format(\"GET\", paths[(n % #paths) + "
           "1])\nend\n";
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&] {
            if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
            return std::stoi(argv[++i]);
        };
        if (a == "--seconds")
            o.seconds = next();
        else if (a == "--connections")
            o.connections = next();
        else if (a == "--threads")
            o.threads = next();
        else if (a == "--deliveries")
            o.deliveries = next();
        else if (a == "--server-threads")
            o.server_threads = next();
        else if (a == "--rounds")
            o.rounds = next();
        else if (a == "--nice")
            o.nice = next();
        else if (a == "--slow")
            o.slow = next();
        else if (a == "--idle")
            o.idle = next();
        else if (a == "--keep")
            o.keep = true;
        else
            throw std::invalid_argument("unknown option " + a);
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc == 5 && std::string_view(argv[1]) == "--hold") {
        return hold(std::stoi(argv[2]), std::stoi(argv[3]), std::stoi(argv[4]));
    }
    const Options o = parse(argc, argv);
    const fs::path dir =
        fs::temp_directory_path() / fmt::format("brevduva-bench-pixel-{}", ::getpid());
    fs::create_directories(dir);
    const std::string token_secret = "bench-token-secret-0123456789abcdef0123456789";
    std::ofstream(dir / "token_secret") << token_secret;
    std::ofstream(dir / "suppression_secret") << "bench-suppression-secret-0123456789abcdef01";
    config::Settings settings;
    settings.database.sqlite_path = dir / "brevduva.db";
    settings.public_url.base_url = "https://mail.example.se";
    settings.public_url.token_secret.file = dir / "token_secret";
    settings.consent.suppression_secret.file = dir / "suppression_secret";
    settings.http.public_listener = {"127.0.0.1", 0};
    settings.http.admin_listener = {"127.0.0.1", 0};
    settings.http.threads = o.server_threads;
    const consent::TokenKeys keys(1, token_secret);
    const auto opener = [&] {
        return store::Database::open_sqlite(settings.database.sqlite_path,
                                            std::chrono::milliseconds(5000));
    };
    std::vector<std::string> paths;
    {
        auto db = opener();
        paths = seed(db, settings, keys, o.deliveries);
    }
    write_script(dir / "pixel.lua", paths);
    fmt::print(
        "pixel benchmark: wrk -t{} -c{} -d{}s --latency over {} pixel URLs; brevduva: {} request "
        "threads at niceness +{}\n",
        o.threads, o.connections, o.seconds, paths.size(), o.server_threads, o.nice);

    // Both servers run side by side; each round measures nginx, then brevduva, so that the
    // neighbours' load (this machine is shared) falls on both alike. The ratio is of the sums.
    const int nginx_port = free_port();
    auto nginx = start_nginx(dir / "nginx", nginx_port);
    wait_for_port(nginx_port);
    http::ListenerOptions listener_options;
    listener_options.public_options.request_thread_nice = o.nice;
    // Long enough that the idle connections stay for the whole slow-client round.
    listener_options.keep_alive_timeout = std::chrono::minutes(10);
    http::Listeners listeners(settings, opener, listener_options);
    listeners.start();
    fmt::print("\n{:<8} {:<28} {:>12} {:>10} {:>10} {:>8}\n", "round", "", "requests/s", "p99 ms",
               "requests", "errors");
    double peer_rate = 0, our_rate = 0, worst_p99 = 0;
    std::int64_t answered = 0;
    for (int round = 1; round <= o.rounds; ++round) {
        const auto peer =
            run_wrk(o, fmt::format("http://127.0.0.1:{}", nginx_port), dir / "pixel.lua");
        const auto ours = run_wrk(o, fmt::format("http://127.0.0.1:{}", listeners.public_port()),
                                  dir / "pixel.lua");
        const auto backlog = listeners.tracking_depth();
        const auto drain_start = std::chrono::steady_clock::now();
        listeners.flush_tracking();  // so that the next round starts with an empty queue
        const std::chrono::duration<double> drain = std::chrono::steady_clock::now() - drain_start;
        fmt::print("{:<8} {:<28} {:>12.0f} {:>10.2f} {:>10} {:>8}\n", round, "nginx static GIF",
                   peer.requests_per_second, peer.p99_ms, peer.requests, peer.errors);
        fmt::print(
            "{:<8} {:<28} {:>12.0f} {:>10.2f} {:>10} {:>8}   ratio {:.1f} %, {} opens still "
            "queued at the end, written {:.1f} s later\n",
            round, "brevduva pixel (recorded)", ours.requests_per_second, ours.p99_ms,
            ours.requests, ours.errors,
            peer.requests_per_second > 0 ? 100 * ours.requests_per_second / peer.requests_per_second
                                         : 0,
            backlog, drain.count());
        peer_rate += peer.requests_per_second;
        our_rate += ours.requests_per_second;
        worst_p99 = std::max(worst_p99, ours.p99_ms);
        answered += ours.requests;
    }
    // The same load again, while a child holds slow and idle connections to brevduva.
    WrkResult loaded;
    std::int64_t rss_before = resident_kib(), rss_during = 0;
    http::ServerHealth during;
    std::pair<int, std::string> health;
    std::string held;
    if (o.slow > 0 || o.idle > 0) {
        Poco::Pipe holder_out;
        auto holder = Poco::Process::launch("/proc/self/exe",
                                            {"--hold", std::to_string(listeners.public_port()),
                                             std::to_string(o.slow), std::to_string(o.idle)},
                                            nullptr, &holder_out, nullptr);
        Poco::PipeInputStream holder_in(holder_out);
        std::getline(holder_in, held);
        std::this_thread::sleep_for(std::chrono::seconds(2));
        loaded = run_wrk(o, fmt::format("http://127.0.0.1:{}", listeners.public_port()),
                         dir / "pixel.lua");
        during = listeners.public_health();
        rss_during = resident_kib();
        health = healthz(listeners.admin_port());
        Poco::Process::kill(holder);
        (void)holder.wait();
        listeners.flush_tracking();
        answered += loaded.requests;
    }
    ::kill(nginx.id(), SIGTERM);  // the master stops its workers, then itself
    (void)nginx.wait();
    const auto served = listeners.metrics().hits(http::HitKind::open);
    listeners.stop();  // writes every queued open

    std::int64_t opens = 0, counted = 0;
    {
        auto db = opener();
        db.session() << "SELECT count(*) FROM opens", into(opens), now;
        db.session() << "SELECT coalesce(sum(hits), 0) FROM tracking_counts", into(counted), now;
    }
    const double ratio = peer_rate > 0 ? our_rate / peer_rate : 0;
    fmt::print("\nmean requests/s over {} round{}: nginx {:.0f}, brevduva {:.0f}\n", o.rounds,
               o.rounds == 1 ? "" : "s", peer_rate / o.rounds, our_rate / o.rounds);
    fmt::print("ratio brevduva / nginx: {:.1f} %   (goal ≥ 60 %: {})\n", ratio * 100,
               ratio >= 0.6 ? "PASS" : "MISS");
    fmt::print("brevduva p99, worst round: {:.2f} ms   (goal < 20 ms: {})\n", worst_p99,
               worst_p99 < 20 ? "PASS" : "MISS");
    if (o.slow > 0 || o.idle > 0) {
        fmt::print("\nwith a child {}:\n", held);
        fmt::print(
            "  brevduva pixel: {:.0f} requests/s ({:.1f} % of its mean without), p99 {:.2f} ms"
            "   (goal < 100 ms: {}), {} errors\n",
            loaded.requests_per_second,
            our_rate > 0 ? 100 * loaded.requests_per_second / (our_rate / o.rounds) : 0,
            loaded.p99_ms, loaded.p99_ms < 100 ? "PASS" : "MISS", loaded.errors);
        fmt::print("  open connections {} of {}; {} timed out (408), {} refused as full\n",
                   during.connections, during.max_connections, during.timed_out,
                   during.refused_full);
        fmt::print(
            "  resident memory {:.1f} MiB before, {:.1f} MiB during ({:.1f} KiB per held "
            "connection)\n",
            rss_before / 1024.0, rss_during / 1024.0,
            during.connections > 0 ? static_cast<double>(rss_during - rss_before) /
                                         static_cast<double>(during.connections)
                                   : 0.0);
        fmt::print("  /healthz: {} {}", health.first, health.second);
    }
    fmt::print(
        "opens: wrk counted {} answers, the server answered {}, the database holds {} "
        "opens ({} counted)   (goal: none lost: {})\n",
        answered, served, opens, counted,
        opens >= answered && static_cast<std::uint64_t>(opens) == served ? "PASS" : "MISS");
    if (!o.keep) {
        fs::remove_all(dir);
    } else {
        fmt::print("kept {}\n", dir.string());
    }
    return 0;
} catch (const std::exception& e) {
    fmt::print(stderr, "brevduva_bench_pixel: {}\n", e.what());
    return 1;
}
