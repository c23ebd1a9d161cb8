#include "number_options.hpp"

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "vigia/geo/text.hpp"

namespace vigia::cli {

namespace {

struct Range {
  const char* command;  ///< "" for every command with the option
  const char* option;
  double lo, hi;
  bool lo_open;  ///< lo itself is not allowed
  const char* unit;
};

// The ranges the commands document (docs/cli.md, --help): the same as the scenario
// file's fields of the same meaning (planner/src/scenario.cpp, docs/scenario.md). A
// value "not given" is the option's absence, never a number: 0 or -1 are refused where
// they are not meaningful.
const Range kRanges[] = {
    {"", "--own-width-km", 0.0, 500.0, true, "km"},
    {"", "--far-width-km", 0.0, 500.0, false, "km"},
    {"", "--edge-weight", 0.0, 1.0, false, "weight"},
    {"", "--standoff-km", 0.0, 100.0, false, "km"},
    {"", "--clearance", 0.0, 5000.0, false, "m above terrain"},
    {"", "--ceiling", 100.0, 30000.0, false, "m AMSL"},
    {"", "--link-range-km", 1.0, 2000.0, false, "km"},
    {"", "--range-km", 1.0, 2000.0, false, "km"},
    {"", "--spacing-km", 0.1, 100.0, false, "km"},
    {"", "--tiers", 1.0, 20.0, false, "tiers"},
    {"", "--sensor-range-km", 0.1, 200.0, false, "km"},
    {"", "--min-grazing", -90.0, 89.0, false, "degrees"},
    {"", "--k", -1.0, 1.0, false, "refraction coefficient"},
    {"", "--aggregate", 1.0, 64.0, false, "cells per block side"},
    {"", "--cruise-kmh", 10.0, 2000.0, false, "km/h"},
    {"", "--endurance-h", 0.05, 200.0, false, "hours"},
    {"", "--reserve", 0.0, 0.9, false, "fraction of endurance"},
    {"", "--turn-radius-m", 10.0, 20000.0, false, "m"},
    {"", "--climb-ms", 0.1, 100.0, false, "m/s"},
    {"", "--descent-ms", 0.1, 100.0, false, "m/s"},
    {"", "--altitude", -500.0, 30000.0, false, "m"},
    {"", "--target-height", 0.0, 1000.0, false, "m"},
    {"", "--max-distance", 0.0, 2.0e6, true, "m"},
    {"", "--max-slant-range", 0.0, 2.0e6, true, "m"},
    {"", "--min-distance", 0.0, 2.0e6, false, "m"},
    {"", "--tie-margin", 0.0, 100.0, false, "m"},
    {"", "--threads", 0.0, 1024.0, false, "threads, 0 = all cores"},
    {"", "--time-limit", 1.0, 86400.0, false, "seconds"},
    {"", "--rounds", 1.0, 1.0e6, false, "optimiser rounds"},
    {"", "--antenna", 0.0, 1000.0, false, "m above ground"},
    {"", "--at-altitude", -500.0, 12000.0, false, "m AMSL"},
    {"", "--fresnel", 0.0, 1.0, false, "fraction of the first Fresnel zone"},
    {"", "--frequency-ghz", 0.01, 100.0, false, "GHz"},
    {"", "--budget-min", 0.0, 100000.0, true, "minutes"},
    {"", "--scan-rate-km2-min", 0.0, 1.0e6, true, "km² per minute"},
    {"", "--views", 1.0, 10.0, false, "points"},
    {"", "--points", 1.0, 1000.0, false, "points"},
    {"", "--loiter-min", 0.0, 600.0, false, "minutes"},
    {"", "--persistent", 0.0, 64.0, false, "aircraft, 0 = sorties"},
    {"", "--runway-heading", 0.0, 360.0, false, "compass degrees"},
    {"", "--loiter-radius", 0.0, 100000.0, true, "m"},
    {"", "--glide-slope-min", 0.0, 1000.0, false, "m"},
    {"", "--base-zone-km", 0.0, 100.0, false, "km"},
    {"", "--runway-m", 0.0, 10000.0, false, "m"},
    {"route", "--count", 1.0, 64.0, false, "aircraft"},
    {"select", "--count", 1.0, 10000.0, false, "points"},
};

std::string allowed(const Range& r) {
  return std::string(r.lo_open ? "above " : "") + geo::fixed(r.lo, r.lo == std::floor(r.lo) ? 0 : 2) +
         (r.lo_open ? " up to " : " to ") + geo::fixed(r.hi, r.hi == std::floor(r.hi) ? 0 : 2) +
         ", " + r.unit;
}

/// The text as a number, or nothing when it is not one (CLI11 then says so).
bool as_number(const std::string& s, double* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0';
}

}  // namespace

void apply_number_ranges(CLI::App& app) {
  for (CLI::App* cmd : app.get_subcommands({})) {
    for (CLI::Option* opt : cmd->get_options()) {
      const std::string name = opt->get_name(false, true);
      const Range* range = nullptr;
      for (const Range& r : kRanges) {
        // Whole names only: --altitude is not --altitude-field nor --at-altitude.
        if (("," + name + ",").find("," + std::string(r.option) + ",") == std::string::npos)
          continue;
        if (*r.command && cmd->get_name() != r.command) continue;
        range = &r;
      }
      if (range) {
        const Range r = *range;
        opt->check(CLI::Validator(
            [r](std::string& s) -> std::string {
              double v = 0.0;
              if (!as_number(s, &v)) return "";
              if (!std::isfinite(v) || v < r.lo || v > r.hi || (r.lo_open && v == r.lo))
                return "'" + s + "' is not allowed (" + allowed(r) + ")";
              return "";
            },
            "[" + allowed(r) + "]"));
      } else {
        // Any other number: finite.
        opt->check(CLI::Validator(
            [](std::string& s) -> std::string {
              double v = 0.0;
              if (as_number(s, &v) && !std::isfinite(v))
                return "'" + s + "' is not allowed (a finite number)";
              return "";
            },
            ""));
      }
    }
  }
}

}  // namespace vigia::cli
