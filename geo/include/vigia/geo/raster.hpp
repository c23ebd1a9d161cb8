#pragma once
// A raster value type that carries its georeferencing (STYLE.md habit 2, after
// RichDEM's Array2D and GDAL's Window): flat row-major storage, nodata, a
// GeoTransform and the CRS, non-owning views for windows, and `like()` to make an
// output grid shaped like an input.

#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "vigia/geo/geotransform.hpp"

namespace vigia::geo {

/// Non-owning view of a rectangle of a row-major grid. Cheap to copy.
template <class T>
class GridView {
 public:
  GridView() = default;
  GridView(T* data, int cols, int rows, std::ptrdiff_t stride, GeoTransform transform)
      : data_(data), cols_(cols), rows_(rows), stride_(stride), transform_(transform) {}

  [[nodiscard]] int cols() const { return cols_; }
  [[nodiscard]] int rows() const { return rows_; }
  [[nodiscard]] std::ptrdiff_t stride() const { return stride_; }
  [[nodiscard]] const GeoTransform& transform() const { return transform_; }
  T& operator()(int row, int col) const {
    assert(row >= 0 && row < rows_ && col >= 0 && col < cols_);
    return data_[row * stride_ + col];
  }
  T* row(int r) const { return data_ + r * stride_; }

 private:
  T* data_ = nullptr;
  int cols_ = 0;
  int rows_ = 0;
  std::ptrdiff_t stride_ = 0;
  GeoTransform transform_{};
};

template <class T>
class Raster {
 public:
  using value_type = T;

  Raster() = default;
  Raster(int cols, int rows, T fill = T{})
      : cols_(cols), rows_(rows), data_(static_cast<std::size_t>(cols) * rows, fill) {}

  [[nodiscard]] int cols() const { return cols_; }
  [[nodiscard]] int rows() const { return rows_; }
  [[nodiscard]] std::size_t size() const { return data_.size(); }
  [[nodiscard]] bool empty() const { return data_.empty(); }
  [[nodiscard]] Window extent() const { return {0, 0, cols_, rows_}; }

  T& operator()(int row, int col) {
    assert(row >= 0 && row < rows_ && col >= 0 && col < cols_);
    return data_[static_cast<std::size_t>(row) * cols_ + col];
  }
  const T& operator()(int row, int col) const {
    assert(row >= 0 && row < rows_ && col >= 0 && col < cols_);
    return data_[static_cast<std::size_t>(row) * cols_ + col];
  }
  T* row(int r) { return data_.data() + static_cast<std::size_t>(r) * cols_; }
  const T* row(int r) const { return data_.data() + static_cast<std::size_t>(r) * cols_; }
  std::vector<T>& data() { return data_; }
  const std::vector<T>& data() const { return data_; }

  /// A view of `w`, which must lie inside the raster.
  GridView<T> view(const Window& w) {
    assert(extent().intersect(w) == w);
    return {row(w.row) + w.col, w.cols, w.rows, cols_, transform.shifted(w.col, w.row)};
  }
  GridView<const T> view(const Window& w) const {
    assert(extent().intersect(w) == w);
    return {row(w.row) + w.col, w.cols, w.rows, cols_, transform.shifted(w.col, w.row)};
  }
  GridView<T> view() { return view(extent()); }
  GridView<const T> view() const { return view(extent()); }

  /// A copy of window `w` (which must lie inside), with its georeferencing.
  [[nodiscard]] Raster crop(const Window& w) const {
    Raster out(w.cols, w.rows);
    out.transform = transform.shifted(w.col, w.row);
    out.crs_wkt = crs_wkt;
    out.nodata = nodata;
    for (int r = 0; r < w.rows; ++r) {
      const T* src = row(w.row + r) + w.col;
      std::copy(src, src + w.cols, out.row(r));
    }
    return out;
  }

  /// A new raster of another type on the same grid (same size, transform and CRS).
  template <class U>
  [[nodiscard]] Raster<U> like(U fill = U{},
                               std::optional<double> out_nodata = std::nullopt) const {
    Raster<U> out(cols_, rows_, fill);
    out.transform = transform;
    out.crs_wkt = crs_wkt;
    out.nodata = out_nodata;
    return out;
  }

  GeoTransform transform{};  ///< pixel -> CRS
  std::string crs_wkt;       ///< WKT of the CRS (empty if unknown)
  std::optional<double>
      nodata;  ///< value marking missing cells (floating rasters use NaN inside vigia)

 private:
  int cols_ = 0;
  int rows_ = 0;
  std::vector<T> data_;
};

}  // namespace vigia::geo
