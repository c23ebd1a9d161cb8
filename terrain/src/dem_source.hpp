#pragma once
// A DEM as GDAL opens it, and its cells read as metres: shared by DEM reading
// (dem_io.cpp) and its description for `vigia info` (dem_info.cpp); internal to
// vigia::terrain.

#include <gdal_priv.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "vigia/geo/error.hpp"
#include "vigia/terrain/dem_io.hpp"

namespace vigia::terrain::detail {

struct DatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

inline std::string fmt(double v, int precision = 10) {
  std::ostringstream s;
  s.precision(precision);
  s << v;
  return s.str();
}

/// One DEM as GDAL sees it: a single file or an in-memory VRT mosaic of tiles.
struct OpenedDem {
  DatasetPtr ds;
  std::vector<std::string> sources;
  std::string label;  ///< how errors name it: the file, or "mosaic of N tiles (first, ...)"
  std::string driver;
  std::string driver_long;
  geo::SpatialRef crs;
  geo::GeoTransform gt;
  std::optional<double> nodata;
  double scale = 1.0;
  double offset = 0.0;
  double z_unit_m = 1.0;
  std::string area_or_point;
  MetricFrame metric;
};

/// Opens one file or a mosaic of tiles (paths or globs); throws Error naming the file.
OpenedDem open_dem(const std::vector<std::string>& raw_inputs);

/// Turns raw band values into metres in place, span by span, counting the valid cells;
/// finish() refuses elevations no terrain has.
class ToMetres {
 public:
  explicit ToMetres(const OpenedDem& dem)
      : dem_(dem),
        has_nodata_(dem.nodata.has_value()),
        nodata_(has_nodata_ ? static_cast<float>(*dem.nodata) : 0.0f),
        nodata_is_nan_(has_nodata_ && std::isnan(*dem.nodata)),
        scale_(dem.scale * dem.z_unit_m),
        offset_(dem.offset * dem.z_unit_m),
        identity_(scale_ == 1.0 && offset_ == 0.0) {}

  void operator()(float* v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const float x = v[i];
      if ((has_nodata_ && !nodata_is_nan_ && x == nodata_) || !std::isfinite(x)) {
        v[i] = std::numeric_limits<float>::quiet_NaN();
      } else {
        if (!identity_) v[i] = static_cast<float>(x * scale_ + offset_);
        // Earth's surface lies within -1 000 (Dead Sea shore -430) and 9 000 m (Everest
        // 8 849): beyond is a void or a spike, never terrain.
        if (!(v[i] >= -1000.0f && v[i] <= 9000.0f)) {
          if (absurd_++ == 0) example_ = x;
          continue;
        }
        ++valid_;
      }
    }
  }

  /// The number of valid cells converted; throws if any held an impossible elevation.
  long long finish() const {
    if (absurd_ > 0)
      throw Error(dem_.label + ": " + std::to_string(absurd_) + " cell" +
                  (absurd_ == 1 ? "" : "s") + " hold elevations outside -1000..9000 m (e.g. " +
                  std::to_string(example_) +
                  "): voids without a nodata value, or spikes (allowed: mark voids as nodata, "
                  "e.g. gdal_edit.py -a_nodata " +
                  std::to_string(static_cast<long long>(example_)) + " FILE)");
    return valid_;
  }

 private:
  const OpenedDem& dem_;
  bool has_nodata_;
  float nodata_;
  bool nodata_is_nan_;
  double scale_, offset_;
  bool identity_;
  long long valid_ = 0, absurd_ = 0;
  float example_ = 0.0f;
};

/// Whether read_rows reads this DEM block by block straight from the driver.
bool reads_blocks(const OpenedDem& dem);
/// Reads window w of the DEM as float metres into buffer (w.cols per row), converting
/// with `convert`; by blocks when reads_blocks and by_blocks.
void read_rows(const OpenedDem& dem, const geo::Window& w, float* buffer, ToMetres& convert,
               bool by_blocks = true);

}  // namespace vigia::terrain::detail
