#pragma once
// Metric distances on a DEM's native grid.
//
// vigia keeps every DEM on its own grid — no resampling of elevations, outputs
// line up cell for cell with the input in QGIS — and measures horizontal distances
// in metres from it:
//   * projected grids: constant cell size (CRS units x metres per unit);
//   * geographic grids (lon/lat, the SRTM/Copernicus case): per-row spacing on the
//     CRS's ellipsoid. A row's cells are N(phi) cos(phi) dlambda wide and the
//     meridional offset between rows is the meridian arc difference. Offsets between
//     two points use the mid-latitude ("plane sailing") form, whose error against
//     the geodesic is far below 0.01 % at the ranges vigia uses (tested).
// See docs/terrain.md for why this was chosen over warping to UTM.

#include <vector>

#include "vigia/geo/geodesy.hpp"
#include "vigia/geo/geotransform.hpp"

namespace vigia::terrain {

/// Earth radius for the curvature-and-refraction correction, m (REFERENCE.md).
inline constexpr double kEarthRadius = 6371000.0;

/// How far a point at horizontal distance d (m) appears lowered by the Earth's
/// curvature, partly undone by refraction with coefficient k: (1 - k) d^2 / 2R.
/// k = 1 turns the correction off; 0.13 suits light, 0.25 radio.
[[nodiscard]] constexpr double curvature_drop(double d, double k) {
  return (1.0 - k) * d * d / (2.0 * kEarthRadius);
}

/// Horizontal offset in metres.
struct Offset {
  double east = 0.0;
  double north = 0.0;
};

/// Continuous grid coordinates: cell (row, col)'s centre is at (col, row) exactly
/// (GDAL's pixel/line minus one half).
struct GridPoint {
  double col = 0.0;
  double row = 0.0;
};

class MetricFrame {
 public:
  MetricFrame() = default;
  /// A projected grid whose CRS unit is `unit_m` metres.
  static MetricFrame projected(const geo::GeoTransform& gt, double unit_m);
  /// A geographic grid (axes in degrees times `angular_unit_deg`) on `ellipsoid`.
  static MetricFrame geographic(const geo::GeoTransform& gt, const geo::Ellipsoid& ellipsoid,
                                double angular_unit_deg = 1.0);

  [[nodiscard]] bool is_geographic() const { return geographic_; }

  /// East-west size of a cell of row `row` (may be fractional), m.
  [[nodiscard]] double cell_width(double row) const;
  /// North-south size of a cell of row `row`, m.
  [[nodiscard]] double cell_height(double row) const;

  /// Offset (east, north) in metres from a to b.
  [[nodiscard]] Offset offset(GridPoint a, GridPoint b) const;
  /// Horizontal distance in metres between a and b.
  [[nodiscard]] double distance(GridPoint a, GridPoint b) const;

  /// Latitude (degrees) of a row for geographic grids.
  [[nodiscard]] double latitude(double row) const;

  /// The frame of a sub-grid whose first cell is (col, row) of this one.
  [[nodiscard]] MetricFrame shifted(int col, int row) const;

 private:
  bool geographic_ = false;
  // projected: metres per column step and per row step, signed (east / north positive)
  double col_east_m_ = 1.0;
  double row_north_m_ = -1.0;
  // geographic: latitude of row 0's centre and per-row step, longitude per column, radians
  double lat0_ = 0.0;
  double dlat_ = 0.0;
  double dlon_ = 0.0;
  geo::Ellipsoid ellipsoid_{};
};

/// A cell's offset on a grid: rows down, columns right.
struct CellOffset {
  int dr = 0;
  int dc = 0;
};
/// The offsets of the cells whose centres lie within `radius_m` of a cell's centre,
/// on a grid of cell_w_m x cell_h_m cells (a disk; the one walk over a disk of cells,
/// for a loiter's clearance and the flight space's room to turn).
std::vector<CellOffset> disk_offsets(double cell_w_m, double cell_h_m, double radius_m);

}  // namespace vigia::terrain
