#include "http/http_tracking_rows.hpp"

#include <Poco/Data/SQLite/Utility.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>

namespace brevduva::http {
namespace {

constexpr const char* open_columns =
    "INSERT INTO opens (delivery_id, campaign_id, at, seconds_after_delivery, source_class, "
    "class_reason, method, user_agent, ip_prefix) VALUES ";
constexpr const char* click_columns =
    "INSERT INTO clicks (delivery_id, campaign_id, link_id, at, seconds_after_delivery, "
    "source_class, class_reason, method, user_agent, ip_prefix) VALUES ";

std::int64_t as_int(std::uint64_t value) { return static_cast<std::int64_t>(value); }

}  // namespace

// One prepared statement per table, reset and rebound per row.
struct TrackingRows::Sqlite {
    struct StatementFree {
        void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
    };
    using Statement = std::unique_ptr<sqlite3_stmt, StatementFree>;

    sqlite3* handle = nullptr;
    std::array<Statement, 2> statements;  // opens, clicks
    // store::stored_time() of the current second, up to its '.': hits arrive in time order,
    // so only the microseconds change from row to row.
    std::chrono::sys_seconds second{std::chrono::seconds(-1)};
    std::array<char, 27> at_text{};
    std::string odd;

    explicit Sqlite(store::Database& db)
        : handle(Poco::Data::SQLite::Utility::dbHandle(db.session())) {
        // The writer's own connection: room for the opens and clicks indexes between batches
        // (32 MiB), instead of reading their pages again for every batch.
        check(sqlite3_exec(handle, "PRAGMA cache_size = -32768", nullptr, nullptr, nullptr));
        const std::array<std::string, 2> sql{
            std::string(open_columns) + "(?1, ?2, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            std::string(click_columns) + "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"};
        for (std::size_t i = 0; i < sql.size(); ++i) {
            sqlite3_stmt* statement = nullptr;
            check(sqlite3_prepare_v3(handle, sql[i].c_str(), static_cast<int>(sql[i].size()),
                                     SQLITE_PREPARE_PERSISTENT, &statement, nullptr));
            statements[i].reset(statement);
        }
    }

    void check(int rc) const {
        if (rc != SQLITE_OK && rc != SQLITE_DONE) {
            throw store::StoreError(
                fmt::format("inserting tracking rows failed: {}", sqlite3_errmsg(handle)));
        }
    }

    void text(sqlite3_stmt* statement, int index, std::string_view value) const {
        check(sqlite3_bind_text(statement, index, value.data(), static_cast<int>(value.size()),
                                SQLITE_STATIC));
    }

    // What store::stored_time(t) gives, without an allocation per row.
    std::string_view stored_time(store::Time t) {
        const auto micros = std::chrono::floor<std::chrono::microseconds>(t);
        const auto whole = std::chrono::floor<std::chrono::seconds>(micros);
        if (whole != second) {
            const std::string text = store::stored_time(whole);
            if (text.size() != at_text.size()) {  // a year beyond 9999: not ours, but kept as given
                odd = store::stored_time(t);
                return odd;
            }
            std::copy(text.begin(), text.end(), at_text.begin());
            second = whole;
        }
        auto fraction = (micros - whole).count();
        for (std::size_t i = 25; i >= 20; --i) {
            at_text[i] = static_cast<char>('0' + fraction % 10);
            fraction /= 10;
        }
        return {at_text.data(), at_text.size()};
    }

    void insert(const TrackingRow& row) {
        sqlite3_stmt* statement = statements[row.click ? 1 : 0].get();
        const std::string_view at = stored_time(row.at);
        check(sqlite3_bind_int64(statement, 1, as_int(row.delivery_id)));
        check(sqlite3_bind_int64(statement, 2, as_int(row.campaign_id)));
        if (row.click) check(sqlite3_bind_int64(statement, 3, as_int(row.link_id)));
        text(statement, 4, at);
        check(row.since_delivery ? sqlite3_bind_int64(statement, 5, row.since_delivery->count())
                                 : sqlite3_bind_null(statement, 5));
        text(statement, 6, row.source_class);
        text(statement, 7, row.reason);
        text(statement, 8, row.head ? "HEAD" : "GET");
        text(statement, 9, row.user_agent);
        text(statement, 10, row.ip_prefix);
        const int rc = sqlite3_step(statement);
        sqlite3_reset(statement);
        check(rc);
    }
};

// Multi-row INSERTs of literal values: one statement per chunk instead of one per row. Every
// text value is quoted (quotes doubled, anything but printable ASCII replaced); the numbers and
// times are ours.
struct TrackingRows::Literal {
    static constexpr std::size_t chunk_rows = 250;
    std::array<std::string, 2> sql;  // opens, clicks
    std::array<std::size_t, 2> rows{};

    static void quoted(std::string& out, std::string_view text) {
        out += '\'';
        for (const char c : text) {
            if (c == '\'') {
                out += "''";
            } else if (c >= 0x20 && c < 0x7f) {
                out += c;
            } else {
                out += '?';
            }
        }
        out += '\'';
    }

    void add(store::Database& db, const TrackingRow& row) {
        const std::size_t i = row.click ? 1 : 0;
        std::string& out = sql[i];
        if (rows[i] == 0) {
            out.assign(row.click ? click_columns : open_columns);
        } else {
            out += ',';
        }
        if (row.click) {
            fmt::format_to(std::back_inserter(out), "({},{},{},'{}',", row.delivery_id,
                           row.campaign_id, row.link_id, store::stored_time(row.at));
        } else {
            fmt::format_to(std::back_inserter(out), "({},{},'{}',", row.delivery_id,
                           row.campaign_id, store::stored_time(row.at));
        }
        out += row.since_delivery ? std::to_string(row.since_delivery->count()) : "NULL";
        out += ',';
        quoted(out, row.source_class);
        out += ',';
        quoted(out, row.reason);
        out += row.head ? ",'HEAD'," : ",'GET',";
        quoted(out, row.user_agent);
        out += ',';
        quoted(out, row.ip_prefix);
        out += ')';
        if (++rows[i] == chunk_rows) flush(db);
    }

    void flush(store::Database& db) {
        for (std::size_t i = 0; i < sql.size(); ++i) {
            if (rows[i] == 0) continue;
            rows[i] = 0;
            db.execute_script(sql[i]);
        }
    }
};

TrackingRows::TrackingRows(store::Database& db) : db_(db) {
    if (db.backend() == store::Backend::sqlite) {
        sqlite_ = std::make_unique<Sqlite>(db);
    } else {
        literal_ = std::make_unique<Literal>();
    }
}

TrackingRows::~TrackingRows() = default;

void TrackingRows::add(const TrackingRow& row) {
    if (sqlite_) {
        sqlite_->insert(row);
    } else {
        literal_->add(db_, row);
    }
}

void TrackingRows::flush() {
    if (literal_) literal_->flush(db_);
}

}  // namespace brevduva::http
