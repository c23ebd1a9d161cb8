#pragma once
// Vector input through OGR: any format GDAL reads (GeoJSON, GeoPackage, Shapefile,
// ...), any CRS, transformed to the CRS the caller works in.

#include <limits>
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

/// One point of a points file (observers, ground stations): a CSV/TXT line
/// `lon,lat[,more fields]` in WGS 84 degrees, or one point of an OGR point layer.
struct PointRow {
  Point2 lonlat;  ///< WGS 84 degrees, longitude first
  bool csv = false;  ///< from a CSV/TXT line (fields), else from an OGR layer (attributes, z)
  double z = std::numeric_limits<double>::quiet_NaN();  ///< OGR: the Z coordinate
  std::vector<std::string> fields;  ///< CSV: the fields after lon,lat, trimmed
  std::map<std::string, std::string> attributes;  ///< OGR: every attribute, as text
  std::string where;  ///< "obs.csv line 4" or "obs.gpkg feature 12", for error messages
};

/// Reads a points file: CSV/TXT (a header line, blank lines and # comments allowed;
/// `format` names the expected line, e.g. "lon,lat,alt", for the error) or any OGR
/// point layer. Throws Error naming the file and line or feature: missing file, a
/// line without lon,lat numbers, lon/lat out of range, a feature that is not a point,
/// no point at all.
std::vector<PointRow> read_point_rows(const std::string& path, const std::string& format);

/// A point with an altitude, read from an observers/stations file.
struct AltitudePoint {
  Point2 xy;  ///< in the target CRS
  double altitude = 0.0;
  std::string where;  ///< "obs.csv line 4" or "obs.gpkg feature 12", for error messages
};

/// Reads points with an altitude: CSV/TXT as `lon,lat,alt` per line (WGS 84; a header
/// line and # comments are allowed), or any OGR point layer whose altitude is the
/// attribute `altitude_field` (when empty: the first of alt, altitude, height, z,
/// else the Z coordinate). Throws Error naming the file, line or feature.
std::vector<AltitudePoint> read_altitude_points(const std::string& path, const SpatialRef& target,
                                                const std::string& altitude_field = "");

}  // namespace vigia::geo
