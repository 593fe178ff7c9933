// What a connection's transaction loop (smtp_pump.hpp) needs from the pool it belongs to: work
// to take, a way to give back what never left, and somewhere to put outcomes. The pool
// implements it; tests may too.
#pragma once

#include <optional>

#include "smtp/smtp_outcome.hpp"
#include "smtp/smtp_transport.hpp"

namespace brevduva::smtp {

struct WorkItem {
    OutgoingMessage message;
    int attempts = 0;  // connections that failed before its content was sent
};

class WorkSource {
  public:
    WorkSource() = default;
    WorkSource(const WorkSource&) = delete;
    WorkSource& operator=(const WorkSource&) = delete;
    virtual ~WorkSource() = default;

    // The next message. With `wait`, up to the idle timeout; nullopt when none came or the
    // transport is stopping (then nothing new may start).
    [[nodiscard]] virtual std::optional<WorkItem> take(bool wait) = 0;
    // The connection failed before the message's content was sent: another connection may try
    // it, or, after too many tries, it ends with `outcome`.
    virtual void give_back(WorkItem item, const Outcome& outcome) = 0;
    virtual void data_started(const WorkItem& item) = 0;
    virtual void finish(WorkItem item, const Outcome& outcome) = 0;
};

}  // namespace brevduva::smtp
