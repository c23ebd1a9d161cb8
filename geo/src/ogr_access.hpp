#pragma once
// Private to vigia::geo: what SpatialRef wraps.
#include <ogr_spatialref.h>

#include "vigia/geo/spatial_ref.hpp"

namespace vigia::geo {
struct SpatialRef::Impl {
  OGRSpatialReference srs;
};
}  // namespace vigia::geo
