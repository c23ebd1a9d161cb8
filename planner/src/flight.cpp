#include "vigia/planner/flight.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <queue>

#include "vigia/geo/error.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/geo/geometry_ops.hpp"
#include "vigia/planner/dubins.hpp"

namespace vigia::planner {

namespace {
constexpr double kPi = std::numbers::pi;
}

FlightSpace::FlightSpace(const Area& area, const Aircraft& aircraft, const LinkMap* link,
                         const FlightOptions& o)
    : area_(&area), aircraft_(aircraft), link_(link), options_(o) {
  const terrain::Dem& dem = area.dem;
  if (options_.sample_step_m <= 0.0) {
    options_.sample_step_m = 0.5 * std::min(dem.metric.cell_width(dem.rows() / 2.0),
                                            dem.metric.cell_height(dem.rows() / 2.0));
  }
  // The work -> grid lattice over the DEM's footprint (PROJ at the lattice points,
  // bilinear in between: the mapping is smooth, the error far below a cell).
  const auto [x0, y0, x1, y1] = geo::bounds(area.frame.footprint);
  lx0_ = x0 - lstep_;
  ly0_ = y0 - lstep_;
  lnx_ = static_cast<int>(std::ceil((x1 - x0) / lstep_)) + 3;
  lny_ = static_cast<int>(std::ceil((y1 - y0) / lstep_)) + 3;
  {
    const geo::Transformer to_dem(area.work_crs, dem.crs);
    std::vector<geo::Point2> pts;
    pts.reserve(static_cast<std::size_t>(lnx_) * lny_);
    for (int j = 0; j < lny_; ++j)
      for (int i = 0; i < lnx_; ++i) pts.push_back({lx0_ + i * lstep_, ly0_ + j * lstep_});
    to_dem.transform(pts);
    lattice_.reserve(pts.size());
    for (const auto& p : pts) lattice_.push_back(dem.to_grid(p));
  }
  // The permitted airspace on the DEM grid, shrunk by a cell diagonal so that a cell
  // in the mask lies wholly inside the polygons: samples half a cell apart in such
  // cells keep the whole flown line inside (standoff and no-fly never crossed).
  const double cell =
      std::max(dem.metric.cell_width(dem.rows() / 2.0), dem.metric.cell_height(dem.rows() / 2.0));
  permitted_ = rasterize_work(dem, area.work_crs, geo::buffer(area.airspace.permitted, -cell));
  // Fine mask: permitted, and the floor of the cell and its neighbours under the ceiling.
  flyable_ = dem.elevation.like<std::uint8_t>(0);
  for (int r = 0; r < dem.rows(); ++r) {
    for (int c = 0; c < dem.cols(); ++c) {
      if (!permitted_(r, c)) continue;
      double zmax = -INFINITY;
      bool data = true;
      for (int dr = -1; dr <= 1; ++dr)
        for (int dc = -1; dc <= 1; ++dc) {
          const int rr = std::clamp(r + dr, 0, dem.rows() - 1);
          const int cc = std::clamp(c + dc, 0, dem.cols() - 1);
          const float z = dem.elevation(rr, cc);
          if (std::isnan(z)) data = false;
          zmax = std::max(zmax, static_cast<double>(z));
        }
      if (!data || zmax + aircraft_.min_clearance_m > aircraft_.ceiling_m) continue;
      if (options_.link_mandatory) {
        const float low = link ? link->lowest(r, c) : NAN;
        if (std::isnan(low)) continue;
      }
      flyable_(r, c) = 1;
    }
  }
  // The planning grid: a cell is blocked when any fine cell within the turn radius
  // (plus half a planning cell) is not flyable, so that Dubins turns and orbits
  // around a path through free cells stay in flyable space.
  const double g = options_.planning_cell_m;
  gx0_ = x0;
  gy0_ = y0;
  gnx_ = static_cast<int>(std::ceil((x1 - x0) / g));
  gny_ = static_cast<int>(std::ceil((y1 - y0) / g));
  blocked_.assign(static_cast<std::size_t>(gnx_) * gny_, 1);
  const double reach = aircraft_.turn_radius_m + 0.75 * g;
  const double cw = dem.metric.cell_width(dem.rows() / 2.0);
  const double ch = dem.metric.cell_height(dem.rows() / 2.0);
  const int rc = static_cast<int>(std::ceil(reach / cw));
  const int rr = static_cast<int>(std::ceil(reach / ch));
#pragma omp parallel for schedule(dynamic, 8)
  for (int j = 0; j < gny_; ++j) {
    for (int i = 0; i < gnx_; ++i) {
      const terrain::GridPoint c = to_grid({gx0_ + (i + 0.5) * g, gy0_ + (j + 0.5) * g});
      const int ci = static_cast<int>(std::lround(c.col));
      const int ri = static_cast<int>(std::lround(c.row));
      bool ok = ci - rc >= 0 && ri - rr >= 0 && ci + rc < dem.cols() && ri + rr < dem.rows();
      for (int dr = -rr; dr <= rr && ok; ++dr)
        for (int dc = -rc; dc <= rc && ok; ++dc) {
          if ((dc * cw) * (dc * cw) + (dr * ch) * (dr * ch) > reach * reach) continue;
          ok = flyable_(ri + dr, ci + dc) != 0;
        }
      blocked_[static_cast<std::size_t>(j) * gnx_ + i] = ok ? 0 : 1;
    }
  }
}

terrain::GridPoint FlightSpace::to_grid(geo::Point2 w) const {
  const double fx = std::clamp((w.x - lx0_) / lstep_, 0.0, lnx_ - 1.000001);
  const double fy = std::clamp((w.y - ly0_) / lstep_, 0.0, lny_ - 1.000001);
  const int i = static_cast<int>(fx);
  const int j = static_cast<int>(fy);
  const double u = fx - i, v = fy - j;
  const auto& a = lattice_[static_cast<std::size_t>(j) * lnx_ + i];
  const auto& b = lattice_[static_cast<std::size_t>(j) * lnx_ + i + 1];
  const auto& c = lattice_[static_cast<std::size_t>(j + 1) * lnx_ + i];
  const auto& d = lattice_[static_cast<std::size_t>(j + 1) * lnx_ + i + 1];
  return {(1 - v) * ((1 - u) * a.col + u * b.col) + v * ((1 - u) * c.col + u * d.col),
          (1 - v) * ((1 - u) * a.row + u * b.row) + v * ((1 - u) * c.row + u * d.row)};
}

double FlightSpace::terrain_max(geo::Point2 w) const {
  const terrain::Dem& dem = area_->dem;
  const terrain::GridPoint g = to_grid(w);
  if (!dem.covers(g)) return NAN;
  const int c0 = std::clamp(static_cast<int>(std::floor(g.col)), 0, dem.cols() - 1);
  const int r0 = std::clamp(static_cast<int>(std::floor(g.row)), 0, dem.rows() - 1);
  const int c1 = std::min(c0 + 1, dem.cols() - 1);
  const int r1 = std::min(r0 + 1, dem.rows() - 1);
  return std::max(
      {dem.elevation(r0, c0), dem.elevation(r0, c1), dem.elevation(r1, c0), dem.elevation(r1, c1)});
}

double FlightSpace::terrain(geo::Point2 w) const {
  return area_->dem.elevation_at(to_grid(w));
}

bool FlightSpace::flyable(geo::Point2 w) const {
  const terrain::GridPoint g = to_grid(w);
  const int c = static_cast<int>(std::lround(g.col));
  const int r = static_cast<int>(std::lround(g.row));
  if (c < 0 || r < 0 || c >= flyable_.cols() || r >= flyable_.rows()) return false;
  return flyable_(r, c) != 0;
}

bool FlightSpace::permitted(geo::Point2 w) const {
  const terrain::GridPoint g = to_grid(w);
  const int c = static_cast<int>(std::lround(g.col));
  const int r = static_cast<int>(std::lround(g.row));
  if (c < 0 || r < 0 || c >= permitted_.cols() || r >= permitted_.rows()) return false;
  return permitted_(r, c) != 0;
}

bool FlightSpace::orbit_room(geo::Point2 w) const {
  // Loiter circles pass through the point, tangent to the heading: all lie within
  // two turn radii of it.
  const double reach = 2.0 * aircraft_.turn_radius_m;
  const double step = std::max(options_.sample_step_m, reach / 16.0);
  for (double d = 0.0; d <= reach + 1e-9; d += step) {
    const int m = d == 0.0 ? 1 : std::max(8, static_cast<int>(std::ceil(2.0 * kPi * d / step)));
    for (int k = 0; k < m; ++k) {
      const double a = 2.0 * kPi * k / m;
      if (!flyable({w.x + d * std::cos(a), w.y + d * std::sin(a)})) return false;
    }
  }
  return true;
}

std::vector<Candidate> with_orbit_room(const std::vector<Candidate>& candidates,
                                       const FlightSpace& space, long long* dropped) {
  std::vector<char> room(candidates.size(), 0);
#pragma omp parallel for schedule(dynamic, 64)
  for (long long i = 0; i < static_cast<long long>(room.size()); ++i)
    room[static_cast<std::size_t>(i)] =
        space.orbit_room(candidates[static_cast<std::size_t>(i)].work_xy) ? 1 : 0;
  std::vector<Candidate> kept;
  for (std::size_t i = 0; i < room.size(); ++i)
    if (room[i]) kept.push_back(candidates[i]);
  if (dropped) *dropped = static_cast<long long>(candidates.size() - kept.size());
  return kept;
}

std::pair<double, double> FlightSpace::segment_floor(terrain::GridPoint a,
                                                     terrain::GridPoint b) const {
  // Every post of every bilinear cell the segment's bounding box touches, with a
  // margin for the work -> grid interpolation: a superset of the posts nearest to
  // any point of the segment and of the corners of the cells it crosses.
  const terrain::Dem& dem = area_->dem;
  constexpr double eps = 0.02;
  const int c0 = static_cast<int>(std::floor(std::min(a.col, b.col) - eps));
  const int c1 = static_cast<int>(std::floor(std::max(a.col, b.col) + eps)) + 1;
  const int r0 = static_cast<int>(std::floor(std::min(a.row, b.row) - eps));
  const int r1 = static_cast<int>(std::floor(std::max(a.row, b.row) + eps)) + 1;
  if (c0 < 0 || r0 < 0 || c1 >= dem.cols() || r1 >= dem.rows()) return {NAN, NAN};
  double zmax = -INFINITY, lmax = -INFINITY;
  for (int r = r0; r <= r1; ++r)
    for (int c = c0; c <= c1; ++c) {
      const float z = dem.elevation(r, c);
      if (std::isnan(z)) return {NAN, NAN};
      zmax = std::max(zmax, static_cast<double>(z));
      if (link_) {
        const float l = link_->lowest(r, c);
        lmax = std::isnan(l) || std::isnan(lmax) ? NAN : std::max(lmax, static_cast<double>(l));
      }
    }
  return {zmax, link_ ? lmax : NAN};
}

double FlightSpace::link_lowest(geo::Point2 w) const {
  if (!link_) return NAN;
  const terrain::GridPoint g = to_grid(w);
  const int c = static_cast<int>(std::lround(g.col));
  const int r = static_cast<int>(std::lround(g.row));
  if (c < 0 || r < 0 || c >= link_->lowest.cols() || r >= link_->lowest.rows()) return NAN;
  return link_->lowest(r, c);
}

double FlightSpace::floor_at(geo::Point2 w) const {
  const double z = terrain_max(w);
  if (std::isnan(z)) return INFINITY;
  double f = z + aircraft_.min_clearance_m;
  if (options_.link_mandatory) {
    const double l = link_lowest(w);
    f = std::isnan(l) ? INFINITY : std::max(f, l);
  }
  return f;
}

bool FlightSpace::blocked_cell(int i, int j) const {
  if (i < 0 || j < 0 || i >= gnx_ || j >= gny_) return true;
  return blocked_[static_cast<std::size_t>(j) * gnx_ + i] != 0;
}

bool FlightSpace::clear(geo::Point2 a, geo::Point2 b) const {
  const double g = options_.planning_cell_m;
  const double len = std::hypot(b.x - a.x, b.y - a.y);
  const int n = std::max(1, static_cast<int>(std::ceil(len / (0.25 * g))));
  for (int k = 0; k <= n; ++k) {
    const double t = static_cast<double>(k) / n;
    const double along = t * len;
    // The endpoints' own neighbourhoods are exempt: stops may sit near an edge.
    if (along < g || len - along < g) continue;
    const geo::Point2 p{a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)};
    if (blocked_cell(static_cast<int>(std::floor((p.x - gx0_) / g)),
                     static_cast<int>(std::floor((p.y - gy0_) / g)))) {
      return false;
    }
  }
  return true;
}

double FlightSpace::length(const geo::LineString& path) {
  double l = 0.0;
  for (std::size_t i = 1; i < path.size(); ++i)
    l += std::hypot(path[i].x - path[i - 1].x, path[i].y - path[i - 1].y);
  return l;
}

std::optional<geo::LineString> FlightSpace::plan_cached(geo::Point2 a, geo::Point2 b) const {
  const std::array<double, 4> key{a.x, a.y, b.x, b.y};
  {
    std::lock_guard lock(cache_mutex_);
    const auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  auto path = plan(a, b);
  std::lock_guard lock(cache_mutex_);
  cache_.emplace(key, path);
  return path;
}

std::optional<geo::LineString> FlightSpace::plan(geo::Point2 a, geo::Point2 b) const {
  if (clear(a, b)) return geo::LineString{a, b};
  const double g = options_.planning_cell_m;
  const auto cell = [&](geo::Point2 p) {
    return std::pair{std::clamp(static_cast<int>(std::floor((p.x - gx0_) / g)), 0, gnx_ - 1),
                     std::clamp(static_cast<int>(std::floor((p.y - gy0_) / g)), 0, gny_ - 1)};
  };
  const auto [si, sj] = cell(a);
  const auto [ti, tj] = cell(b);
  const auto idx = [&](int i, int j) { return static_cast<std::size_t>(j) * gnx_ + i; };
  const auto free_cell = [&](int i, int j) {
    if (i < 0 || j < 0 || i >= gnx_ || j >= gny_) return false;
    return !blocked_cell(i, j) || (std::abs(i - si) <= 1 && std::abs(j - sj) <= 1) ||
           (std::abs(i - ti) <= 1 && std::abs(j - tj) <= 1);
  };
  // A* over 8-connected planning cells, Euclidean costs and heuristic.
  std::vector<float> cost(static_cast<std::size_t>(gnx_) * gny_, INFINITY);
  std::vector<std::int32_t> from(static_cast<std::size_t>(gnx_) * gny_, -1);
  using Item = std::pair<float, std::int32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> open;
  cost[idx(si, sj)] = 0.0f;
  open.push({0.0f, static_cast<std::int32_t>(idx(si, sj))});
  const auto h = [&](int i, int j) { return static_cast<float>(std::hypot(i - ti, j - tj)); };
  bool found = false;
  while (!open.empty()) {
    const auto [f, id] = open.top();
    open.pop();
    const int i = id % gnx_;
    const int j = id / gnx_;
    if (i == ti && j == tj) {
      found = true;
      break;
    }
    if (f > cost[static_cast<std::size_t>(id)] + h(i, j) + 1e-3f) continue;
    for (int dj = -1; dj <= 1; ++dj)
      for (int di = -1; di <= 1; ++di) {
        if (!di && !dj) continue;
        const int ni = i + di, nj = j + dj;
        if (!free_cell(ni, nj)) continue;
        const float nc = cost[static_cast<std::size_t>(id)] + ((di && dj) ? 1.41421356f : 1.0f);
        if (nc < cost[idx(ni, nj)]) {
          cost[idx(ni, nj)] = nc;
          from[idx(ni, nj)] = id;
          open.push({nc + h(ni, nj), static_cast<std::int32_t>(idx(ni, nj))});
        }
      }
  }
  if (!found) return std::nullopt;
  geo::LineString cells;
  for (std::int32_t id = static_cast<std::int32_t>(idx(ti, tj)); id >= 0;
       id = from[static_cast<std::size_t>(id)]) {
    cells.push_back({gx0_ + (id % gnx_ + 0.5) * g, gy0_ + (id / gnx_ + 0.5) * g});
  }
  std::reverse(cells.begin(), cells.end());
  cells.front() = a;
  cells.back() = b;
  // Shorten: from each kept point, jump to the farthest one in clear sight.
  geo::LineString path{a};
  std::size_t k = 0;
  while (k + 1 < cells.size()) {
    std::size_t next = k + 1;
    for (std::size_t m = cells.size() - 1; m > k + 1; --m) {
      if (clear(cells[k], cells[m])) {
        next = m;
        break;
      }
    }
    path.push_back(cells[next]);
    k = next;
  }
  return path;
}

FlownRoute fly(const FlightSpace& space, const std::vector<Stop>& stops) {
  FlownRoute out;
  out.stops = stops;
  const Aircraft& ac = space.aircraft();
  const double v = ac.cruise_speed_kmh / 3.6;
  const double r = ac.turn_radius_m;
  const double step = space.options().sample_step_m;
  if (stops.size() < 2) {
    out.problem = "a route needs at least two stops";
    return out;
  }
  // Vertices: the stops and the corners of the legs between them.
  struct Vertex {
    geo::Point2 p;
    int stop;  ///< -1 for a corner
  };
  std::vector<Vertex> vs;
  for (std::size_t i = 0; i + 1 < stops.size(); ++i) {
    const auto leg = space.plan_cached(stops[i].work, stops[i + 1].work);
    if (!leg) {
      out.problem = "no way through the permitted airspace between stops " + std::to_string(i) +
                    " and " + std::to_string(i + 1);
      return out;
    }
    vs.push_back({stops[i].work, static_cast<int>(i)});
    for (std::size_t k = 1; k + 1 < leg->size(); ++k) vs.push_back({(*leg)[k], -1});
  }
  vs.push_back({stops.back().work, static_cast<int>(stops.size() - 1)});
  // Headings: toward the next vertex (the last keeps the one it arrives with).
  std::vector<double> heading(vs.size());
  for (std::size_t k = 0; k + 1 < vs.size(); ++k) {
    heading[k] = std::atan2(vs[k + 1].p.y - vs[k].p.y, vs[k + 1].p.x - vs[k].p.x);
  }
  // A closed cycle (ending where it starts, no base) ends with the heading it starts
  // with, so that laps join.
  const bool closed = stops.size() > 2 && !stops.front().base && !stops.back().base &&
                      stops.front().work == stops.back().work;
  heading.back() = closed ? heading.front() : (vs.size() > 1 ? heading[vs.size() - 2] : 0.0);
  // The 2-D path, sampled.
  std::vector<PathSample>& smp = out.samples;
  double s = 0.0;
  int last_stop = 0;
  const auto push = [&](geo::Point2 p, LegKind kind, int stop) {
    if (!smp.empty()) s += std::hypot(p.x - smp.back().work.x, p.y - smp.back().work.y);
    PathSample q;
    q.work = p;
    q.s = s;
    q.kind = kind;
    q.stop = stop;
    smp.push_back(q);
  };
  push(vs[0].p, LegKind::Takeoff, 0);
  for (std::size_t k = 0; k + 1 < vs.size(); ++k) {
    const DubinsPath d = dubins({vs[k].p.x, vs[k].p.y, heading[k]},
                                {vs[k + 1].p.x, vs[k + 1].p.y, heading[k + 1]}, r);
    const auto poses = d.sample(step);
    for (std::size_t m = 1; m < poses.size(); ++m)
      push({poses[m].x, poses[m].y}, LegKind::Transit, last_stop);
    if (vs[k + 1].stop >= 0) {
      last_stop = vs[k + 1].stop;
      smp.back().stop = last_stop;
      const Stop& st = stops[static_cast<std::size_t>(last_stop)];
      if (st.loiter_s > 0.0 && !st.base) {
        // Whole orbits on the circle tangent to the heading at the point (left turns).
        const double orbit = 2.0 * kPi * r;
        const int n = static_cast<int>(std::ceil(st.loiter_s * v / orbit));
        const double h = heading[k + 1];
        const geo::Point2 c{vs[k + 1].p.x - r * std::sin(h), vs[k + 1].p.y + r * std::cos(h)};
        const int m = std::max(8, static_cast<int>(std::ceil(n * orbit / step)));
        Orbit o;
        o.stop = last_stop;
        o.centre = c;
        o.radius_m = r;
        o.turns = n;
        o.first_sample = smp.size() - 1;
        for (int q = 1; q <= m; ++q) {
          const double a = h - kPi / 2.0 + 2.0 * kPi * n * q / m;
          push({c.x + r * std::cos(a), c.y + r * std::sin(a)}, LegKind::Loiter, last_stop);
        }
        o.last_sample = smp.size() - 1;
        out.orbits.push_back(o);
      }
    }
  }
  if (stops.back().base) smp.back().kind = LegKind::Landing;
  for (auto& q : smp) {
    if (q.s > smp.back().s - space.options().base_zone_m && stops.back().base)
      q.kind = q.kind == LegKind::Loiter ? q.kind : LegKind::Landing;
    if (q.s < space.options().base_zone_m && stops.front().base)
      q.kind = q.kind == LegKind::Loiter ? q.kind : LegKind::Takeoff;
  }
  out.length_m = s;
  out.duration_s = s / v;

  // The altitude profile: nominal altitudes between the stops, raised to the floor,
  // then to what the climb and descent rates allow.
  const std::size_t n = smp.size();
  std::vector<double> floor(n), z(n);
  const double zone = space.options().base_zone_m;
  // The floor at a sample covers the DEM posts under both segments that meet there;
  // the altitude is linear along a segment, so the whole segment keeps the clearance.
  std::vector<terrain::GridPoint> grid(n);
  for (std::size_t i = 0; i < n; ++i) grid[i] = space.to_grid(smp[i].work);
  std::vector<std::pair<double, double>> seg(n > 1 ? n - 1 : 1, {NAN, NAN});
  for (std::size_t i = 0; i + 1 < n; ++i) seg[i] = space.segment_floor(grid[i], grid[i + 1]);
  if (n == 1) seg[0] = space.segment_floor(grid[0], grid[0]);
  const bool link_mandatory = space.options().link_mandatory;
  for (std::size_t i = 0; i < n; ++i) {
    PathSample& q = smp[i];
    q.t = q.s / v;
    const auto& before = seg[i > 0 ? i - 1 : 0];
    const auto& after = seg[std::min(i, seg.size() - 1)];
    const double tmax = std::isnan(before.first) || std::isnan(after.first)
                            ? NAN
                            : std::max(before.first, after.first);
    q.terrain_m = tmax;
    double f = std::isnan(tmax) ? INFINITY : tmax + ac.min_clearance_m;
    if (link_mandatory) {
      f = std::isnan(before.second) || std::isnan(after.second)
              ? INFINITY
              : std::max({f, before.second, after.second});
    }
    // Near a base the clearance ramps up from zero (take-off and landing).
    const double from_start = stops.front().base ? q.s : INFINITY;
    const double to_end = stops.back().base ? out.length_m - q.s : INFINITY;
    const double near = std::min(from_start, to_end);
    // The ramp is taken at the far end of the segments meeting here, so that a
    // segment leaving the zone has the full clearance wherever it is outside.
    const double reach =
        std::max(i > 0 ? q.s - smp[i - 1].s : 0.0, i + 1 < n ? smp[i + 1].s - q.s : 0.0);
    if (near + reach < zone && std::isfinite(tmax))
      f = tmax + ac.min_clearance_m * (near + reach) / zone;
    floor[i] = f;
  }
  // Nominal: stop altitudes, linear in s between consecutive stops.
  {
    std::vector<std::pair<double, double>> knots;  // (s, altitude)
    int prev = -1;
    for (std::size_t i = 0; i < n; ++i) {
      if (smp[i].stop != prev) {
        const Stop& st = stops[static_cast<std::size_t>(smp[i].stop)];
        knots.push_back({smp[i].s, st.base ? space.terrain(st.work) : st.altitude_m});
        prev = smp[i].stop;
      }
    }
    // An orbit holds its stop's altitude to its end; only then the next leg begins.
    for (const Orbit& o : out.orbits)
      knots.push_back({smp[o.last_sample].s, stops[static_cast<std::size_t>(o.stop)].altitude_m});
    std::stable_sort(knots.begin(), knots.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t kk = 0;
    for (std::size_t i = 0; i < n; ++i) {
      while (kk + 1 < knots.size() && knots[kk + 1].first <= smp[i].s) ++kk;
      double nominal = knots[kk].second;
      if (kk + 1 < knots.size()) {
        const double span = knots[kk + 1].first - knots[kk].first;
        const double t = span > 0.0 ? (smp[i].s - knots[kk].first) / span : 0.0;
        nominal = knots[kk].second + t * (knots[kk + 1].second - knots[kk].second);
      }
      // Orbiting holds the stop's altitude.
      if (smp[i].kind == LegKind::Loiter)
        nominal = stops[static_cast<std::size_t>(smp[i].stop)].altitude_m;
      z[i] = std::max(nominal, floor[i]);
    }
  }
  const double climb = ac.climb_rate_ms / v;
  const double descent = ac.descent_rate_ms / v;
  for (int round = 0; round < 8; ++round) {
    for (std::size_t i = n - 1; i-- > 0;)
      z[i] = std::max(z[i], z[i + 1] - climb * (smp[i + 1].s - smp[i].s));
    for (std::size_t i = 1; i < n; ++i)
      z[i] = std::max(z[i], z[i - 1] - descent * (smp[i].s - smp[i - 1].s));
    // A closed cycle starts each lap at the altitude the last one ended with.
    if (!closed || std::abs(z[0] - z[n - 1]) < 1e-6) break;
    z[0] = z[n - 1] = std::max(z[0], z[n - 1]);
  }
  // Checks of every sample.
  out.feasible = true;
  for (std::size_t i = 0; i < n; ++i) {
    PathSample& q = smp[i];
    q.altitude_m = z[i];
    q.floor_m = floor[i];
    out.max_altitude_m = std::max(out.max_altitude_m, z[i]);
    const bool in_zone =
        (stops.front().base && q.s < zone) || (stops.back().base && out.length_m - q.s < zone);
    if (!std::isfinite(floor[i])) {
      out.feasible = false;
      out.problem = "the path leaves the DEM or the datalink at " +
                    std::to_string(static_cast<long long>(q.s)) + " m";
      break;
    }
    if (z[i] > ac.ceiling_m + 1e-6) {
      out.feasible = false;
      out.problem = "the terrain forces the aircraft above the ceiling at " +
                    std::to_string(static_cast<long long>(q.s)) + " m";
      break;
    }
    if (!space.permitted(q.work)) {
      out.feasible = false;
      out.problem = "the path leaves the permitted airspace at " +
                    std::to_string(static_cast<long long>(q.s)) + " m";
      break;
    }
    if (!in_zone) {
      out.min_clearance_m = std::min(out.min_clearance_m, z[i] - q.terrain_m);
      if (!space.flyable(q.work)) {
        out.feasible = false;
        out.problem = "the path passes over ground it cannot clear under the ceiling" +
                      std::string(link_mandatory ? " or without datalink" : "") + " at " +
                      std::to_string(static_cast<long long>(q.s)) + " m";
        break;
      }
    }
  }
  // Where the terrain around a base demands more height than a straight climb-out
  // (or descent) gives, the aircraft circles over the base to gain (or lose) it.
  if (stops.front().base) {
    const double excess = z[0] - space.terrain(stops.front().work);
    if (excess > 1.0) out.climb_orbit_s = excess / ac.climb_rate_ms;
  }
  if (stops.back().base) {
    const double excess = z[n - 1] - space.terrain(stops.back().work);
    if (excess > 1.0) out.descent_orbit_s = excess / ac.descent_rate_ms;
  }
  for (auto& q : smp) q.t += out.climb_orbit_s;
  out.duration_s += out.climb_orbit_s + out.descent_orbit_s;
  return out;
}

}  // namespace vigia::planner
