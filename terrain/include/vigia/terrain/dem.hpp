#pragma once
// The terrain model: an elevation grid with its georeferencing and metric frame.
// The type itself never opens files (see dem_io.hpp for loading).

#include <string>
#include <vector>

#include "vigia/geo/raster.hpp"
#include "vigia/geo/spatial_ref.hpp"
#include "vigia/terrain/metric.hpp"

namespace vigia::terrain {

struct Dem {
  geo::Raster<float> elevation;      ///< metres; NaN where there is no data
  geo::SpatialRef crs;               ///< CRS of the grid
  MetricFrame metric;                ///< metres on the grid
  std::vector<std::string> sources;  ///< files it was read from

  [[nodiscard]] int cols() const { return elevation.cols(); }
  [[nodiscard]] int rows() const { return elevation.rows(); }
  /// True if (col, row) lies within the DEM's cells (half a cell around the centres).
  [[nodiscard]] bool covers(GridPoint p) const {
    return p.col >= -0.5 && p.row >= -0.5 && p.col <= cols() - 0.5 && p.row <= rows() - 0.5;
  }
  /// Bilinear elevation between the four surrounding cell centres; NaN outside the
  /// DEM or where one of them has no data. Within half a cell of the border the
  /// nearest border centres are used.
  [[nodiscard]] double elevation_at(GridPoint p) const;

  /// CRS coordinates of a grid point and back.
  [[nodiscard]] geo::Point2 to_crs(GridPoint p) const {
    return elevation.transform.to_crs(p.col + 0.5, p.row + 0.5);
  }
  [[nodiscard]] GridPoint to_grid(geo::Point2 crs_xy) const {
    const geo::Point2 px = elevation.transform.to_pixel(crs_xy);
    return {px.x - 0.5, px.y - 0.5};
  }

  /// A copy of a window of the DEM, with transform and metric frame shifted to it.
  [[nodiscard]] Dem crop(const geo::Window& w) const;
};

/// Converts lon/lat (WGS 84) to and from a DEM's grid and samples elevations there.
/// Holds PROJ transformations: not thread-safe, make one per thread.
class DemLocator {
 public:
  explicit DemLocator(const Dem& dem);
  [[nodiscard]] GridPoint to_grid(geo::Point2 lonlat) const;
  [[nodiscard]] geo::Point2 to_lonlat(GridPoint p) const;
  /// Elevation at lon/lat (bilinear), NaN outside the DEM or on nodata.
  [[nodiscard]] double elevation_at(geo::Point2 lonlat) const;
  [[nodiscard]] const Dem& dem() const { return *dem_; }

 private:
  const Dem* dem_;
  geo::Transformer to_dem_;
  geo::Transformer to_wgs84_;
};

}  // namespace vigia::terrain
