#include "dispatcher/dispatcher_lanes.hpp"

#include <Poco/Runnable.h>
#include <Poco/ThreadPool.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace brevduva::dispatcher {

struct Lanes::Round {
    std::size_t n = 0;
    const std::function<void(std::size_t, std::size_t)>* work = nullptr;
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::exception_ptr error;

    // Takes the next piece until none is left; after a failure the rest are left undone.
    void drain(std::size_t lane) {
        for (;;) {
            const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
            if (i >= n) return;
            try {
                (*work)(lane, i);
            } catch (...) {
                std::lock_guard lock(mutex);
                if (!error) error = std::current_exception();
                next.store(n, std::memory_order_relaxed);
            }
        }
    }
};

struct Lanes::Helper final : Poco::Runnable {
    Helper(Round& r, std::size_t l) : round(r), lane(l) {}
    void run() override { round.drain(lane); }
    Round& round;
    std::size_t lane;
};

struct Lanes::Pool {
    explicit Pool(int threads) : pool("brevduva-lane", threads, threads) {}
    Poco::ThreadPool pool;
};

Lanes::Lanes(std::size_t count) : count_(std::max<std::size_t>(count, 1)) {
    round_ = std::make_unique<Round>();
    if (count_ > 1) {
        pool_ = std::make_unique<Pool>(static_cast<int>(count_ - 1));
        for (std::size_t lane = 1; lane < count_; ++lane) {
            helpers_.push_back(std::make_unique<Helper>(*round_, lane));
        }
    }
}

Lanes::~Lanes() {
    if (pool_) pool_->pool.joinAll();
}

void Lanes::run(std::size_t n, const std::function<void(std::size_t, std::size_t)>& work) {
    if (n == 0) return;
    Round& round = *round_;
    round.n = n;
    round.work = &work;
    round.next.store(0, std::memory_order_relaxed);
    round.error = nullptr;
    // A helper costs a thread wake-up: only as many as there are pieces beyond the caller's.
    const std::size_t helpers = std::min(helpers_.size(), n - 1);
    try {
        for (std::size_t h = 0; h < helpers; ++h) pool_->pool.start(*helpers_[h]);
    } catch (...) {
        // The helpers already started must be done with `work` before it goes.
        round.next.store(n, std::memory_order_relaxed);
        pool_->pool.joinAll();
        throw;
    }
    round.drain(0);
    if (helpers > 0) pool_->pool.joinAll();
    if (round.error) std::rethrow_exception(round.error);
}

std::size_t available_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return static_cast<std::size_t>(n);
    }
    return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace brevduva::dispatcher
