#pragma once
// Plain geometry value types used inside vigia: the libraries pass these values,
// never GEOS or OGR objects. GEOS and OGR are only used at the edges, to compute
// on or read and write these, so no library header includes theirs.

#include <algorithm>
#include <cmath>
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

/// An axis-aligned box; empty (x0 > x1) when it bounds nothing.
struct Bounds {
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
};
/// The box around the polygons' exterior rings.
inline Bounds bounds(const MultiPolygon& mp) {
  Bounds b;
  for (const Polygon& p : mp)
    for (const Point2& q : p.rings.empty() ? Ring{} : p.rings[0]) {
      b.x0 = std::min(b.x0, q.x);
      b.y0 = std::min(b.y0, q.y);
      b.x1 = std::max(b.x1, q.x);
      b.y1 = std::max(b.y1, q.y);
    }
  return b;
}

}  // namespace vigia::geo
