// Shared by the dispatcher store tests: a fresh migrated SQLite database in a temporary folder
// (or, with BREVDUVA_TEST_POSTGRES set, a fresh PostgreSQL database on that server),
// contacts on lists through the consent component, a small campaign template folder, and
// helpers that drive a campaign to a state and read back what the queue holds. Every time is
// passed explicitly (t0 is a Monday morning in March 2026); nothing depends on today's date.
#pragma once

#include <Poco/Data/Session.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "consent/consent_migrations.hpp"
#include "consent/consent_store.hpp"
#include "dispatcher/dispatcher_store.hpp"
#include "store/store_database.hpp"
#include "store/store_migrate.hpp"
#include "store/store_time.hpp"

namespace brevduva::dispatcher::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline const Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + 9h;

inline void write_file(const fs::path& path, std::string_view text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// One delivery as the database holds it.
struct DeliveryRow {
    DeliveryId id = 0;
    std::int64_t contact_id = 0;
    std::string state;
    std::string skip_reason;
    int attempts = 0;
    std::string due_at;
    std::string lease_owner;
    std::string sent_at;  // empty when NULL
    std::string last_reply;
    bool open_tracking = false;
    std::optional<Time> first_attempt_at;
    bool click_tracking = false;
};

class DispatchStoreTest : public ::testing::Test {
  protected:
    DispatchStoreTest()
        : folder_(fs::temp_directory_path() / fmt::format("brevduva-dispatcher-test-{}-{:08x}",
                                                          ::getpid(), std::random_device{}())),
          db_(open()) {
        store::Migrator migrator(
            db_, consent::builtin_migrations(db_.backend(), config::Settings::default_purposes()));
        (void)migrator.migrate();
        write_template(template_folder());
    }
    ~DispatchStoreTest() override {
        std::error_code ignored;
        fs::remove_all(folder_, ignored);
        if (!postgres_database_.empty()) {
            try {
                // FORCE: the fixture's own connection is still open.
                store::Database::open_postgres(postgres_server_)
                    .execute_script("DROP DATABASE IF EXISTS " + postgres_database_ +
                                    " WITH (FORCE)");
            } catch (const std::exception& e) {
                ADD_FAILURE() << "could not drop " << postgres_database_ << ": " << e.what();
            }
        }
    }

    [[nodiscard]] fs::path template_folder() const { return folder_ / "nyhetsbrev"; }

    // Two tracked links: one in the body, one in the footer partial.
    static void write_template(const fs::path& folder) {
        write_file(folder / "subject.mustache", "Nyheter i mars\n");
        write_file(folder / "body.html.mustache",
                   "<p>Hej!</p>\n<p><a href=\"https://www.example.se/erbjudande\">Erbjudandet"
                   "</a></p>\n{{>footer}}\n<p><a href=\"{{unsubscribe_url}}\">Avregistrera</a>"
                   "</p>\n");
        write_file(folder / "body.txt.mustache",
                   "Hej!\nErbjudandet: https://www.example.se/erbjudande\n"
                   "Avregistrera: {{unsubscribe_url}}\n");
        write_file(folder / "partials" / "footer.mustache",
                   "<p><a href=\"https://www.example.se/om-oss\">Om oss</a></p>\n");
    }

    // Creates (or adds lists to) a contact; its id.
    std::int64_t contact(std::string_view address, std::vector<std::string> lists,
                         std::string organisation = "") {
        consent::ContactUpdate update;
        auto normal = consent::normalise_address(address);
        if (!normal) throw std::invalid_argument(normal.error());
        update.address = std::move(normal).value();
        update.lists = std::move(lists);
        if (!organisation.empty()) update.organisation = std::move(organisation);
        auto result = contacts_.upsert(update);
        if (!result) throw std::runtime_error(result.error());
        return result.value().id;
    }

    [[nodiscard]] CampaignSpec spec(std::vector<std::string> lists) const {
        CampaignSpec s;
        s.name = "Nyheter i mars";
        s.template_folder = template_folder().string();
        s.audience.lists = std::move(lists);
        return s;
    }

    CampaignId create(const CampaignSpec& s) {
        auto created = campaigns_.create(s, "tester");
        if (!created) throw std::runtime_error(created.error());
        return created.value();
    }

    CampaignId queued(const CampaignSpec& s, Time now = t0, std::size_t batch = 10000) {
        const auto id = create(s);
        auto result = campaigns_.queue(id, "tester", false, now, batch);
        if (!result) throw std::runtime_error(result.error());
        return id;
    }

    // Queued and fired at t0: its deliveries are due at t0.
    CampaignId running(const CampaignSpec& s) {
        const auto id = queued(s);
        (void)campaigns_.fire_due(t0, settings_.sending.schedule_guard);
        EXPECT_EQ(state(id), CampaignState::running);
        return id;
    }

    [[nodiscard]] CampaignState state(CampaignId id) {
        const auto campaign = campaigns_.find(id);
        if (!campaign) throw std::runtime_error("no such campaign");
        return campaign->state;
    }

    // Every delivery of the campaign, in id order.
    std::vector<DeliveryRow> rows(CampaignId campaign) {
        using Poco::Data::Keywords::into;
        using Poco::Data::Keywords::now;
        using Poco::Data::Keywords::use;
        std::vector<std::int64_t> ids, contacts;
        std::vector<std::string> states, reasons, due, owners, sent, replies, first;
        std::vector<int> attempts, open, click;
        db_.session() << "SELECT id, contact_id, state, skip_reason, attempts, due_at,"
                         " lease_owner, COALESCE(sent_at, ''), last_reply, open_tracking,"
                         " COALESCE(first_attempt_at, ''), click_tracking"
                         " FROM deliveries WHERE campaign_id = $1 ORDER BY id",
            use(campaign), into(ids), into(contacts), into(states), into(reasons), into(attempts),
            into(due), into(owners), into(sent), into(replies), into(open), into(first),
            into(click), now;
        std::vector<DeliveryRow> out;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            out.push_back(
                {ids[i], contacts[i], states[i], reasons[i], attempts[i], due[i], owners[i],
                 sent[i], replies[i], open[i] != 0,
                 first[i].empty() ? std::nullopt : std::optional(store::read_stored_time(first[i])),
                 click[i] != 0});
        }
        return out;
    }

    DeliveryRow row(CampaignId campaign, DeliveryId id) {
        for (auto& r : rows(campaign)) {
            if (r.id == id) return r;
        }
        throw std::runtime_error(fmt::format("no delivery {}", id));
    }

    std::string postgres_server_;    // BREVDUVA_TEST_POSTGRES, when set
    std::string postgres_database_;  // … and the database made for this test
    fs::path folder_;
    store::Database db_;
    config::Settings settings_;
    consent::ContactStore contacts_{db_, settings_.purposes};
    CampaignStore campaigns_{db_, settings_};

  private:
    store::Database open() {
        fs::create_directories(folder_);
        // BREVDUVA_TEST_POSTGRES: a libpq connection string to a server where the user may
        // create databases (scripts/test starts one).
        if (const char* server = std::getenv("BREVDUVA_TEST_POSTGRES"); server && *server) {
            postgres_server_ = server;
            postgres_database_ =
                fmt::format("brevduva_dispatch_{}_{:08x}", ::getpid(), std::random_device{}());
            store::Database::open_postgres(postgres_server_)
                .execute_script("CREATE DATABASE " + postgres_database_);
            return store::Database::open_postgres(postgres_server_ +
                                                  " dbname=" + postgres_database_);
        }
        return store::Database::open_sqlite(folder_ / "brevduva.db", 2000ms);
    }
};

}  // namespace brevduva::dispatcher::test
