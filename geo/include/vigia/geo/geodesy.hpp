#pragma once
// Distances on the ellipsoid. The closed forms here serve the per-row metric
// spacing of geographic DEMs; GeographicLib (Karney 2013) gives geodesic lengths.

#include <span>

#include "vigia/geo/geometry.hpp"

namespace vigia::geo {

struct Ellipsoid {
  double a = 6378137.0;            ///< semi-major axis, m
  double f = 1.0 / 298.257223563;  ///< flattening

  static Ellipsoid wgs84() { return {}; }
  [[nodiscard]] double e2() const { return f * (2.0 - f); }
  /// Radius of curvature in the prime vertical, N(phi), m.
  [[nodiscard]] double prime_vertical_radius(double lat_rad) const;
  /// Radius of the parallel at latitude phi: N(phi) cos(phi), m per radian of longitude.
  [[nodiscard]] double parallel_radius(double lat_rad) const;
  /// Meridian arc length from the equator to latitude phi (signed), m.
  /// Series of Snyder, "Map Projections: A Working Manual" (USGS PP 1395, 1987), eq. 3-21.
  [[nodiscard]] double meridian_arc(double lat_rad) const;
};

/// Geodesic distance between two lon/lat points (degrees) on WGS 84, m (GeographicLib).
double geodesic_distance(Point2 a, Point2 b);
/// Geodesic length of a lon/lat polyline (degrees) on WGS 84, m.
double geodesic_length(std::span<const Point2> line);
/// Geodesic area of lon/lat polygons (degrees) on WGS 84, m^2 (holes subtracted);
/// edges are geodesics, so densify long straight edges of projected shapes first.
double geodesic_area(const MultiPolygon& lonlat);

}  // namespace vigia::geo
