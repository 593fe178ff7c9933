// A value or the reason it could not be produced: what compiling a template returns, because a
// broken template is an expected outcome, not an exception. std::expected is C++23; this is the
// small part of it the templates component needs (the same shape as consent::Result).
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace brevduva::templates {

template <typename T, typename E>
class [[nodiscard]] Result {
  public:
    static Result success(T value) { return Result(std::in_place_index<0>, std::move(value)); }
    static Result failure(E error) { return Result(std::in_place_index<1>, std::move(error)); }

    [[nodiscard]] bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    [[nodiscard]] const T& value() const& {
        assert(ok());
        return std::get<0>(state_);
    }
    [[nodiscard]] T&& value() && {
        assert(ok());
        return std::get<0>(std::move(state_));
    }
    [[nodiscard]] const E& error() const {
        assert(!ok());
        return std::get<1>(state_);
    }

  private:
    template <std::size_t I, typename V>
    Result(std::in_place_index_t<I> index, V&& v) : state_(index, std::forward<V>(v)) {}

    // Indexed, not typed, so that T and E may be the same type.
    std::variant<T, E> state_;
};

}  // namespace brevduva::templates
