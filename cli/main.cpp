// vigia: the command line. It only parses arguments and calls the libraries;
// every error ends here as one line on stderr and a non-zero exit code.

#include <CLI/CLI.hpp>

#include <sys/statvfs.h>

#include <filesystem>
#include <iostream>
#include <new>

#include "number_options.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/version.hpp"

namespace {

int fail(const std::string& message, int code) {
  // Always one line: text from libraries (GDAL's SQL errors, say) may hold several.
  std::string one;
  for (const char c : message) {
    if (c == '\n' || c == '\r') {
      if (!one.empty() && one.back() != ' ') one += ' ';
    } else {
      one += c;
    }
  }
  while (!one.empty() && one.back() == ' ') one.pop_back();
  std::cerr << "vigia: error: " << one << '\n';
  return code;
}

/// A write that failed on a full disk says so: the message's leading path (before
/// ": ") is looked up, and when its file system has next to no room left the line
/// names the disk, whatever GDAL or the C library reported.
std::string full_disk_message(const std::string& what) {
  const auto colon = what.find(": ");
  if (colon == std::string::npos || colon == 0) return what;
  std::filesystem::path p(what.substr(0, colon));
  std::error_code ec;
  while (!p.empty() && !std::filesystem::exists(p, ec)) p = p.parent_path();
  if (p.empty()) p = ".";
  struct statvfs st {};
  if (statvfs(p.c_str(), &st) != 0) return what;
  const unsigned long long free_bytes =
      static_cast<unsigned long long>(st.f_bavail) * static_cast<unsigned long long>(st.f_frsize);
  if (free_bytes >= 4ull * 1024 * 1024) return what;
  return what.substr(0, colon) + ": cannot be written: the disk is full (" +
         std::to_string(free_bytes / 1024) +
         " KiB free on it; allowed: free some space, or write to another disk)";
}

/// CLI11's messages, reworded to one line that says what is allowed.
std::string parse_error_message(const CLI::ParseError& e, const CLI::App& app, int argc,
                                char** argv) {
  std::string what = e.what();
  const CLI::App* sub = nullptr;
  for (const CLI::App* s : app.get_subcommands()) sub = s;
  const std::string help = sub ? "vigia " + sub->get_name() + " --help" : "vigia --help";
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    const auto pos = what.find(':');
    const std::string extras = pos == std::string::npos ? what : what.substr(pos + 2);
    return "unknown option or extra argument: " + extras + " (see '" + help + "')";
  }
  if (e.get_name() == "RequiredError" && !sub) {
    std::string names;
    for (const CLI::App* s : app.get_subcommands({}))
      names += (names.empty() ? "" : ", ") + s->get_name();
    for (int i = 1; i < argc; ++i) {
      if (argv[i][0] != '-') {
        return "unknown command '" + std::string(argv[i]) + "' (allowed: " + names +
               "; see 'vigia --help')";
      }
    }
    return "no command given (allowed: " + names + "; see 'vigia --help')";
  }
  if (e.get_name() == "RequiredError") {
    const auto pos = what.find(" is required");
    const std::string name = pos == std::string::npos ? what : what.substr(0, pos);
    return "missing required argument: " + name + " (see '" + help + "')";
  }
  for (auto& c : what) {
    if (c == '\n') c = ' ';
  }
  return what + " (see '" + help + "')";
}

/// The whole command: parse, run, and turn every error into one line and an exit code.
int run(int argc, char** argv) {
  CLI::App app{"vigia — terrain-aware planner for UAV border surveillance", "vigia"};
  app.set_version_flag(
      "--version", std::string(vigia::version()) + " (git " + std::string(vigia::git_hash()) + ")");
  app.require_subcommand(1);
  app.fallthrough(false);

  vigia::cli::set_command_line(argc, argv);
  vigia::cli::Runner runner;
  vigia::cli::add_info_command(app, runner);
  vigia::cli::add_viewshed_command(app, runner);
  vigia::cli::add_coverage_command(app, runner);
  vigia::cli::add_corridor_command(app, runner);
  vigia::cli::add_link_command(app, runner);
  vigia::cli::add_select_command(app, runner);
  vigia::cli::add_route_command(app, runner);
  vigia::cli::add_plan_command(app, runner);
  vigia::cli::add_check_command(app, runner);
  vigia::cli::apply_number_ranges(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(parse_error_message(e, app, argc, argv), 2);
  }

  try {
    return runner ? runner() : fail("no command given (see 'vigia --help')", 2);
  } catch (const vigia::Error& e) {
    switch (e.kind()) {
      case vigia::Error::Kind::Input:
        return fail(e.what(), 2);
      case vigia::Error::Kind::Runtime:
        return fail(full_disk_message(e.what()), 1);
      case vigia::Error::Kind::Cancelled:
        return fail(e.what(), 130);
    }
  } catch (const std::bad_alloc&) {
    return fail("out of memory (try a smaller window, range or fewer threads)", 1);
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what() + " (please report it)", 1);
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // First of all: a Ctrl-C at any moment ends with 130 and nothing half-written.
  vigia::cli::install_interrupt_handler();
  const int code = run(argc, argv);
  vigia::cli::begin_exit();  // static destructors follow: the watchdog must stand aside
  return code;
}
