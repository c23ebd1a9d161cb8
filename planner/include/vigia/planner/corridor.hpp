#pragma once
// What to watch and where the aircraft may fly: the border corridor with its target
// weights, and the permitted airspace with its altitude band. Geometry is computed
// with GEOS in a metric work CRS (terrain::vector_work_crs); rasters are on the DEM's
// own grid so they line up with it.

#include <optional>
#include <string>
#include <vector>

#include "vigia/geo/geometry.hpp"
#include "vigia/geo/raster.hpp"
#include "vigia/geo/spatial_ref.hpp"
#include "vigia/terrain/dem.hpp"

namespace vigia::planner {

/// Which side of the border is one's own: own territory polygons, or a point on it.
/// Both in the work CRS. A point is placed by the side of the border segment nearest
/// to it, which needs a border whose parts run one way (one connected line, as an
/// OSM boundary); for multi-part borders digitised in mixed directions give polygons.
struct OwnSide {
  geo::MultiPolygon territory;
  std::optional<geo::Point2> point;
};

/// The border over a DEM, the DEM's footprint and the own side, in the work CRS.
struct BorderFrame {
  geo::SpatialRef work_crs;
  std::vector<geo::LineString> border_near;  ///< the border within reach of the DEM
  std::vector<geo::LineString> border;       ///< the border inside the DEM
  geo::MultiPolygon footprint;               ///< the DEM's extent
  geo::MultiPolygon own;                     ///< own territory inside the DEM
  double border_length_m = 0.0;              ///< geodesic length of the border inside the DEM
  std::vector<std::string> warnings;         ///< repairs made to the input geometry
};

/// Checks and prepares the inputs. Throws Error when the border is empty or does not
/// cross the DEM, when the own territory does not overlap the DEM, or when the own
/// point lies on the border. Invalid polygons are repaired (GEOS MakeValid) with a
/// warning. `reach_m` is how far from the DEM the border still matters (the widest
/// buffer used later).
BorderFrame make_border_frame(const terrain::Dem& dem, const geo::SpatialRef& work_crs,
                              const std::vector<geo::LineString>& border, const OwnSide& own_side,
                              double reach_m);

/// An extra target-weight layer: lines (buffered) or polygons, adding `weight`.
struct WeightLayer {
  std::string name;
  std::vector<geo::LineString> lines;  ///< work CRS
  double buffer_m = 1000.0;
  geo::MultiPolygon polygons;  ///< work CRS
  double weight = 1.0;
};

struct CorridorOptions {
  double own_width_m = 10000.0;  ///< watched depth on the own side
  double far_width_m = 5000.0;   ///< watched depth across the border
  double edge_weight = 0.25;     ///< base weight at the corridor's outer edges (1 at the border)
  std::vector<WeightLayer> extra;
};

struct Corridor {
  geo::MultiPolygon own_side;  ///< work CRS
  geo::MultiPolygon far_side;
  geo::MultiPolygon all;
  double own_area_m2 = 0.0;  ///< geodesic
  double far_area_m2 = 0.0;
  geo::Raster<float> weight;  ///< DEM grid; NaN outside the corridor
  long long cells = 0;        ///< corridor cells with data
  double weight_sum = 0.0;
};

/// The corridor: ground within own_width_m of the border on the own side and
/// far_width_m across it, clipped to the DEM, and per-cell weights: 1 at the border
/// falling linearly to edge_weight at the corridor's edge, plus the extra layers.
Corridor build_corridor(const terrain::Dem& dem, const BorderFrame& frame,
                        const CorridorOptions& options);

struct AirspaceOptions {
  double standoff_m = 2000.0;  ///< the aircraft stays this far inside its own side
  geo::MultiPolygon no_fly;    ///< work CRS
  double clearance_m = 300.0;  ///< minimum height above the terrain
  double ceiling_m = 5400.0;   ///< maximum altitude AMSL
};

struct Airspace {
  geo::MultiPolygon permitted;  ///< own territory minus standoff and no-fly, work CRS
  double permitted_area_m2 = 0.0;
  geo::Raster<float> min_alt;  ///< lowest allowed altitude AMSL per cell; NaN = may not fly there
  geo::Raster<float> max_alt;  ///< highest (the ceiling); NaN likewise
  long long cells_permitted = 0;  ///< cells inside the permitted polygons
  long long cells_flyable = 0;    ///< ... where terrain + clearance stays under the ceiling
};

Airspace build_airspace(const terrain::Dem& dem, const BorderFrame& frame,
                        const AirspaceOptions& options);

/// Cells of the DEM grid inside polygons given in the work CRS.
geo::Raster<std::uint8_t> rasterize_work(const terrain::Dem& dem, const geo::SpatialRef& work_crs,
                                         const geo::MultiPolygon& mp);

/// Geodesic area of polygons given in the work CRS, m^2.
double geodesic_area_work(const geo::MultiPolygon& mp, const geo::SpatialRef& work_crs);

}  // namespace vigia::planner
