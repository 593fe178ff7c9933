// FileTransport: the Transport for previews and dry runs. Each message becomes <folder>/<id>.eml
// holding the envelope as Return-Path and Delivered-To (as a mailbox would store it) and then
// the message's bytes unchanged. A file is written under a temporary name in the same folder,
// flushed to disk and renamed, so a reader never sees half a message; writing the same id again
// replaces the file. A written file is reported accepted (250), a failed write transient, and
// the same checks as for SMTP refuse bad input. Synchronous: outcomes are delivered inside
// submit(), on the caller's thread.
#pragma once

#include <filesystem>
#include <vector>

#include "smtp/smtp_transport.hpp"

namespace brevduva::smtp {

class FileTransport final : public Transport {
  public:
    // Creates the folder if it is missing; throws std::runtime_error when that fails.
    FileTransport(std::filesystem::path folder, TransportObserver& observer);

    void submit(std::vector<OutgoingMessage> messages) override;
    void flush() override {}
    void close(std::chrono::milliseconds) override {}

    [[nodiscard]] std::filesystem::path path_of(DeliveryId id) const;

  private:
    [[nodiscard]] Outcome write(const OutgoingMessage& message) const;

    std::filesystem::path folder_;
    TransportObserver& observer_;
};

}  // namespace brevduva::smtp
