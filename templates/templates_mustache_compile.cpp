// Compiling a template with its partials: parse every source once (a partial used ten times is
// compiled once), link include nodes to programs, refuse partial loops that cannot end, and
// list the variables every file reads.
#include <utility>

#include "templates/templates_mustache.hpp"
#include "templates/templates_mustache_parse.hpp"
#include "templates/templates_mustache_program.hpp"

namespace brevduva::templates {
namespace mustache_detail {
namespace {

struct IncludeSite {
    std::uint32_t node = 0;
    bool in_section = false;  // inside a section or inverted section: data decides
    bool in_block = false;    // inside a block default or an override: a template decides
};

std::vector<IncludeSite> includes_of(const Program& program) {
    struct Enclosing {
        std::uint32_t end;
        bool section;
    };
    std::vector<IncludeSite> sites;
    std::vector<Enclosing> enclosing;
    std::size_t sections = 0;
    for (std::uint32_t i = 0; i < program.nodes.size(); ++i) {
        while (!enclosing.empty() && i >= enclosing.back().end) {
            if (enclosing.back().section) --sections;
            enclosing.pop_back();
        }
        const Node& node = program.nodes[i];
        const bool in_block = enclosing.size() > sections;
        if (node.kind == NodeKind::partial || node.kind == NodeKind::parent) {
            sites.push_back(IncludeSite{i, sections > 0, in_block});
        }
        const bool section = node.kind == NodeKind::section || node.kind == NodeKind::inverted;
        if (section || node.kind == NodeKind::block || node.kind == NodeKind::parent) {
            enclosing.push_back(Enclosing{node.end, section});
            if (section) ++sections;
        }
    }
    return sites;
}

std::string describe_chain(const Compiled& compiled, const std::vector<std::uint32_t>& path,
                           std::uint32_t again) {
    std::string chain;
    for (std::uint32_t program : path) chain += compiled.programs[program].file + " -> ";
    return chain + compiled.programs[again].file;
}

// Depth-first over includes that always happen; a cycle among them never ends.
std::optional<CompileError> find_partial_loop(const Compiled& compiled,
                                              const std::vector<std::vector<IncludeSite>>& sites) {
    enum class Mark : std::uint8_t { unseen, on_path, done };
    std::vector<Mark> marks(compiled.programs.size(), Mark::unseen);
    std::vector<std::uint32_t> path{0};
    std::vector<std::size_t> next_site{0};
    marks[0] = Mark::on_path;
    while (!path.empty()) {
        const std::uint32_t program = path.back();
        const auto& candidates = sites[program];
        std::size_t& cursor = next_site.back();
        while (cursor < candidates.size() &&
               (candidates[cursor].in_section || candidates[cursor].in_block ||
                compiled.programs[program].nodes[candidates[cursor].node].ref == no_program)) {
            ++cursor;
        }
        if (cursor == candidates.size()) {
            marks[program] = Mark::done;
            path.pop_back();
            next_site.pop_back();
            continue;
        }
        const Node& include = compiled.programs[program].nodes[candidates[cursor].node];
        ++cursor;
        if (marks[include.ref] == Mark::on_path) {
            return CompileError{
                compiled.programs[program].file, include.line, include.column,
                "partial loop with no way out: " + describe_chain(compiled, path, include.ref) +
                    " (no section or block around these includes lets it end)"};
        }
        if (marks[include.ref] == Mark::unseen) {
            marks[include.ref] = Mark::on_path;
            path.push_back(include.ref);
            next_site.push_back(0);
        }
    }
    return std::nullopt;
}

// The longest chain of includes from the template, loops set aside (a loop that can end is
// bounded by the data, and find_partial_loop refuses one that cannot): a chain longer than a
// render may nest can never render, so compiling refuses it and names the chain.
std::optional<CompileError> find_too_deep_chain(const Compiled& compiled,
                                                const std::vector<std::vector<IncludeSite>>& sites,
                                                std::size_t max_depth) {
    const std::size_t count = compiled.programs.size();
    // depth[p]: the longest chain of includes below p; next[p]: the include that starts it.
    std::vector<std::size_t> depth(count, 0);
    std::vector<std::uint32_t> next(count, no_program);
    std::vector<std::uint8_t> state(count, 0);  // 0 unseen, 1 on the path, 2 done
    std::vector<std::pair<std::uint32_t, std::size_t>> stack{{0, 0}};
    state[0] = 1;
    while (!stack.empty()) {
        auto& [program, cursor] = stack.back();
        if (cursor < sites[program].size()) {
            const std::uint32_t target =
                compiled.programs[program].nodes[sites[program][cursor++].node].ref;
            if (target != no_program && state[target] == 0) {
                state[target] = 1;
                stack.emplace_back(target, 0);
            }
            continue;
        }
        for (const IncludeSite& site : sites[program]) {
            const std::uint32_t target = compiled.programs[program].nodes[site.node].ref;
            if (target == no_program || state[target] != 2) continue;  // missing, or a loop
            if (depth[target] + 1 > depth[program]) {
                depth[program] = depth[target] + 1;
                next[program] = target;
            }
        }
        state[program] = 2;
        stack.pop_back();
    }
    if (depth[0] <= max_depth) return std::nullopt;
    std::vector<std::uint32_t> chain{0};
    while (next[chain.back()] != no_program) chain.push_back(next[chain.back()]);
    std::string named;
    for (std::size_t i = 0; i < chain.size(); ++i) {
        if (i == 4 && chain.size() > 6) {
            named += " -> …";
            i = chain.size() - 2;
            continue;
        }
        named += (i == 0 ? "" : " -> ") + compiled.programs[chain[i]].file;
    }
    return CompileError{compiled.programs[0].file, 0, 0,
                        "a chain of " + std::to_string(depth[0]) + " partials (" + named +
                            ") is deeper than the " + std::to_string(max_depth) +
                            " a render may nest: it could never render"};
}

// A file's variables are guarded when every include that reaches it is inside a section.
void list_variables(Compiled& compiled, const std::vector<std::vector<IncludeSite>>& sites) {
    const std::size_t count = compiled.programs.size();
    std::vector<bool> seen(count * 2, false);  // [program * 2 + guarded]
    std::vector<std::pair<std::uint32_t, bool>> work{{0, false}};
    seen[0] = true;
    while (!work.empty()) {
        const auto [program, guarded] = work.back();
        work.pop_back();
        for (const IncludeSite& site : sites[program]) {
            const std::uint32_t target = compiled.programs[program].nodes[site.node].ref;
            const bool target_guarded = guarded || site.in_section;
            if (target == no_program || seen[target * 2 + target_guarded]) continue;
            seen[target * 2 + target_guarded] = true;
            work.emplace_back(target, target_guarded);
        }
    }
    for (std::size_t program = 0; program < count; ++program) {
        const bool reached_unguarded = seen[program * 2];
        for (const VariableSite& site : compiled.programs[program].variables) {
            compiled.variables.push_back(VariableUse{
                compiled.names[site.name].written, compiled.programs[program].file, site.line,
                site.column, site.role, site.in_section || !reached_unguarded});
        }
    }
}

}  // namespace
}  // namespace mustache_detail

using mustache_detail::Compiled;

std::string CompileError::to_string() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

CompiledTemplate::CompiledTemplate(std::unique_ptr<const Compiled> compiled) noexcept
    : compiled_(std::move(compiled)) {}
CompiledTemplate::CompiledTemplate(CompiledTemplate&&) noexcept = default;
CompiledTemplate& CompiledTemplate::operator=(CompiledTemplate&&) noexcept = default;
CompiledTemplate::~CompiledTemplate() = default;

const std::vector<VariableUse>& CompiledTemplate::variables() const noexcept {
    return compiled_->variables;
}

const std::vector<std::string>& CompiledTemplate::missing_partials() const noexcept {
    return compiled_->missing_partials;
}

Result<CompiledTemplate, CompileError> CompiledTemplate::compile(std::string_view file,
                                                                 std::string_view source,
                                                                 const PartialResolver& partials,
                                                                 const CompileOptions& options) {
    using Compiling = Result<CompiledTemplate, CompileError>;
    using namespace mustache_detail;
    auto compiled = std::make_unique<Compiled>();
    compiled->max_render_depth = options.max_render_depth;
    compiled->max_output_bytes = options.max_output_bytes;
    compiled->max_render_steps = options.max_render_steps;
    SymbolTables tables(*compiled);
    auto main = parse_program(file, source, options.max_source_bytes, tables);
    if (!main) return Compiling::failure(main.error());
    compiled->programs.push_back(std::move(main).value());
    // Parsing a partial may name more partials; the loop reaches them too.
    std::vector<std::uint32_t> program_of_partial;
    for (std::size_t id = 0; id < tables.partial_names().size(); ++id) {
        const std::string name = tables.partial_names()[id];
        std::optional<std::string> text = partials ? partials(name) : std::nullopt;
        if (!text) {
            program_of_partial.push_back(no_program);
            compiled->missing_partials.push_back(name);
            continue;
        }
        auto parsed = parse_program(name, *text, options.max_source_bytes, tables);
        if (!parsed) return Compiling::failure(parsed.error());
        program_of_partial.push_back(static_cast<std::uint32_t>(compiled->programs.size()));
        compiled->programs.push_back(std::move(parsed).value());
    }
    std::vector<std::vector<IncludeSite>> sites;
    for (Program& program : compiled->programs) {
        for (Node& node : program.nodes) {
            if (node.kind == NodeKind::partial || node.kind == NodeKind::parent) {
                node.ref = program_of_partial[node.ref];
            }
        }
        sites.push_back(includes_of(program));
    }
    if (auto loop = find_partial_loop(*compiled, sites)) return Compiling::failure(*loop);
    if (auto deep = find_too_deep_chain(*compiled, sites, options.max_render_depth)) {
        return Compiling::failure(*deep);
    }
    list_variables(*compiled, sites);
    return Compiling::success(CompiledTemplate(std::move(compiled)));
}

}  // namespace brevduva::templates
