#pragma once
// Plain geometry value types used inside vigia (STYLE.md habit 7). GEOS and OGR
// are only used at the edges, to compute on or read and write these.

#include <string>
#include <vector>

namespace vigia::geo {

struct Point2 {
  double x = 0.0;
  double y = 0.0;
  bool operator==(const Point2&) const = default;
};

struct Point3 {
  double x = 0.0;
  double y = 0.0;
  double z = 0.0;
  bool operator==(const Point3&) const = default;
};

using LineString = std::vector<Point2>;
using Ring = std::vector<Point2>;  ///< closed: first point repeated at the end

/// A polygon: rings[0] is the exterior, the rest are holes.
struct Polygon {
  std::vector<Ring> rings;
};
using MultiPolygon = std::vector<Polygon>;

}  // namespace vigia::geo
