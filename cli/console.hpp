#pragma once
// What the CLI shows the user: one-line errors, progress on a terminal, numbers.

#include <memory>
#include <string>

#include "vigia/geo/progress.hpp"

namespace vigia::cli {

/// A progress reporter for the CLI: a bar with the time left on stderr when it is a
/// terminal and `quiet` is off, silent otherwise. Cancels on Ctrl-C.
std::unique_ptr<Progress> make_progress(bool quiet);

/// Installs the Ctrl-C handler that makes progress reporters cancel the work.
void install_interrupt_handler();
[[nodiscard]] bool interrupted();

/// Formats a number with `decimals` digits after the point.
std::string fixed(double v, int decimals);

}  // namespace vigia::cli
