#pragma once
// One way to read a number on the command line: every numeric option of every command
// is finite and within its documented range, checked when the command line is parsed
// (before any work), the range shown in --help. A value outside it ends with one line
// naming the option, the value and what is allowed (exit 2).

#include <CLI/CLI.hpp>

namespace vigia::cli {

/// Adds the range check of every numeric option vigia knows to the commands of `app`
/// (call once, after every command is registered), and a finite-number check to every
/// other option that is given a number.
void apply_number_ranges(CLI::App& app);

}  // namespace vigia::cli
