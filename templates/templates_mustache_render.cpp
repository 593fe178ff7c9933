// Rendering a compiled template: a walk over the node array. The context stack, the
// indentation chain and the block overrides in force are linked lists whose links live on the
// C++ call stack, so a render allocates nothing but the growth of the caller's buffer.
#include <string>

#include "templates/templates_mustache.hpp"
#include "templates/templates_mustache_program.hpp"

namespace brevduva::templates {
namespace mustache_detail {
namespace {

constexpr std::size_t no_position = static_cast<std::size_t>(-1);

struct Scope {
    const Value* value;
    const Scope* outer;
};

struct Indent {
    std::string_view text;
    const Indent* outer;
};

// The override blocks one parent tag passes: the children of the parent node in `program`.
struct Overrides {
    const Program* program;
    std::uint32_t first;
    std::uint32_t end;
    const Overrides* outer;
};

// What a range of nodes renders under.
struct Frame {
    const Program* program;
    const Scope* scope;
    const Indent* indent;  // null: lines of this range are not indented
    const Overrides* overrides;
    std::size_t depth;
};

void append_escaped(std::string& out, std::string_view text) {
    std::size_t from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        std::string_view entity;
        switch (text[i]) {
            case '&':
                entity = "&amp;";
                break;
            case '<':
                entity = "&lt;";
                break;
            case '>':
                entity = "&gt;";
                break;
            case '"':
                entity = "&quot;";
                break;
            case '\'':
                entity = "&#39;";
                break;
            default:
                continue;
        }
        out.append(text.substr(from, i - from));
        out.append(entity);
        from = i + 1;
    }
    out.append(text.substr(from));
}

// Spec name resolution: the first part walks the context stack, later parts only descend.
const Value* lookup(const Scope* scope, const Name& name) {
    if (name.parts.empty()) return scope != nullptr ? scope->value : nullptr;
    const Value* found = nullptr;
    for (; scope != nullptr && found == nullptr; scope = scope->outer) {
        if (const Map* map = scope->value->map_if()) found = map->find(name.parts.front());
    }
    for (std::size_t i = 1; found != nullptr && i < name.parts.size(); ++i) {
        const Map* map = found->map_if();
        found = map != nullptr ? map->find(name.parts[i]) : nullptr;
    }
    return found;
}

class Renderer {
  public:
    Renderer(const Compiled& compiled, Escaping escaping, std::string& out)
        : compiled_(compiled), escape_html_(escaping == Escaping::html), out_(out) {}

    void render_range(const Frame& frame, std::uint32_t first, std::uint32_t end);

    std::optional<RenderError> error;

  private:
    void write_text(const Frame& frame, const Node& node);
    void write_value(const Value* value, bool escape);
    void line_start(const Frame& frame);
    void write_indent(const Indent* indent);
    void render_section(const Frame& frame, const Node& node, std::uint32_t index);
    void render_include(const Frame& frame, const Node& node, std::uint32_t index);
    void render_block(const Frame& frame, const Node& node, std::uint32_t index);
    bool too_deep(const Frame& frame, const Node& node, std::string_view what,
                  std::string_view name);
    bool over_budget(const Frame& frame);

    const Compiled& compiled_;
    const bool escape_html_;
    std::string& out_;
    // Where a block placed mid-line began: its content's first line continues that line, so
    // no indentation goes there.
    std::size_t suppress_at_ = no_position;
    std::uint64_t steps_ = 0;
};

void Renderer::render_range(const Frame& frame, std::uint32_t first, std::uint32_t end) {
    const std::vector<Node>& nodes = frame.program->nodes;
    for (std::uint32_t i = first; i < end && !error; i = nodes[i].end) {
        const Node& node = nodes[i];
        if (over_budget(frame)) return;
        switch (node.kind) {
            case NodeKind::text:
                write_text(frame, node);
                break;
            case NodeKind::line_start:
                line_start(frame);
                break;
            case NodeKind::escaped:
                write_value(lookup(frame.scope, compiled_.names[node.ref]), escape_html_);
                break;
            case NodeKind::raw:
                write_value(lookup(frame.scope, compiled_.names[node.ref]), false);
                break;
            case NodeKind::section:
            case NodeKind::inverted:
                render_section(frame, node, i);
                break;
            case NodeKind::partial:
            case NodeKind::parent:
                render_include(frame, node, i);
                break;
            case NodeKind::block:
                render_block(frame, node, i);
                break;
        }
    }
}

void Renderer::write_text(const Frame& frame, const Node& node) {
    const std::string_view text = frame.program->text_of(node);
    if (frame.indent == nullptr) {
        out_.append(text);
        return;
    }
    if (node.line_start) line_start(frame);
    std::size_t from = 0;
    // Every '\n' inside a text node starts a surviving source line, except a final one.
    for (std::size_t newline = text.find('\n');
         newline != std::string_view::npos && newline + 1 < text.size();
         newline = text.find('\n', from)) {
        out_.append(text.substr(from, newline + 1 - from));
        from = newline + 1;
        line_start(frame);
    }
    out_.append(text.substr(from));
}

void Renderer::write_value(const Value* value, bool escape) {
    if (value == nullptr) return;
    if (const std::string* text = value->string_if()) {
        if (escape) {
            append_escaped(out_, *text);
        } else {
            out_.append(*text);
        }
        return;
    }
    value->append_text(out_);  // numbers and booleans hold nothing to escape
}

void Renderer::line_start(const Frame& frame) {
    if (frame.indent == nullptr || out_.size() == suppress_at_) return;
    write_indent(frame.indent);
}

void Renderer::write_indent(const Indent* indent) {
    if (indent->outer != nullptr) write_indent(indent->outer);
    out_.append(indent->text);
}

// Checked before every node: what was written so far, and how many nodes were rendered. One
// node writes at most one source text or one value, both bounded, so the output overshoots the
// limit by no more than that before the render stops. The file named is the template or
// partial being rendered when it stopped.
bool Renderer::over_budget(const Frame& frame) {
    const auto where = [&] { return "in " + frame.program->file; };
    if (out_.size() > compiled_.max_output_bytes) {
        error = RenderError{"the rendering is longer than " +
                            std::to_string(compiled_.max_output_bytes) + " bytes " + where() +
                            " (sections over long lists in the data?)"};
        return true;
    }
    if (++steps_ > compiled_.max_render_steps) {
        error = RenderError{"the rendering takes more than " +
                            std::to_string(compiled_.max_render_steps) + " steps " + where() +
                            " (sections nested over long lists in the data?)"};
        return true;
    }
    return false;
}

void Renderer::render_section(const Frame& frame, const Node& node, std::uint32_t index) {
    const Value* value = lookup(frame.scope, compiled_.names[node.ref]);
    if (node.kind == NodeKind::inverted) {
        if (value == nullptr || !value->truthy()) render_range(frame, index + 1, node.end);
        return;
    }
    if (value == nullptr) return;
    Frame inner = frame;
    if (const Value::List* list = value->list_if()) {
        for (const Value& item : *list) {
            const Scope scope{&item, frame.scope};
            inner.scope = &scope;
            render_range(inner, index + 1, node.end);
            if (error) return;
        }
    } else if (value->truthy()) {
        const Scope scope{value, frame.scope};
        inner.scope = &scope;
        render_range(inner, index + 1, node.end);
    }
}

bool Renderer::too_deep(const Frame& frame, const Node& node, std::string_view what,
                        std::string_view name) {
    if (frame.depth < compiled_.max_render_depth) return false;
    error = RenderError{std::string(what) + " " + std::string(name) + " nested more than " +
                        std::to_string(compiled_.max_render_depth) + " deep at " +
                        frame.program->file + ":" + std::to_string(node.line) + ":" +
                        std::to_string(node.column) + " (the data may recurse without end)"};
    return true;
}

void Renderer::render_include(const Frame& frame, const Node& node, std::uint32_t index) {
    if (node.ref == no_program) return;  // the spec renders a missing partial as empty
    const Program& target = compiled_.programs[node.ref];
    if (too_deep(frame, node, "partial", target.file)) return;
    const Indent indent{frame.program->text_of(node), frame.indent};
    const Overrides overrides{frame.program, index + 1, node.end, frame.overrides};
    Frame inner = frame;
    inner.program = &target;
    ++inner.depth;
    // Only a standalone include indents; an inline one's lines are not lines of this source.
    inner.indent = !node.line_start ? nullptr : (indent.text.empty() ? frame.indent : &indent);
    if (node.kind == NodeKind::parent) inner.overrides = &overrides;
    render_range(inner, 0, static_cast<std::uint32_t>(target.nodes.size()));
}

void Renderer::render_block(const Frame& frame, const Node& node, std::uint32_t index) {
    // The outermost override wins: the template being rendered beats the parents it extends.
    const Overrides* chosen = nullptr;
    std::uint32_t chosen_node = 0;
    for (const Overrides* overrides = frame.overrides; overrides != nullptr;
         overrides = overrides->outer) {
        const std::vector<Node>& nodes = overrides->program->nodes;
        for (std::uint32_t i = overrides->first; i < overrides->end; i = nodes[i].end) {
            if (nodes[i].ref == node.ref) {
                chosen = overrides;
                chosen_node = i;
                break;
            }
        }
    }
    const Indent indent{frame.program->text_of(node), frame.indent};
    Frame inner = frame;
    if (!indent.text.empty()) inner.indent = &indent;
    const std::size_t saved_suppress = suppress_at_;
    if (!node.line_start) suppress_at_ = out_.size();
    if (chosen == nullptr) {
        render_range(inner, index + 1, node.end);
    } else if (!too_deep(frame, node, "block", compiled_.block_names[node.ref])) {
        inner.program = chosen->program;
        ++inner.depth;
        render_range(inner, chosen_node + 1, chosen->program->nodes[chosen_node].end);
    }
    suppress_at_ = saved_suppress;
}

}  // namespace
}  // namespace mustache_detail

std::optional<RenderError> CompiledTemplate::render(const Context& context,
                                                    std::string& out) const {
    using namespace mustache_detail;
    out.clear();
    Renderer renderer(*compiled_, context.escaping, out);
    const Scope root{&context.data, nullptr};
    const Program& program = compiled_->programs.front();
    renderer.render_range(Frame{&program, &root, nullptr, nullptr, 0}, 0,
                          static_cast<std::uint32_t>(program.nodes.size()));
    if (!renderer.error && out.size() > compiled_->max_output_bytes) {
        return RenderError{"the rendering is longer than " +
                           std::to_string(compiled_->max_output_bytes) + " bytes"};
    }
    return std::move(renderer.error);
}

}  // namespace brevduva::templates
