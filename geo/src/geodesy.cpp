#include "vigia/geo/geodesy.hpp"

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/PolygonArea.hpp>

#include <cmath>

namespace vigia::geo {

double Ellipsoid::prime_vertical_radius(double lat_rad) const {
  const double s = std::sin(lat_rad);
  return a / std::sqrt(1.0 - e2() * s * s);
}

double Ellipsoid::parallel_radius(double lat_rad) const {
  return prime_vertical_radius(lat_rad) * std::cos(lat_rad);
}

double Ellipsoid::meridian_arc(double phi) const {
  // Snyder (1987) eq. 3-21; the truncation error is below 1 mm on Earth.
  const double e2_ = e2();
  const double e4 = e2_ * e2_;
  const double e6 = e4 * e2_;
  return a * ((1.0 - e2_ / 4.0 - 3.0 * e4 / 64.0 - 5.0 * e6 / 256.0) * phi -
              (3.0 * e2_ / 8.0 + 3.0 * e4 / 32.0 + 45.0 * e6 / 1024.0) * std::sin(2.0 * phi) +
              (15.0 * e4 / 256.0 + 45.0 * e6 / 1024.0) * std::sin(4.0 * phi) -
              (35.0 * e6 / 3072.0) * std::sin(6.0 * phi));
}

double geodesic_distance(Point2 a, Point2 b) {
  double s12 = 0.0;
  GeographicLib::Geodesic::WGS84().Inverse(a.y, a.x, b.y, b.x, s12);
  return s12;
}

double geodesic_length(std::span<const Point2> line) {
  double total = 0.0;
  for (std::size_t i = 1; i < line.size(); ++i) total += geodesic_distance(line[i - 1], line[i]);
  return total;
}

double geodesic_area(const MultiPolygon& lonlat) {
  double total = 0.0;
  for (const Polygon& p : lonlat) {
    for (std::size_t i = 0; i < p.rings.size(); ++i) {
      GeographicLib::PolygonArea poly(GeographicLib::Geodesic::WGS84());
      const Ring& r = p.rings[i];
      const std::size_t n = (r.size() > 1 && r.front() == r.back()) ? r.size() - 1 : r.size();
      for (std::size_t k = 0; k < n; ++k) poly.AddPoint(r[k].y, r[k].x);
      double perimeter = 0.0;
      double a = 0.0;
      poly.Compute(false, true, perimeter, a);  // unsigned area
      total += i == 0 ? std::abs(a) : -std::abs(a);
    }
  }
  return total;
}

}  // namespace vigia::geo
