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
}  // namespace

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
  const std::vector<terrain::CellOffset> disk = terrain::disk_offsets(cw, ch, reach);
#pragma omp parallel for schedule(dynamic, 8)
  for (int j = 0; j < gny_; ++j) {
    for (int i = 0; i < gnx_; ++i) {
      const terrain::GridPoint c = to_grid({gx0_ + (i + 0.5) * g, gy0_ + (j + 0.5) * g});
      const int ci = static_cast<int>(std::lround(c.col));
      const int ri = static_cast<int>(std::lround(c.row));
      bool ok = ci - rc >= 0 && ri - rr >= 0 && ci + rc < dem.cols() && ri + rr < dem.rows();
      for (std::size_t k = 0; k < disk.size() && ok; ++k)
        ok = flyable_(ri + disk[k].dr, ci + disk[k].dc) != 0;
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
                                       const FlightSpace& space, long long* dropped,
                                       const Progress& progress) {
  std::vector<char> room(candidates.size(), 0);
  ProgressCounter counter(progress, "points with room to circle",
                          static_cast<long long>(room.size()));
#pragma omp parallel for schedule(dynamic, 64)
  for (long long i = 0; i < static_cast<long long>(room.size()); ++i) {
    if (progress.cancelled()) continue;  // Ctrl-C: the rest is skipped, then thrown below
    room[static_cast<std::size_t>(i)] =
        space.orbit_room(candidates[static_cast<std::size_t>(i)].work_xy) ? 1 : 0;
    counter.add();
  }
  progress.throw_if_cancelled();
  counter.finish();
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
  // A* over 8-connected planning cells, Euclidean costs and heuristic. The grid's
  // costs and links are this thread's, kept between searches: a search resets only
  // the cells it reached (a whole border's grid has millions of cells, a leg's search
  // a few thousand).
  thread_local std::vector<float> cost;
  thread_local std::vector<std::int32_t> from;
  thread_local std::vector<std::int32_t> touched;
  const std::size_t cells_n = static_cast<std::size_t>(gnx_) * gny_;
  if (cost.size() != cells_n) {
    cost.assign(cells_n, INFINITY);
    from.assign(cells_n, -1);
  }
  touched.clear();
  struct Reset {
    ~Reset() {
      for (const std::int32_t id : touched) {
        cost[static_cast<std::size_t>(id)] = INFINITY;
        from[static_cast<std::size_t>(id)] = -1;
      }
    }
  } reset;
  using Item = std::pair<float, std::int32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> open;
  touched.push_back(static_cast<std::int32_t>(idx(si, sj)));
  cost[idx(si, sj)] = 0.0f;
  open.push({0.0f, static_cast<std::int32_t>(idx(si, sj))});
  // (Whole cells: the square root of an exact integer, as hypot gives it, and cheaper.)
  const auto h = [&](int i, int j) {
    const int di = i - ti, dj = j - tj;
    return static_cast<float>(std::sqrt(static_cast<double>(di * di + dj * dj)));
  };
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
          if (std::isinf(cost[idx(ni, nj)])) touched.push_back(static_cast<std::int32_t>(idx(ni, nj)));
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

double FlightSpace::runway_elevation(geo::Point2 base) const {
  // The highest DEM post of the cells within a cell of the base: the aircraft is then
  // nowhere below a post, on the ground roll included (a DEM does not resolve a
  // runway; docs/plan.md).
  const terrain::GridPoint g = to_grid(base);
  return segment_floor({g.col - 1.0, g.row - 1.0}, {g.col + 1.0, g.row + 1.0}).first;
}

double FlightSpace::required_clearance(geo::Point2 w, const std::vector<geo::Point2>& bases) const {
  double d = INFINITY;
  for (const auto& b : bases) d = std::min(d, std::hypot(w.x - b.x, w.y - b.y));
  return aircraft_.min_clearance_m * std::min(1.0, d / options_.base_zone_m);
}

std::optional<BaseManoeuvre> FlightSpace::base_manoeuvre(geo::Point2 base, bool departing) const {
  const Aircraft& ac = aircraft_;
  const double v = ac.cruise_ms();
  // The final approach keeps a tenth below the aircraft's steepest descent.
  const double grad = departing ? ac.climb_rate_ms / v : 0.9 * ac.descent_rate_ms / v;
  const double r = ac.turn_radius_m;
  const double ground = runway_elevation(base);
  if (!std::isfinite(ground) || !(grad > 0)) return std::nullopt;
  const std::vector<geo::Point2> bases{base};
  // The runway's two directions when it is given, else every 5 degrees.
  std::vector<double> headings;
  for (const auto& rw : options_.runways) {
    if (std::hypot(rw.work.x - base.x, rw.work.y - base.y) > 1.0) continue;
    const double h = (90.0 - rw.heading_deg) * kPi / 180.0;
    headings = {h, h + kPi};
  }
  const bool given = !headings.empty();
  // Without a given runway the landing keeps the take-off's axis (either way) where it
  // can: one runway.
  if (headings.empty() && !departing)
    if (const auto& d = departure(base)) headings = {d->heading, d->heading + kPi};
  if (headings.empty())
    for (int k = 0; k < 72; ++k) headings.push_back(k * kPi / 36.0);
  // Least height over the ramped floor along a straight piece at altitudes za..zb:
  // every DEM post of every cell the piece touches (segment_floor), the clearance
  // required at its far end; -inf where the piece leaves the permitted airspace.
  const auto piece = [&](geo::Point2 a, geo::Point2 b, double za, double zb) {
    if (!permitted(a) || !permitted(b)) return -static_cast<double>(INFINITY);
    const double t = segment_floor(to_grid(a), to_grid(b)).first;
    if (std::isnan(t)) return -static_cast<double>(INFINITY);
    // Over the runway only the posts themselves; past it the ramped clearance.
    const double far = std::max(std::hypot(a.x - base.x, a.y - base.y), std::hypot(b.x - base.x, b.y - base.y));
    const double need = far <= options_.runway_m ? 0.0
                                                  : std::max(required_clearance(a, bases),
                                                             required_clearance(b, bases));
    return std::min(za, zb) - t - need;
  };
  const double step = 10.0;
  std::optional<BaseManoeuvre> best;
  // The lowest circuit that works, 100 m above the runway and up in 50 m steps (the
  // climb-out may then reach past the base zone, where the full clearance holds).
  for (double h = 100.0; !best; h += 50.0) {
    const double d = h / grad;
    if (ground + h > ac.ceiling_m || h > 3000.0) {
      if (headings.size() == 2 && !departing && !given) {  // the take-off's axis failed: any
        headings.clear();
        for (int k = 0; k < 72; ++k) headings.push_back(k * kPi / 36.0);
        h = 50.0;
        continue;
      }
      break;
    }
    for (const double th : headings) {
      const geo::Point2 u{std::cos(th), std::sin(th)};
      // Along u: departing, from the base out to the circuit point; arriving, from the
      // circuit point in to the base. x is the distance from the base.
      const double sign = departing ? 1.0 : -1.0;
      const auto at = [&](double x) { return geo::Point2{base.x + sign * x * u.x, base.y + sign * x * u.y}; };
      double m = static_cast<double>(INFINITY);
      const int n = std::max(1, static_cast<int>(std::ceil(d / step)));
      for (int k = 0; k < n && m >= 0; ++k) {
        const double x0 = d * k / n;
        const double x1 = d * (k + 1) / n;
        m = std::min(m, piece(at(x0), at(x1), ground + grad * x0, ground + grad * x1));
      }
      if (!(m >= 0)) continue;
      const geo::Point2 circuit = at(d);
      for (const int dir : {+1, -1}) {
        // Motion along u at the circuit point; a counter-clockwise circle lies to its left.
        const geo::Point2 c{circuit.x - dir * r * u.y, circuit.y + dir * r * u.x};
        const int k = std::max(16, static_cast<int>(std::ceil(2 * kPi * r / step)));
        double mc = m;
        geo::Point2 prev{c.x + r, c.y};
        for (int q = 1; q <= k && mc >= 0; ++q) {
          const double a = 2 * kPi * q / k;
          const geo::Point2 p{c.x + r * std::cos(a), c.y + r * std::sin(a)};
          mc = std::min(mc, piece(prev, p, ground + h, ground + h));
          prev = p;
        }
        if (!(mc >= 0)) continue;
        if (!best || mc > best->margin_m + 1e-9)
          best = BaseManoeuvre{base, ground, th, circuit, ground + h, c, r, dir, mc};
      }
    }
  }
  return best;
}

const std::optional<BaseManoeuvre>& FlightSpace::manoeuvre_cached(geo::Point2 base,
                                                                  bool departing) const {
  const std::array<double, 3> key{base.x, base.y, departing ? 1.0 : -1.0};
  {
    std::lock_guard lock(cache_mutex_);
    const auto it = manoeuvres_.find(key);
    if (it != manoeuvres_.end()) return it->second;
  }
  auto m = base_manoeuvre(base, departing);
  std::lock_guard lock(cache_mutex_);
  return manoeuvres_.emplace(key, m).first->second;  // std::map: references stay valid
}

const std::optional<BaseManoeuvre>& FlightSpace::departure(geo::Point2 base) const {
  return manoeuvre_cached(base, true);
}

const std::optional<BaseManoeuvre>& FlightSpace::arrival(geo::Point2 base) const {
  return manoeuvre_cached(base, false);
}

geo::Point2 base_position(const FlightSpace& space, geo::Point2 lonlat) {
  const geo::Point2 w = geo::Transformer(geo::SpatialRef::wgs84(), space.area().work_crs)(lonlat);
  if (!space.area().dem.covers(space.to_grid(w))) {
    throw Error("the base at lon " + std::to_string(lonlat.x) + ", lat " +
                std::to_string(lonlat.y) + " lies outside the DEM");
  }
  if (!space.permitted(w)) {
    throw Error(
        "the base at lon " + std::to_string(lonlat.x) + ", lat " + std::to_string(lonlat.y) +
        " lies outside the permitted airspace (own side, past the standoff, outside no-fly zones)");
  }
  return w;
}


}  // namespace vigia::planner
