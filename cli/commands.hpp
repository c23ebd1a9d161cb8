#pragma once
// Each subcommand registers its options on the app and sets the runner that does
// the work once the command line has been parsed.

#include <CLI/CLI.hpp>

#include <functional>

namespace vigia::cli {

/// Does the selected command's work; returns the exit code.
using Runner = std::function<int()>;

void add_info_command(CLI::App& app, Runner& runner);
void add_viewshed_command(CLI::App& app, Runner& runner);
void add_coverage_command(CLI::App& app, Runner& runner);
void add_corridor_command(CLI::App& app, Runner& runner);
void add_link_command(CLI::App& app, Runner& runner);
void add_select_command(CLI::App& app, Runner& runner);
void add_route_command(CLI::App& app, Runner& runner);
void add_plan_command(CLI::App& app, Runner& runner);
void add_check_command(CLI::App& app, Runner& runner);

}  // namespace vigia::cli
