// Lanes: every piece of a batch is built exactly once, on a lane of its own, whatever the
// number of pieces and lanes; a failure reaches the worker instead of vanishing in a thread.
#include "dispatcher/dispatcher_lanes.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace brevduva::dispatcher {
namespace {

TEST(Lanes, EveryPieceRunsOnceOnSomeLane) {
    Lanes lanes(3);
    ASSERT_EQ(lanes.count(), 3U);
    for (const std::size_t n : {0U, 1U, 2U, 5U, 1000U}) {
        std::vector<std::atomic<int>> calls(n);
        std::mutex mutex;
        std::set<std::size_t> used;
        std::set<std::thread::id> threads;
        lanes.run(n, [&](std::size_t lane, std::size_t i) {
            calls[i].fetch_add(1);
            std::lock_guard lock(mutex);
            used.insert(lane);
            threads.insert(std::this_thread::get_id());
        });
        for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(calls[i].load(), 1) << "piece " << i;
        for (const auto lane : used) EXPECT_LT(lane, 3U);
        // A lane is one thread: a piece never shares a lane's state with another thread.
        EXPECT_LE(threads.size(), used.size());
    }
}

TEST(Lanes, OneLaneIsTheCallersThread) {
    Lanes lanes(1);
    const auto caller = std::this_thread::get_id();
    int calls = 0;
    lanes.run(10, [&](std::size_t lane, std::size_t) {
        EXPECT_EQ(lane, 0U);
        EXPECT_EQ(std::this_thread::get_id(), caller);
        ++calls;
    });
    EXPECT_EQ(calls, 10);
}

TEST(Lanes, AFailureIsRethrownToTheCallerAndTheLanesStayUsable) {
    Lanes lanes(2);
    EXPECT_THROW(lanes.run(100,
                           [](std::size_t, std::size_t i) {
                               if (i == 37) throw std::runtime_error("piece 37 broke");
                           }),
                 std::runtime_error);
    std::atomic<int> calls{0};
    lanes.run(50, [&](std::size_t, std::size_t) { calls.fetch_add(1); });
    EXPECT_EQ(calls.load(), 50);
}

TEST(Lanes, AvailableCoresIsAtLeastOne) { EXPECT_GE(available_cores(), 1U); }

}  // namespace
}  // namespace brevduva::dispatcher
