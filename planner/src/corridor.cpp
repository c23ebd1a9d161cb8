#include "vigia/planner/corridor.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/geodesy.hpp"
#include "vigia/geo/geometry_ops.hpp"
#include "vigia/geo/text.hpp"

namespace vigia::planner {

namespace {

/// Nearest distance (m) from DEM cells to a set of segments, on the DEM's grid with
/// the metric frame's local spacing: segments are bucketed on a coarse grid and
/// searched ring by ring outward.
class BorderDistance {
 public:
  BorderDistance(const terrain::Dem& dem, const std::vector<geo::LineString>& border_grid)
      : dem_(dem),
        nbc_(dem.cols() / kBucket + 1),
        nbr_(dem.rows() / kBucket + 1),
        buckets_(static_cast<std::size_t>(nbc_) * nbr_) {
    for (const auto& l : border_grid) {
      for (std::size_t i = 1; i < l.size(); ++i) {
        const int id = static_cast<int>(segs_.size());
        segs_.push_back({l[i - 1], l[i]});
        // Every bucket the segment's bounding box touches.
        const int c0 = bucket(std::min(l[i - 1].x, l[i].x), nbc_);
        const int c1 = bucket(std::max(l[i - 1].x, l[i].x), nbc_);
        const int r0 = bucket(std::min(l[i - 1].y, l[i].y), nbr_);
        const int r1 = bucket(std::max(l[i - 1].y, l[i].y), nbr_);
        for (int r = r0; r <= r1; ++r)
          for (int c = c0; c <= c1; ++c)
            buckets_[static_cast<std::size_t>(r) * nbc_ + c].push_back(id);
      }
    }
  }

  /// Distance in metres from the centre of cell (row, col) to the nearest segment.
  [[nodiscard]] double operator()(int row, int col) const {
    const double sx = dem_.metric.cell_width(row);
    const double sy = dem_.metric.cell_height(row);
    const double step = std::min(sx, sy) * kBucket;
    const int bc = std::clamp(col / kBucket, 0, nbc_ - 1);
    const int br = std::clamp(row / kBucket, 0, nbr_ - 1);
    double best = INFINITY;
    for (int ring = 0; ring < std::max(nbc_, nbr_) + 1; ++ring) {
      // Everything in farther rings is at least (ring - 1) buckets away.
      if (ring >= 2 && (ring - 1) * step > best) break;
      for (int r = br - ring; r <= br + ring; ++r) {
        for (int c = bc - ring; c <= bc + ring; ++c) {
          if (std::max(std::abs(r - br), std::abs(c - bc)) != ring) continue;
          if (r < 0 || c < 0 || r >= nbr_ || c >= nbc_) continue;
          for (int id : buckets_[static_cast<std::size_t>(r) * nbc_ + c]) {
            best =
                std::min(best, seg_distance(segs_[static_cast<std::size_t>(id)], col, row, sx, sy));
          }
        }
      }
    }
    return best;
  }

 private:
  static constexpr int kBucket = 32;
  struct Seg {
    geo::Point2 a, b;
  };
  [[nodiscard]] int bucket(double v, int n) const {
    return std::clamp(static_cast<int>(std::floor(v / kBucket)), 0, n - 1);
  }
  /// Distance in a locally scaled frame (cells of sx by sy metres).
  static double seg_distance(const Seg& s, double col, double row, double sx, double sy) {
    const double ax = (s.a.x - col) * sx, ay = (s.a.y - row) * sy;
    const double bx = (s.b.x - col) * sx, by = (s.b.y - row) * sy;
    const double dx = bx - ax, dy = by - ay;
    const double len2 = dx * dx + dy * dy;
    double t = len2 > 0.0 ? -(ax * dx + ay * dy) / len2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    return std::hypot(ax + t * dx, ay + t * dy);
  }

  const terrain::Dem& dem_;
  int nbc_;
  int nbr_;
  std::vector<std::vector<int>> buckets_;
  std::vector<Seg> segs_;
};

std::vector<geo::LineString> to_grid(const terrain::Dem& dem, const geo::SpatialRef& work,
                                     const std::vector<geo::LineString>& lines) {
  const geo::Transformer to_dem(work, dem.crs);
  std::vector<geo::LineString> out = geo::transform(geo::densify(lines, 500.0), to_dem);
  for (auto& l : out)
    for (auto& p : l) {
      const terrain::GridPoint g = dem.to_grid(p);
      p = {g.col, g.row};
    }
  return out;
}

/// Which side (+1 left, -1 right, 0 on it) of the border a point is, judged at the
/// border's nearest point: by the segment there, or, when that point is a vertex, by
/// the vertex's pseudo-normal (the sum of its two edges' unit normals; Baerentzen &
/// Aanaes 2005) so that corners are judged right. Meaningful when the border's parts
/// run one way (one connected line).
int side_of(geo::Point2 p, const std::vector<geo::LineString>& lines) {
  double best = INFINITY;
  double sign = 0.0;
  const auto unit_normal = [](geo::Point2 a, geo::Point2 b) {  // left normal of a->b
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double n = std::hypot(dx, dy);
    return n > 0.0 ? geo::Point2{-dy / n, dx / n} : geo::Point2{0.0, 0.0};
  };
  for (const auto& l : lines) {
    for (std::size_t i = 1; i < l.size(); ++i) {
      const geo::Point2 a = l[i - 1];
      const geo::Point2 b = l[i];
      const double dx = b.x - a.x, dy = b.y - a.y;
      const double len2 = dx * dx + dy * dy;
      const double t =
          len2 > 0.0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0.0, 1.0) : 0.0;
      const geo::Point2 q{a.x + t * dx, a.y + t * dy};
      const double d = std::hypot(p.x - q.x, p.y - q.y);
      if (d >= best) continue;
      best = d;
      if (t > 0.0 && t < 1.0) {
        sign = dx * (p.y - a.y) - dy * (p.x - a.x);
      } else {
        // A vertex: the pseudo-normal of the two edges meeting there.
        const std::size_t v = t <= 0.0 ? i - 1 : i;
        geo::Point2 n{0.0, 0.0};
        if (v > 0) {
          const geo::Point2 e = unit_normal(l[v - 1], l[v]);
          n = {n.x + e.x, n.y + e.y};
        }
        if (v + 1 < l.size()) {
          const geo::Point2 e = unit_normal(l[v], l[v + 1]);
          n = {n.x + e.x, n.y + e.y};
        }
        sign = (p.x - l[v].x) * n.x + (p.y - l[v].y) * n.y;
      }
    }
  }
  return sign > 0.0 ? 1 : (sign < 0.0 ? -1 : 0);
}

std::string km(double m) {
  return geo::fixed(m / 1000.0, 1) + " km";
}

}  // namespace

geo::Raster<std::uint8_t> rasterize_work(const terrain::Dem& dem, const geo::SpatialRef& work_crs,
                                         const geo::MultiPolygon& mp) {
  const geo::Transformer to_dem(work_crs, dem.crs);
  // Densify first: straight edges in the work CRS are curves in a lon/lat grid.
  const geo::MultiPolygon in_dem = geo::transform(geo::densify(mp, 250.0), to_dem);
  geo::Raster<std::uint8_t> r =
      geo::rasterize(in_dem, dem.elevation.transform, dem.cols(), dem.rows());
  r.crs_wkt = dem.elevation.crs_wkt;
  return r;
}

double geodesic_area_work(const geo::MultiPolygon& mp, const geo::SpatialRef& work_crs) {
  const geo::Transformer to_ll(work_crs, geo::SpatialRef::wgs84());
  return geo::geodesic_area(geo::transform(geo::densify(mp, 500.0), to_ll));
}

BorderFrame make_border_frame(const terrain::Dem& dem, const geo::SpatialRef& work_crs,
                              const std::vector<geo::LineString>& border, const OwnSide& own_side,
                              double reach_m) {
  BorderFrame f;
  f.work_crs = work_crs;
  std::vector<geo::LineString> lines;
  for (const auto& l : border) {
    if (l.size() >= 2) lines.push_back(l);
  }
  if (lines.empty())
    throw Error("the border layer holds no line (allowed: LineString or MultiLineString features)");

  const geo::Transformer to_work(dem.crs, work_crs);
  f.footprint = geo::transform(
      geo::MultiPolygon{geo::grid_outline(dem.elevation.transform, dem.cols(), dem.rows(), 128)},
      to_work);
  f.border = geo::clip(lines, f.footprint);
  if (f.border.empty() || geo::length(f.border) <= 0.0) {
    throw Error(
        "the border does not cross the DEM (allowed: a border line that passes through the DEM's "
        "extent)");
  }
  f.border_near = geo::clip(lines, geo::buffer(f.footprint, reach_m + 1000.0));
  {
    const geo::Transformer to_ll(work_crs, geo::SpatialRef::wgs84());
    for (const auto& l : geo::transform(geo::densify(f.border, 200.0), to_ll))
      f.border_length_m += geo::geodesic_length(l);
  }

  if (own_side.point) {
    const geo::Point2 p = *own_side.point;
    if (geo::distance(p, lines) < 1.0) {
      throw Error(
          "the own-side point lies on the border (allowed: a point inside one's own territory)");
    }
    // The faces the border cuts the DEM into; ours are those on the same side of
    // their nearest border segment as the point is of its own nearest segment.
    const int own_side_sign = side_of(p, lines);
    geo::MultiPolygon faces = geo::split(f.footprint, f.border_near);
    if (faces.size() < 2) {
      throw Error(
          "the border does not divide the DEM into two sides, so an own-side point cannot tell "
          "them "
          "apart (allowed: own-territory polygons)");
    }
    for (auto& face : faces) {
      if (side_of(geo::interior_point(face), lines) == own_side_sign)
        f.own.push_back(std::move(face));
    }
  } else {
    geo::MultiPolygon territory = own_side.territory;
    if (territory.empty())
      throw Error("no own territory given (allowed: own-territory polygons or an own-side point)");
    std::string reason;
    if (!geo::is_valid(territory, &reason)) {
      geo::make_valid(territory);
      f.warnings.push_back("the own territory was not valid (" + reason +
                           "); repaired with GEOS MakeValid");
    }
    if (geo::area(territory) <= 0.0) throw Error("the own territory is empty (area 0)");
    f.own = geo::intersection(territory, f.footprint);
  }
  if (f.own.empty() || geo::area(f.own) <= 0.0) {
    throw Error(
        "the own side does not overlap the DEM (allowed: own territory or a point whose side of "
        "the border "
        "lies in the DEM)");
  }
  return f;
}

Corridor build_corridor(const terrain::Dem& dem, const BorderFrame& frame,
                        const CorridorOptions& o) {
  if (!(o.own_width_m > 0.0) || !(o.far_width_m >= 0.0)) {
    throw Error("corridor widths must be positive (own side > 0, far side >= 0)");
  }
  if (!(o.edge_weight >= 0.0 && o.edge_weight <= 1.0))
    throw Error("edge weight must lie in 0 .. 1");
  Corridor c;
  const geo::MultiPolygon far_region = geo::difference(frame.footprint, frame.own);
  c.own_side = geo::intersection(geo::buffer(frame.border_near, o.own_width_m), frame.own);
  c.far_side = o.far_width_m > 0.0
                   ? geo::intersection(geo::buffer(frame.border_near, o.far_width_m), far_region)
                   : geo::MultiPolygon{};
  c.all = geo::union_of(c.own_side, c.far_side);
  c.own_area_m2 = geodesic_area_work(c.own_side, frame.work_crs);
  c.far_area_m2 = geodesic_area_work(c.far_side, frame.work_crs);

  // Per-cell weights on the DEM grid.
  const geo::Raster<std::uint8_t> own_mask = rasterize_work(dem, frame.work_crs, c.own_side);
  const geo::Raster<std::uint8_t> far_mask = rasterize_work(dem, frame.work_crs, c.far_side);
  std::vector<geo::Raster<std::uint8_t>> extra_masks;
  for (const WeightLayer& w : o.extra) {
    geo::MultiPolygon area = w.polygons;
    if (!w.lines.empty()) area = geo::union_of(area, geo::buffer(w.lines, w.buffer_m));
    extra_masks.push_back(rasterize_work(dem, frame.work_crs, area));
  }
  const BorderDistance dist(dem, to_grid(dem, frame.work_crs, frame.border_near));
  c.weight = dem.elevation.like<float>(std::nanf(""), std::nan(""));
  long long cells = 0;
  double sum = 0.0;
#pragma omp parallel for schedule(dynamic, 16) reduction(+ : cells, sum)
  for (int r = 0; r < dem.rows(); ++r) {
    for (int col = 0; col < dem.cols(); ++col) {
      const bool own = own_mask(r, col) != 0;
      const bool far = far_mask(r, col) != 0;
      if ((!own && !far) || std::isnan(dem.elevation(r, col))) continue;
      const double width = own ? o.own_width_m : o.far_width_m;
      const double d = dist(r, col);
      double w = 1.0 - (1.0 - o.edge_weight) * std::min(1.0, width > 0.0 ? d / width : 1.0);
      for (std::size_t i = 0; i < o.extra.size(); ++i) {
        if (extra_masks[i](r, col)) w += o.extra[i].weight;
      }
      c.weight(r, col) = static_cast<float>(w);
      ++cells;
      sum += w;
    }
  }
  c.cells = cells;
  c.weight_sum = sum;
  if (cells == 0) {
    throw Error("the corridor holds no DEM cell (border " + km(frame.border_length_m) +
                " inside the DEM; are the widths smaller than a cell?)");
  }
  return c;
}

Airspace build_airspace(const terrain::Dem& dem, const BorderFrame& frame,
                        const AirspaceOptions& o) {
  if (o.standoff_m < 0.0) throw Error("standoff must not be negative");
  if (o.clearance_m < 0.0) throw Error("terrain clearance must not be negative");
  Airspace a;
  a.permitted = frame.own;
  if (o.standoff_m > 0.0)
    a.permitted = geo::difference(a.permitted, geo::buffer(frame.border_near, o.standoff_m));
  if (!o.no_fly.empty()) a.permitted = geo::difference(a.permitted, o.no_fly);
  a.permitted_area_m2 = geodesic_area_work(a.permitted, frame.work_crs);
  const geo::Raster<std::uint8_t> mask = rasterize_work(dem, frame.work_crs, a.permitted);
  a.min_alt = dem.elevation.like<float>(std::nanf(""), std::nan(""));
  a.max_alt = dem.elevation.like<float>(std::nanf(""), std::nan(""));
  for (int r = 0; r < dem.rows(); ++r) {
    for (int c = 0; c < dem.cols(); ++c) {
      if (!mask(r, c) || std::isnan(dem.elevation(r, c))) continue;
      ++a.cells_permitted;
      const double lo = dem.elevation(r, c) + o.clearance_m;
      if (lo > o.ceiling_m) continue;  // terrain + clearance above the ceiling: no-go
      a.min_alt(r, c) = static_cast<float>(lo);
      a.max_alt(r, c) = static_cast<float>(o.ceiling_m);
      ++a.cells_flyable;
    }
  }
  return a;
}

}  // namespace vigia::planner
