// Quoted-printable (RFC 2045 §6.7). The header-field writers are in templates_mime_header.cpp.
#include "templates/templates_mime_encode.hpp"

#include <array>

namespace brevduva::templates {
namespace {

constexpr std::size_t kMaxQpText = 75;  // plus the "=" of a soft break: lines of at most 76

enum QpClass : unsigned char { kLiteral = 0, kEscape = 1, kSpace = 2, kBreak = 3 };

constexpr std::array<unsigned char, 256> make_qp_classes() {
    std::array<unsigned char, 256> classes{};
    for (std::size_t b = 0; b < classes.size(); ++b) {
        classes[b] = (b >= 33 && b <= 126 && b != '=') ? kLiteral : kEscape;
    }
    classes[' '] = kSpace;
    classes['\t'] = kSpace;
    classes['\r'] = kBreak;
    classes['\n'] = kBreak;
    return classes;
}
constexpr std::array<unsigned char, 256> kQpClass = make_qp_classes();

unsigned char qp_class(char c) { return kQpClass[static_cast<unsigned char>(c)]; }

class QpWriter {
  public:
    QpWriter(std::string& out, std::string_view text) : out_(out), text_(text) {}

    void run() {
        while (at_ < text_.size()) {
            const char c = text_[at_];
            const unsigned char cls = qp_class(c);
            if (cls == kBreak) {
                hard_break(c);
            } else if (column_ == 0 && starts_risky_line()) {
                escaped(c);
            } else if (cls == kLiteral) {
                literal_run();
            } else if (cls == kSpace && !ends_line(at_ + 1)) {
                token(std::string_view(&text_[at_], 1));
            } else {
                escaped(c);
            }
        }
    }

  private:
    void hard_break(char c) {
        out_ += "\r\n";
        column_ = 0;
        at_ += (c == '\r' && at_ + 1 < text_.size() && text_[at_ + 1] == '\n') ? 2 : 1;
    }

    bool ends_line(std::size_t next) const {
        return next == text_.size() || qp_class(text_[next]) == kBreak;
    }

    bool starts_risky_line() const { return text_[at_] == '.' || text_.substr(at_, 5) == "From "; }

    // The common case: printable ASCII copied in one piece, up to the end of the line.
    void literal_run() {
        std::size_t end = at_ + 1;
        while (end < text_.size() && qp_class(text_[end]) == kLiteral) ++end;
        if (column_ >= kMaxQpText) {
            soft_break();
            return;  // the new line may start with a character that needs escaping
        }
        const std::size_t take = std::min(end - at_, kMaxQpText - column_);
        out_.append(text_.substr(at_, take));
        column_ += take;
        at_ += take;
    }

    void escaped(char c) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        const auto b = static_cast<unsigned char>(c);
        const std::array<char, 3> triplet{'=', kHex[b >> 4], kHex[b & 0x0F]};
        token(std::string_view(triplet.data(), triplet.size()));
    }

    void token(std::string_view t) {
        if (column_ + t.size() > kMaxQpText) soft_break();
        out_.append(t);
        column_ += t.size();
        ++at_;
    }

    void soft_break() {
        out_ += "=\r\n";
        column_ = 0;
    }

    std::string& out_;
    std::string_view text_;
    std::size_t at_ = 0;
    std::size_t column_ = 0;
};

}  // namespace

void append_quoted_printable(std::string& out, std::string_view text) {
    out.reserve(out.size() + text.size() + text.size() / 4 + 8);
    QpWriter(out, text).run();
}

}  // namespace brevduva::templates
