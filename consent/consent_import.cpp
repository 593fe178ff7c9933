#include "consent/consent_import.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "consent/consent_csv.hpp"
#include "consent/consent_import_rejects.hpp"
#include "consent/consent_import_row.hpp"
#include "consent/consent_import_sqlite.hpp"
#include "consent/consent_store.hpp"

namespace brevduva::consent {
namespace {

using Refusal = Result<ImportSummary, std::string>;

// The reject file holds personal data: only its owner may read it.
std::ofstream open_rejects(const std::filesystem::path& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        throw std::runtime_error(fmt::format("cannot write the reject file {}: {}", path.string(),
                                             std::generic_category().message(errno)));
    }
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace);
    return out;
}

// One run over an open file: the mapping, the writers and the counts.
class ImportRun {
  public:
    ImportRun(store::Database& db, const ImportSettings& settings, const ImportColumns& columns,
              RejectWriter& rejects, std::string actor, ContactImport::Clock clock, bool bulk)
        : db_(db),
          settings_(settings),
          columns_(columns),
          rejects_(rejects),
          actor_(std::move(actor)),
          contacts_(db, settings.purposes),
          ledger_(db, settings.purposes),
          clock_(std::move(clock)) {
        if (bulk && db.backend() == store::Backend::sqlite) {
            fast_ = std::make_unique<SqliteNewContacts>(db);
        }
    }

    // Reads and writes up to `rows` records in one transaction; false at the end of the file.
    bool batch(CsvReader& reader, std::size_t rows) {
        store::Transaction transaction(db_);
        now_ = clock_();  // one time for the rows of a batch: they are committed together
        bool more = true;
        for (std::size_t i = 0; i < rows && (more = reader.next(record_)); ++i) handle(record_);
        if (fast_) fast_->flush();
        transaction.commit();
        return more;
    }

    [[nodiscard]] ImportSummary& summary() { return summary_; }

  private:
    void handle(const CsvRecord& record) {
        ++summary_.rows;
        if (record.error) return reject(record, record.error->message);
        if (auto reason = map_row(columns_, record.fields, settings_, row_)) {
            return reject(record, *reason);
        }
        if (auto reason = write(row_)) reject(record, *reason);
    }

    void reject(const CsvRecord& record, std::string_view reason) {
        rejects_.write(record.line, reason, record.fields);
        ++summary_.rejected;
    }

    std::optional<std::string> write(const ImportRow& row) {
        if (fast_) {
            if (auto problem = validate(row.contact)) return problem;
            if (const auto id = fast_->create(row.contact, now_)) {
                write_new(*id, row, now_);
                return std::nullopt;
            }
        }
        auto upserted = contacts_.upsert(row.contact);
        if (!upserted) return upserted.error();
        switch (upserted.value().outcome) {
            case UpsertOutcome::created:
                ++summary_.created;
                break;
            case UpsertOutcome::updated:
                ++summary_.updated;
                break;
            case UpsertOutcome::unchanged:
                ++summary_.unchanged;
                break;
        }
        for (const auto& event : row.events) {
            fill_entry(upserted.value().id, event, row);
            auto appended = ledger_.append_once(entry_);
            if (!appended) {
                throw std::logic_error(fmt::format("the ledger refused an imported event: {}",
                                                   to_string(appended.error())));
            }
            ++(appended.value() ? summary_.events_written : summary_.events_present);
        }
        return std::nullopt;
    }

    // A contact that did not exist has no memberships and no events yet.
    void write_new(ContactId id, const ImportRow& row, TimePoint now) {
        ++summary_.created;
        fast_->add_to_lists(id, row.contact.lists, now);
        const ContactFacts facts{row.contact.organisation && !row.contact.organisation->empty()};
        for (const auto& event : row.events) {
            fill_entry(id, event, row);
            fast_->append_first(entry_, *event.purpose, facts, now);
            ++summary_.events_written;
        }
    }

    void fill_entry(ContactId id, const ImportedEvent& event, const ImportRow& row) {
        entry_.contact_id = id;
        entry_.event = {0,      event.purpose->name, event.action, row.basis,
                        row.at, row.source,          row.evidence, actor_};
        entry_.details = row.details;
    }

    store::Database& db_;
    const ImportSettings& settings_;
    const ImportColumns& columns_;
    RejectWriter& rejects_;
    std::string actor_;
    ContactStore contacts_;
    Ledger ledger_;
    ContactImport::Clock clock_;
    TimePoint now_;
    std::unique_ptr<SqliteNewContacts> fast_;  // null: every row through contacts_ and ledger_
    CsvRecord record_;
    ImportRow row_;
    LedgerEntry entry_;
    ImportSummary summary_;
};

std::uintmax_t position(std::istream& in, std::uintmax_t total) {
    const auto at = in.tellg();
    return at < 0 ? total : static_cast<std::uintmax_t>(at);
}

}  // namespace

std::filesystem::path default_rejects_path(const std::filesystem::path& input) {
    std::filesystem::path out = input;
    const std::string extension = input.extension().string();
    if (extension == ".csv" || extension == ".CSV") return out.replace_extension(".rejects.csv");
    return out += ".rejects.csv";
}

ContactImport::ContactImport(store::Database& db, std::vector<PurposeSettings> purposes,
                             Clock clock)
    : db_(db), purposes_(std::move(purposes)), clock_(std::move(clock)) {}

Result<ImportSummary, std::string> ContactImport::run(const ImportRequest& request,
                                                      const ProgressSink& progress) {
    const std::string name = request.input.string();
    std::ifstream in(request.input, std::ios::binary);
    std::error_code size_error;
    const auto total = std::filesystem::file_size(request.input, size_error);
    if (!in || size_error) {
        return Refusal::failure(fmt::format(
            "cannot read {}: {}", name,
            size_error ? size_error.message() : std::generic_category().message(errno)));
    }
    CsvReader reader(in);
    CsvRecord header;
    if (!reader.next(header)) return Refusal::failure(fmt::format("{} is empty: no header", name));
    if (header.error) {
        return Refusal::failure(fmt::format("{}:{}: the header cannot be read: {}", name,
                                            header.line, header.error->message));
    }
    ImportSettings settings{
        purposes_, request.consent_at,
        request.source.empty() ? "import:" + request.input.filename().string() : request.source,
        clock_()};
    auto columns = map_header(header.fields, settings);
    if (!columns) return Refusal::failure(fmt::format("{}: {}", name, columns.error()));
    const Input input{in, reader, header.fields, total};
    return Refusal::success(import_rows(request, settings, columns.value(), input, progress));
}

ImportSummary ContactImport::import_rows(const ImportRequest& request,
                                         const ImportSettings& settings,
                                         const ImportColumns& columns, const Input& input,
                                         const ProgressSink& progress) {
    const auto rejects_path =
        request.rejects.empty() ? default_rejects_path(request.input) : request.rejects;
    auto rejects_file = open_rejects(rejects_path);
    RejectWriter rejects(rejects_file, input.reader.delimiter());
    rejects.write_header(input.header);
    if (db_.backend() == store::Backend::sqlite) {
        // Index pages of a large import stay in memory instead of being read back (64 MiB).
        db_.execute_script("PRAGMA cache_size = -65536");
    }
    ImportRun run(db_, settings, columns, rejects, request.actor, clock_, request.bulk_writes);
    const std::size_t batch_rows = std::max<std::size_t>(request.batch_rows, 1);
    for (bool more = true; more;) {
        more = run.batch(input.reader, batch_rows);
        rejects_file.flush();
        if (progress)
            progress({position(input.stream, input.bytes), input.bytes, run.summary().rows});
    }
    rejects_file.close();
    if (!rejects_file) {
        throw std::runtime_error("writing the reject file failed: " + rejects_path.string());
    }
    ImportSummary summary = run.summary();
    if (summary.rejected == 0) {
        std::filesystem::remove(rejects_path);
    } else {
        summary.rejects = rejects_path;
    }
    return summary;
}

}  // namespace brevduva::consent
