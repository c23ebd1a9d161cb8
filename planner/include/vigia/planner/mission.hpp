#pragma once
// A whole mission from files to plans: the area (DEM, border, corridor, airspace),
// the datalink map, candidate points and what they see, the selection of the best
// observation points, and the routes over them (sorties for a fleet, or a
// persistent patrol). Shared by `vigia route` and `vigia plan`, so that both
// compute the same thing from the same settings.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/planner/area.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/flight.hpp"
#include "vigia/planner/link.hpp"
#include "vigia/planner/patrol.hpp"
#include "vigia/planner/routes.hpp"
#include "vigia/planner/selection.hpp"
#include "vigia/planner/sensor.hpp"

namespace vigia::planner {

struct MissionConfig {
  AreaInputs area;
  Aircraft aircraft;  ///< its clearance and ceiling also bound the airspace

  // Datalink
  std::string stations;               ///< CSV or OGR points; empty: no link analysis from a file
  std::vector<Station> station_list;  ///< stations given inline (added to the file's)
  double station_antenna_m = 10.0;
  double station_range_m = 200000.0;
  LinkOptions link;
  bool link_mandatory = false;

  Sensor sensor;  ///< what it sees (task, range, grazing, refraction, sampling along paths)

  // Candidates
  double spacing_m = 2000.0;
  int tiers = 3;
  int aggregate = 1;

  // Observation points offered to the router: the best `points` by coverage.
  int points = 30;
  double select_time_limit_s = 20.0;

  // Routes
  std::vector<geo::Point2> bases;       ///< lon/lat; one for all aircraft or one each
  std::vector<std::string> base_names;  ///< optional, for the outputs
  /// Where each base was given, for messages ("--base", "FILE line N: [bases]").
  std::vector<std::string> base_labels;
  /// Each base's runway axis, compass degrees (NaN or missing: the axis with the most
  /// open climb-out is chosen).
  std::vector<double> runway_headings_deg;
  int aircraft_count = 1;
  double loiter_s = 300.0;
  int persistent = 0;  ///< > 0: a persistent patrol with this many aircraft on the cycle
  /// The routing optimiser's work: rounds per fleet size (or for the patrol cycle).
  /// The same rounds give the same plan on any machine; the time limit only caps them.
  long long route_rounds = 100;
  double route_time_limit_s = 600.0;  ///< only a cap: route_rounds is the work
  /// An aircraft more must add more than this fraction of the corridor's weight, else
  /// it stays on the ground (SortieOptions::fleet_tolerance).
  double fleet_tolerance = 0.001;
  double planning_cell_m = 250.0;
  unsigned seed = 1;
  int threads = 0;  ///< 0 = all cores
};

/// Checks the settings; throws Error naming the setting and what is allowed.
void validate(const MissionConfig& config);
/// The part of validate() that prepare_ground needs: aircraft, sensor, candidates,
/// datalink (not the bases, fleet and routes).
void validate_ground(const MissionConfig& config);

struct MissionResult {
  MissionConfig config;
  Area area;
  std::vector<Station> stations;  ///< those the link map was computed for
  std::optional<LinkMap> link;
  std::vector<Candidate> candidates;  ///< those with room to circle
  long long candidates_without_room = 0;
  Targets targets;
  CoverageProblem sets;
  VisibleSetStats sets_stats;
  Selection selection;
  std::vector<Candidate> points;  ///< the selected points offered to the router, by rank
  std::unique_ptr<FlightSpace> space;
  std::vector<SortiePlan> fleet;  ///< sorties with 1, 2, ... aircraft_count aircraft
  std::optional<PatrolPlan> patrol;
  std::map<std::string, double> seconds;  ///< per stage
  [[nodiscard]] const SortiePlan* sorties() const {
    return fleet.empty() ? nullptr : &fleet.back();
  }
};

/// Runs the mission. Throws Error on bad input (naming the file or setting).
std::unique_ptr<MissionResult> run_mission(const MissionConfig& config,
                                           const Progress& progress = {});

/// The first half of run_mission, which `vigia select` shares: validate_ground, then
/// the area, the stations and their link map, the candidates with room to circle, the
/// flight space, the targets and the candidates' visible sets. Selection, points and
/// routes are left empty; `seconds` holds load_dem, area, link, candidates,
/// flight_space and visible_sets.
std::unique_ptr<MissionResult> prepare_ground(const MissionConfig& config,
                                              const Progress& progress = {});

}  // namespace vigia::planner
