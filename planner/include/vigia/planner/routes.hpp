#pragma once
// Patrol routes: sorties of one or several aircraft from their bases over the
// observation points, valued by the weighted corridor coverage collected along the
// whole flown path; and persistent patrols, a closed cycle flown again and again by
// aircraft spaced evenly in time.

#include <optional>
#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/flight.hpp"
#include "vigia/planner/selection.hpp"

namespace vigia::planner {

/// What the sensor sees and how: shared by coverage along routes.
struct Sensing {
  SensorTask task;
  double min_grazing_deg = 5.0;
  double refraction_k = 0.13;
  double sample_spacing_m =
      500.0;  ///< coverage is counted at samples this far apart and at every loiter
};

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
};

/// What one flown path saw, measured exactly (viewsheds at the samples).
struct PathCoverage {
  std::vector<float> first_seen_s;      ///< per target: first time seen (s), NaN if never
  std::vector<std::uint16_t> count;     ///< per target: number of samples seeing it
  std::vector<std::uint32_t> aircraft;  ///< per target: bit k set when route k sees it (k < 32)
  double weight = 0.0;                  ///< weighted coverage (m = 1)
  double area_m2 = 0.0;
  long long viewsheds = 0;         ///< computed for this measure
  long long viewsheds_reused = 0;  ///< of routes measured before, taken from a RouteSightCache
};

/// What the samples along routes saw, kept per route (by its samples: positions,
/// altitudes, times) so that a route flown again unchanged is not measured twice:
/// plan_fleet's larger fleets often keep a smaller fleet's route. Valid for one
/// flight space, target set and sensing; fill it through measure_coverage.
class RouteSightCache {
 public:
  struct Sight {
    std::vector<std::uint32_t> target;  ///< targets seen, ascending
    std::vector<float> first_s;         ///< the first time each is seen
    std::vector<std::uint32_t> count;   ///< how many samples see each
  };
  [[nodiscard]] const Sight* find(const std::vector<double>& key) const;
  void add(std::vector<double> key, Sight sight);

 private:
  std::vector<std::pair<std::vector<double>, Sight>> entries_;
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
  bool optimiser_time_capped = false;  ///< the time limit stopped it before its rounds
  bool kept_smaller_fleet = false;  ///< the warm start measured better; the extra aircraft stay
  double seconds = 0.0;
};

/// Plans the sorties. `points` are the observation points to choose from (typically
/// the selection's best); each route is checked by flying it (clearance at every
/// DEM post, ceiling, airspace, endurance minus reserve) on every accepted move.
/// With `warm` (a plan for fewer aircraft from the same bases and points), the
/// optimiser starts from its routes and the result never covers less than it.
/// `cache`, when given, serves and keeps the exact coverage of each route.
SortiePlan plan_sorties(const FlightSpace& space, const std::vector<Candidate>& points,
                        const CoverageModel& model, const Sensing& sensing,
                        const SortieOptions& options, const Progress& progress = {},
                        const SortiePlan* warm = nullptr, RouteSightCache* cache = nullptr);

/// Plans for 1, 2, ... options.aircraft aircraft, each warm-started from the one
/// before (the time limit shared evenly): the covered weight never falls as the
/// fleet grows, and the planner sees what each added aircraft brings.
std::vector<SortiePlan> plan_fleet(const FlightSpace& space, const std::vector<Candidate>& points,
                                   const CoverageModel& model, const Sensing& sensing,
                                   const SortieOptions& options, const Progress& progress = {});

/// Exact coverage of flown routes: a viewshed at every sample `spacing` apart and at
/// every stop; targets seen by several samples or routes count once. With `cache`,
/// routes found there are not measured again, and the others are added to it (the
/// result is the same either way).
PathCoverage measure_coverage(const FlightSpace& space, const std::vector<FlownRoute>& routes,
                              const Targets& targets, const Sensing& sensing,
                              const Progress& progress = {}, RouteSightCache* cache = nullptr);

/// Link statistics along routes: fraction of flight time with the link and the
/// longest outage (s).
std::pair<double, double> link_statistics(const FlightSpace& space,
                                          const std::vector<FlownRoute>& routes);

// ---- persistent patrol ---------------------------------------------------------------

/// A target's watch intervals on one lap of a cycle of period P, as [start, end) in
/// seconds (end may exceed P: the interval wraps).
struct Revisit {
  double mean_s = NAN;   ///< mean gap between watches
  double worst_s = NAN;  ///< longest gap (the idleness a crosser can count on)
  double watched_fraction = 0.0;
  int aircraft_for_continuous =
      0;  ///< smallest evenly spaced fleet that never leaves a gap (0: none up to the limit)
};

/// Revisit statistics of a target watched in `intervals` of each lap of a cycle of
/// `period_s`, flown by `aircraft` evenly spaced in time (Machado et al. 2002's
/// idleness; gaps from the end of one watch to the start of the next).
Revisit revisit(std::vector<std::pair<double, double>> intervals, double period_s, int aircraft,
                int max_fleet = 64);

struct PatrolOptions {
  geo::Point2 base;       ///< lon/lat
  int aircraft = 2;       ///< on the cycle at once, evenly spaced
  double loiter_s = 0.0;  ///< at each point of the cycle (0: fly through)
  double time_limit_s = 30.0;
  long long max_iterations = 0;  ///< optimiser rounds (the work budget); 0 = until the time limit
  unsigned seed = 1;
};

struct PatrolPlan {
  FlownRoute cycle;         ///< one lap, from the first point back to it
  FlownRoute transit_out;   ///< base to the cycle
  FlownRoute transit_back;  ///< cycle to the base
  std::vector<int> order;   ///< the cycle's points
  double period_s = 0.0;
  double fence_length_m = 0.0;  ///< the border length the corridor follows
  double lower_bound_s = 0.0;   ///< 2 L / (k v), Czyzowicz et al. (ESA 2011)
  std::vector<Revisit> per_target;
  double worst_revisit_s = NAN;
  double mean_revisit_s = NAN;    ///< weighted over the targets the cycle sees
  double p95_revisit_s = NAN;     ///< 95th percentile over targets of their worst gap
  double watched_fraction = 0.0;  ///< weighted mean
  double seen_weight_fraction = 0.0;
  int aircraft_for_continuous = 0;     ///< for every target the cycle sees (0: more than 64)
  int aircraft_for_continuous_90 = 0;  ///< for 90 % of their weight
  double laps_per_sortie = 0.0;        ///< within endurance minus reserve, after transits
  int fleet_for_rotation = 0;  ///< aircraft needed to keep `aircraft` on the cycle around the clock
  PathCoverage coverage;
  long long optimiser_rounds = 0;
  bool optimiser_time_capped = false;
  double seconds = 0.0;
};

PatrolPlan plan_patrol(const FlightSpace& space, const std::vector<Candidate>& points,
                       const Targets& targets, const Sensing& sensing, const PatrolOptions& options,
                       const Progress& progress = {});

}  // namespace vigia::planner
