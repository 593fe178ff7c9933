// Database connections for request threads: a Database is used by one thread at a time, so a
// request borrows one for its duration and gives it back. Connections are opened on demand
// by the caller's opener, at most `limit` at once (the thread pool bounds this anyway); one
// that failed during a request is dropped rather than returned.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "store/store_database.hpp"

namespace brevduva::http {

using DatabaseOpener = std::function<store::Database()>;

class DatabasePool {
  public:
    DatabasePool(DatabaseOpener open, std::size_t limit);

    class Lease {
      public:
        Lease(DatabasePool& pool, std::unique_ptr<store::Database> db)
            : pool_(&pool), db_(std::move(db)) {}
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();

        [[nodiscard]] store::Database& operator*() const { return *db_; }
        [[nodiscard]] store::Database* operator->() const { return db_.get(); }
        // The connection failed: close it instead of returning it.
        void discard() { discard_ = true; }

      private:
        DatabasePool* pool_;
        std::unique_ptr<store::Database> db_;
        bool discard_ = false;
    };

    // Waits while `limit` connections are out; throws what the opener throws.
    [[nodiscard]] Lease borrow();

  private:
    void give_back(std::unique_ptr<store::Database> db, bool discard);

    DatabaseOpener open_;
    std::size_t limit_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<store::Database>> idle_;
    std::size_t out_ = 0;
};

}  // namespace brevduva::http
