#include "http/http_metrics.hpp"

#include <fmt/format.h>

namespace brevduva::http {

std::string_view to_string(HitKind kind) {
    switch (kind) {
        case HitKind::open:
            return "open";
        case HitKind::click:
            return "click";
        case HitKind::unsubscribe_page:
            return "unsubscribe_page";
        case HitKind::unsubscribe:
            return "unsubscribe";
        case HitKind::one_click:
            return "one_click";
        case HitKind::unsubscribe_undo:
            return "unsubscribe_undo";
        case HitKind::preferences_page:
            return "preferences_page";
        case HitKind::preferences_save:
            return "preferences_save";
        case HitKind::confirm_page:
            return "confirm_page";
        case HitKind::confirm:
            return "confirm";
        case HitKind::not_found:
            return "not_found";
        case HitKind::rate_limited:
            return "rate_limited";
        case HitKind::too_large:
            return "too_large";
        case HitKind::server_error:
            return "server_error";
        case HitKind::admin:
            return "admin";
        case HitKind::admin_unauthorised:
            return "admin_unauthorised";
        case HitKind::count_:
            break;
    }
    return "unknown";
}

void Metrics::append_prometheus(std::string& out, std::size_t tracking_queue_depth) const {
    out += "# HELP brevduva_http_hits_total HTTP requests by kind.\n";
    out += "# TYPE brevduva_http_hits_total counter\n";
    for (std::size_t i = 0; i < hits_.size(); ++i) {
        out += fmt::format("brevduva_http_hits_total{{kind=\"{}\"}} {}\n",
                           to_string(static_cast<HitKind>(i)), hits_[i].load(relaxed));
    }
    out +=
        "# HELP brevduva_tracking_written_total Opens and clicks written, by whether they are "
        "stored against a delivery (consent at the time of the hit) or only counted.\n";
    out += "# TYPE brevduva_tracking_written_total counter\n";
    out += fmt::format("brevduva_tracking_written_total{{stored=\"attributed\"}} {}\n",
                       attributed_.load(relaxed));
    out += fmt::format("brevduva_tracking_written_total{{stored=\"aggregate_only\"}} {}\n",
                       aggregate_only_.load(relaxed));
    out +=
        "# HELP brevduva_tracking_dropped_total Tracking hits lost because the writer fell "
        "behind.\n";
    out += "# TYPE brevduva_tracking_dropped_total counter\n";
    out += fmt::format("brevduva_tracking_dropped_total {}\n", dropped_.load(relaxed));
    out += "# HELP brevduva_tracking_queue_depth Tracking hits waiting to be written.\n";
    out += "# TYPE brevduva_tracking_queue_depth gauge\n";
    out += fmt::format("brevduva_tracking_queue_depth {}\n", tracking_queue_depth);
}

}  // namespace brevduva::http
