// Shared by the two halves of brevduva_bench_smtp: the measured figures of one run and the
// senders compared against our transport (smtp-source, libcurl, Poco's SMTPClientSession).
#pragma once

#include <cstdint>
#include <string>

namespace brevduva::bench {

struct Run {
    double seconds = 0;
    double cpu_seconds = 0;  // of the sender only, never the sink
    std::uint64_t sent = 0;  // messages the sink acknowledged with 2xx after the data
    std::string note;        // why a run fell short, if it did
};

struct Job {
    std::uint16_t port = 0;
    int sessions = 1;
    std::uint64_t messages = 0;
    std::string from;
    std::string to;
    std::string content;  // CRLF lines, not dot-stuffed
};

// One reused easy handle, so one connection, messages one after another.
[[nodiscard]] Run run_libcurl(const Job& job);
// One SMTPClientSession per session on a socket with Nagle off, one thread each.
[[nodiscard]] Run run_poco(const Job& job);

[[nodiscard]] double cpu_seconds_of_process();

}  // namespace brevduva::bench
