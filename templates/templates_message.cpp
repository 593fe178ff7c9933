#include "templates/templates_message.hpp"

#include <array>

namespace brevduva::templates {
namespace {

using Error = std::optional<HeaderError>;

constexpr std::size_t kMaxHeaderLine = 78;
constexpr std::array<std::string_view, 7> kDays{"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void append_two_digits(std::string& out, unsigned value) {
    out += static_cast<char>('0' + value / 10);
    out += static_cast<char>('0' + value % 10);
}

// A value we build ourselves (Message-ID, URIs, Feedback-ID) still passes the check, and may
// hold no space either: it must stay one unfolded token.
Error check_token(std::string_view field, std::string_view value) {
    if (auto error = check_header_value(field, value)) return error;
    if (value.empty()) return HeaderError{std::string(field), "is empty"};
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == ' ' || c == '\t' || c == '<' || c == '>' ||
            static_cast<unsigned char>(c) >= 0x80) {
            return HeaderError{
                std::string(field),
                "contains a space, < or > or non-ASCII at byte " + std::to_string(i)};
        }
    }
    return std::nullopt;
}

Error append_token_field(std::string& out, std::string_view field, std::string_view value) {
    if (auto error = check_token(field, value)) return error;
    out += field;
    out += ": ";
    out += value;
    out += "\r\n";
    return std::nullopt;
}

Error append_list_unsubscribe(std::string& out, const MessageHeaders& h) {
    if (auto error = check_token("List-Unsubscribe", h.list_unsubscribe_url)) return error;
    if (!h.list_unsubscribe_url.starts_with("https://")) {
        return HeaderError{"List-Unsubscribe", "the URL is not https (RFC 8058 §3.1)"};
    }
    const std::size_t start = out.size();
    out += "List-Unsubscribe: <";
    out += h.list_unsubscribe_url;
    out += '>';
    if (!h.list_unsubscribe_mailto.empty()) {
        if (auto error = check_token("List-Unsubscribe", h.list_unsubscribe_mailto)) return error;
        out += ',';
        // Fold only after the comma: never inside the brackets (RFC 2369 §2).
        const bool fits =
            out.size() - start + 2 + h.list_unsubscribe_mailto.size() + 1 <= kMaxHeaderLine;
        out += fits ? " <" : "\r\n <";
        out += h.list_unsubscribe_mailto;
        out += '>';
    }
    out += "\r\nList-Unsubscribe-Post: ";
    out += kOneClickPost;
    out += "\r\n";
    return std::nullopt;
}

Error append_header_block(std::string& out, const MessageHeaders& h) {
    if (auto e = append_address_field(out, "From", h.from_name, h.from_address)) return e;
    if (auto e = append_address_field(out, "To", h.to_name, h.to_address)) return e;
    if (auto e = append_unstructured_field(out, "Subject", h.subject)) return e;
    out += "Date: ";
    append_rfc5322_date(out, h.date);
    out += "\r\n";
    if (h.message_id.size() < 3 || !h.message_id.starts_with('<') || !h.message_id.ends_with('>')) {
        return HeaderError{"Message-ID", "is not in angle brackets"};
    }
    if (auto e = check_token("Message-ID", h.message_id.substr(1, h.message_id.size() - 2))) {
        return e;
    }
    out += "Message-ID: ";
    out += h.message_id;
    out += "\r\n";
    if (!h.reply_to.empty()) {
        if (auto e = append_address_field(out, "Reply-To", "", h.reply_to)) return e;
    }
    if (!h.list_unsubscribe_url.empty()) {
        if (auto e = append_list_unsubscribe(out, h)) return e;
    }
    if (!h.feedback_id.empty()) {
        if (auto e = append_token_field(out, "Feedback-ID", h.feedback_id)) return e;
    }
    if (auto e = check_token("Content-Type", h.boundary)) return e;
    out += "MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary=\"";
    out += h.boundary;
    out += "\"\r\n";
    return std::nullopt;
}

void append_part(std::string& out, std::string_view boundary, std::string_view type,
                 std::string_view content) {
    out += "--";
    out += boundary;
    out += "\r\nContent-Type: ";
    out += type;
    out += "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
    append_quoted_printable(out, content);
    out += "\r\n";
}

}  // namespace

void append_rfc5322_date(std::string& out, std::chrono::sys_seconds date) {
    using namespace std::chrono;
    const sys_days day = floor<days>(date);
    const year_month_day ymd(day);
    const hh_mm_ss<seconds> time(date - day);
    const auto since_epoch = day.time_since_epoch().count();
    out += kDays[static_cast<std::size_t>(((since_epoch % 7) + 7) % 7)];
    out += ", ";
    out += std::to_string(static_cast<unsigned>(ymd.day()));
    out += ' ';
    out += kMonths[static_cast<unsigned>(ymd.month()) - 1];
    out += ' ';
    out += std::to_string(static_cast<int>(ymd.year()));
    out += ' ';
    append_two_digits(out, static_cast<unsigned>(time.hours().count()));
    out += ':';
    append_two_digits(out, static_cast<unsigned>(time.minutes().count()));
    out += ':';
    append_two_digits(out, static_cast<unsigned>(time.seconds().count()));
    out += " +0000";
}

std::optional<HeaderError> append_message(std::string& out, const MessageHeaders& headers,
                                          std::string_view text, std::string_view html,
                                          std::size_t& header_size) {
    const std::size_t start = out.size();
    if (auto error = append_header_block(out, headers)) return error;
    header_size = out.size() - start;
    out += "\r\n";
    append_part(out, headers.boundary, "text/plain", text);
    append_part(out, headers.boundary, "text/html", html);
    out += "--";
    out += headers.boundary;
    out += "--\r\n";
    return std::nullopt;
}

}  // namespace brevduva::templates
