#pragma once
// Private to vigia::geo: what SpatialRef wraps, and geometry values as OGR objects.
#include <ogr_geometry.h>
#include <ogr_spatialref.h>

#include <memory>
#include <mutex>

#include "vigia/geo/geometry.hpp"
#include "vigia/geo/spatial_ref.hpp"

namespace vigia::geo {
struct SpatialRef::Impl {
  OGRSpatialReference srs;
};

/// Held while reading any SpatialRef's OGRSpatialReference: copies of a SpatialRef
/// share one, and GDAL's objects (const methods included: they cache PROJ objects)
/// must not be used from two threads at once.
std::recursive_mutex& srs_mutex();

/// The polygons as one OGR multipolygon (rings closed).
inline std::unique_ptr<OGRMultiPolygon> to_ogr(const MultiPolygon& mp) {
  auto m = std::make_unique<OGRMultiPolygon>();
  for (const Polygon& p : mp) {
    auto poly = std::make_unique<OGRPolygon>();
    for (const Ring& ring : p.rings) {
      auto lr = std::make_unique<OGRLinearRing>();
      for (const Point2& q : ring) lr->addPoint(q.x, q.y);
      lr->closeRings();
      poly->addRingDirectly(lr.release());
    }
    m->addGeometryDirectly(poly.release());
  }
  return m;
}
}  // namespace vigia::geo
