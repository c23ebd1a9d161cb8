#pragma once
// Sorties: one or several aircraft from their bases over the observation points,
// valued by the weighted corridor coverage collected along the whole flown path.
// Persistent patrols are in patrol.hpp; what the sensor sees along paths in
// sensor.hpp.

#include <optional>
#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/flight.hpp"
#include "vigia/planner/selection.hpp"
#include "vigia/planner/sensor.hpp"

namespace vigia::planner {

/// The candidate lattice with its visible sets (selection's output), used as the
/// optimiser's quick estimate of what a stretch of path sees.
struct CoverageModel {
  const std::vector<Candidate>* candidates = nullptr;
  const CoverageProblem* sets = nullptr;  ///< visible sets of the candidates (m = 1)
  const Targets* targets = nullptr;
  double lattice_spacing_m = 2000.0;
};

struct SortieOptions {
  std::vector<geo::Point2> bases;  ///< lon/lat: one per aircraft, or one for all
  int aircraft = 1;
  double loiter_s = 300.0;  ///< at each observation point (whole orbits)
  double time_limit_s = 60.0;
  long long max_iterations = 0;  ///< optimiser rounds; 0 = until the time limit
  unsigned seed = 1;
  /// A larger fleet must add more than this fraction of the corridor's weight over
  /// the smaller one it starts from, else the extra aircraft stays on the ground.
  double fleet_tolerance = 0.001;
};

struct SortiePlan {
  std::vector<FlownRoute> routes;       ///< one per aircraft
  std::vector<std::vector<int>> nodes;  ///< per aircraft: indices into the observation points
  PathCoverage coverage;                ///< exact, all aircraft together (no double counting)
  double total_weight = 0.0;            ///< of the corridor
  double total_area_m2 = 0.0;
  double estimated_value = 0.0;  ///< the optimiser's (proxy) value
  double flight_hours = 0.0;
  double km_flown = 0.0;
  double transit_fraction = 0.0;  ///< time not in loiter orbits
  double min_clearance_m = INFINITY;
  double link_fraction = NAN;  ///< of flight time with the link (NaN: no stations)
  double longest_outage_s = NAN;
  long long optimiser_rounds = 0;
  /// Classes of targets that the same visits and legs see: what the optimiser counts.
  long long target_classes = 0;
  bool optimiser_time_capped = false;  ///< the time limit stopped it before its rounds
  bool kept_smaller_fleet = false;  ///< the extra aircraft stay on the ground (see added_fraction)
  /// What this fleet's own routes added over the smaller fleet's, as a fraction of the
  /// corridor's weight (NaN for the first fleet size): the exact measure, or, when
  /// the optimiser's own estimate already added less than
  /// SortieOptions::fleet_tolerance, that estimate (added_measured false: the routes
  /// were not measured). Under the tolerance the smaller fleet's routes are kept.
  double added_fraction = NAN;
  bool added_measured = true;
  /// False when the optimiser was not run: every visit and leg together could add
  /// less than the tolerance over the smaller fleet's routes; added_fraction is then
  /// that bound (what this fleet could add at most).
  bool optimised = true;
  double seconds = 0.0;
};

/// Plans the sorties. `points` are the observation points to choose from (typically
/// the selection's best); each route is checked by flying it (clearance at every
/// DEM post, ceiling, airspace, endurance minus reserve) on every accepted move.
/// With `warm` (a plan for fewer aircraft from the same bases and points), the
/// optimiser starts from its routes and the result never covers less than it.
/// `cache`, when given, serves and keeps the exact coverage of each route.
SortiePlan plan_sorties(const FlightSpace& space, const std::vector<Candidate>& points,
                        const CoverageModel& model, const Sensor& sensor,
                        const SortieOptions& options, const Progress& progress = {},
                        const SortiePlan* warm = nullptr, RouteSightCache* cache = nullptr);

/// Plans for 1, 2, ... options.aircraft aircraft, each warm-started from the one
/// before (the time limit shared evenly): the covered weight never falls as the
/// fleet grows, and the planner sees what each added aircraft brings.
std::vector<SortiePlan> plan_fleet(const FlightSpace& space, const std::vector<Candidate>& points,
                                   const CoverageModel& model, const Sensor& sensor,
                                   const SortieOptions& options, const Progress& progress = {});

/// Link statistics along routes: fraction of flight time with the link and the
/// longest outage (s).
std::pair<double, double> link_statistics(const FlightSpace& space,
                                          const std::vector<FlownRoute>& routes);

}  // namespace vigia::planner
