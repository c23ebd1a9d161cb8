#pragma once
// Coordinate reference systems and transforms, through GDAL/OGR and PROJ. Axis
// order is always the traditional GIS one: x = easting or longitude, y = northing
// or latitude, whatever the authority says.

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "vigia/geo/geometry.hpp"

namespace vigia::geo {

class SpatialRef {
 public:
  SpatialRef();  ///< empty: no CRS
  ~SpatialRef();
  SpatialRef(const SpatialRef&);
  SpatialRef& operator=(const SpatialRef&);
  SpatialRef(SpatialRef&&) noexcept;
  SpatialRef& operator=(SpatialRef&&) noexcept;

  /// Any definition GDAL accepts: "EPSG:4326", WKT, PROJ string, ... Throws Error.
  static SpatialRef from_user_input(const std::string& definition);
  static SpatialRef from_wkt(const std::string& wkt);
  static SpatialRef from_epsg(int code);
  static SpatialRef wgs84();  ///< EPSG:4326, lon/lat order

  [[nodiscard]] bool empty() const;
  [[nodiscard]] bool is_geographic() const;
  [[nodiscard]] bool is_projected() const;
  /// Human name, e.g. "WGS 84 / UTM zone 19S".
  [[nodiscard]] std::string name() const;
  /// EPSG code when the CRS is (or is identified as) one.
  [[nodiscard]] std::optional<int> epsg() const;
  /// "EPSG:32719" or the name when no code is known.
  [[nodiscard]] std::string label() const;
  [[nodiscard]] std::string wkt() const;
  /// Metres per unit of the horizontal axes of a projected CRS (1 for metres).
  [[nodiscard]] double linear_unit_m() const;
  [[nodiscard]] double semi_major_m() const;
  [[nodiscard]] double inverse_flattening() const;
  /// True if both describe the same CRS (ignoring axis order and metadata).
  [[nodiscard]] bool same_as(const SpatialRef& other) const;

  struct Impl;
  [[nodiscard]] const Impl* impl() const { return impl_.get(); }

 private:
  explicit SpatialRef(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

/// EPSG code of the UTM zone (WGS 84) holding a lon/lat position, e.g. 32719 for 19S.
int utm_epsg(double lon, double lat);

/// Transforms points between two CRS. Not thread-safe: make one per thread.
class Transformer {
 public:
  Transformer(const SpatialRef& from, const SpatialRef& to);
  ~Transformer();
  Transformer(Transformer&&) noexcept;
  Transformer& operator=(Transformer&&) noexcept;
  Transformer(const Transformer&) = delete;
  Transformer& operator=(const Transformer&) = delete;

  /// Transforms one point; throws Error if it cannot be transformed.
  [[nodiscard]] Point2 operator()(Point2 p) const;
  /// Transforms points in place; throws Error naming the first one that fails.
  void transform(std::span<Point2> points) const;
  [[nodiscard]] bool is_identity() const { return impl_ == nullptr; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  ///< null when both CRS are the same
};

}  // namespace vigia::geo
