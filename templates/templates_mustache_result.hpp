// A value or the reason it could not be produced: what compiling a template returns, because a
// broken template is an expected outcome, not an exception. The type is consent::Result, the
// project's one stand-in for C++23 std::expected; templates already builds on consent.
#pragma once

#include "consent/consent_result.hpp"

namespace brevduva::templates {

using consent::Result;

}  // namespace brevduva::templates
