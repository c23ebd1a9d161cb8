#pragma once
// Vector input through OGR: any format GDAL reads (GeoJSON, GeoPackage, Shapefile,
// ...), any CRS, transformed to the CRS the caller works in.

#include <map>
#include <string>
#include <vector>

#include "vigia/geo/geometry.hpp"
#include "vigia/geo/spatial_ref.hpp"

namespace vigia::geo {

struct Feature {
  long long fid = -1;
  std::vector<LineString>
      lines;              ///< from LineString / MultiLineString (polygon boundaries are not lines)
  MultiPolygon polygons;  ///< from Polygon / MultiPolygon
  std::vector<Point3> points;                     ///< from Point / MultiPoint (z = NaN when absent)
  std::map<std::string, std::string> attributes;  ///< every field, as text
};

struct VectorReadOptions {
  std::string layer;  ///< layer name; empty = the only layer (an error if there are several)
  std::string where;  ///< optional OGR SQL attribute filter, e.g. "A3 = 'BOL'"
};

struct VectorLayer {
  std::string source;  ///< path as given
  std::string layer_name;
  SpatialRef source_crs;          ///< CRS of the file
  std::vector<Feature> features;  ///< geometries already in the target CRS

  [[nodiscard]] std::vector<LineString> lines() const;
  [[nodiscard]] MultiPolygon polygons() const;
  [[nodiscard]] std::vector<Point3> points() const;
};

/// Reads a layer and transforms its geometries to `target`. Throws Error naming the
/// file and the problem: missing or unreadable file, unknown layer, no CRS, a
/// geometry that cannot be transformed.
VectorLayer read_vector(const std::string& path, const SpatialRef& target,
                        const VectorReadOptions& options = {});

}  // namespace vigia::geo
