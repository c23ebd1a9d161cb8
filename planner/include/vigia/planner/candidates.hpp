#pragma once
// Where to look from: 3-D candidate observation points over the permitted
// airspace, the corridor's targets, and what each candidate sees of them under the
// sensor model (line of sight, slant range, grazing angle, target height).

#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/planner/corridor.hpp"
#include "vigia/planner/link.hpp"
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

/// The viewshed settings of a sensor task: slant range, grazing angle, target height.
terrain::ViewshedOptions sensor_viewshed(const SensorTask& task, double min_grazing_deg,
                                         double refraction_k);

struct CandidateOptions {
  double spacing_m = 2000.0;  ///< lattice spacing in the work CRS
  int tiers = 3;              ///< altitudes per lattice point, lowest allowed .. ceiling
  double clearance_m = 300.0;
  double ceiling_m = 5400.0;
  double loiter_radius_m = 300.0;  ///< terrain clearance holds over this disk (the turn radius)
  bool require_link = true;        ///< with a link map: not below the lowest link altitude
};

struct Candidate {
  geo::Point2 lonlat;
  geo::Point2 work_xy;
  terrain::GridPoint pos;  ///< DEM grid
  double ground_m = 0.0;
  double altitude_m = 0.0;  ///< AMSL
  double floor_m =
      0.0;  ///< lowest allowed here: terrain (over the loiter disk) + clearance, and link
  int tier = 0;
};

/// A lattice over the permitted airspace (cells where the airspace band exists), at
/// `tiers` altitudes evenly spaced from the floor to the ceiling (one tier: the
/// middle). Points whose floor is above the ceiling are left out.
std::vector<Candidate> make_candidates(const terrain::Dem& dem, const geo::SpatialRef& work_crs,
                                       const Airspace& air, const LinkMap* link,
                                       const CandidateOptions& options);

/// The corridor's targets: cells with a weight, or blocks of aggregate x aggregate
/// cells (a block counts as seen by a candidate when at least half of its corridor
/// cells are).
struct Targets {
  int aggregate = 1;
  geo::Raster<std::int32_t> id;  ///< DEM grid: target id, -1 outside the corridor
  std::vector<double> weight;    ///< per target: sum of its cells' weights
  std::vector<int> cells;        ///< per target: corridor cells in it
  std::vector<double> area_m2;   ///< per target
  [[nodiscard]] double total_weight() const;
  [[nodiscard]] double total_area() const;
};
Targets make_targets(const terrain::Dem& dem, const geo::Raster<float>& weight, int aggregate = 1);

struct VisibleSetOptions {
  SensorTask task;
  double min_grazing_deg = 5.0;
  double refraction_k = 0.13;
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
                             const Targets& targets, const VisibleSetOptions& options,
                             VisibleSetStats* stats = nullptr, const Progress& progress = {});

}  // namespace vigia::planner
