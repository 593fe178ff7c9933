// The import's promises about state: an import killed half-way (kill -9, after it committed
// some batches) and run again ends exactly where one clean run ends; the fast SQLite path for
// new contacts stores what ContactStore and Ledger store; and the consent view equals the
// fold of the ledger after every import.
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "config/config_settings.hpp"
#include "consent/consent_import.hpp"
#include "consent/consent_store.hpp"
#include "store/store_database.hpp"
#include "tests/tests_import_support.hpp"

extern char** environ;

namespace brevduva::tests {
namespace {

using ::testing::HasSubstr;

// Contacts with everything an import carries; every 7th row repeats an earlier address with
// other values, so that merging and re-recorded events are part of what is compared.
std::string generated_csv(std::size_t rows) {
    std::string csv =
        "email,name,organisation,lists,attr:tier,locale,consent:product_marketing,"
        "consent:service_status,consent_basis,consent_at,consent_evidence\n";
    for (std::size_t i = 0; i < rows; ++i) {
        const std::size_t person = i % 7 == 6 ? i / 2 : i;
        const bool business = person % 3 == 0;
        csv += fmt::format(
            "p{0}@example{1}.se,Person {0} v{2},{3},news|l{4},t{5},{6},{7},{8},{9},"
            "2024-{10:02}-{11:02}T08:{12:02}:00Z,form v{5}\n",
            person, person % 10, i, business ? fmt::format("Org {}", person % 50) : "", i % 5,
            i % 4, i % 2 ? "sv" : "en", business ? "" : (i % 5 == 0 ? "withdrawn" : "granted"),
            business ? "granted" : "", business ? "legitimate_interest" : "", 1 + i % 12,
            1 + i % 28, i % 60);
    }
    return csv;
}

// Runs `brevduva contacts import` and kills it with SIGKILL after `delay`. True when it was
// killed before finishing.
bool import_killed_after(const ImportFolder& folder, const std::filesystem::path& csv,
                         std::chrono::milliseconds delay) {
    const std::string binary = BREVDUVA_BINARY;
    std::vector<std::string> args{binary,     "--config", folder.config().string(),
                                  "contacts", "import",   csv.string()};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, STDOUT_FILENO);
        ::dup2(null, STDERR_FILENO);
        ::execve(binary.c_str(), argv.data(), environ);
        ::_exit(127);
    }
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status);
}

TEST(ImportRestart, AKilledImportRunAgainEndsInTheStateOfOneCleanRun) {
    const std::string csv = generated_csv(20000);
    ImportFolder clean("clean.db");
    const auto whole = clean.import("contacts.csv", csv);
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    const std::string expected = clean.dump();
    const int all_contacts = std::stoi(clean.query("SELECT count(*) FROM contacts"));

    // Kill it after some batches were committed but before the end; the delay that manages
    // that depends on the machine, so it is searched for (a bounded number of tries).
    auto delay = std::chrono::milliseconds(400);
    for (int attempt = 0; attempt < 10; ++attempt) {
        ImportFolder folder("killed.db");
        write_file(folder.path("contacts.csv"), csv);
        const bool killed = import_killed_after(folder, folder.path("contacts.csv"), delay);
        const int contacts = std::stoi(folder.query("SELECT count(*) FROM contacts"));
        if (!killed || contacts == all_contacts) {
            delay /= 2;
            continue;
        }
        if (contacts == 0) {
            delay *= 2;
            continue;
        }
        const auto rerun = folder.import("contacts.csv", csv);
        ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
        EXPECT_THAT(rerun.out, HasSubstr("already recorded"));
        EXPECT_EQ(folder.dump(), expected)
            << "killed after " << delay.count() << " ms with " << contacts << " contacts committed";
        return;
    }
    FAIL() << "could not kill the import half-way in 10 tries";
}

// Runs the import in this process, through the fast path or through ContactStore and Ledger.
consent::ImportSummary import_in_process(const ImportFolder& folder, const std::string& file,
                                         bool bulk) {
    auto db = store::Database::open_sqlite(folder.database(), std::chrono::seconds(5));
    const auto purposes = config::Settings::default_purposes();
    const auto at = consent::TimePoint{} + std::chrono::hours(24 * 365 * 56);  // in 2026
    consent::ContactImport import(db, purposes, [at] { return at; });
    consent::ImportRequest request;
    request.input = folder.path(file);
    request.actor = "test";
    request.batch_rows = 7;
    request.bulk_writes = bulk;
    auto result = import.run(request);
    if (!result) throw std::runtime_error(result.error());
    consent::Ledger ledger(db, purposes);
    EXPECT_TRUE(ledger.verify().empty()) << "the view differs from the fold of the ledger";
    return result.value();
}

TEST(ImportRestart, TheFastPathStoresWhatContactStoreAndLedgerStore) {
    ImportFolder fast("fast.db");
    ImportFolder generic("generic.db");
    const std::string csv = generated_csv(300) +
                            "q@example.se,Q,,,,,granted,,consent,2024-01-01T00:00:00Z,\n"
                            "q@example.se,Q,Org Q,,,,,granted,contract,2024-01-02T00:00:00Z,x\n"
                            "bad,,,,,,,,,,\n";
    write_file(fast.path("c.csv"), csv);
    write_file(generic.path("c.csv"), csv);
    const auto a = import_in_process(fast, "c.csv", true);
    const auto b = import_in_process(generic, "c.csv", false);
    EXPECT_EQ(a.created, b.created);
    EXPECT_EQ(a.updated, b.updated);
    EXPECT_EQ(a.unchanged, b.unchanged);
    EXPECT_EQ(a.rejected, 1u);
    EXPECT_EQ(a.events_written, b.events_written);
    EXPECT_EQ(fast.dump(), generic.dump());
}

TEST(ImportRestart, BothWaysStoreAttributesAndOptionalFieldsAlike) {
    ImportFolder fast("fast.db");
    ImportFolder generic("generic.db");
    const std::string csv =
        "email,attributes,attr:tier,phone,address,locale,lists\n"
        "r@example.se,\"{\"\"b\"\":{\"\"y\"\":1.50,\"\"x\"\":[1,\"\"två\"\"]},\"\"a\"\":true}\","
        "gold,,\"Gata 1\r\n123 45\",EN,a|b|a\n"
        "s@Example.SE,{},,070,,,\n"
        "r@example.se,\"{\"\"a\"\":false}\",,,,,c\n";
    write_file(fast.path("c.csv"), csv);
    write_file(generic.path("c.csv"), csv);
    (void)import_in_process(fast, "c.csv", true);
    (void)import_in_process(generic, "c.csv", false);
    EXPECT_EQ(fast.dump(), generic.dump());
    EXPECT_THAT(fast.query("SELECT attributes FROM contacts WHERE id = 1"),
                HasSubstr("\"a\":false"));
}

}  // namespace
}  // namespace brevduva::tests
