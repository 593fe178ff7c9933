// A campaign's template: a folder of Mustache files, read and compiled once when the campaign
// is checked or starts, then rendered for every recipient without parsing anything again.
//
//   subject.mustache        required; one line (a final line break is ignored); no escaping
//   body.html.mustache      required; HTML-escaped interpolation
//   body.txt.mustache       optional; no escaping. When absent, the text part is derived
//                           from the HTML template once (templates_text.hpp)
//   preheader.mustache      optional; the preview line, inserted hidden after <body>
//   partials/NAME.mustache  {{>NAME}} and layouts ({{<NAME}} with {{$block}}s); NAME is
//                           letters, digits, _ and -
//
// Compiling checks everything a campaign could trip over later and reports every problem it
// finds, each as file:line:column (file relative to the folder): unclosed or stray tags,
// partials that are missing or include themselves with no way out, files over the size limit,
// ill-formed UTF-8 and control characters, a subject of more than one line, variables that
// the schema does not provide (templates_fields.hpp), and, for a marketing purpose, an HTML
// part or a text part without {{unsubscribe_url}} outside every section. A CompiledTemplate
// is immutable, so one CampaignTemplate serves every worker thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "templates/templates_fields.hpp"
#include "templates/templates_mustache.hpp"
#include "templates/templates_tracking.hpp"

namespace brevduva::templates {

inline constexpr std::string_view kSubjectFile = "subject.mustache";
inline constexpr std::string_view kHtmlFile = "body.html.mustache";
inline constexpr std::string_view kTextFile = "body.txt.mustache";
inline constexpr std::string_view kPreheaderFile = "preheader.mustache";
inline constexpr std::string_view kPartialsFolder = "partials";

// Gmail clips a message past 102 KB; a template a quarter of a megabyte long is a mistake.
inline constexpr std::size_t kMaxTemplateFileBytes = 256 * 1024;
inline constexpr std::size_t kMaxPartials = 200;

struct CampaignSources {
    std::string subject;
    std::string html;
    std::optional<std::string> text;
    std::optional<std::string> preheader;
    std::map<std::string, std::string> partials;  // by name, without folder or extension
};

struct CampaignCheck {
    // Every purpose but service_status is marketing: it must offer one-click unsubscribe.
    bool marketing = true;
    Schema schema;
};

class CampaignTemplate {
  public:
    [[nodiscard]] static Result<CampaignTemplate, std::vector<CompileError>> compile(
        const CampaignSources& sources, const CampaignCheck& check);

    [[nodiscard]] const CompiledTemplate& subject() const { return *subject_; }
    [[nodiscard]] const CompiledTemplate* preheader() const { return preheader_.get(); }
    // The HTML as written, for a person who does not allow click tracking.
    [[nodiscard]] const CompiledTemplate& html() const { return *html_; }
    // The HTML with tracked links' URLs as {{__brevduva.cN}}.
    [[nodiscard]] const CompiledTemplate& tracked_html() const { return *tracked_html_; }
    [[nodiscard]] const CompiledTemplate& text() const { return *text_; }
    // The text part was derived from the HTML: its rendering wants tidy_text().
    [[nodiscard]] bool text_derived() const { return text_derived_; }
    [[nodiscard]] const std::vector<CampaignLink>& links() const { return links_; }

  private:
    CampaignTemplate() = default;

    std::unique_ptr<CompiledTemplate> subject_;
    std::unique_ptr<CompiledTemplate> preheader_;
    std::unique_ptr<CompiledTemplate> html_;
    std::unique_ptr<CompiledTemplate> tracked_html_;
    std::unique_ptr<CompiledTemplate> text_;
    bool text_derived_ = false;
    std::vector<CampaignLink> links_;

    friend class CampaignCompiler;
};

// Reads a campaign folder. Files are size-checked before they are read; problems (a missing
// required file, an unreadable or oversized one, a file that is not part of a campaign) come
// back together, file names relative to the folder.
[[nodiscard]] Result<CampaignSources, std::vector<CompileError>> read_campaign_folder(
    const std::filesystem::path& folder);

// Reads and compiles: the whole `template check`.
[[nodiscard]] Result<CampaignTemplate, std::vector<CompileError>> load_campaign(
    const std::filesystem::path& folder, const CampaignCheck& check);

// "partials/NAME.mustache".
[[nodiscard]] std::string partial_file(std::string_view name);

// A problem as people read it: "FOLDER/file:line:column: message", "FOLDER/file: message" for
// a file as a whole (line 0), "FOLDER: message" for the folder itself.
[[nodiscard]] std::string describe_problem(const std::filesystem::path& folder,
                                           const CompileError& problem);

}  // namespace brevduva::templates
