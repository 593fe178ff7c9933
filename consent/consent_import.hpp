// `brevduva contacts import`: streams a CSV file of contacts and consent into the store. The
// file is read record by record (bounded memory whatever its length); each row is mapped and
// validated (consent_import_row.hpp) and either written or copied to the reject file with its
// line and reason. Rows are committed in batches, one transaction each.
//
// Contract:
// - the header is checked before anything is written: a bad header, an unreadable or empty
//   file is a refusal (a value), and the database stays as it was;
// - restartable: every write is idempotent (contacts merge by normalised address, list
//   memberships are a set, each consent event is written once per contact, purpose, action,
//   basis, time and source: Ledger::append_once), so an import killed half-way and run again
//   ends in the state one clean run gives. Only the counts of the second run differ;
// - an older event never overrides a newer one: the ledger's fold orders events by their time,
//   not by the order they were imported in;
// - the reject file holds exactly the rejects of this run: truncated at the start, removed at
//   the end when nothing was rejected;
// - the database failing is an exception (store::StoreError, Poco::Exception); the batch in
//   progress rolls back, committed batches stay (a re-run completes them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "consent/consent_event.hpp"
#include "consent/consent_result.hpp"
#include "store/store_database.hpp"

namespace brevduva::consent {

class CsvReader;
struct ImportColumns;
struct ImportSettings;

struct ImportRequest {
    std::filesystem::path input;
    std::filesystem::path rejects;        // empty: default_rejects_path(input)
    std::size_t batch_rows = 1000;        // records per transaction
    std::string actor;                    // recorded with every consent event
    std::string source;                   // for rows without consent_source; empty: "import:<file>"
    std::optional<TimePoint> consent_at;  // for rows without consent_at
    // On SQLite, new contacts are written through prepared statements of the import's own
    // (SqliteNewContacts); false sends every row through ContactStore and Ledger, which tests
    // use to check that both ways store the same.
    bool bulk_writes = true;
};

struct ImportSummary {
    std::size_t rows = 0;       // data records read (the header not counted)
    std::size_t created = 0;    // rows that created a contact
    std::size_t updated = 0;    // rows that changed a contact (also one created earlier)
    std::size_t unchanged = 0;  // rows that changed nothing
    std::size_t rejected = 0;
    std::size_t events_written = 0;
    std::size_t events_present = 0;  // already in the ledger: written by an earlier run
    std::filesystem::path rejects;   // the reject file; written only when rejected > 0
};

struct ImportProgress {
    std::uintmax_t bytes_read = 0;
    std::uintmax_t bytes_total = 0;  // the file's size at the start
    std::size_t rows = 0;
};

// FILE.csv → FILE.rejects.csv in the same folder; another name gets .rejects.csv appended.
[[nodiscard]] std::filesystem::path default_rejects_path(const std::filesystem::path& input);

class ContactImport {
  public:
    using Clock = std::function<TimePoint()>;
    using ProgressSink = std::function<void(const ImportProgress&)>;

    ContactImport(store::Database& db, std::vector<PurposeSettings> purposes,
                  Clock clock = &std::chrono::system_clock::now);

    // Runs the whole import. The failure is a refusal for the user (exit 2): the file cannot
    // be read, is empty, or its header is bad. progress is called after every batch.
    [[nodiscard]] Result<ImportSummary, std::string> run(const ImportRequest& request,
                                                         const ProgressSink& progress = {});

  private:
    struct Input {
        std::istream& stream;
        CsvReader& reader;
        const std::vector<std::string>& header;
        std::uintmax_t bytes;  // the file's size
    };

    // Reads the records after the header, writes them in batches and rejects the rest.
    [[nodiscard]] ImportSummary import_rows(const ImportRequest& request,
                                            const ImportSettings& settings,
                                            const ImportColumns& columns, const Input& input,
                                            const ProgressSink& progress);

    store::Database& db_;
    std::vector<PurposeSettings> purposes_;
    Clock clock_;
};

}  // namespace brevduva::consent
