#pragma once
// The area a mission works in, built from files: the DEM, the metric work CRS, the
// border and own side, the corridor to watch and the permitted airspace. Shared by
// `vigia select`, `vigia route` and `vigia plan`.

#include <optional>
#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/planner/corridor.hpp"
#include "vigia/terrain/dem.hpp"

namespace vigia::planner {

struct WeightLayerInput {
  std::string path;
  double weight = 1.0;
  double buffer_m = 1000.0;  ///< for line layers
  bool lines = true;         ///< lines (buffered) or polygons
};

struct AreaInputs {
  std::vector<std::string> dem;  ///< files or globs
  std::string border;
  std::string border_layer;
  std::string border_where;
  std::string own_territory;  ///< polygons, or
  std::string own_layer;
  std::string own_where;
  std::optional<geo::Point2> own_point;  ///< lon/lat
  std::string own_point_label = "--own-point";  ///< where it was given, for messages
  std::vector<std::string> no_fly;
  std::vector<WeightLayerInput> weights;
  CorridorOptions corridor;  ///< extra layers are filled from `weights`
  AirspaceOptions airspace;  ///< no-fly polygons are filled from `no_fly`
};

struct Area {
  terrain::Dem dem;
  geo::SpatialRef work_crs;
  BorderFrame frame;
  Corridor corridor;
  Airspace airspace;
  geo::MultiPolygon no_fly;  ///< work CRS
  std::vector<std::string> warnings;
  double load_dem_seconds = 0.0;  ///< of the build, the reading of the DEM
};

/// Reads the files and builds corridor and airspace. Throws Error naming the file
/// and the problem.
Area build_area(const AreaInputs& in, const Progress& progress = {});

/// Peak resident memory of this process so far, bytes (0 if unknown).
std::size_t peak_memory_bytes();

}  // namespace vigia::planner
