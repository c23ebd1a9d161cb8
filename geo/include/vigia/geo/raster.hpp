#pragma once
// A raster value type that carries its georeferencing, so that a grid never loses
// where it lies (after RichDEM's Array2D and GDAL's Window): flat row-major
// storage, nodata, a GeoTransform and the CRS, non-owning views for windows, and
// `like()` to make an output grid shaped like an input.

#include <cassert>
#include <cstddef>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
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

namespace detail {
/// Large buffers (4 MiB and more) on 2 MiB boundaries, advised as transparent huge
/// pages where the kernel offers them; freed with free_pages.
void* allocate_pages(std::size_t bytes);
void free_pages(void* p);
}  // namespace detail

/// Raster storage: a large grid is allocated on huge pages where the system allows
/// (a 256 MiB DEM then costs 128 page faults instead of 65 536, which dominated whole
/// commands on virtual machines), and elements made without a value are left
/// uninitialised (Raster's Uninitialised constructor: storage a reader fills at once).
template <class T>
struct RasterAllocator {
  using value_type = T;
  static constexpr std::size_t kLarge = std::size_t{4} << 20;
  RasterAllocator() = default;
  template <class U>
  RasterAllocator(const RasterAllocator<U>&) {}  // NOLINT: allocators convert implicitly
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes >= kLarge) return static_cast<T*>(detail::allocate_pages(bytes));
    return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
  }
  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) >= kLarge) {
      detail::free_pages(p);
    } else {
      ::operator delete(p, std::align_val_t{alignof(T)});
    }
  }
  /// Default-initialisation when no value is given: no zero-fill for numbers.
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(p)) U;
    } else {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  }
  template <class U>
  bool operator==(const RasterAllocator<U>&) const {
    return true;
  }
};

/// Tag: a raster whose cells are left unset, for a reader that fills every one.
struct Uninitialised {};

template <class T>
class Raster {
 public:
  using value_type = T;
  using Storage = std::vector<T, RasterAllocator<T>>;

  Raster() = default;
  Raster(int cols, int rows, T fill = T{})
      : cols_(cols), rows_(rows), data_(static_cast<std::size_t>(cols) * rows, fill) {}
  Raster(int cols, int rows, Uninitialised)
      : cols_(cols), rows_(rows), data_(static_cast<std::size_t>(cols) * rows) {}

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
  Storage& data() { return data_; }
  const Storage& data() const { return data_; }

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
  Storage data_;
};

}  // namespace vigia::geo
