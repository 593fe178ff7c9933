// Reading a campaign folder into CampaignSources; see templates_campaign.hpp.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "templates/templates_campaign.hpp"

namespace brevduva::templates {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExpected =
    "a campaign folder holds subject.mustache, body.html.mustache, and optionally "
    "body.txt.mustache, preheader.mustache and partials/NAME.mustache";

class FolderReader {
  public:
    explicit FolderReader(const fs::path& folder) : folder_(folder) {}

    Result<CampaignSources, std::vector<CompileError>> run();

  private:
    std::optional<std::string> read(const fs::path& path, std::string_view name);
    void read_top_level();
    void read_partials(const fs::path& folder);
    // A problem with a file as a whole has no line (0:0); one in its content starts at 1:1.
    void problem(std::string_view file, std::string message, bool in_content = false) {
        const std::size_t at = in_content ? 1 : 0;
        problems_.push_back(CompileError{std::string(file), at, at, std::move(message)});
    }

    fs::path folder_;
    fs::path root_;  // the folder's real path: every file read must be under it
    CampaignSources sources_;
    bool have_subject_ = false;
    bool have_html_ = false;
    std::vector<CompileError> problems_;
};

Result<CampaignSources, std::vector<CompileError>> FolderReader::run() {
    using Read = Result<CampaignSources, std::vector<CompileError>>;
    std::error_code error;
    if (!fs::is_directory(folder_, error)) {
        problem("", error ? "cannot open the folder: " + error.message() : "not a folder");
        return Read::failure(std::move(problems_));
    }
    root_ = fs::canonical(folder_, error);
    if (error) {
        problem("", "cannot open the folder: " + error.message());
        return Read::failure(std::move(problems_));
    }
    read_top_level();
    if (!have_subject_ && problems_.empty()) {
        problem(kSubjectFile, "missing: every campaign needs a subject");
    }
    if (!have_html_ && problems_.empty()) {
        problem(kHtmlFile, "missing: every campaign needs an HTML body");
    }
    if (!problems_.empty()) return Read::failure(std::move(problems_));
    return Read::success(std::move(sources_));
}

void FolderReader::read_top_level() {
    std::vector<fs::path> entries;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder_, error))
        entries.push_back(entry.path());
    if (error) return problem("", "cannot list the folder: " + error.message());
    std::sort(entries.begin(), entries.end());
    for (const fs::path& path : entries) {
        const std::string name = path.filename().string();
        if (name == kPartialsFolder && fs::is_directory(path, error)) {
            read_partials(path);
        } else if (name == kSubjectFile) {
            if (auto text = read(path, name)) sources_.subject = std::move(*text);
            have_subject_ = true;
        } else if (name == kHtmlFile) {
            if (auto text = read(path, name)) sources_.html = std::move(*text);
            have_html_ = true;
        } else if (name == kTextFile) {
            sources_.text = read(path, name);
        } else if (name == kPreheaderFile) {
            sources_.preheader = read(path, name);
        } else if (path.extension() == ".mustache" || path.extension() == ".html" ||
                   path.extension() == ".txt") {
            problem(name, "not part of a campaign: " + std::string(kExpected));
        }
    }
}

void FolderReader::read_partials(const fs::path& folder) {
    std::vector<fs::path> entries;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
        if (entry.path().extension() == ".mustache") entries.push_back(entry.path());
    }
    if (error) return problem(kPartialsFolder, "cannot list the folder: " + error.message());
    std::sort(entries.begin(), entries.end());
    if (entries.size() > kMaxPartials) {
        return problem(kPartialsFolder, "more than " + std::to_string(kMaxPartials) + " partials");
    }
    for (const fs::path& path : entries) {
        const std::string name = path.stem().string();
        if (auto text = read(path, partial_file(name))) {
            sources_.partials.emplace(name, std::move(*text));
        }
    }
}

// Where the file really is must be inside the campaign folder: a partial that is a link to
// /etc/passwd would otherwise be read into a preview or a message. The size is checked before
// reading, so a file of gigabytes is refused, not loaded.
std::optional<std::string> FolderReader::read(const fs::path& path, std::string_view name) {
    std::error_code error;
    const fs::path real = fs::canonical(path, error);
    if (error) {
        problem(name, "cannot read: " + error.message());
        return std::nullopt;
    }
    const auto [outside, inside] =
        std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
    if (outside != root_.end()) {
        problem(name, "is a link to a file outside the campaign folder; copy the file in instead");
        return std::nullopt;
    }
    if (!fs::is_regular_file(real, error)) {
        problem(name, "is not a regular file");
        return std::nullopt;
    }
    const auto size = fs::file_size(real, error);
    if (error) {
        problem(name, "cannot read: " + error.message());
        return std::nullopt;
    }
    if (size > kMaxTemplateFileBytes) {
        problem(name,
                "template is " + std::to_string(size) + " bytes, more than the limit of " +
                    std::to_string(kMaxTemplateFileBytes),
                true);
        return std::nullopt;
    }
    std::ifstream in(real, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
        problem(name, std::string("cannot read: ") + std::generic_category().message(errno));
        return std::nullopt;
    }
    return std::move(text).str();
}

}  // namespace

std::string describe_problem(const fs::path& folder, const CompileError& problem) {
    if (problem.file.empty()) return folder.string() + ": " + problem.message;
    const std::string file = (folder / problem.file).string();
    if (problem.line == 0) return file + ": " + problem.message;
    return file + ":" + std::to_string(problem.line) + ":" + std::to_string(problem.column) + ": " +
           problem.message;
}

Result<CampaignSources, std::vector<CompileError>> read_campaign_folder(const fs::path& folder) {
    return FolderReader(folder).run();
}

Result<CampaignTemplate, std::vector<CompileError>> load_campaign(const fs::path& folder,
                                                                  const CampaignCheck& check) {
    auto sources = read_campaign_folder(folder);
    if (!sources) {
        return Result<CampaignTemplate, std::vector<CompileError>>::failure(sources.error());
    }
    return CampaignTemplate::compile(sources.value(), check);
}

}  // namespace brevduva::templates
