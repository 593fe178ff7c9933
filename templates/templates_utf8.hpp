// UTF-8 well-formedness (RFC 3629): the check every text from outside passes before it is
// rendered or encoded. One implementation serves the project: consent's, which templates
// builds on.
#pragma once

#include "consent/consent_utf8.hpp"

namespace brevduva::templates {

// The byte offset of the first byte that does not start a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are ill-formed), or nullopt when all is well.
using consent::first_invalid_utf8;

}  // namespace brevduva::templates
