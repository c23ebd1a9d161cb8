#pragma once
// The sensor stage: what the aircraft's sensor sees, in one place. A `Sensor` value
// (task, range, target height, grazing angle, refraction, sampling along paths)
// yields the viewshed kernel's options; `SeenCounter` is the only implementation of
// the rule that says when a target (a cell, or a block of cells) counts as seen; and
// on those two rest what candidates see (`visible_sets`), what points of a path see
// (`seen_from`) and the coverage measured along flown routes (`measure_coverage`).
// Candidates, sorties, patrols, `vigia select` and the report all go through here.
//
// A new sensor property (a gimbal sector, a detection probability by range, a
// day/night task) is a field of `Sensor`, used in `Sensor::viewshed_options()` or in
// `SeenCounter`; the scenario reader and the CLI's sensor flags set it.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/geo/raster.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/flight.hpp"
#include "vigia/planner/selection.hpp"
#include "vigia/terrain/dem.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::planner {

/// What the sensor must do, with the range it can do it at (REFERENCE.md: an
/// illustrative MWIR camera, Johnson criteria, geometric upper bounds) and the
/// target's height.
struct SensorTask {
  std::string name;
  double range_m = 0.0;
  double target_height_m = 0.0;
};
/// person-detect, person-recognise, person-identify, vehicle-detect,
/// vehicle-recognise, vehicle-identify. Throws Error listing them otherwise.
SensorTask sensor_task(const std::string& name);
std::vector<std::string> sensor_tasks();

/// The sensor, as every stage of the planner uses it.
struct Sensor {
  SensorTask task = {"vehicle-detect", 21000.0, 2.5};
  double min_grazing_deg = 5.0;  ///< lowest angle of the line of sight above the ground
  double refraction_k = 0.13;    ///< atmospheric refraction coefficient
  /// Along flown paths, what the sensor sees is taken at samples this far apart and at
  /// every observation point reached.
  double sample_spacing_m = 500.0;

  /// The viewshed kernel's settings: slant range, grazing angle, target height,
  /// refraction (checked here, not inside the callers' parallel loops).
  [[nodiscard]] terrain::ViewshedOptions viewshed_options() const;
  /// The sensor as the plan's report gives it (report.json's "sensor").
  [[nodiscard]] nlohmann::json to_json() const;
};

/// The corridor's targets: cells with a weight, or blocks of aggregate x aggregate
/// cells.
struct Targets {
  int aggregate = 1;
  geo::Raster<std::int32_t> id;  ///< DEM grid: target id, -1 outside the corridor
  std::vector<double> weight;    ///< per target: sum of its cells' weights
  std::vector<int> cells;        ///< per target: corridor cells in it
  std::vector<double> area_m2;   ///< per target
  /// The cells with a target, row by row (make_targets fills it; when empty, every
  /// cell is looked at): viewsheds apply their limits there alone.
  terrain::CellRuns runs;
  /// The viewshed options of `sensor` restricted to these cells.
  [[nodiscard]] terrain::ViewshedOptions viewshed_options(const Sensor& sensor) const;
  [[nodiscard]] double total_weight() const;
  [[nodiscard]] double total_area() const;
};
Targets make_targets(const terrain::Dem& dem, const geo::Raster<float>& weight, int aggregate = 1);

/// The seen-rule: a target counts as seen from a sensor position when at least half
/// of its corridor cells are visible (with aggregate 1, when its cell is). One
/// counter per thread; seen() returns the targets one viewshed sees, in the order
/// they were first met (row by row), valid until the next call.
class SeenCounter {
 public:
  explicit SeenCounter(const Targets& targets) : targets_(targets), cells_(targets.weight.size(), 0) {}
  const std::vector<std::uint32_t>& seen(const terrain::Viewshed& vs);

 private:
  const Targets& targets_;
  std::vector<int> cells_;
  std::vector<std::uint32_t> touched_, out_;
};

struct VisibleSetStats {
  long long viewsheds = 0;  ///< candidates whose range reaches the corridor
  long long cells_computed = 0;
  double seconds = 0.0;
  std::size_t bytes = 0;  ///< memory of the visible sets
};

/// The coverage problem: for every candidate, the targets it sees (computed in
/// parallel, one viewshed per candidate, stored as runs of target ids).
CoverageProblem visible_sets(const terrain::Dem& dem, const std::vector<Candidate>& candidates,
                             const Targets& targets, const Sensor& sensor,
                             VisibleSetStats* stats = nullptr, const Progress& progress = {});

/// A sensor position along a path: work CRS, altitude AMSL.
using SensorPosition = std::pair<geo::Point2, double>;

/// One viewshed per sensor position, in parallel and cancellable under `stage`:
/// fn(i, seen) gets the targets position i sees, on the thread that computed them
/// (calls for different i may run at once). Positions over no data or below the
/// ground see nothing and are not passed to fn.
void seen_from(const FlightSpace& space, const std::vector<SensorPosition>& where,
               const Targets& targets, const Sensor& sensor, const Progress& progress,
               const char* stage,
               const std::function<void(std::size_t, const std::vector<std::uint32_t>&)>& fn);

/// The samples of a flown route where the sensor looks: one every
/// `sensor.sample_spacing_m` along it, and (with `at_stops`) the first sample of
/// every observation point reached. Indices into route.samples, ascending.
std::vector<std::size_t> sensor_samples(const FlownRoute& route, const Sensor& sensor,
                                        bool at_stops);

/// What flown paths saw, measured exactly (viewsheds at the sensor samples).
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
/// flight space, target set and sensor; fill it through measure_coverage.
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

/// Exact coverage of flown routes: a viewshed at every sensor sample (every stop
/// included); targets seen by several samples or routes count once. With `cache`,
/// routes found there are not measured again, and the others are added to it (the
/// result is the same either way).
PathCoverage measure_coverage(const FlightSpace& space, const std::vector<FlownRoute>& routes,
                              const Targets& targets, const Sensor& sensor,
                              const Progress& progress = {}, RouteSightCache* cache = nullptr);

/// Weight and area of the targets seen at least once (count > 0), into cov.
void total_seen(const Targets& targets, PathCoverage& cov);

}  // namespace vigia::planner
