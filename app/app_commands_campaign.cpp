// brevduva campaign create|show|list|queue|schedule|pause|resume|cancel|status|resend-ambiguous:
// what marketing staff do with campaigns. Every state change records its actor; every refusal
// names the campaign and why (exit 2 for a bad argument, 1 for a move the state forbids).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "app/app_commands.hpp"
#include "app/app_consent_arguments.hpp"
#include "dispatcher/dispatcher_store.hpp"

namespace brevduva::app {
namespace {

using dispatcher::CampaignState;
using dispatcher::DeliveryState;
using Clock = std::chrono::system_clock;

struct CampaignOptions {
    std::int64_t id = 0;
    dispatcher::CampaignSpec spec;
    std::string send_at;
    std::string at;
    std::string actor;
    bool force = false;
    bool watch = false;
    std::size_t limit = 50;
};

dispatcher::CampaignStore store_of(Context& context) {
    return dispatcher::CampaignStore(current_database(context), context.settings());
}

template <typename T>
T or_fail(consent::Result<T, std::string> result) {
    if (!result) throw CommandFailure(exit_failure, result.error());
    return std::move(result).value();
}

std::string optional_time(const std::optional<Clock::time_point>& at) {
    return at ? display_time(*at) : "-";
}

void create(Context& context, CampaignOptions& o) {
    auto store = store_of(context);
    if (!o.send_at.empty()) o.spec.send_at = time_argument(o.send_at, Clock::now(), true);
    auto created = store.create(o.spec, actor_argument(o.actor));
    if (!created) {
        fmt::print(stderr, "{}\n", created.error());
        throw CommandFailure(exit_usage, "the campaign was not created");
    }
    fmt::print("campaign {} created (draft): queue it with 'brevduva campaign queue {}'\n",
               created.value(), created.value());
}

void show(Context& context, const CampaignOptions& o) {
    auto store = store_of(context);
    const auto c = store.find(o.id);
    if (!c) throw CommandFailure(exit_failure, fmt::format("there is no campaign {}", o.id));
    const auto& s = c->spec;
    const auto join = [](const std::vector<std::string>& v) {
        return v.empty() ? std::string("-") : fmt::format("{}", fmt::join(v, ", "));
    };
    fmt::print("campaign {}: {}\n", c->id, s.name);
    fmt::print("  state           {}\n", dispatcher::to_string(c->state));
    fmt::print("  purpose         {}\n", s.purpose);
    fmt::print("  template        {}{}\n", s.template_folder,
               c->template_hash.empty() ? "" : fmt::format(" (snapshot {})", c->template_hash));
    fmt::print("  attributes      {}\n", join(s.attributes));
    fmt::print("  lists           {}\n", join(s.audience.lists));
    fmt::print("  organisations   {}\n", s.audience.organisations.empty()
                                             ? std::string("any")
                                             : join(s.audience.organisations));
    fmt::print("  sender          {}\n",
               s.from_address.empty() ? std::string("from the configuration") : s.from_address);
    fmt::print("  send at         {}{}\n", optional_time(s.send_at),
               c->fire_overdue ? " (fires even when overdue)" : "");
    fmt::print("  sending window  {}\n",
               s.sending_window.empty() ? std::string("any time") : s.sending_window);
    fmt::print("  recipients      {}\n", c->recipients);
    fmt::print("  created         {} by {}\n", display_time(c->created_at), c->created_by);
    fmt::print("  queued          {}\n", optional_time(c->queued_at));
    fmt::print("  started         {}\n", optional_time(c->started_at));
    fmt::print("  ended           {}\n", optional_time(c->finished_at));
}

void list(Context& context, const CampaignOptions& o) {
    auto store = store_of(context);
    const auto campaigns = store.list(o.limit);
    if (campaigns.empty()) {
        fmt::print("no campaigns\n");
        return;
    }
    fmt::print("{:>5}  {:<10}  {:<18}  {:>10}  {}\n", "id", "state", "purpose", "recipients",
               "name");
    for (const auto& c : campaigns) {
        fmt::print("{:>5}  {:<10}  {:<18}  {:>10}  {}\n", c.id, dispatcher::to_string(c.state),
                   c.spec.purpose, c.recipients, c.spec.name);
    }
}

void queue(Context& context, const CampaignOptions& o) {
    auto store = store_of(context);
    const auto queued = store.queue(o.id, actor_argument(o.actor), o.force, Clock::now());
    if (!queued) {
        fmt::print(stderr, "{}\n", queued.error());
        throw CommandFailure(exit_failure, fmt::format("campaign {} was not queued", o.id));
    }
    const auto c = store.find(o.id);
    fmt::print(
        "campaign {} queued: {} recipient{}, template {} with {} tracked link{}; sends from"
        " {}\n",
        o.id, queued.value().recipients, queued.value().recipients == 1 ? "" : "s",
        queued.value().template_hash.substr(0, 12), queued.value().links,
        queued.value().links == 1 ? "" : "s",
        c && c->spec.send_at ? display_time(*c->spec.send_at) : std::string("now"));
}

void schedule(Context& context, const CampaignOptions& o) {
    auto store = store_of(context);
    const auto at = time_argument(o.at, Clock::now(), true);
    const auto c = or_fail(store.schedule(o.id, at, o.force, actor_argument(o.actor)));
    fmt::print("campaign {} ({}) sends from {}\n", c.id, dispatcher::to_string(c.state),
               display_time(at));
    const auto guard = context.settings().sending.schedule_guard;
    if (Clock::now() - at > guard && !o.force) {
        fmt::print(stderr,
                   "note: that is more than {} h ago; the worker will not fire it unless it is"
                   " scheduled again with --force\n",
                   guard.count());
    }
}

void move(Context& context, const CampaignOptions& o, std::string_view verb) {
    auto store = store_of(context);
    const std::string actor = actor_argument(o.actor);
    const auto c = or_fail(verb == "pause"    ? store.pause(o.id, actor)
                           : verb == "resume" ? store.resume(o.id, actor)
                                              : store.cancel(o.id, actor));
    fmt::print("campaign {} is {}\n", c.id, dispatcher::to_string(c.state));
}

void resend(Context& context, const CampaignOptions& o) {
    auto store = store_of(context);
    const auto listed = store.ambiguous(o.id, 20);
    const auto count = or_fail(store.resend_ambiguous(o.id, actor_argument(o.actor)));
    for (const auto& d : listed) {
        fmt::print("  delivery {} (contact {}), begun {}: {}\n", d.id, d.contact_id,
                   optional_time(d.decided_at), d.last_reply);
    }
    fmt::print(
        "campaign {}: {} ambiguous deliver{} will be sent again (recipients may get a"
        " second copy; its Message-ID is the same)\n",
        o.id, count, count == 1 ? "y" : "ies");
}

std::string duration_text(double seconds) {
    if (seconds < 90) return fmt::format("{:.0f} s", seconds);
    if (seconds < 5400) return fmt::format("{:.0f} min", seconds / 60);
    return fmt::format("{:.1f} h", seconds / 3600);
}

// One screen of status; `bar` adds the progress bar (for --watch).
std::string status_text(const dispatcher::Campaign& c, const dispatcher::CampaignCounts& n,
                        bool bar) {
    std::string out = fmt::format("campaign {} \"{}\" ({}): {}\n", c.id, c.spec.name,
                                  c.spec.purpose, dispatcher::to_string(c.state));
    const std::int64_t done =
        n.in(DeliveryState::sent) + n.in(DeliveryState::failed) + n.in(DeliveryState::skipped);
    const double share =
        n.total > 0 ? static_cast<double>(done) / static_cast<double>(n.total) : 0.0;
    if (bar) {
        constexpr int width = 40;
        const int filled = static_cast<int>(std::lround(share * width));
        out +=
            fmt::format("  [{}{}] {:5.1f}%\n", std::string(static_cast<std::size_t>(filled), '#'),
                        std::string(static_cast<std::size_t>(width - filled), '.'), share * 100);
    }
    out += fmt::format("  {:<11}{:>10}\n", "recipients", n.total);
    for (const auto state : {DeliveryState::sent, DeliveryState::pending, DeliveryState::claimed,
                             DeliveryState::sending, DeliveryState::deferred, DeliveryState::failed,
                             DeliveryState::ambiguous, DeliveryState::skipped}) {
        const auto count = n.in(state);
        if (count == 0 && state != DeliveryState::sent) continue;
        out += fmt::format("  {:<11}{:>10}\n", dispatcher::to_string(state), count);
    }
    for (const auto& [reason, count] : n.skipped_by_reason) {
        out += fmt::format("    {:<20}{:>10}\n", reason, count);
    }
    const double rate = static_cast<double>(n.sent_last_minute) / 60.0;
    if (c.state == CampaignState::running) {
        out += fmt::format("  {:<11}{:>10.1f} messages/s over the last minute\n", "rate", rate);
    } else if (n.first_sent_at && n.last_sent_at && *n.last_sent_at > *n.first_sent_at) {
        const double seconds =
            std::chrono::duration<double>(*n.last_sent_at - *n.first_sent_at).count();
        out += fmt::format("  {:<11}{:>10.1f} messages/s on average\n", "rate",
                           static_cast<double>(n.in(DeliveryState::sent)) / seconds);
    }
    if (n.open() > 0) {
        out += fmt::format(
            "  {:<11}{:>10}\n", "eta",
            rate > 0 ? duration_text(static_cast<double>(n.open()) / rate) : std::string("-"));
    }
    if (n.in(DeliveryState::ambiguous) > 0) {
        out += fmt::format(
            "  {} ambiguous: the relay may have taken them; resend them with 'brevduva campaign"
            " resend-ambiguous {}', or cancel the campaign\n",
            n.in(DeliveryState::ambiguous), c.id);
    }
    return out;
}

void status(Context& context, const CampaignOptions& o) {
    auto store = store_of(context);
    const bool live = o.watch && ::isatty(STDOUT_FILENO) != 0;
    for (std::size_t lines = 0;;) {
        const auto c = store.find(o.id);
        if (!c) throw CommandFailure(exit_failure, fmt::format("there is no campaign {}", o.id));
        const auto counts = store.counts(o.id, Clock::now());
        const std::string text = status_text(*c, counts, o.watch);
        // Redraw in place: up to the first line, clear below.
        if (live && lines > 0) fmt::print("\x1b[{}F\x1b[J", lines);
        fmt::print("{}", text);
        (void)std::fflush(stdout);  // a failed write is reported at exit (app_cli.cpp)
        lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        const bool ended = c->state == CampaignState::finished ||
                           c->state == CampaignState::cancelled || c->state == CampaignState::draft;
        if (!o.watch || ended) return;
        std::this_thread::sleep_for(std::chrono::seconds(1));
        if (!live) fmt::print("\n");
    }
}

CLI::App* with_id(CLI::App* command, CampaignOptions& o) {
    command->add_option("id", o.id, "The campaign's number")->required();
    return command;
}

CLI::App* with_actor(CLI::App* command, CampaignOptions& o) {
    command->add_option("--actor", o.actor, "Who does this (default: the login name)");
    return command;
}

}  // namespace

void add_campaign_commands(CLI::App& app, Context& context) {
    auto* group = app.add_subcommand("campaign", "Create, queue and steer campaigns");
    group->require_subcommand(1);
    auto o = std::make_shared<CampaignOptions>();

    auto* c = with_actor(group->add_subcommand("create", "Create a draft campaign"), *o);
    c->add_option("--name", o->spec.name, "What staff call it")->required();
    c->add_option("--purpose", o->spec.purpose, "Why it is sent (a configured purpose)")
        ->capture_default_str();
    c->add_option("--template", o->spec.template_folder, "The campaign folder")->required();
    c->add_option("--attribute", o->spec.attributes,
                  "A contact attribute the template uses (repeatable)");
    c->add_option("--list", o->spec.audience.lists, "An audience list (repeatable)")->required();
    c->add_option("--organisation", o->spec.audience.organisations,
                  "Only contacts of this organisation (repeatable)");
    c->add_option("--from-address", o->spec.from_address, "Sender address (default: config)");
    c->add_option("--from-name", o->spec.from_name, "Sender name (default: config)");
    c->add_option("--reply-to", o->spec.reply_to, "Reply-To (default: config)");
    c->add_option("--send-at", o->send_at, "When to start, ISO 8601 (default: when queued)");
    c->add_option("--window", o->spec.sending_window,
                  "Local sending hours, e.g. \"mon-fri 08:00-17:00 Europe/Stockholm\"");
    c->callback([&context, o] { create(context, *o); });

    auto* s = with_id(group->add_subcommand("show", "Show one campaign's settings"), *o);
    s->callback([&context, o] { show(context, *o); });

    auto* l = group->add_subcommand("list", "List campaigns, newest first");
    l->add_option("--limit", o->limit, "How many")->capture_default_str();
    l->callback([&context, o] { list(context, *o); });

    auto* q =
        with_actor(with_id(group->add_subcommand("queue",
                                                 "Freeze the template and make one delivery per "
                                                 "recipient; the worker sends from send-at on"),
                           *o),
                   *o);
    q->add_flag("--force", o->force, "Fire even if send-at is older than the schedule guard");
    q->callback([&context, o] { queue(context, *o); });

    auto* sc = with_actor(
        with_id(group->add_subcommand("schedule", "Set when a draft or queued campaign starts"),
                *o),
        *o);
    sc->add_option("--at", o->at, "ISO 8601 time, e.g. 2026-12-01T08:00:00+01:00")->required();
    sc->add_flag("--force", o->force, "Fire even if that is older than the schedule guard");
    sc->callback([&context, o] { schedule(context, *o); });

    for (const auto* verb : {"pause", "resume", "cancel"}) {
        const std::string v = verb;
        const char* help = v == "pause"    ? "Stop sending within a second; resume continues"
                           : v == "resume" ? "Continue a paused campaign"
                                           : "End the campaign; nothing more is sent";
        auto* m = with_actor(with_id(group->add_subcommand(v, help), *o), *o);
        m->callback([&context, o, v] { move(context, *o, v); });
    }

    auto* st = with_id(
        group->add_subcommand("status", "Counts by state and skip reason, send rate and ETA"), *o);
    st->add_flag("--watch", o->watch, "Redraw every second with a progress bar until it ends");
    st->callback([&context, o] { status(context, *o); });

    auto* r = with_actor(
        with_id(group->add_subcommand(
                    "resend-ambiguous",
                    "Send again the deliveries whose outcome is unknown (the worker stopped or "
                    "the connection broke after the message was sent)"),
                *o),
        *o);
    r->callback([&context, o] { resend(context, *o); });
}

}  // namespace brevduva::app
