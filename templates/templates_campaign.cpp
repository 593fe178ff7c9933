// Compiling a campaign: every file checked, each part compiled once, the link table and the
// tracked HTML made, the text part derived when there is none. See templates_campaign.hpp.
#include "templates/templates_campaign.hpp"

#include <algorithm>
#include <deque>
#include <set>
#include <tuple>

#include "templates/templates_campaign_compile.hpp"
#include "templates/templates_text.hpp"

namespace brevduva::templates {

using namespace campaign_detail;

namespace {

using SourceMap = std::map<std::string, std::string>;
using Masks = std::map<std::string, MaskedSource>;  // by partial name

constexpr std::string_view kDerivedTextFile = "body.html.mustache (derived text)";

PartialResolver resolver_for(const SourceMap& sources) {
    return [&sources](std::string_view name) -> std::optional<std::string> {
        const auto found = sources.find(std::string(name));
        if (found == sources.end()) return std::nullopt;
        return found->second;
    };
}

void sort_and_unique(std::vector<CompileError>& problems) {
    const auto key = [](const CompileError& e) {
        return std::tie(e.file, e.line, e.column, e.message);
    };
    std::stable_sort(problems.begin(), problems.end(),
                     [&](const auto& a, const auto& b) { return key(a) < key(b); });
    problems.erase(std::unique(problems.begin(), problems.end(),
                               [&](const auto& a, const auto& b) { return key(a) == key(b); }),
                   problems.end());
}

}  // namespace

class CampaignCompiler {
  public:
    CampaignCompiler(const CampaignSources& sources, const CampaignCheck& check)
        : sources_(sources), check_(check) {}

    Result<CampaignTemplate, std::vector<CompileError>> run();

  private:
    bool check_all_sources();
    std::unique_ptr<CompiledTemplate> compile(std::string_view file, std::string_view source,
                                              const SourceMap& partials, bool check_names);
    std::optional<MaskedSource> mask(std::string_view file, std::string_view source);
    std::vector<std::string> reachable_partials(const MaskedSource& root);
    std::unique_ptr<CompiledTemplate> compile_checked(std::string_view file,
                                                      std::string_view source);
    void compile_html();
    void compile_text();
    void require_unsubscribe();

    const CampaignSources& sources_;
    const CampaignCheck& check_;
    CampaignTemplate result_;
    std::vector<CompileError> problems_;
    std::optional<MaskedSource> html_mask_;
    Masks partial_masks_;
    std::vector<std::string> html_partials_;  // reachable from the HTML, in first-use order
};

Result<CampaignTemplate, std::vector<CompileError>> CampaignTemplate::compile(
    const CampaignSources& sources, const CampaignCheck& check) {
    return CampaignCompiler(sources, check).run();
}

Result<CampaignTemplate, std::vector<CompileError>> CampaignCompiler::run() {
    using Compiled = Result<CampaignTemplate, std::vector<CompileError>>;
    if (!check_all_sources()) {
        sort_and_unique(problems_);
        return Compiled::failure(std::move(problems_));
    }
    std::string subject = sources_.subject;
    if (subject.ends_with("\n")) subject.pop_back();
    if (subject.ends_with("\r")) subject.pop_back();
    if (const std::size_t newline = subject.find_first_of("\r\n"); newline != std::string::npos) {
        problems_.push_back(mustache_detail::error_at(kSubjectFile,
                                                      mustache_detail::LineIndex(subject), newline,
                                                      "the subject must be one line"));
    } else if (subject.find_first_not_of(" \t") == std::string::npos) {
        problems_.push_back(CompileError{std::string(kSubjectFile), 1, 1, "the subject is empty"});
    }
    result_.subject_ = compile_checked(kSubjectFile, subject);
    if (sources_.preheader)
        result_.preheader_ = compile_checked(kPreheaderFile, *sources_.preheader);
    compile_html();
    compile_text();
    require_unsubscribe();
    if (!problems_.empty()) {
        sort_and_unique(problems_);
        return Compiled::failure(std::move(problems_));
    }
    return Compiled::success(std::move(result_));
}

bool CampaignCompiler::check_all_sources() {
    check_source(kSubjectFile, sources_.subject, problems_);
    check_source(kHtmlFile, sources_.html, problems_);
    if (sources_.text) check_source(kTextFile, *sources_.text, problems_);
    if (sources_.preheader) check_source(kPreheaderFile, *sources_.preheader, problems_);
    for (const auto& [name, source] : sources_.partials) {
        check_source(partial_file(name), source, problems_);
    }
    return problems_.empty();
}

std::optional<MaskedSource> CampaignCompiler::mask(std::string_view file, std::string_view source) {
    auto masked = mask_template(file, source);
    if (!masked) {
        problems_.push_back(masked.error());
        return std::nullopt;
    }
    check_partial_names(masked.value(), sources_.partials, problems_);
    return std::move(masked).value();
}

// Compiles one part; the engine's error (its first) and the schema's come back as problems.
std::unique_ptr<CompiledTemplate> CampaignCompiler::compile(std::string_view file,
                                                            std::string_view source,
                                                            const SourceMap& partials,
                                                            bool check_names) {
    CompileOptions options;
    options.max_source_bytes = kMaxTemplateFileBytes;
    auto compiled = CompiledTemplate::compile(file, source, resolver_for(partials), options);
    if (!compiled) {
        CompileError error = compiled.error();
        error.file = file_of(error.file, file);
        problems_.push_back(std::move(error));
        return nullptr;
    }
    if (check_names) check_variables(compiled.value(), check_.schema, file, problems_);
    return std::make_unique<CompiledTemplate>(std::move(compiled).value());
}

// A part other than the HTML: its includes checked, then compiled with the schema check.
std::unique_ptr<CompiledTemplate> CampaignCompiler::compile_checked(std::string_view file,
                                                                    std::string_view source) {
    auto masked = mask(file, source);
    if (!masked) return nullptr;
    reachable_partials(*masked);
    return compile(file, source, sources_.partials, true);
}

// The partials a file includes, directly or not, in first-use order; each is masked (and its
// includes checked) once, whichever part reaches it.
std::vector<std::string> CampaignCompiler::reachable_partials(const MaskedSource& root) {
    std::vector<std::string> order;
    std::set<std::string> seen;
    std::deque<const MaskedSource*> work{&root};
    while (!work.empty()) {
        const MaskedSource* file = work.front();
        work.pop_front();
        for (const MaskedTag& tag : file->tags) {
            const bool include = tag.kind == mustache_detail::TokenKind::partial ||
                                 tag.kind == mustache_detail::TokenKind::parent;
            const auto source = sources_.partials.find(tag.name);
            if (!include || source == sources_.partials.end() || !seen.insert(tag.name).second) {
                continue;
            }
            auto known = partial_masks_.find(tag.name);
            if (known == partial_masks_.end()) {
                auto masked = mask(partial_file(tag.name), source->second);
                if (!masked) continue;
                known = partial_masks_.emplace(tag.name, std::move(*masked)).first;
            }
            order.push_back(tag.name);
            work.push_back(&known->second);
        }
    }
    return order;
}

void CampaignCompiler::compile_html() {
    html_mask_ = mask(kHtmlFile, sources_.html);
    if (!html_mask_) return;
    html_partials_ = reachable_partials(*html_mask_);
    result_.html_ = compile(kHtmlFile, sources_.html, sources_.partials, true);
    if (!result_.html_) return;
    SourceMap tracked;
    const std::string tracked_body = track_links(*html_mask_, result_.links_);
    for (const std::string& name : html_partials_) {
        tracked.emplace(name, track_links(partial_masks_.at(name), result_.links_));
    }
    result_.tracked_html_ = compile(kHtmlFile, tracked_body, tracked, false);
}

void CampaignCompiler::compile_text() {
    if (sources_.text) {
        result_.text_ = compile_checked(kTextFile, *sources_.text);
        return;
    }
    if (!html_mask_ || !result_.html_) return;
    SourceMap derived;
    for (const std::string& name : html_partials_) {
        derived.emplace(name, derive_text_source(partial_masks_.at(name)));
    }
    result_.text_ = compile(kDerivedTextFile, derive_text_source(*html_mask_), derived, false);
    result_.text_derived_ = true;
}

void CampaignCompiler::require_unsubscribe() {
    if (!check_.marketing || !result_.html_) return;
    const VariableUse* in_html = unsubscribe_use(*result_.html_);
    if (in_html == nullptr) {
        problems_.push_back(CompileError{
            std::string(kHtmlFile), 1, 1,
            "a marketing template needs {{unsubscribe_url}} in the HTML part, outside every "
            "section, so that every recipient sees how to unsubscribe"});
    }
    if (!result_.text_ || unsubscribe_use(*result_.text_) != nullptr) return;
    if (!result_.text_derived_) {
        problems_.push_back(CompileError{
            std::string(kTextFile), 1, 1,
            "a marketing template needs {{unsubscribe_url}} in the text part, outside every "
            "section"});
    } else if (in_html != nullptr) {
        problems_.push_back(CompileError{
            file_of(in_html->file, kHtmlFile), in_html->line, in_html->column,
            "{{unsubscribe_url}} is where the text part derived from the HTML does not show "
            "it; put it in an <a href> or in the text"});
    }
}

std::string partial_file(std::string_view name) {
    return std::string(kPartialsFolder) + "/" + std::string(name) + ".mustache";
}

}  // namespace brevduva::templates
