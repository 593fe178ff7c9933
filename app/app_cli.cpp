#include "app/app_cli.hpp"

#include <Poco/Exception.h>
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "app/app_commands.hpp"
#include "app/app_context.hpp"
#include "log/log_setup.hpp"
#include "store/store_database.hpp"

namespace brevduva::app {
namespace {

constexpr const char* version_text = "brevduva " BREVDUVA_VERSION;

// Options given after a subcommand belong to the whole program (brevduva db migrate --config F).
void let_options_fall_through(CLI::App& app) {
    for (auto* sub : app.get_subcommands({})) {
        sub->fallthrough();
        let_options_fall_through(*sub);
    }
}

// CLI11 reports "brevduva frobnicate" as a missing subcommand; name the word it did not know.
std::string describe_parse_error(const CLI::App& app, const CLI::ParseError& e) {
    const CLI::App* deepest = &app;
    std::string path = "brevduva";
    while (!deepest->get_subcommands().empty()) {
        deepest = deepest->get_subcommands().front();
        path += " " + deepest->get_name();
    }
    // Positionals fall through to the top when a subcommand does not take them.
    auto remaining = deepest->remaining();
    if (remaining.empty()) remaining = app.remaining();
    if (!deepest->get_subcommands({}).empty() && !remaining.empty() &&
        remaining.front().rfind('-', 0) != 0) {
        return fmt::format("unknown command '{}' for '{}'", remaining.front(), path);
    }
    return e.what();
}

// The `contacts` group, created here unless a command file registered it already.
CLI::App& contacts_group(CLI::App& app) {
    for (auto* sub : app.get_subcommands({})) {
        if (sub->get_name() == "contacts") return *sub;
    }
    auto* contacts = app.add_subcommand("contacts", "Import, show and list contacts");
    contacts->require_subcommand(1);
    return *contacts;
}

// SIGBUS is how the kernel reports that a page of a memory-mapped file can no longer be read or
// written: for Brevduva, SQLite's -shm file (the WAL index, always mapped) on a file system that
// turned read-only, ran out of space or lost its device. Nothing can be done safely after it in
// the process; what can be done is to say so plainly instead of dying without a word. Every
// acknowledged change was committed and synced before it was acknowledged, and an interrupted
// batch is taken up again at the next start, as after any crash.
void on_bus_error(int /*signal*/) {
    static constexpr char message[] =
        "brevduva: a memory-mapped file could not be read or written (SIGBUS): most likely the "
        "database's -shm file, on a file system that turned read-only, ran out of space or lost "
        "its device. Every acknowledged change is committed; make the file system writable and "
        "start again.\n";
    (void)!::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(exit_failure);
}

void report_bus_errors() {
    struct sigaction action {};
    action.sa_handler = on_bus_error;
    sigemptyset(&action.sa_mask);
    (void)::sigaction(SIGBUS, &action, nullptr);
}

int report_parse_error(const CLI::App& app, const CLI::ParseError& e) {
    fmt::print(stderr, "brevduva: {}\nRun 'brevduva --help' for the commands and options.\n",
               describe_parse_error(app, e));
    return exit_usage;
}

// Output to a full disk or a closed file fails only when stdio's buffer is written out: a command
// whose output was lost must say so and not exit 0.
int finish_output(int code) {
    errno = 0;
    if (std::fflush(stdout) == 0 && std::ferror(stdout) == 0) return code;
    const int error = errno;
    fmt::print(stderr, "brevduva: the output could not be written: {}\n",
               error != 0 ? std::generic_category().message(error) : "write error");
    return code == exit_ok ? exit_failure : code;
}

int run_command(int argc, char** argv) {
    report_bus_errors();
    log::configure_logging(config::LoggingSettings{});
    CLI::App app{"Brevduva: consent-gated marketing e-mail dispatcher.", "brevduva"};
    app.set_version_flag("--version", version_text, "Print the version and exit");
    app.require_subcommand(1);
    app.footer(
        "Exit status: 0 success, 1 the environment failed (database, files, relay; an I/O error "
        "of the database's files included), "
        "2 bad command line or configuration, 3 'consent check' decided to skip.");

    Context context;
    GlobalOptions& options = context.options();
    app.add_option("-c,--config", options.config_path, "Configuration file")->capture_default_str();
    app.add_option("--set", options.overrides,
                   "Override one setting for this run: key.path=value (repeatable)")
        ->take_all()
        ->allow_extra_args(false);

    add_config_commands(app, context);
    add_db_commands(app, context);
    add_contacts_import_command(contacts_group(app), context);
    add_contacts_commands(contacts_group(app), context);
    add_consent_commands(app, context);
    add_suppress_commands(app, context);
    add_gdpr_commands(app, context);
    add_template_commands(app, context);
    add_dkim_commands(app, context);
    add_campaign_commands(app, context);
    add_worker_commands(app, context);
    add_web_commands(app, context);
    add_manpage_command(app);
    let_options_fall_through(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        // fputs, not fmt::print, which would throw from inside this handler: a failed write is
        // reported by finish_output().
        (void)std::fputs(app.help().c_str(), stdout);
        return exit_ok;
    } catch (const CLI::CallForVersion& e) {
        (void)std::fputs(e.what(), stdout);
        (void)std::fputc('\n', stdout);
        return exit_ok;
    } catch (const CLI::ParseError& e) {
        return report_parse_error(app, e);
    } catch (const CommandFailure& e) {
        fmt::print(stderr, "brevduva: {}\n", e.what());
        return e.exit_code();
    } catch (const store::StoreError& e) {
        fmt::print(stderr, "brevduva: {}\n", e.what());
        return exit_failure;
    } catch (const Poco::Exception& e) {
        // Poco's what() is only the exception's class name; displayText() has the cause.
        fmt::print(stderr, "brevduva: error: {}\n", e.displayText());
        return exit_failure;
    } catch (const std::exception& e) {
        fmt::print(stderr, "brevduva: error: {}\n", e.what());
        return exit_failure;
    }
    return exit_ok;
}

}  // namespace

int run(int argc, char** argv) { return finish_output(run_command(argc, argv)); }

}  // namespace brevduva::app
