// Flying a route: the lateral path through its stops, the altitude profile over the
// terrain, the departure and arrival manoeuvres at the bases, and the checks of every
// sample (fly(), the three steps and the manoeuvres). The flight space it flies in is
// flight.cpp.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "vigia/geo/error.hpp"
#include "vigia/geo/geometry_ops.hpp"
#include "vigia/planner/dubins.hpp"
#include "vigia/planner/flight.hpp"

namespace vigia::planner {

namespace {
constexpr double kPi = std::numbers::pi;

double wrap2pi(double a) {
  a = std::fmod(a, 2 * kPi);
  return a < 0 ? a + 2 * kPi : a;
}

/// The angle through which motion in `dir` turns from angle a to angle b, [0, 2 pi).
double turn_between(double a, double b, int dir) { return wrap2pi(dir > 0 ? b - a : a - b); }
}  // namespace

namespace {

/// The distance flown to each sample (s), from the first: each step's length on all
/// threads, then summed in order (the same sums on any thread count).
void accumulate_distance(std::vector<PathSample>& smp) {
  const auto n = static_cast<std::ptrdiff_t>(smp.size());
  std::vector<double> step(smp.size(), 0.0);
#pragma omp parallel for schedule(static) if (n > 4096)
  for (std::ptrdiff_t i = 1; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    step[k] = std::hypot(smp[k].work.x - smp[k - 1].work.x, smp[k].work.y - smp[k - 1].work.y);
  }
  double s = 0.0;
  for (std::size_t i = 0; i < smp.size(); ++i) {
    if (i > 0) s += step[i];
    smp[i].s = s;
  }
}

/// The distance from w to the nearest of `bases` (INFINITY: none).
double nearest_base(geo::Point2 w, const std::vector<geo::Point2>& bases) {
  double near = INFINITY;
  for (const auto& b : bases) near = std::min(near, std::hypot(w.x - b.x, w.y - b.y));
  return near;
}

/// Step one of fly(): the lateral path of the route between the departure and the
/// arrival (Dubins curves through the legs' corners, loiter orbits left on the
/// tangent toward the next vertex). Returns an empty problem when it could be built.
std::string lateral_path(const FlightSpace& space, const std::vector<Stop>& stops,
                         FlownRoute& out) {
  const Aircraft& ac = space.aircraft();
  const double v = ac.cruise_ms();
  const double r = ac.turn_radius_m;
  const double step = space.options().sample_step_m;
  const bool depart = out.departure.has_value(), arrive = out.arrival.has_value();
  // Vertices: the stops and the corners of the legs between them; legs from and to a
  // base are planned from and to its spiral's centre.
  struct Vertex {
    geo::Point2 p;
    int stop;  ///< -1 for a corner
  };
  std::vector<Vertex> vs;
  for (std::size_t i = 0; i + 1 < stops.size(); ++i) {
    const geo::Point2 a = i == 0 && depart ? out.departure->centre : stops[i].work;
    const geo::Point2 b = i + 2 == stops.size() && arrive ? out.arrival->centre : stops[i + 1].work;
    const auto leg = space.plan_cached(a, b);
    if (!leg)
      return "no way through the permitted airspace between stops " + std::to_string(i) + " and " +
             std::to_string(i + 1);
    vs.push_back({a, static_cast<int>(i)});
    for (std::size_t k = 1; k + 1 < leg->size(); ++k) vs.push_back({(*leg)[k], -1});
  }
  vs.push_back({arrive ? out.arrival->centre : stops.back().work, static_cast<int>(stops.size() - 1)});
  // From a base the route starts where the climb spiral heads at the next vertex; to a
  // base it ends where it joins the descent spiral.
  if (depart) {
    const BaseManoeuvre& d = *out.departure;
    const double a = tangent_exit_angle(d.centre, d.radius_m, d.dir, vs[1].p);
    if (!std::isfinite(a)) return "the first point lies within the climb circle over the base";
    vs[0].p = {d.centre.x + d.radius_m * std::cos(a), d.centre.y + d.radius_m * std::sin(a)};
  }
  double arrive_heading = 0.0;
  if (arrive) {
    const BaseManoeuvre& d = *out.arrival;
    const geo::Point2 from = vs[vs.size() - 2].p;
    const double a = tangent_exit_angle(d.centre, d.radius_m, -d.dir, from);
    if (!std::isfinite(a)) return "the last point lies within the descent circle over the base";
    vs.back().p = {d.centre.x + d.radius_m * std::cos(a), d.centre.y + d.radius_m * std::sin(a)};
    arrive_heading = a + d.dir * kPi / 2.0;
  }
  std::vector<double> heading(vs.size());
  for (std::size_t k = 0; k + 1 < vs.size(); ++k)
    heading[k] = std::atan2(vs[k + 1].p.y - vs[k].p.y, vs[k + 1].p.x - vs[k].p.x);
  // A closed cycle (ending where it starts, no base) ends with the heading it starts
  // with, so that laps join.
  const bool closed = stops.size() > 2 && !stops.front().base && !stops.back().base &&
                      stops.front().work == stops.back().work;
  heading.back() = arrive   ? arrive_heading
                   : closed ? heading.front()
                            : (vs.size() > 1 ? heading[vs.size() - 2] : 0.0);
  // The pieces: piece k flies from its start pose to vertex k + 1 (a Dubins curve),
  // then, at a stop with a loiter, its orbits. The poses are chained here, one piece
  // after the other; the pieces' samples are then made on all threads.
  const double orbit_len = 2.0 * kPi * r;
  struct Piece {
    geo::Point2 from;
    double from_h = 0.0;
    int stop_before = 0;  ///< the stop last reached when the piece starts
    bool loiter = false;
    int stop = -1;        ///< the stop reached at its end (-1: a corner)
    int turns = 0, m = 0;
    geo::Point2 c;
    double a0 = 0.0, total = 0.0;
  };
  std::vector<Piece> pieces(vs.size() - 1);
  {
    geo::Point2 from = vs[0].p;
    double from_h = heading[0];
    int last_stop = 0;
    for (std::size_t k = 0; k + 1 < vs.size(); ++k) {
      Piece& pc = pieces[k];
      pc.from = from;
      pc.from_h = from_h;
      pc.stop_before = last_stop;
      pc.stop = vs[k + 1].stop;
      from = vs[k + 1].p;
      from_h = heading[k + 1];
      if (vs[k + 1].stop < 0) continue;
      last_stop = vs[k + 1].stop;
      const Stop& st = stops[static_cast<std::size_t>(last_stop)];
      if (st.loiter_s <= 0.0 || st.base) continue;
      // Whole orbits on the circle tangent to the heading at the point (left turns),
      // then on around it to the tangent toward the next vertex, as an autopilot leaves
      // a loiter whose "heading required" is set.
      pc.loiter = true;
      pc.turns = static_cast<int>(std::ceil(st.loiter_s * v / orbit_len));
      const double h = heading[k + 1];
      pc.c = {vs[k + 1].p.x - r * std::sin(h), vs[k + 1].p.y + r * std::cos(h)};
      pc.a0 = h - kPi / 2.0;
      double exit = 0.0;
      if (k + 2 < vs.size()) {
        const double e = tangent_exit_angle(pc.c, r, +1, vs[k + 2].p);
        if (std::isfinite(e)) exit = turn_between(pc.a0, e, +1);
      }
      pc.total = pc.turns * 2.0 * kPi + exit;
      pc.m = std::max(8, static_cast<int>(std::ceil(pc.total * r / step)));
      const double a = pc.a0 + pc.total * pc.m / pc.m;
      from = {pc.c.x + r * std::cos(a), pc.c.y + r * std::sin(a)};
      from_h = pc.a0 + pc.total + kPi / 2.0;
    }
  }
  // Each piece's points: the curve's (its start left out), then the orbit's.
  std::vector<std::vector<geo::Point2>> curve(pieces.size()), orbit(pieces.size());
  const auto np = static_cast<std::ptrdiff_t>(pieces.size());
#pragma omp parallel for schedule(dynamic, 1) if (np > 1)
  for (std::ptrdiff_t k = 0; k < np; ++k) {
    const Piece& pc = pieces[static_cast<std::size_t>(k)];
    const Vertex& to = vs[static_cast<std::size_t>(k) + 1];
    const DubinsPath d =
        dubins({pc.from.x, pc.from.y, pc.from_h}, {to.p.x, to.p.y, heading[static_cast<std::size_t>(k) + 1]}, r);
    const auto poses = d.sample(step);
    auto& cv = curve[static_cast<std::size_t>(k)];
    cv.reserve(poses.size());
    for (std::size_t m = 1; m < poses.size(); ++m) cv.push_back({poses[m].x, poses[m].y});
    if (!pc.loiter) continue;
    auto& ov = orbit[static_cast<std::size_t>(k)];
    ov.reserve(static_cast<std::size_t>(pc.m));
    for (int q = 1; q <= pc.m; ++q) {
      const double a = pc.a0 + pc.total * q / pc.m;
      ov.push_back({pc.c.x + r * std::cos(a), pc.c.y + r * std::sin(a)});
    }
  }
  // The samples in order, then the distance along the path (each step's length on all
  // threads, summed in order).
  std::vector<PathSample>& smp = out.samples;
  std::size_t total_samples = 1;
  for (std::size_t k = 0; k < pieces.size(); ++k) total_samples += curve[k].size() + orbit[k].size();
  smp.reserve(total_samples);
  const auto push = [&](geo::Point2 p, LegKind kind, int stop) {
    PathSample q;
    q.work = p;
    q.kind = kind;
    q.stop = stop;
    smp.push_back(q);
  };
  push(vs[0].p, LegKind::Transit, 0);
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    const Piece& pc = pieces[k];
    for (const geo::Point2& p : curve[k]) push(p, LegKind::Transit, pc.stop_before);
    if (pc.stop < 0) continue;
    smp.back().stop = pc.stop;
    if (!pc.loiter) continue;
    Orbit o;
    o.stop = pc.stop;
    o.role = LegKind::Loiter;
    o.centre = pc.c;
    o.radius_m = r;
    o.dir = +1;
    o.turns = pc.turns;
    o.first_sample = smp.size() - 1;
    for (const geo::Point2& p : orbit[k]) push(p, LegKind::Loiter, pc.stop);
    o.last_sample = smp.size() - 1;
    out.orbits.push_back(o);
  }
  accumulate_distance(smp);
  return "";
}

/// Step two of fly(): the floor at every sample (DEM posts under both segments meeting
/// there, clearance ramping from 0 at a base, the link when mandatory) and the
/// altitude profile: the stops' altitudes, raised to the floor, then to what the climb
/// and descent rates allow. Observation orbits are flown level at their highest floor.
void altitude_profile(const FlightSpace& space, const std::vector<geo::Point2>& bases,
                      FlownRoute& out, std::vector<double>& floor, std::vector<double>& z) {
  const Aircraft& ac = space.aircraft();
  const double v = ac.cruise_ms();
  const auto& stops = out.stops;
  std::vector<PathSample>& smp = out.samples;
  const std::size_t n = smp.size();
  floor.assign(n, 0.0);
  z.assign(n, 0.0);
  const double zone = space.options().base_zone_m;
  // Each sample's floor depends on it and its neighbours alone: on all threads.
  const auto ns = static_cast<std::ptrdiff_t>(n);
  std::vector<terrain::GridPoint> grid(n);
#pragma omp parallel for schedule(static) if (ns > 2048)
  for (std::ptrdiff_t i = 0; i < ns; ++i)
    grid[static_cast<std::size_t>(i)] = space.to_grid(smp[static_cast<std::size_t>(i)].work);
  std::vector<std::pair<double, double>> seg(n > 1 ? n - 1 : 1, {NAN, NAN});
#pragma omp parallel for schedule(static) if (ns > 2048)
  for (std::ptrdiff_t i = 0; i < ns - 1; ++i) {
    const auto k = static_cast<std::size_t>(i);
    seg[k] = space.segment_floor(grid[k], grid[k + 1]);
  }
  if (n == 1) seg[0] = space.segment_floor(grid[0], grid[0]);
  const bool link_mandatory = space.options().link_mandatory;
#pragma omp parallel for schedule(static) if (ns > 2048)
  for (std::ptrdiff_t ii = 0; ii < ns; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
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
    // Near a base the clearance ramps up from zero with the distance from it, taken at
    // the far end of the segments meeting here.
    const double near = nearest_base(q.work, bases);
    const double reach =
        std::max(i > 0 ? q.s - smp[i - 1].s : 0.0, i + 1 < n ? smp[i + 1].s - q.s : 0.0);
    if (near + reach < zone && std::isfinite(tmax))
      f = tmax + ac.min_clearance_m * (near + reach) / zone;
    floor[i] = f;
  }
  // Spirals start at the circuit altitude: the route meets them at it or above.
  if (out.departure) floor[0] = std::max(floor[0], out.departure->circuit_m);
  if (out.arrival) floor[n - 1] = std::max(floor[n - 1], out.arrival->circuit_m);
  for (const Orbit& o : out.orbits) {
    double top = -INFINITY;
    for (std::size_t k = o.first_sample; k <= o.last_sample; ++k) top = std::max(top, floor[k]);
    for (std::size_t k = o.first_sample; k <= o.last_sample; ++k) floor[k] = top;
  }
  // Nominal: stop altitudes (a base: its circuit altitude), linear in s between stops.
  std::vector<std::pair<double, double>> knots;  // (s, altitude)
  int prev = -1;
  const auto stop_altitude = [&](int stop) {
    const Stop& st = stops[static_cast<std::size_t>(stop)];
    if (!st.base) return st.altitude_m;
    if (stop == 0 && out.departure) return out.departure->circuit_m;
    if (out.arrival) return out.arrival->circuit_m;
    return space.terrain(st.work);
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (smp[i].stop != prev) {
      knots.push_back({smp[i].s, stop_altitude(smp[i].stop)});
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
    if (smp[i].kind == LegKind::Loiter) nominal = stops[static_cast<std::size_t>(smp[i].stop)].altitude_m;
    z[i] = std::max(nominal, floor[i]);
  }
  const bool closed = stops.size() > 2 && !stops.front().base && !stops.back().base &&
                      stops.front().work == stops.back().work;
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
  for (std::size_t i = 0; i < n; ++i) {
    smp[i].altitude_m = z[i];
    smp[i].floor_m = floor[i];
  }
}

/// Samples of a spiral on the manoeuvre's circle from angle a0 through `turn` radians
/// plus whole laps until the altitude has gone from z0 to z1 at the rates, level after.
std::vector<PathSample> spiral(const BaseManoeuvre& b, double a0, double turn, double z0, double z1,
                               double climb, double descent, double step, LegKind kind, int stop,
                               int* laps) {
  const double r = b.radius_m;
  const double need = z1 > z0 ? (z1 - z0) / climb : (z0 - z1) / descent;
  const double lap = 2.0 * kPi * r;
  *laps = std::max(0, static_cast<int>(std::ceil((need - turn * r) / lap - 1e-9)));
  // Laps are counted on the arc; the rates are kept on the chords the samples join
  // (a little shorter than the arc), which is how the path is measured and flown.
  *laps = std::max(0, static_cast<int>(std::ceil((need * 1.001 - turn * r) / lap - 1e-9)));
  const double total = turn + *laps * 2.0 * kPi;
  const int m = std::max(1, static_cast<int>(std::ceil(total * r / step)));
  const double chord = 2.0 * r * std::sin(total / m / 2.0);
  std::vector<PathSample> out;
  for (int q = 1; q <= m; ++q) {
    const double a = a0 + b.dir * total * q / m;
    const double arc = chord * q;
    PathSample p;
    p.work = {b.centre.x + r * std::cos(a), b.centre.y + r * std::sin(a)};
    p.altitude_m = z1 > z0 ? std::min(z1, z0 + climb * arc) : std::max(z1, z0 - descent * arc);
    p.kind = kind;
    p.stop = stop;
    out.push_back(p);
  }
  return out;
}

/// A straight line of samples from a to b (b included), altitudes linear.
std::vector<PathSample> straight(geo::Point2 a, geo::Point2 b, double za, double zb, double step,
                                 LegKind kind, int stop) {
  const double len = std::hypot(b.x - a.x, b.y - a.y);
  const int m = std::max(1, static_cast<int>(std::ceil(len / step)));
  std::vector<PathSample> out;
  for (int q = 1; q <= m; ++q) {
    const double f = static_cast<double>(q) / m;
    PathSample p;
    p.work = {a.x + f * (b.x - a.x), a.y + f * (b.y - a.y)};
    p.altitude_m = za + f * (zb - za);
    p.kind = kind;
    p.stop = stop;
    out.push_back(p);
  }
  return out;
}

/// Adds the departure before the route and the arrival after it: the climb-out along
/// the runway, the climb spiral up to where the route starts; the descent spiral down
/// from where it ends, the final approach.
void add_base_manoeuvres(const FlightSpace& space, FlownRoute& out, std::vector<double>& floor) {
  const Aircraft& ac = space.aircraft();
  const double v = ac.cruise_ms();
  const double climb = ac.climb_rate_ms / v, descent = ac.descent_rate_ms / v;
  const double step = space.options().sample_step_m;
  std::vector<PathSample> before, after;
  const int last = static_cast<int>(out.stops.size()) - 1;
  std::size_t shift = 0;
  if (const auto& d = out.departure) {
    PathSample b;
    b.work = d->base;
    b.altitude_m = d->ground_m;
    b.kind = LegKind::Takeoff;
    b.stop = 0;
    before.push_back(b);
    for (auto& q : straight(d->base, d->circuit, d->ground_m, d->circuit_m, step, LegKind::Takeoff, 0))
      before.push_back(q);
    const geo::Point2 e = out.samples.front().work;
    const double a0 = std::atan2(d->circuit.y - d->centre.y, d->circuit.x - d->centre.x);
    const double ae = std::atan2(e.y - d->centre.y, e.x - d->centre.x);
    Orbit o;
    o.stop = 0;
    o.role = LegKind::Climb;
    o.centre = d->centre;
    o.radius_m = d->radius_m;
    o.dir = d->dir;
    o.exit_altitude_m = out.samples.front().altitude_m;
    o.first_sample = before.size() - 1;
    auto sp = spiral(*d, a0, turn_between(a0, ae, d->dir), d->circuit_m, o.exit_altitude_m, climb,
                     descent, step, LegKind::Climb, 0, &o.turns);
    sp.pop_back();  // the route's first sample is the spiral's end
    before.insert(before.end(), sp.begin(), sp.end());
    o.last_sample = before.size();
    shift = before.size();
    for (auto& ob : out.orbits) {
      ob.first_sample += shift;
      ob.last_sample += shift;
    }
    std::vector<Orbit> all;
    all.reserve(out.orbits.size() + 1);
    all.push_back(o);
    for (const auto& ob : out.orbits) all.push_back(ob);
    out.orbits = std::move(all);
  }
  if (const auto& d = out.arrival) {
    const PathSample& n = out.samples.back();
    const double a0 = std::atan2(n.work.y - d->centre.y, n.work.x - d->centre.x);
    const double al = std::atan2(d->circuit.y - d->centre.y, d->circuit.x - d->centre.x);
    Orbit o;
    o.stop = last;
    o.role = LegKind::Descent;
    o.centre = d->centre;
    o.radius_m = d->radius_m;
    o.dir = d->dir;
    o.exit_altitude_m = d->circuit_m;
    o.first_sample = shift + out.samples.size() - 1;
    after = spiral(*d, a0, turn_between(a0, al, d->dir), n.altitude_m, d->circuit_m, climb, descent,
                   step, LegKind::Descent, last, &o.turns);
    o.last_sample = o.first_sample + after.size();
    for (auto& q : straight(d->circuit, d->base, d->circuit_m, d->ground_m, step, LegKind::Landing, last))
      after.push_back(q);
    out.orbits.push_back(o);
  }
  const std::size_t nb = before.size(), na = after.size();
  out.samples.insert(out.samples.begin(), before.begin(), before.end());
  out.samples.insert(out.samples.end(), after.begin(), after.end());
  // Terrain and floors of the manoeuvres' samples, as for the route's: every DEM post
  // under the two segments meeting there, and the ramped clearance.
  std::vector<geo::Point2> bases;
  if (out.departure) bases.push_back(out.departure->base);
  if (out.arrival && (bases.empty() || !(bases.front() == out.arrival->base)))
    bases.push_back(out.arrival->base);
  std::vector<double> fb(nb), fa(na);
  auto& smp = out.samples;
  const auto fill = [&](std::size_t i) {
    PathSample& q = smp[i];
    const terrain::GridPoint g = space.to_grid(q.work);
    double t = space.segment_floor(g, g).first;
    if (i > 0) t = std::max(t, space.segment_floor(space.to_grid(smp[i - 1].work), g).first);
    if (i + 1 < smp.size()) t = std::max(t, space.segment_floor(g, space.to_grid(smp[i + 1].work)).first);
    q.terrain_m = t;
    q.floor_m = t + space.required_clearance(q.work, bases);
    return q.floor_m;
  };
  const auto nbs = static_cast<std::ptrdiff_t>(nb), nas = static_cast<std::ptrdiff_t>(na);
#pragma omp parallel for schedule(static) if (nbs > 256)
  for (std::ptrdiff_t i = 0; i < nbs; ++i) fb[static_cast<std::size_t>(i)] = fill(static_cast<std::size_t>(i));
#pragma omp parallel for schedule(static) if (nas > 256)
  for (std::ptrdiff_t i = 0; i < nas; ++i)
    fa[static_cast<std::size_t>(i)] = fill(smp.size() - na + static_cast<std::size_t>(i));
  floor.insert(floor.begin(), fb.begin(), fb.end());
  floor.insert(floor.end(), fa.begin(), fa.end());
  // Distances and times along the whole flight.
  accumulate_distance(out.samples);
  for (auto& q : out.samples) q.t = q.s / v;
  const double s = out.samples.empty() ? 0.0 : out.samples.back().s;
  out.length_m = s;
  out.duration_s = s / v;
  for (const Orbit& o : out.orbits) {
    const double secs = out.samples[o.last_sample].t - out.samples[o.first_sample].t;
    if (o.role == LegKind::Climb) out.climb_orbit_s = secs;
    if (o.role == LegKind::Descent) out.descent_orbit_s = secs;
  }
}

/// Step three of fly(): every sample checked: data under it, the ceiling, the
/// permitted airspace, and beyond the base zones flyable ground.
void check_samples(const FlightSpace& space, const std::vector<geo::Point2>& bases,
                   const std::vector<double>& floor, FlownRoute& out) {
  const Aircraft& ac = space.aircraft();
  const double zone = space.options().base_zone_m;
  const double runway = space.options().runway_m;
  const bool link_mandatory = space.options().link_mandatory;
  out.feasible = true;
  // What each sample needs of the flight space, on all threads; then the checks in
  // order, the first failure ending them.
  const auto ns = static_cast<std::ptrdiff_t>(out.samples.size());
  std::vector<double> nearest(out.samples.size());
  std::vector<std::uint8_t> is_permitted(out.samples.size()), is_flyable(out.samples.size());
#pragma omp parallel for schedule(static) if (ns > 2048)
  for (std::ptrdiff_t ii = 0; ii < ns; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    const PathSample& q = out.samples[i];
    nearest[i] = nearest_base(q.work, bases);
    is_permitted[i] = space.permitted(q.work);
    is_flyable[i] = nearest[i] < zone || space.flyable(q.work);
  }
  for (std::size_t i = 0; i < out.samples.size(); ++i) {
    const PathSample& q = out.samples[i];
    out.max_altitude_m = std::max(out.max_altitude_m, q.altitude_m);
    const double near = nearest[i];
    const bool on_runway =
        near < runway && (q.kind == LegKind::Takeoff || q.kind == LegKind::Landing);
    const auto fail = [&](const std::string& what) {
      out.feasible = false;
      out.problem = what + " at " + std::to_string(static_cast<long long>(q.s)) + " m";
    };
    if (!std::isfinite(floor[i])) {
      fail("the path leaves the DEM or the datalink");
      break;
    }
    if (q.altitude_m > ac.ceiling_m + 1e-6) {
      fail("the terrain forces the aircraft above the ceiling");
      break;
    }
    if (!is_permitted[i]) {
      fail("the path leaves the permitted airspace");
      break;
    }
    if (on_runway) continue;
    // A sample whose segments reach past the zone's edge counts beyond it (its
    // terrain covers both segments: a lower bound of the clearance along them).
    const auto& smp = out.samples;
    const double reach = std::max(i > 0 ? q.s - smp[i - 1].s : 0.0,
                                  i + 1 < smp.size() ? smp[i + 1].s - q.s : 0.0);
    if (near + reach >= zone)
      out.min_clearance_m = std::min(out.min_clearance_m, q.altitude_m - q.terrain_m);
    if (near < zone) {
      out.min_clearance_base_m = std::min(out.min_clearance_base_m, q.altitude_m - q.terrain_m);
      continue;
    }
    if (!is_flyable[i]) {
      fail("the path passes over ground it cannot clear under the ceiling" +
           std::string(link_mandatory ? " or without datalink" : ""));
      break;
    }
  }
}

}  // namespace

FlownRoute fly(const FlightSpace& space, const std::vector<Stop>& stops) {
  FlownRoute out;
  out.stops = stops;
  if (stops.size() < 2) {
    out.problem = "a route needs at least two stops";
    return out;
  }
  std::vector<geo::Point2> bases;
  if (stops.front().base) {
    out.departure = space.departure(stops.front().work);
    if (!out.departure) {
      out.problem =
          "no departure from the base: no runway heading whose climb-out and climb circle keep "
          "the clearance within the permitted airspace";
      return out;
    }
    bases.push_back(stops.front().work);
  }
  if (stops.back().base) {
    out.arrival = space.arrival(stops.back().work);
    if (!out.arrival) {
      out.problem =
          "no arrival at the base: no runway heading whose descent circle and final approach "
          "keep the clearance within the permitted airspace";
      return out;
    }
    // A sortie lands where it took off: one base to measure distances from.
    if (bases.empty() || !(bases.front() == stops.back().work)) bases.push_back(stops.back().work);
  }
  out.problem = lateral_path(space, stops, out);
  if (!out.problem.empty()) {
    out.samples.clear();
    return out;
  }
  std::vector<double> floor, z;
  altitude_profile(space, bases, out, floor, z);
  add_base_manoeuvres(space, out, floor);
  check_samples(space, bases, floor, out);
  return out;
}

}  // namespace vigia::planner
