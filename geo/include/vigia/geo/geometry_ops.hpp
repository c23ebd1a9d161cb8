#pragma once
// Geometry operations on vigia's value types, through GEOS's reentrant C API (one
// context per thread). Coordinates must be in a metric CRS for buffers and areas.

#include <string>
#include <vector>

#include "vigia/geo/geometry.hpp"
#include "vigia/geo/raster.hpp"
#include "vigia/geo/spatial_ref.hpp"

namespace vigia::geo {

/// Area of a polygon set (rings' holes subtracted), in CRS units squared.
double area(const MultiPolygon& mp);
/// Planar length of lines, in CRS units.
double length(const std::vector<LineString>& lines);

/// Lines buffered by `distance` on both sides (round ends).
MultiPolygon buffer(const std::vector<LineString>& lines, double distance);
/// Polygons grown (or shrunk, distance < 0) by `distance`.
MultiPolygon buffer(const MultiPolygon& mp, double distance);
MultiPolygon intersection(const MultiPolygon& a, const MultiPolygon& b);
/// Simplified polygons that stay inside the originals: shrunk by `tolerance`, then
/// simplified (topology preserved) by the same tolerance.
MultiPolygon simplify_inside(const MultiPolygon& mp, double tolerance);
MultiPolygon difference(const MultiPolygon& a, const MultiPolygon& b);
MultiPolygon union_of(const MultiPolygon& a, const MultiPolygon& b);
/// The parts of `lines` inside `mp`.
std::vector<LineString> clip(const std::vector<LineString>& lines, const MultiPolygon& mp);

/// Makes polygons valid (GEOS MakeValid): self-intersections and bow ties are
/// repaired. Returns true if anything had to be repaired.
bool make_valid(MultiPolygon& mp);
bool is_valid(const MultiPolygon& mp, std::string* reason = nullptr);

/// The faces into which `lines` cut the polygon `area` (GEOS polygonize).
MultiPolygon split(const MultiPolygon& area, const std::vector<LineString>& lines);

/// Planar distance from a point to lines.
double distance(Point2 p, const std::vector<LineString>& lines);

/// Number of times the segment a-b crosses `lines`.
int crossings(Point2 a, Point2 b, const std::vector<LineString>& lines);

/// A point inside the polygon (GEOS point on surface).
Point2 interior_point(const Polygon& p);

/// Inserts points so that no segment is longer than `max_step` (before reprojection).
MultiPolygon densify(const MultiPolygon& mp, double max_step);
std::vector<LineString> densify(const std::vector<LineString>& lines, double max_step);

/// Transforms every vertex.
MultiPolygon transform(const MultiPolygon& mp, const Transformer& t);
std::vector<LineString> transform(const std::vector<LineString>& lines, const Transformer& t);

/// The outline of a grid (its outer cell edges), densified, in the grid's CRS.
Polygon grid_outline(const GeoTransform& gt, int cols, int rows, int steps_per_side = 64);

/// Cells of a grid whose centre lies inside `mp` (given in the grid's CRS): 1, else 0.
Raster<std::uint8_t> rasterize(const MultiPolygon& mp, const GeoTransform& gt, int cols, int rows);

}  // namespace vigia::geo
