#pragma once
// The border-scale scene shared by the benchmarks: the real Bolivia-Argentina border
// line (UTM 20S) over a seeded SYNTHETIC DEM of its whole extent (Altiplano in the
// west falling through the Cordillera Oriental and the Subandean ridges to the Chaco
// plain; the real tiles are not available offline), the border's parts as GeoJSON,
// and a base on level ground near a part's middle.

#include <string>
#include <utility>
#include <vector>

#include "vigia/geo/geometry.hpp"

namespace vigia::bench {

constexpr int kUtm20S = 32720;

/// Elevation of the synthetic border terrain at UTM 20S position (x, y), m.
double border_terrain(double x, double y, double cell);

/// The border (as read, in UTM 20S) from its west end up to `fraction` of its length.
std::vector<geo::LineString> border_part(const std::vector<geo::LineString>& border,
                                         double fraction);

/// Writes the synthetic DEM covering the border part (plus margins) at `cell` metres
/// as a tiled GeoTIFF (cached by name) and returns its path and size.
std::pair<std::string, std::pair<int, int>> make_dem(const std::string& work,
                                                     const std::vector<geo::LineString>& part,
                                                     double cell, const std::string& tag);

/// The real border (OSM, `data`/bolivia_argentina_border_osm.geojson) in UTM 20S.
std::vector<geo::LineString> read_border(const std::string& data);

/// Writes the border part up to `fraction` as lon/lat GeoJSON under `work`; returns
/// its path and the part (UTM 20S).
std::pair<std::string, std::vector<geo::LineString>> write_border_part(
    const std::string& work, const std::vector<geo::LineString>& border, double fraction);

/// A base on the Bolivian side near the part's middle, about 20 km north of the border,
/// on the most level ground within 8 km; lon/lat.
geo::Point2 level_base(const std::vector<geo::LineString>& part);

}  // namespace vigia::bench
