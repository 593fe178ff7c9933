// The attributed rows of opens and clicks, as the tracking writer inserts them inside its batch
// transaction. On SQLite one statement per table is prepared once per connection and stepped
// per row with bound values (no SQL text to build or parse per hit); on PostgreSQL the rows go
// out as multi-row INSERTs of quoted literals, chunk_rows at a time. Text values are expected
// to be printable ASCII already (the recorder cleans user agents once, when it interns them).
// Writes nothing on its own: commit is the caller's transaction.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/store_database.hpp"
#include "store/store_time.hpp"

namespace brevduva::http {

struct TrackingRow {
    bool click = false;
    std::uint64_t delivery_id = 0;
    std::uint64_t campaign_id = 0;
    std::uint64_t link_id = 0;  // clicks only
    store::Time at;
    std::optional<std::chrono::seconds> since_delivery;
    std::string_view source_class;
    std::string_view reason;
    bool head = false;
    std::string_view user_agent;
    std::string_view ip_prefix;
};

class TrackingRows {
  public:
    // db must outlive this object.
    explicit TrackingRows(store::Database& db);
    ~TrackingRows();
    TrackingRows(const TrackingRows&) = delete;
    TrackingRows& operator=(const TrackingRows&) = delete;

    [[nodiscard]] const store::Database* database() const { return &db_; }

    // Inserts the row now (SQLite) or with the next chunk (PostgreSQL); throws StoreError or
    // Poco::Exception when the database refuses.
    void add(const TrackingRow& row);
    // Writes what add() has kept back. Call before committing.
    void flush();

  private:
    struct Sqlite;
    struct Literal;
    store::Database& db_;
    std::unique_ptr<Sqlite> sqlite_;
    std::unique_ptr<Literal> literal_;
};

}  // namespace brevduva::http
