#include "dispatcher/dispatcher_worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "config/config_secret.hpp"
#include "consent/consent_store.hpp"
#include "consent/consent_token.hpp"
#include "dispatcher/dispatcher_lanes.hpp"
#include "dispatcher/dispatcher_window.hpp"
#include "smtp/smtp_shaping.hpp"
#include "templates/templates_compose.hpp"
#include "templates/templates_dkim_key.hpp"
#include "templates/templates_message_ids.hpp"

namespace brevduva::dispatcher {

std::unique_ptr<templates::DkimSigner> make_dkim_signer(const config::DkimSettings& dkim) {
    if (dkim.domain.empty()) return nullptr;
    std::vector<templates::DkimSignatureKey> keys;
    keys.push_back({dkim.selector, templates::DkimKey::load_pem_file(dkim.rsa_key_file)});
    if (!dkim.ed25519_selector.empty()) {
        keys.push_back(
            {dkim.ed25519_selector, templates::DkimKey::load_pem_file(dkim.ed25519_key_file)});
    }
    return std::make_unique<templates::DkimSigner>(
        templates::DkimSignerSettings{dkim.domain, "",
                                      std::string(templates::kDefaultSignedHeaders)},
        std::move(keys));
}

namespace {

using Clock = std::chrono::system_clock;

// A contact's stored (already normalised) address as its parts.
consent::EmailAddress stored_address(const std::string& text) {
    const auto at = text.rfind('@');
    if (at == std::string::npos) return {text, ""};
    return {text.substr(0, at), text.substr(at + 1)};
}

const consent::PurposeSettings* purpose_named(const config::Settings& settings,
                                              std::string_view name) {
    for (const auto& p : settings.purposes) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

// The transport's callbacks, handed to the worker's thread through a queue.
class Inbox final : public smtp::TransportObserver {
  public:
    void on_outcome(smtp::DeliveryId id, const smtp::Outcome& outcome) override {
        {
            std::lock_guard lock(mutex_);
            AttemptOutcome& o = outcomes_.emplace_back();
            o.id = static_cast<DeliveryId>(id);
            o.outcome = outcome;
        }
        wake_.notify_all();
    }

    std::vector<AttemptOutcome> take() {
        std::lock_guard lock(mutex_);
        std::vector<AttemptOutcome> out;
        out.swap(outcomes_);
        return out;
    }

    // Waits until an outcome arrives, poke() is called, or the timeout passes.
    void wait(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, timeout, [&] { return !outcomes_.empty() || poked_; });
        poked_ = false;
    }

    void poke() {
        {
            std::lock_guard lock(mutex_);
            poked_ = true;
        }
        wake_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<AttemptOutcome> outcomes_;
    bool poked_ = false;
};

// What the worker keeps per running campaign: its compiled snapshot and a composer per lane.
struct CampaignRun {
    Campaign campaign;
    const consent::PurposeSettings* purpose = nullptr;
    std::unique_ptr<templates::CampaignTemplate> compiled;
    std::vector<std::unique_ptr<templates::MessageComposer>> composers;
    SendingWindow window;
};

// A message the gate allowed, on its way through a lane: what it is built from, and what
// came out.
struct Composition {
    const Claimed* claimed = nullptr;
    const consent::Contact* contact = nullptr;
    bool open_tracking = false;
    bool click_tracking = false;
    smtp::ShapingPermit permit;
    templates::ComposedMessage composed;
    std::optional<templates::ComposeError> error;
};

}  // namespace

class Worker::Impl {
  public:
    Impl(const config::Settings& settings, store::Database& db, WorkerOptions options,
         const TransportFactory& factory, WorkerHooks* hooks)
        : settings_(settings),
          db_(db),
          options_(options),
          hooks_(hooks != nullptr ? hooks : &no_hooks_),
          keys_(1, config::read_secret(settings.public_url.token_secret)),
          suppression_secret_(config::read_secret(settings.consent.suppression_secret)),
          message_id_key_(templates::derive_message_id_key(suppression_secret_)),
          lanes_(options.compose_threads != 0 ? options.compose_threads : available_cores()),
          suppressions_(db, suppression_secret_),
          contacts_(db, settings.purposes),
          campaigns_(db, settings),
          queue_(db, worker_identity()),
          shaper_(settings.sending, [] { return std::chrono::steady_clock::now(); }),
          random_engine_(std::random_device{}()) {
        backoff_.initial = settings.sending.retry_initial;
        backoff_.maximum = settings.sending.retry_max;
        backoff_.maximum_age = settings.sending.maximum_age;
        // A signer per lane: each reuses its buffers from message to message.
        for (std::size_t lane = 0; lane < lanes_.count(); ++lane) {
            signers_.push_back(make_dkim_signer(settings.dkim));
        }
        transport_ = factory ? factory(inbox_) : smtp::make_transport(settings, inbox_);
        if (options_.max_in_flight == 0) {
            std::size_t connections = 0;
            for (const auto& relay : settings.relays) {
                connections += static_cast<std::size_t>(std::max(relay.connections, 1));
            }
            options_.max_in_flight = std::max<std::size_t>(
                2 * static_cast<std::size_t>(std::max(settings.sending.batch_size, 1)),
                32 * connections);
        }
        open_tracking_ = purpose_named(settings, "open_tracking");
        click_tracking_ = purpose_named(settings, "click_tracking");
    }

    WorkerProgress run();
    void stop() {
        stopping_ = true;
        inbox_.poke();
    }

  private:
    void housekeeping(Clock::time_point now, bool force);
    CampaignRun* prepare(const Campaign& campaign);
    // Claims and hands over one batch of the campaign; the number claimed.
    std::size_t send_batch(CampaignRun& run, Clock::time_point now);
    void record_outcomes();
    // After a turn failed with e: true when e was the database locked past its busy timeout
    // (reported once per spell) and the turn is to be tried again after a short wait.
    bool waited_out_lock(const std::exception& e);
    void unlocked();
    void drain();
    void report();
    // Nothing to send now or within a few seconds, in any campaign whose window is open.
    bool idle();

    const config::Settings& settings_;
    store::Database& db_;
    WorkerOptions options_;
    WorkerHooks no_hooks_;
    WorkerHooks* hooks_;
    consent::TokenKeys keys_;
    std::string suppression_secret_;
    std::string message_id_key_;
    Lanes lanes_;
    std::vector<std::unique_ptr<templates::DkimSigner>> signers_;
    consent::SuppressionStore suppressions_;
    consent::ContactStore contacts_;
    CampaignStore campaigns_;
    DeliveryQueue queue_;
    smtp::Shaper shaper_;
    Inbox inbox_;
    std::unique_ptr<smtp::Transport> transport_;
    const consent::PurposeSettings* open_tracking_ = nullptr;
    const consent::PurposeSettings* click_tracking_ = nullptr;
    BackoffPolicy backoff_;
    std::mt19937_64 random_engine_;
    std::map<CampaignId, std::unique_ptr<CampaignRun>> runs_;
    std::set<CampaignId> broken_;  // snapshots that cannot be used: reported once
    std::atomic<bool> stopping_{false};
    // What the worker knows of each message in the transport's hands.
    struct InFlight {
        std::int64_t contact_id = 0;
        int attempts = 1;
        Clock::time_point first_attempt_at;
    };
    std::unordered_map<DeliveryId, InFlight> in_flight_map_;
    std::vector<AttemptOutcome> unrecorded_;  // taken from the inbox, not yet written
    Clock::time_point locked_since_{};        // a spell of a locked database, reported once
    std::size_t in_flight_ = 0;
    WorkerProgress progress_;
    std::set<CampaignId> reported_overdue_;
    Clock::time_point last_housekeeping_{};
    Clock::time_point last_renewal_{};
};

CampaignRun* Worker::Impl::prepare(const Campaign& campaign) {
    if (auto it = runs_.find(campaign.id); it != runs_.end()) return it->second.get();
    if (broken_.contains(campaign.id)) return nullptr;
    auto run = std::make_unique<CampaignRun>();
    run->campaign = campaign;
    run->purpose = purpose_named(settings_, campaign.spec.purpose);
    if (run->purpose == nullptr) {
        spdlog::error("campaign {}: purpose '{}' is no longer configured; it is not sent",
                      campaign.id, campaign.spec.purpose);
        broken_.insert(campaign.id);
        return nullptr;
    }
    auto window = SendingWindow::parse(campaign.spec.sending_window);
    if (!window) {
        spdlog::error("campaign {}: sending window: {}", campaign.id, window.error());
        broken_.insert(campaign.id);
        return nullptr;
    }
    run->window = window.value();
    const auto snapshot = campaigns_.snapshot(campaign.id);
    auto compiled =
        templates::CampaignTemplate::compile(snapshot.sources, campaign_check(campaign.spec));
    if (!compiled) {
        spdlog::error("campaign {}: its template snapshot does not compile: {}", campaign.id,
                      compiled.error().front().message);
        broken_.insert(campaign.id);
        return nullptr;
    }
    run->compiled = std::make_unique<templates::CampaignTemplate>(std::move(compiled).value());
    templates::ComposerSettings c;
    c.base_url = settings_.public_url.base_url;
    const auto& s = settings_.sender;
    const auto& spec = campaign.spec;
    c.sender =
        templates::MessageSender{spec.from_name.empty() ? s.from_name : spec.from_name,
                                 spec.from_address.empty() ? s.from_address : spec.from_address,
                                 spec.reply_to.empty() ? s.reply_to : spec.reply_to,
                                 s.bounce_domain,
                                 s.unsubscribe_mailbox,
                                 "brevduva"};
    c.campaign.id = static_cast<std::uint64_t>(campaign.id);
    c.campaign.name = campaign.spec.name;
    c.campaign.purpose = campaign.spec.purpose;
    c.campaign.purpose_id =
        static_cast<std::uint64_t>(consent::purpose_id(db_, campaign.spec.purpose));
    for (std::size_t lane = 0; lane < lanes_.count(); ++lane) {
        run->composers.push_back(std::make_unique<templates::MessageComposer>(
            *run->compiled, c, keys_, message_id_key_, signers_[lane].get()));
    }
    spdlog::info("campaign {}: sending, template {}", campaign.id, snapshot.hash.substr(0, 12));
    return runs_.emplace(campaign.id, std::move(run)).first->second.get();
}

void Worker::Impl::housekeeping(Clock::time_point now, bool force) {
    if (!force && now - last_housekeeping_ < std::chrono::seconds(1)) return;
    last_housekeeping_ = now;
    for (const auto& overdue : campaigns_.fire_due(now, settings_.sending.schedule_guard)) {
        if (reported_overdue_.insert(overdue.id).second) {
            spdlog::warn(
                "campaign {}: its schedule is more than {} h past due; it is not sent"
                " unless it is scheduled again with --force",
                overdue.id, settings_.sending.schedule_guard.count());
        }
    }
    for (const auto id : campaigns_.finish_done(now)) {
        spdlog::info("campaign {}: finished", id);
        runs_.erase(id);
    }
    const auto recovered = queue_.recover(now);
    if (recovered.released > 0 || recovered.ambiguous > 0) {
        spdlog::warn(
            "recovered the leases of a stopped worker: {} back to pending, {} ambiguous"
            " (see campaign status)",
            recovered.released, recovered.ambiguous);
        progress_.ambiguous += recovered.ambiguous;
    }
    if (now - last_renewal_ > options_.lease / 3) {
        queue_.renew(now + options_.lease);
        last_renewal_ = now;
    }
    // Campaigns no longer running (paused, cancelled) are dropped; they are prepared again
    // when they run again.
    progress_.running.clear();
    std::set<CampaignId> running;
    for (const auto& campaign : campaigns_.running()) {
        running.insert(campaign.id);
        progress_.running.push_back(campaign.id);
    }
    std::erase_if(runs_, [&](const auto& entry) { return !running.contains(entry.first); });
}

std::size_t Worker::Impl::send_batch(CampaignRun& run, Clock::time_point now) {
    std::size_t limit = static_cast<std::size_t>(std::max(settings_.sending.batch_size, 1));
    if (settings_.sending.global_rate > 0) {
        // No more than a second's worth at a time: what waits for the rate stays pending,
        // where pause and cancel reach it.
        limit = std::clamp<std::size_t>(static_cast<std::size_t>(settings_.sending.global_rate), 1,
                                        limit);
    }
    limit = std::min(limit, options_.max_in_flight - in_flight_);
    const auto claimed = queue_.claim(run.campaign.id, limit, now, now + options_.lease);
    if (claimed.empty()) return 0;

    std::vector<GateVerdict> verdicts;
    std::vector<smtp::OutgoingMessage> messages;
    verdicts.reserve(claimed.size());
    {
        // The gate reads and the moves to sending in one write transaction: a withdrawal
        // commits either before the gate reads (then this skips) or after the row is sending.
        store::Transaction transaction(db_);
        // The moment of the decision is taken inside the transaction, after its lock: every
        // withdrawal recorded before it is seen, none recorded after it could have been.
        const auto decided_at = Clock::now();
        const auto campaign = campaigns_.find(run.campaign.id);
        const bool cancelled = campaign && campaign->state == CampaignState::cancelled;
        const bool running = campaign && campaign->state == CampaignState::running;
        std::optional<Clock::time_point> wait_until;
        std::vector<std::int64_t> contact_ids;
        contact_ids.reserve(claimed.size());
        for (const auto& c : claimed) contact_ids.push_back(c.contact_id);
        const auto facts_of = running ? consent::load_gate_facts(suppressions_, contact_ids)
                                      : std::unordered_map<std::int64_t, consent::GateFacts>{};
        std::vector<Composition> compositions;
        compositions.reserve(claimed.size());
        for (const auto& c : claimed) {
            GateVerdict v;
            v.id = c.id;
            if (!running) {
                v.kind = cancelled ? GateVerdict::Kind::skip : GateVerdict::Kind::release;
                v.reason = "campaign_cancelled";
                v.due_at = decided_at;
                verdicts.push_back(std::move(v));
                continue;
            }
            if (wait_until) {
                v.kind = GateVerdict::Kind::release;
                v.due_at = *wait_until;
                verdicts.push_back(std::move(v));
                continue;
            }
            const auto it = facts_of.find(c.contact_id);
            if (it == facts_of.end()) continue;  // erased meanwhile: its delivery went with it
            const consent::Contact& contact = it->second.contact;
            const auto& found = it->second.suppressions;
            const auto& events = it->second.events;
            const consent::ContactFacts facts{!contact.organisation.empty()};
            const auto decision = consent::decide(facts, events, found, *run.purpose, decided_at);
            if (!decision.send) {
                v.kind = GateVerdict::Kind::skip;
                v.reason = consent::to_string(decision.reason);
                verdicts.push_back(std::move(v));
                ++progress_.skipped;
                continue;
            }
            auto admission = shaper_.admit(contact.address);
            if (!admission.admitted()) {
                const auto wait = admission.retry_at - std::chrono::steady_clock::now();
                v.kind = GateVerdict::Kind::release;
                v.due_at = decided_at + std::chrono::duration_cast<Clock::duration>(std::max(
                                            wait, std::chrono::steady_clock::duration::zero()));
                if (admission.reason == smtp::WaitReason::global_rate) wait_until = v.due_at;
                verdicts.push_back(std::move(v));
                continue;
            }
            Composition& m = compositions.emplace_back();
            m.claimed = &c;
            m.contact = &contact;
            m.open_tracking =
                open_tracking_ != nullptr &&
                consent::decide(facts, events, found, *open_tracking_, decided_at).send;
            m.click_tracking =
                click_tracking_ != nullptr &&
                consent::decide(facts, events, found, *click_tracking_, decided_at).send;
            m.permit = std::move(admission.permit);
        }

        // Rendering, MIME and DKIM need nothing from the database: the lanes build the
        // allowed messages side by side while the transaction waits.
        const auto sent_at = std::chrono::floor<std::chrono::seconds>(decided_at);
        lanes_.run(compositions.size(), [&](std::size_t lane, std::size_t i) {
            Composition& m = compositions[i];
            const consent::Contact& contact = *m.contact;
            templates::Delivery delivery;
            delivery.delivery_id = static_cast<std::uint64_t>(m.claimed->id);
            delivery.contact_id = static_cast<std::uint64_t>(contact.id);
            auto attributes = templates::attributes_from_json(contact.attributes);
            const templates::Value none{templates::Map{}};
            const templates::Value& attribute_value = attributes ? attributes.value() : none;
            delivery.recipient = templates::Recipient{contact.name, contact.address, contact.locale,
                                                      contact.organisation, &attribute_value};
            delivery.open_tracking = m.open_tracking;
            delivery.click_tracking = m.click_tracking;
            m.error = run.composers[lane]->compose(delivery, sent_at, m.composed);
        });

        std::map<DeliveryId, std::size_t> message_of;
        std::map<DeliveryId, InFlight> started;
        for (auto& m : compositions) {
            const Claimed& c = *m.claimed;
            GateVerdict v;
            v.id = c.id;
            if (m.error) {
                v.kind = GateVerdict::Kind::fail;
                v.reason = "the message could not be built: " + m.error->message;
                verdicts.push_back(std::move(v));
                ++progress_.failed;
                continue;
            }
            v.kind = GateVerdict::Kind::send;
            v.open_tracking = m.open_tracking;
            v.click_tracking = m.click_tracking;
            verdicts.push_back(std::move(v));
            smtp::OutgoingMessage message;
            message.id = static_cast<smtp::DeliveryId>(c.id);
            message.envelope_from = std::move(m.composed.envelope_sender);
            message.recipient = m.contact->address;
            message.content = std::move(m.composed.wire);
            message.permit = std::move(m.permit);
            message_of[c.id] = messages.size();
            messages.push_back(std::move(message));
            started[c.id] = {c.contact_id, c.attempts + 1, c.first_attempt_at.value_or(decided_at)};
        }
        const auto sending = queue_.settle(verdicts, decided_at);
        transaction.commit();
        // Only what is sending now goes out; a verdict the queue refused (a lease taken over)
        // drops its message, and its permit with it.
        std::vector<smtp::OutgoingMessage> out;
        out.reserve(sending.size());
        for (const auto id : sending) {
            if (auto it = message_of.find(id); it != message_of.end()) {
                out.push_back(std::move(messages[it->second]));
                in_flight_map_[id] = started[id];
            }
        }
        messages.swap(out);
    }
    in_flight_ += messages.size();
    if (!messages.empty()) transport_->submit(std::move(messages));
    return claimed.size();
}

void Worker::Impl::record_outcomes() {
    // Outcomes stay in unrecorded_ until they are written: a database locked past its busy
    // timeout throws from record(), and the next turn writes them then.
    for (auto& o : inbox_.take()) {
        if (auto it = in_flight_map_.find(o.id); it != in_flight_map_.end()) {
            o.contact_id = it->second.contact_id;
            o.attempts = it->second.attempts;
            o.first_attempt_at = it->second.first_attempt_at;
            in_flight_map_.erase(it);
        }
        unrecorded_.push_back(std::move(o));
    }
    if (unrecorded_.empty()) return;
    const auto outcomes = std::move(unrecorded_);
    unrecorded_.clear();
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const UnitRandom random = [&] { return unit(random_engine_); };
    const auto key_of = [&](std::int64_t contact_id) -> std::string {
        const auto contact = contacts_.find(contact_id);
        if (!contact) return {};
        return suppressions_.key_for(stored_address(contact->address));
    };
    Recorded recorded;
    try {
        recorded = queue_.record(outcomes, backoff_, Clock::now(), random, key_of);
    } catch (...) {
        unrecorded_ = outcomes;
        throw;
    }
    in_flight_ -= std::min(in_flight_, outcomes.size());
    progress_.sent += recorded.sent;
    progress_.deferred += recorded.deferred;
    progress_.failed += recorded.failed;
    progress_.ambiguous += recorded.ambiguous;
    if (recorded.suppressed > 0) {
        spdlog::info("{} hard bounce{} added to the suppressions", recorded.suppressed,
                     recorded.suppressed == 1 ? "" : "s");
    }
    report();
}

void Worker::Impl::report() {
    progress_.in_flight = in_flight_;
    hooks_->progress(progress_);
}

void Worker::Impl::drain() {
    // Nothing is claimed between batches, so what is left is in the transport: give it the
    // drain time, then cut what still runs (a cut after the final dot is ambiguous).
    const auto deadline = Clock::now() + settings_.sending.drain_timeout;
    const auto record_in_time = [&] {
        for (;;) {
            try {
                record_outcomes();
                return;
            } catch (const std::exception& e) {
                // Past the drain time, what is not written is recovered at the next start.
                if (Clock::now() >= deadline || !waited_out_lock(e)) throw;
            }
        }
    };
    while (in_flight_ > 0 && Clock::now() < deadline) {
        hooks_->alive();
        inbox_.wait(std::chrono::milliseconds(200));
        record_in_time();
    }
    transport_->close(std::chrono::milliseconds(1000));
    record_in_time();
    const auto released = queue_.release_unstarted(Clock::now());
    if (released > 0) spdlog::info("released {} unstarted deliveries", released);
    if (in_flight_ > 0) {
        spdlog::warn("{} messages got no answer before the drain time ran out", in_flight_);
    }
}

bool Worker::Impl::idle() {
    housekeeping(Clock::now(), true);
    const auto now = Clock::now();
    bool any_open = false;
    for (const auto& campaign : campaigns_.running()) {
        auto* run = prepare(campaign);
        any_open = any_open || (run != nullptr && run->window.is_open(now));
    }
    if (!any_open) return true;
    // Work due within a few seconds (a shaper's wait, a short retry) is waited for; a retry
    // minutes away is not.
    const auto due = queue_.next_due();
    return !due || *due > now + std::chrono::seconds(5);
}

bool Worker::Impl::waited_out_lock(const std::exception& e) {
    if (!store::is_locked(e)) return false;
    // Another process held the database's write lock past database.busy_timeout (a large
    // import, a process stopped while it held it). The step that failed wrote nothing; what it
    // had claimed is claimed again and its outcomes are kept. Wait, and try again, rather than
    // end the worker (and with `serve`, the listeners beside it).
    if (locked_since_ == Clock::time_point{}) {
        locked_since_ = Clock::now();
        spdlog::warn(
            "the database stayed locked past database.busy_timeout ({} ms): {}; "
            "waiting for it",
            settings_.database.busy_timeout.count(), e.what());
    }
    // A plain sleep: the inbox would wake at once while outcomes wait to be written.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    return true;
}

void Worker::Impl::unlocked() {
    if (locked_since_ == Clock::time_point{}) return;
    spdlog::info(
        "the database is writable again after {} s",
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - locked_since_).count());
    locked_since_ = {};
}

WorkerProgress Worker::Impl::run() {
    for (;;) {
        try {
            housekeeping(Clock::now(), true);
            break;
        } catch (const std::exception& e) {
            if (stopping_ || !waited_out_lock(e)) throw;
        }
    }
    std::size_t turn = 0;
    while (!stopping_) {
        hooks_->alive();
        const auto now = Clock::now();
        std::size_t claimed = 0;
        try {
            housekeeping(now, false);
            record_outcomes();
            if (in_flight_ < options_.max_in_flight) {
                // Round robin over the running campaigns, one batch each per turn.
                std::vector<CampaignRun*> ready;
                for (const auto& campaign : campaigns_.running()) {
                    if (auto* run = prepare(campaign)) ready.push_back(run);
                }
                for (std::size_t i = 0; i < ready.size() && !stopping_; ++i) {
                    CampaignRun& run = *ready[(turn + i) % ready.size()];
                    if (!run.window.is_open(now)) continue;
                    if (in_flight_ >= options_.max_in_flight) break;
                    claimed += send_batch(run, now);
                }
                ++turn;
            }
            unlocked();
            if (claimed > 0) continue;
            if (options_.until_idle && in_flight_ == 0 && unrecorded_.empty() && idle()) break;
        } catch (const std::exception& e) {
            if (!waited_out_lock(e)) throw;
            continue;
        }
        inbox_.wait(in_flight_ > 0 ? std::chrono::milliseconds(50) : options_.idle_poll);
    }
    drain();
    housekeeping(Clock::now(), true);
    report();
    return progress_;
}

Worker::Worker(const config::Settings& settings, store::Database& db, WorkerOptions options,
               const TransportFactory& transport, WorkerHooks* hooks)
    : impl_(std::make_unique<Impl>(settings, db, options, transport, hooks)) {}

Worker::~Worker() = default;

WorkerProgress Worker::run() { return impl_->run(); }

void Worker::stop() { impl_->stop(); }

}  // namespace brevduva::dispatcher
