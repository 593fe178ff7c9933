#include "http/http_database_pool.hpp"

namespace brevduva::http {

DatabasePool::DatabasePool(DatabaseOpener open, std::size_t limit)
    : open_(std::move(open)), limit_(limit == 0 ? 1 : limit) {}

DatabasePool::Lease::~Lease() {
    if (pool_ != nullptr && db_) pool_->give_back(std::move(db_), discard_);
}

DatabasePool::Lease DatabasePool::borrow() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !idle_.empty() || out_ < limit_; });
    ++out_;
    if (!idle_.empty()) {
        auto db = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(db));
    }
    lock.unlock();
    try {
        return Lease(*this, std::make_unique<store::Database>(open_()));
    } catch (...) {
        const std::lock_guard relock(mutex_);
        --out_;
        available_.notify_one();
        throw;
    }
}

void DatabasePool::give_back(std::unique_ptr<store::Database> db, bool discard) {
    const std::lock_guard lock(mutex_);
    --out_;
    if (!discard) idle_.push_back(std::move(db));
    available_.notify_one();
}

}  // namespace brevduva::http
