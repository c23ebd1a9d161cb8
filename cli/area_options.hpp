#pragma once
// The command-line options shared by the commands that build a mission area
// (select, route): DEM, border, own side, corridor, airspace.

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "vigia/planner/aircraft.hpp"
#include "vigia/planner/area.hpp"

namespace vigia::cli {

struct AreaArgs {
  std::string dem;
  std::string border, border_layer, border_where;
  std::string own_territory, own_layer, own_where, own_point;
  double own_km = 10.0, far_km = 5.0, edge_weight = 0.25;
  std::vector<std::string> weight_lines, weight_polygons, no_fly;
  double standoff_km = 2.0;
  std::string aircraft = "mohajer6";
  double clearance = -1.0, ceiling = -1.0;
};

/// Registers the options on `cmd`.
void add_area_options(CLI::App* cmd, AreaArgs& a);
/// Turns them into library inputs (and the aircraft they name).
planner::AreaInputs area_inputs(const AreaArgs& a, planner::Aircraft* aircraft);

}  // namespace vigia::cli
