#pragma once
// Persistent patrols: one closed cycle flown again and again by aircraft spaced
// evenly in time, with the revisit statistics of the targets along it.

#include <utility>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/flight.hpp"
#include "vigia/planner/sensor.hpp"

namespace vigia::planner {

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
                       const Targets& targets, const Sensor& sensor, const PatrolOptions& options,
                       const Progress& progress = {});

}  // namespace vigia::planner
