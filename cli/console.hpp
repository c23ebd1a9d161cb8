#pragma once
// What the CLI shows the user: one-line errors, progress on a terminal, numbers.

#include <memory>
#include <string>

#include "vigia/geo/progress.hpp"
#include "vigia/geo/text.hpp"

namespace vigia::cli {

/// A progress reporter for the CLI: a bar with the time left on stderr when it is a
/// terminal and `quiet` is off, silent otherwise. Cancels on Ctrl-C.
std::unique_ptr<Progress> make_progress(bool quiet);

/// Installs the Ctrl-C handler that makes progress reporters cancel the work.
void install_interrupt_handler();
/// Called by main just before it returns: from then on the watchdog stays out of the
/// way (blocks until a watchdog exit already under way has ended the process).
void begin_exit();
[[nodiscard]] bool interrupted();

using geo::fixed;
/// Formats an integer with thin grouping: 1234567 -> "1 234 567".
std::string grouped(long long v);

/// The command line as typed, for provenance metadata.
void set_command_line(int argc, char** argv);
const std::string& command_line();

/// Parses "A,B" into two numbers; throws Error naming the option otherwise.
std::pair<double, double> parse_pair(const std::string& text, const std::string& option,
                                     const std::string& expected);

}  // namespace vigia::cli
