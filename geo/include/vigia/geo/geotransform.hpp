#pragma once
// Georeferencing of a grid: the affine pixel -> CRS transform as a value type (not
// a bare double[6]) and half-open windows of cells, after GDAL's own conventions.

#include <algorithm>
#include <array>

#include "vigia/geo/geometry.hpp"

namespace vigia::geo {

/// GDAL's affine geotransform: x = origin_x + pixel * col_step_x + line * row_step_x,
/// y = origin_y + pixel * col_step_y + line * row_step_y, where (pixel, line) = (0, 0)
/// is the outer corner of the first cell and (0.5, 0.5) its centre.
struct GeoTransform {
  double origin_x = 0.0;
  double pixel_width = 1.0;   ///< gt[1]
  double row_rotation = 0.0;  ///< gt[2]
  double origin_y = 0.0;
  double col_rotation = 0.0;   ///< gt[4]
  double pixel_height = -1.0;  ///< gt[5], negative for north-up grids

  static GeoTransform from_gdal(const std::array<double, 6>& g) {
    return {g[0], g[1], g[2], g[3], g[4], g[5]};
  }
  [[nodiscard]] std::array<double, 6> to_gdal() const {
    return {origin_x, pixel_width, row_rotation, origin_y, col_rotation, pixel_height};
  }
  /// True if the grid axes are not aligned with the CRS axes.
  [[nodiscard]] bool is_rotated() const { return row_rotation != 0.0 || col_rotation != 0.0; }

  /// CRS coordinates of a continuous (pixel, line) position.
  [[nodiscard]] Point2 to_crs(double pixel, double line) const {
    return {origin_x + pixel * pixel_width + line * row_rotation,
            origin_y + pixel * col_rotation + line * pixel_height};
  }
  /// CRS coordinates of the centre of cell (col, row).
  [[nodiscard]] Point2 cell_centre(int col, int row) const { return to_crs(col + 0.5, row + 0.5); }
  /// Continuous (pixel, line) of a CRS position (inverse of to_crs).
  [[nodiscard]] Point2 to_pixel(Point2 p) const {
    const double det = pixel_width * pixel_height - row_rotation * col_rotation;
    const double dx = p.x - origin_x;
    const double dy = p.y - origin_y;
    return {(dx * pixel_height - dy * row_rotation) / det,
            (dy * pixel_width - dx * col_rotation) / det};
  }
  /// The transform of a sub-grid whose first cell is (col, row) of this grid.
  [[nodiscard]] GeoTransform shifted(int col, int row) const {
    GeoTransform g = *this;
    const Point2 o = to_crs(col, row);
    g.origin_x = o.x;
    g.origin_y = o.y;
    return g;
  }
  bool operator==(const GeoTransform&) const = default;
};

/// A half-open rectangle of cells: columns [col, col + cols), rows [row, row + rows).
struct Window {
  int col = 0;
  int row = 0;
  int cols = 0;
  int rows = 0;

  [[nodiscard]] bool empty() const { return cols <= 0 || rows <= 0; }
  [[nodiscard]] long long cells() const { return empty() ? 0 : 1LL * cols * rows; }
  [[nodiscard]] bool contains(int c, int r) const {
    return c >= col && c < col + cols && r >= row && r < row + rows;
  }
  [[nodiscard]] Window intersect(const Window& o) const {
    const int c0 = std::max(col, o.col);
    const int r0 = std::max(row, o.row);
    const int c1 = std::min(col + cols, o.col + o.cols);
    const int r1 = std::min(row + rows, o.row + o.rows);
    if (c1 <= c0 || r1 <= r0) return {c0, r0, 0, 0};
    return {c0, r0, c1 - c0, r1 - r0};
  }
  bool operator==(const Window&) const = default;
};

}  // namespace vigia::geo
