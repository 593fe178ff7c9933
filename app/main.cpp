// The brevduva binary: everything happens in app::run, so that tests can drive the same code.
#include "app/app_cli.hpp"

int main(int argc, char** argv) { return brevduva::app::run(argc, argv); }
