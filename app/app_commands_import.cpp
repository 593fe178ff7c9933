// brevduva contacts import FILE.csv: the command-line face of consent::ContactImport. It
// parses the options, draws a progress bar when stderr is a terminal, prints the summary and
// maps outcomes to exit codes: 0 the file was processed (rejects included), 2 the file or its
// header was refused, 1 the environment failed.
#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "app/app_commands.hpp"
#include "app/app_consent_arguments.hpp"
#include "consent/consent_import.hpp"
#include "consent/consent_time.hpp"
#include "store/store_database.hpp"

namespace brevduva::app {
namespace {

struct ImportOptions {
    std::string input;
    std::string rejects;
    std::size_t batch = 1000;
    std::string actor;
    std::string source;
    std::string consent_at;
};

// A bar on one terminal line, redrawn at most five times a second.
class ProgressBar {
  public:
    void update(const consent::ImportProgress& p) {
        const auto now = Clock::now();
        if (now - drawn_ < std::chrono::milliseconds(200)) return;
        drawn_ = now;
        const double fraction = p.bytes_total == 0 ? 1.0
                                                   : static_cast<double>(p.bytes_read) /
                                                         static_cast<double>(p.bytes_total);
        const auto width = static_cast<std::size_t>(fraction * 30.0);
        const double seconds = std::chrono::duration<double>(now - started_).count();
        const double rate = seconds > 0 ? static_cast<double>(p.rows) / seconds : 0.0;
        fmt::print(stderr, "\r[{:<30}] {:3.0f}%  {} rows  {:.0f} rows/s", std::string(width, '#'),
                   fraction * 100.0, p.rows, rate);
        (void)std::fflush(stderr);  // progress only
        shown_ = true;
    }
    void clear() {
        if (shown_) fmt::print(stderr, "\r\033[K");
    }

  private:
    using Clock = std::chrono::steady_clock;
    Clock::time_point started_ = Clock::now();
    Clock::time_point drawn_{};
    bool shown_ = false;
};

void print_summary(const consent::ImportSummary& s) {
    fmt::print(
        "imported {} rows: {} new contacts, {} updated, {} unchanged, {} rejected; {} consent "
        "events written ({} already recorded)\n",
        s.rows, s.created, s.updated, s.unchanged, s.rejected, s.events_written, s.events_present);
    if (s.rejected > 0) {
        fmt::print("{} rows were rejected; each is in {} with its line and reason\n", s.rejected,
                   s.rejects.string());
    }
}

void run_import(Context& context, const ImportOptions& options) {
    consent::ImportRequest request;
    request.input = options.input;
    request.rejects = options.rejects;
    request.batch_rows = options.batch;
    request.actor = actor_argument(options.actor);
    request.source = options.source;
    if (!options.consent_at.empty()) {
        auto at = consent::parse_timestamp(options.consent_at);
        if (!at) throw CommandFailure(exit_usage, "--consent-at " + at.error());
        if (at.value() > std::chrono::system_clock::now() + std::chrono::minutes(5)) {
            throw CommandFailure(exit_usage,
                                 "--consent-at is in the future; consent is recorded "
                                 "when it was given");
        }
        request.consent_at = at.value();
    }
    const auto& settings = context.settings();
    auto& db = current_database(context);
    // SQLite frees its statement journal after every statement; with glibc's default trim
    // threshold that returns the heap top to the kernel and takes it back, once per row (a
    // third of the import's time). This process runs one import and ends, so keep it. Set
    // before the import starts any thread.
    ::mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);  // NOLINT(concurrency-mt-unsafe)
    consent::ContactImport import(db, settings.purposes);
    ProgressBar bar;
    const bool terminal = ::isatty(STDERR_FILENO) == 1;
    const auto show = [&](const consent::ImportProgress& p) {
        if (terminal) bar.update(p);
    };
    std::optional<consent::Result<consent::ImportSummary, std::string>> result;
    try {
        result.emplace(import.run(request, show));
    } catch (const std::exception& e) {
        bar.clear();
        throw CommandFailure(exit_failure, "the import stopped: " + describe_exception(e) +
                                               "; committed batches stay, run it again to finish");
    }
    bar.clear();
    if (!*result) throw CommandFailure(exit_usage, result->error() + "; nothing was imported");
    print_summary(result->value());
}

}  // namespace

void add_contacts_import_command(CLI::App& contacts, Context& context) {
    auto options = std::make_shared<ImportOptions>();
    auto* import = contacts.add_subcommand(
        "import", "Import contacts and their consent from a CSV file (see docs/import.md)");
    import->add_option("file", options->input, "The CSV file (UTF-8, comma or semicolon)")
        ->required();
    import->add_option("--rejects", options->rejects,
                       "Where rejected rows go (default: FILE.rejects.csv beside the input)");
    import->add_option("--batch", options->batch, "Rows per transaction")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
        ->capture_default_str();
    import->add_option("--actor", options->actor,
                       "Who imports, recorded with each consent event (default: login name)");
    import->add_option("--source", options->source,
                       "Source of consent rows without consent_source (default: import:FILE)");
    import->add_option("--consent-at", options->consent_at,
                       "When the consent of rows without consent_at was given (ISO 8601 with a "
                       "time zone)");
    import->callback([&context, options] { run_import(context, *options);
});
}  // namespace brevduva::app

}  // namespace brevduva::app
