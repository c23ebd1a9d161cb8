#pragma once
// Shared helpers of the benchmark programs: the machine, timing, running commands.

#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "vigia/geo/text.hpp"
#include "vigia/geo/version.hpp"

namespace vigia::bench {

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Best (smallest) wall time of `reps` runs of fn, seconds.
template <class Fn>
double best_of(int reps, Fn&& fn) {
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

/// Runs a shell command; returns its exit status (128 when it did not exit normally).
inline int run(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/// Runs a command that is being timed: a command that fails is not a fast run, so
/// a non-zero status throws, naming the command.
inline void run_ok(const std::string& cmd) {
  if (const int rc = run(cmd); rc != 0)
    throw std::runtime_error("benchmark command failed (exit " + std::to_string(rc) + "): " + cmd);
}

inline std::string first_line_of(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      std::string v = colon == std::string::npos ? line : line.substr(colon + 1);
      const auto first = v.find_first_not_of(" \t");
      return first == std::string::npos ? "" : v.substr(first);
    }
  }
  return "";
}

/// The machine a result was measured on.
inline nlohmann::json machine() {
  nlohmann::json m;
  m["cpu"] = first_line_of("/proc/cpuinfo", "model name");
  m["cores"] = std::thread::hardware_concurrency();
  const std::string mem = first_line_of("/proc/meminfo", "MemTotal");
  m["memory_gib"] = std::stod(mem.empty() ? "0" : mem) / 1048576.0;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  m["host"] = host;
  m["vigia_version"] = std::string(vigia::version());
  m["git_hash"] = std::string(vigia::git_hash());
  return m;
}

}  // namespace vigia::bench
