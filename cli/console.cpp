#include "console.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

#include "vigia/geo/error.hpp"

namespace vigia::cli {

namespace {
std::atomic<bool> g_interrupted{false};
// Who ends the process: main's own return, or the watchdog. Whichever takes this lock
// first wins; the other never runs (the watchdog must not touch what static destructors
// are tearing down, nor main return while the watchdog removes files).
std::mutex g_exit_lock;
bool g_exiting = false;

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
}

class TerminalBar {
 public:
  bool operator()(std::string_view stage, double fraction) {
    const auto now = std::chrono::steady_clock::now();
    if (stage != stage_) {
      if (!stage_.empty()) std::fputs("\n", stderr);
      stage_ = std::string(stage);
      start_ = now;
      last_ = {};
    }
    if (fraction < 1.0 && now - last_ < std::chrono::milliseconds(100)) return !g_interrupted;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::string eta;
    if (fraction > 0.02 && fraction < 1.0) {
      eta = "  " + fixed(elapsed * (1.0 - fraction) / fraction, 0) + " s left";
    } else if (fraction >= 1.0) {
      eta = "  " + fixed(elapsed, 1) + " s";
    }
    std::fprintf(stderr, "\r%-28s [%s] %3d%%%-16s", stage_.c_str(), bar.c_str(),
                 static_cast<int>(fraction * 100.0), eta.c_str());
    if (fraction >= 1.0) {
      std::fputs("\n", stderr);
      stage_.clear();
    }
    std::fflush(stderr);
    return !g_interrupted;
  }

 private:
  std::string stage_;
  std::chrono::steady_clock::time_point start_{};
  std::chrono::steady_clock::time_point last_{};
};
}  // namespace

void install_interrupt_handler() {
  // The backstop of "stops within a second": every long loop asks whether to stop, and
  // if a step still runs 0.4 s after Ctrl-C (one GEOS call, one GDAL write), this
  // watchdog removes what was being written and ends the process with 130.
  static std::thread watchdog([] {
    while (!g_interrupted.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    g_exit_lock.lock();  // held until _exit: main cannot start its own exit meanwhile
    if (g_exiting) {
      g_exit_lock.unlock();
      return;  // main is already returning its own code
    }
    remove_unfinished_outputs();
    const char msg[] = "vigia: error: interrupted\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(130);
  });
  watchdog.detach();
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void begin_exit() {
  const std::lock_guard lock(g_exit_lock);
  g_exiting = true;
}

bool interrupted() {
  return g_interrupted.load();
}

/// Progress for programs that run vigia (the QGIS plugin): one line per stage and
/// whole percent, at most five a second per stage, "vigia-progress PERCENT STAGE".
class ProgressLines {
 public:
  bool operator()(std::string_view stage, double fraction) {
    const auto now = std::chrono::steady_clock::now();
    const int percent = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 100.0);
    const bool new_stage = stage != stage_;
    if (new_stage || (percent != percent_ &&
                      (percent == 100 || now - last_ >= std::chrono::milliseconds(200)))) {
      stage_ = std::string(stage);
      percent_ = percent;
      last_ = now;
      std::fprintf(stderr, "vigia-progress %d %s\n", percent, stage_.c_str());
      std::fflush(stderr);
    }
    return !g_interrupted;
  }

 private:
  std::string stage_;
  int percent_ = -1;
  std::chrono::steady_clock::time_point last_{};
};

std::unique_ptr<Progress> make_progress(bool quiet) {
  const char* mode = std::getenv("VIGIA_PROGRESS");
  if (!quiet && mode != nullptr && std::string_view(mode) == "lines") {
    auto lines = std::make_shared<ProgressLines>();
    return std::make_unique<Progress>(
        [lines](std::string_view stage, double fraction) { return (*lines)(stage, fraction); });
  }
  if (quiet || !isatty(STDERR_FILENO)) {
    return std::make_unique<Progress>([](std::string_view, double) { return !g_interrupted; });
  }
  auto bar = std::make_shared<TerminalBar>();
  return std::make_unique<Progress>(
      [bar](std::string_view stage, double fraction) { return (*bar)(stage, fraction); });
}

std::string grouped(long long v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(' ');
    out.push_back(digits[i]);
  }
  return v < 0 ? "-" + out : out;
}

namespace {
std::string g_command_line;
}

void set_command_line(int argc, char** argv) {
  g_command_line.clear();
  for (int i = 0; i < argc; ++i) {
    if (i) g_command_line.push_back(' ');
    g_command_line += argv[i];
  }
}

const std::string& command_line() {
  return g_command_line;
}

std::pair<double, double> parse_pair(const std::string& text, const std::string& option,
                                     const std::string& expected) {
  const auto comma = text.find(',');
  double a = 0.0;
  double b = 0.0;
  bool ok = comma != std::string::npos;
  if (ok) {
    try {
      std::size_t pa = 0;
      std::size_t pb = 0;
      a = std::stod(text.substr(0, comma), &pa);
      b = std::stod(text.substr(comma + 1), &pb);
      ok = pa == comma && pb == text.size() - comma - 1 && std::isfinite(a) && std::isfinite(b);
    } catch (...) {
      ok = false;
    }
  }
  if (!ok)
    throw Error(option + ": '" + text + "' is not " + expected +
                " (allowed: two finite numbers separated by a comma)");
  return {a, b};
}

}  // namespace vigia::cli
