#include "smtp/smtp_file_transport.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace brevduva::smtp {

namespace {

// Writes all of `bytes` to a new file and flushes it to disk; an error text, or empty.
std::string write_durably(const std::filesystem::path& path, std::string_view bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return std::generic_category().message(errno);
    std::string error;
    while (!bytes.empty() && error.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0 && errno != EINTR) error = std::generic_category().message(errno);
        if (written > 0) bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    if (error.empty() && ::fsync(fd) != 0) error = std::generic_category().message(errno);
    if (::close(fd) != 0 && error.empty()) error = std::generic_category().message(errno);
    return error;
}

Outcome written_to(const std::filesystem::path& path) {
    SmtpReply reply;
    reply.code = 250;
    reply.text = "written to " + path.string();
    reply.lines = {reply.text};
    return Outcome::from_reply(reply, Stage::end_of_data);
}

}  // namespace

FileTransport::FileTransport(std::filesystem::path folder, TransportObserver& observer)
    : folder_(std::move(folder)), observer_(observer) {
    std::error_code error;
    std::filesystem::create_directories(folder_, error);
    if (error || !std::filesystem::is_directory(folder_)) {
        throw std::runtime_error("cannot use the folder " + folder_.string() + " for .eml files: " +
                                 (error ? error.message() : std::string("not a folder")));
    }
}

std::filesystem::path FileTransport::path_of(DeliveryId id) const {
    return folder_ / (std::to_string(id) + ".eml");
}

void FileTransport::submit(std::vector<OutgoingMessage> messages) {
    for (auto& message : messages) {
        std::optional<Outcome> refusal = check_before_sending(message);
        if (!refusal) observer_.on_data_started(message.id);
        const Outcome outcome = refusal ? *refusal : write(message);
        message.permit.complete(outcome);
        observer_.on_outcome(message.id, outcome);
    }
}

Outcome FileTransport::write(const OutgoingMessage& message) const {
    const std::filesystem::path target = path_of(message.id);
    const std::filesystem::path temporary =
        folder_ / ("." + std::to_string(message.id) + ".eml.tmp");
    std::string bytes;
    bytes.reserve(message.content.size() + message.envelope_from.size() + message.recipient.size() +
                  40);
    bytes.append("Return-Path: <").append(message.envelope_from).append(">\r\n");
    bytes.append("Delivered-To: ").append(message.recipient).append("\r\n");
    bytes.append(message.content);
    std::string error = write_durably(temporary, bytes);
    if (error.empty() && ::rename(temporary.c_str(), target.c_str()) != 0) {
        error = std::generic_category().message(errno);
    }
    if (error.empty()) return written_to(target);
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return Outcome::without_reply(Cause::connection_lost, Stage::data,
                                  "cannot write " + target.string() + ": " + error);
}

}  // namespace brevduva::smtp
