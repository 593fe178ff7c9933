// The two library clients brevduva_bench_smtp measures our transport against, used the way a
// careful user would: libcurl with one reused easy handle, and Poco's SMTPClientSession on a
// socket with setNoDelay(true) (without it every message stalls ~40 ms on delayed ACKs).
#include <Poco/Exception.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "bench/bench_smtp.hpp"

namespace brevduva::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct Upload {
    const std::string* content = nullptr;
    std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    const std::size_t left = upload->content->size() - upload->offset;
    const std::size_t n = std::min(left, size * count);
    std::memcpy(buffer, upload->content->data() + upload->offset, n);
    upload->offset += n;
    return n;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

double cpu_seconds_of_process() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Run run_libcurl(const Job& job) {
    Run run;
    CURL* curl = curl_easy_init();
    curl_slist* recipients = curl_slist_append(nullptr, ("<" + job.to + ">").c_str());
    const std::string url = "smtp://127.0.0.1:" + std::to_string(job.port);
    const std::string from = "<" + job.from + ">";
    Upload upload{&job.content, 0};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    const double cpu_before = cpu_seconds_of_process();
    const auto start = Clock::now();
    for (std::uint64_t i = 0; i < job.messages; ++i) {
        upload.offset = 0;
        const CURLcode code = curl_easy_perform(curl);
        if (code != CURLE_OK) {
            run.note = curl_easy_strerror(code);
            break;
        }
        ++run.sent;
    }
    run.seconds = seconds_since(start);
    run.cpu_seconds = cpu_seconds_of_process() - cpu_before;
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    return run;
}

Run run_poco(const Job& job) {
    Run run;
    std::atomic<std::uint64_t> next{0};
    std::atomic<std::uint64_t> sent{0};
    std::mutex note_mutex;
    const auto session = [&] {
        try {
            Poco::Net::StreamSocket socket;
            socket.connect(Poco::Net::SocketAddress("127.0.0.1", job.port));
            socket.setNoDelay(true);
            Poco::Net::SMTPClientSession smtp(socket);
            smtp.login("bench.test");
            const Poco::Net::SMTPClientSession::Recipients to{job.to};
            while (next.fetch_add(1) < job.messages) {
                smtp.sendAddresses(job.from, to);
                smtp.sendData();
                std::istringstream body(job.content);
                smtp.sendMessage(body);
                sent.fetch_add(1);
            }
            smtp.close();
        } catch (const Poco::Exception& e) {
            const std::lock_guard lock(note_mutex);
            run.note = e.displayText();
        }
    };
    const double cpu_before = cpu_seconds_of_process();
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(job.sessions));
    for (int i = 0; i < job.sessions; ++i) threads.emplace_back(session);
    for (auto& thread : threads) thread.join();
    run.seconds = seconds_since(start);
    run.cpu_seconds = cpu_seconds_of_process() - cpu_before;
    run.sent = sent.load();
    return run;
}

}  // namespace brevduva::bench
