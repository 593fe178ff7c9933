// How one relay is doing, as all of its connections see it, and the log lines about it: one
// clear line when it cannot be used (unreachable, refusing our login, failing TLS), the same
// error again at most once per quiet period with a count of repeats, and one line when it works
// again. Never a line per message or per connection. Also how long to wait before the next
// attempt: exponential back-off up to a minute, five minutes after a refused login so a wrong
// password does not lock the account. Server texts are logged with addresses masked.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "smtp/smtp_outcome.hpp"

namespace brevduva::smtp {

class RelayHealth {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    explicit RelayHealth(std::string label, Clock clock = std::chrono::steady_clock::now,
                         std::chrono::milliseconds quiet_period = std::chrono::minutes(10));

    void failed(const Outcome& outcome);
    void succeeded();

    [[nodiscard]] bool failing() const;
    [[nodiscard]] std::chrono::steady_clock::time_point retry_at() const;

    // The sentence logged for a failure, without the relay's label; exposed for tests.
    [[nodiscard]] static std::string describe(const Outcome& outcome);

  private:
    std::string label_;
    Clock clock_;
    std::chrono::milliseconds quiet_period_;
    mutable std::mutex mutex_;
    int failures_ = 0;  // in a row
    std::chrono::steady_clock::time_point retry_at_{};
    std::string last_logged_;
    std::chrono::steady_clock::time_point last_logged_at_{};
    int repeats_ = 0;  // identical failures not logged since last_logged_at_
};

}  // namespace brevduva::smtp
