#include "bench/bench_openssl.hpp"

#include <chrono>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "smtp/smtp_testkit.hpp"

namespace brevduva::bench {

double openssl_rsa2048_signs(int seconds) {
    std::string output;
    try {
        smtp::testkit::ChildProcess openssl(
            {"/usr/bin/openssl", "speed", "-seconds", std::to_string(seconds), "rsa2048"}, true,
            "/dev/null");
        const auto limit = std::chrono::seconds(seconds * 4 + 30);
        while (const auto line = openssl.read_line(limit)) output += *line + "\n";
        (void)openssl.wait(std::chrono::seconds(5));
    } catch (const std::exception&) {
        return 0;
    }
    int column = -1;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::vector<std::string> w;
        for (std::string word; words >> word;) w.push_back(word);
        for (std::size_t i = 0; i < w.size(); ++i) {
            if (w[i] == "sign/s") column = static_cast<int>(i);
        }
        // "rsa 2048 bits 0.000240s 0.000017s 4171.1 60406.0" under "sign verify sign/s
        // verify/s": the row starts with three more words than its heading.
        if (column >= 0 && w.size() > 3 && w[0] == "rsa" && w[1] == "2048") {
            const std::size_t at = static_cast<std::size_t>(column) + 3;
            if (at >= w.size()) return 0;
            char* end = nullptr;
            const double signs = std::strtod(w[at].c_str(), &end);
            return end != nullptr && *end == '\0' ? signs : 0;
        }
    }
    return 0;
}

}  // namespace brevduva::bench
