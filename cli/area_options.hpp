#pragma once
// The command-line options shared by the commands that build a mission area
// (select, route): DEM, border, own side, corridor, airspace.

#include <CLI/CLI.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "vigia/planner/aircraft.hpp"
#include "vigia/planner/area.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/mission.hpp"

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

/// The sensor and the candidate lattice, shared by select and route.
struct SensorArgs {
  std::string task = "vehicle-detect";
  double sensor_range_km = 0.0;
  double min_grazing = 5.0;
  double k = 0.13;
  double spacing_km = 2.0;
  int tiers = 3;
  int aggregate = 1;
  std::string stations;
  double link_range_km = 200.0;
};
void add_sensor_options(CLI::App* cmd, SensorArgs& a);
/// The task named, with --sensor-range-km applied.
planner::SensorTask sensor_task_of(const SensorArgs& a);
/// The sensor, candidate and station settings of a mission from the options.
void apply_sensor_args(const SensorArgs& a, planner::MissionConfig& c);

/// Overrides of the aircraft preset's figures (NaN: keep the preset's).
struct AircraftArgs {
  double cruise_kmh = NAN, endurance_h = NAN, reserve = NAN, turn_radius_m = NAN, climb_ms = NAN,
         descent_ms = NAN;
};
void add_aircraft_options(CLI::App* cmd, AircraftArgs& a);
void apply_aircraft_options(const AircraftArgs& a, planner::Aircraft& aircraft);

/// Registers the options on `cmd`.
void add_area_options(CLI::App* cmd, AreaArgs& a);
/// Turns them into library inputs (and the aircraft they name).
/// The aircraft named by --aircraft, with --clearance and --ceiling applied: the one
/// place the command line sets the aircraft's limits.
planner::Aircraft aircraft_of(const AreaArgs& a);
/// The area's inputs; the airspace band is bounded by the aircraft's limits.
planner::AreaInputs area_inputs(const AreaArgs& a, const planner::Aircraft& aircraft);

}  // namespace vigia::cli
