// The command line: builds the command tree, parses, runs the chosen command and turns every
// failure into one message and an exit code (0 ok, 1 environment failure, 2 usage or
// configuration problem). main() only calls run().
#pragma once

namespace brevduva::app {

[[nodiscard]] int run(int argc, char** argv);

}  // namespace brevduva::app
