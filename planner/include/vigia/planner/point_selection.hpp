#pragma once
// `vigia select`'s work in the library, like `route` and `plan`: the best
// observation points over prepare_ground's candidates and visible sets, what they
// see together at full resolution, and the selection report (JSON and Markdown).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/geo/raster.hpp"
#include "vigia/planner/mission.hpp"
#include "vigia/planner/selection.hpp"

namespace vigia::planner {

struct PointSelectOptions {
  int count = 10;           ///< points to choose (with budget_min = 0)
  double budget_min = 0.0;  ///< instead of a count: loiter minutes
  double scan_rate_km2_min = 0.0;  ///< with budget_min: what the sensor scans per minute
  int views = 1;                   ///< points that must see a target
  double time_limit_s = 60.0;
  unsigned seed = 1;
};

struct PointSelection {
  Selection selection;
  /// DEM grid: how many chosen points see each corridor cell (255 outside it).
  geo::Raster<std::uint8_t> cover;
  std::vector<double> covered_weight;  ///< per candidate: the weight it sees alone
  double area_total_m2 = 0.0, area_seen_m2 = 0.0;
  double weight_total = 0.0, weight_seen = 0.0;  ///< seen: by at least `views` points
  double coverage_seconds = 0.0;
  [[nodiscard]] double by_area() const {
    return area_total_m2 > 0 ? area_seen_m2 / area_total_m2 : 0.0;
  }
  [[nodiscard]] double by_weight() const {
    return weight_total > 0 ? weight_seen / weight_total : 0.0;
  }
};

/// Throws Error naming the option (as `vigia select` spells it) and what is allowed.
void validate(const PointSelectOptions& options);

/// Checks the options, sets the candidates' costs
/// (with a budget: minutes to scan what each sees) and the views on ground.sets,
/// selects, and measures what the chosen points see.
PointSelection select_observation_points(MissionResult& ground, const PointSelectOptions& options,
                                         const Progress& progress = {});

/// The selection report: settings, candidates, selection with its gap, coverage,
/// memory; `seconds` is the whole run's.
nlohmann::json selection_report(const MissionResult& ground, const PointSelection& s,
                                const PointSelectOptions& options, double seconds);
/// The same as Markdown: a summary and the chosen points by rank.
std::string selection_report_md(const MissionResult& ground, const PointSelection& s,
                                const PointSelectOptions& options, double seconds);

}  // namespace vigia::planner
