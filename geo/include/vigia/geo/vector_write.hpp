#pragma once
// Writing vector layers through OGR: one GeoPackage with several layers (and
// optional QGIS styles in its layer_styles table), or GeoJSON.

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "vigia/geo/geometry.hpp"
#include "vigia/geo/spatial_ref.hpp"

namespace vigia::geo {

using FieldValue = std::variant<long long, double, std::string>;

/// A 3-D line (altitudes in z).
using LineString3 = std::vector<Point3>;

using OutGeometry = std::variant<std::monostate, Point2, Point3, LineString, LineString3,
                                 std::vector<LineString>, MultiPolygon>;

struct OutFeature {
  OutGeometry geometry;
  std::vector<std::pair<std::string, FieldValue>> fields;  ///< in column order
};

struct OutLayer {
  std::string name;
  SpatialRef crs;
  std::vector<OutFeature> features;
  std::string description;
  std::string qml_style;  ///< QGIS style (QML), stored in layer_styles and used by default
};

/// Writes the layers into a new GeoPackage at `path` (replaced if present). Field
/// types come from the first feature. Throws Error (Runtime) when OGR fails.
void write_gpkg(const std::string& path, const std::vector<OutLayer>& layers);

}  // namespace vigia::geo
