// Lanes: the worker's threads for the part of a batch that needs no database, building and
// signing each message. Each thread has a lane number, so that it can use state of its own (a
// composer, a DKIM signer: both reuse buffers from message to message).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace brevduva::dispatcher {

class Lanes {
  public:
    // `count` lanes (at least one): the caller's thread is lane 0, the others are pooled.
    explicit Lanes(std::size_t count);
    ~Lanes();
    Lanes(const Lanes&) = delete;
    Lanes& operator=(const Lanes&) = delete;

    [[nodiscard]] std::size_t count() const { return count_; }

    // Calls work(lane, i) once for every i in [0, n), spread over the lanes, and returns when
    // every call has returned. When a call throws, the pieces not yet begun are left undone
    // and the first exception is rethrown here.
    void run(std::size_t n, const std::function<void(std::size_t lane, std::size_t i)>& work);

  private:
    struct Round;
    struct Helper;
    std::size_t count_;
    std::unique_ptr<Round> round_;
    std::vector<std::unique_ptr<Helper>> helpers_;
    struct Pool;
    std::unique_ptr<Pool> pool_;
};

// The cores this process may run on (its CPU affinity, which systemd's CPUAffinity= sets).
[[nodiscard]] std::size_t available_cores();

}  // namespace brevduva::dispatcher
