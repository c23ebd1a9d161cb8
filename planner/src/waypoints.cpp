// A flown route as the few waypoints an autopilot needs: straight chords that an
// autopilot flying them (either firmware) keeps within the tolerance of the planned
// path and at or above its floor, one waypoint per orbit.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <omp.h>

#include "vigia/geo/error.hpp"
#include "vigia/planner/export.hpp"

namespace vigia::planner {

namespace {

/// Whether a straight chord between two samples of a route can stand for the samples
/// between them.
class ChordTest {
 public:
  ChordTest(const FlightSpace& space, const FlownRoute& route, double tolerance_m)
      : space_(space),
        smp_(route.samples),
        tolerance_m_(tolerance_m),
        descent_(space.aircraft().descent_rate_ms / space.aircraft().cruise_ms()),
        climb_(space.aircraft().climb_rate_ms / space.aircraft().cruise_ms()),
        runway_(space.options().runway_m),
        cell_(2.0 * space.options().sample_step_m) {
    if (route.departure) bases_.push_back(route.departure->base);
    if (route.arrival) bases_.push_back(route.arrival->base);
  }

  /// Can the straight line from sample a to sample b stand for the samples between?
  /// Within the tolerance of each, at or above each one's floor, and clear of every
  /// DEM post under the line itself, piece by piece, by the ramped clearance.
  [[nodiscard]] bool fits(std::size_t a, std::size_t b) const {
    const auto& smp = smp_;
    const auto& space = space_;
    const auto& bases = bases_;
    const double tolerance_m = tolerance_m_, climb = climb_, descent = descent_;
    const double runway = runway_, cell = cell_;
    const geo::Point2 p = smp[a].work, q = smp[b].work;
    const double za = smp[a].altitude_m, zb = smp[b].altitude_m;
    const double dx = q.x - p.x, dy = q.y - p.y, len2 = dx * dx + dy * dy;
    const double len = std::sqrt(len2);
    // The chord is shorter than the path it stands for: its gradient must still be one
    // the aircraft flies (the check flags a steeper command).
    if (zb - za > climb * len + 1e-6 || za - zb > descent * len + 1e-6) return false;
    for (std::size_t k = a + 1; k < b; ++k) {
      const double u =
          len2 > 0 ? std::clamp(((smp[k].work.x - p.x) * dx + (smp[k].work.y - p.y) * dy) / len2,
                                0.0, 1.0)
                   : 0.0;
      const double ex = p.x + u * dx - smp[k].work.x, ey = p.y + u * dy - smp[k].work.y;
      if (ex * ex + ey * ey > tolerance_m * tolerance_m) return false;
      if (lowest(za, zb, u, u * len) < required(k) - 1e-6) return false;
      // Along the glide slope (ArduPlane with GLIDE_SLOPE_MIN 0) the file flies the
      // planned profile, never more than 1 m below it: the plan's path and profile
      // describe the flight the files give.
      if (za + u * (zb - za) < smp[k].altitude_m - 1.0) return false;
    }
    const int pieces = std::max(1, static_cast<int>(std::ceil(len / cell)));
    for (int k = 0; k < pieces; ++k) {
      const double u0 = static_cast<double>(k) / pieces, u1 = static_cast<double>(k + 1) / pieces;
      const geo::Point2 c0{p.x + u0 * dx, p.y + u0 * dy}, c1{p.x + u1 * dx, p.y + u1 * dy};
      double near = INFINITY;
      for (const auto& bp : bases)
        near = std::min({near, std::hypot(c0.x - bp.x, c0.y - bp.y), std::hypot(c1.x - bp.x, c1.y - bp.y)});
      if (near < runway) continue;  // over the runway: the take-off and landing lines
      const auto [post, link] = space.segment_floor(space.to_grid(c0), space.to_grid(c1));
      if (std::isnan(post)) return false;
      double need = std::max(space.required_clearance(c0, bases), space.required_clearance(c1, bases));
      const double zlow = std::min(lowest(za, zb, u0, u0 * len), lowest(za, zb, u1, u1 * len));
      if (zlow < post + need - 1e-6) return false;
      if (space.options().link_mandatory && near >= space.options().base_zone_m &&
          !(zlow >= link - 1e-6))
        return false;
    }
    return true;
  }

 private:
  /// The lowest altitude an autopilot may hold at a fraction u of the straight leg from
  /// altitude za to zb, x metres from its start: a climb follows the glide slope
  /// (ArduPlane) or runs ahead of it (PX4); a descent may be made at once at the
  /// aircraft's rate (PX4, and ArduPlane under GLIDE_SLOPE_MIN). mission_check.hpp.
  [[nodiscard]] double lowest(double za, double zb, double u, double x) const {
    return zb >= za ? za + u * (zb - za) : std::max(zb, za - descent_ * x);
  }
  /// The lowest altitude allowed at a sample: the floor fly() computed there (terrain
  /// and clearance ramping from 0 at a base, the datalink when mandatory).
  [[nodiscard]] double required(std::size_t k) const {
    return std::min(smp_[k].altitude_m, smp_[k].floor_m);
  }

  const FlightSpace& space_;
  const std::vector<PathSample>& smp_;
  double tolerance_m_, descent_, climb_, runway_, cell_;
  std::vector<geo::Point2> bases_;
};

/// The orbit starting after sample i: one waypoint at its centre; `last` is the
/// orbit's last sample.
Waypoint orbit_waypoint(const FlownRoute& route, std::size_t i, int seq, double v,
                        std::size_t& last) {
  const auto& smp = route.samples;
  const Orbit* o = nullptr;
  for (const auto& ob : route.orbits)
    if (ob.first_sample == i) o = &ob;
  if (o == nullptr) throw Error("internal: an orbit without its record", Error::Kind::Runtime);
  Waypoint w;
  w.seq = seq;
  w.kind = o->role;
  w.work = o->centre;
  if (o->role == LegKind::Loiter) {
    // Flown level at the highest altitude planned on it; whole laps, then on to the
    // tangent toward the next waypoint.
    for (std::size_t k = i; k <= o->last_sample; ++k)
      w.altitude_m = std::max(w.altitude_m, smp[k].altitude_m);
    w.loiter_s = o->turns * 2.0 * std::numbers::pi * o->radius_m / v;
  } else {
    w.altitude_m = o->exit_altitude_m;  // a spiral: the altitude it climbs or descends to
    w.loiter_s = smp[o->last_sample].t - smp[i].t;
  }
  w.s = smp[i].s;
  w.t = smp[i].t;
  w.radius_m = o->radius_m;
  w.clockwise = o->dir < 0;
  w.stop = smp[i].stop;
  last = o->last_sample;
  return w;
}

}  // namespace

std::vector<Waypoint> waypoints(const FlightSpace& space, const FlownRoute& route,
                                double tolerance_m) {
  std::vector<Waypoint> out;
  const auto& smp = route.samples;
  if (smp.empty()) return out;
  const double v = space.aircraft().cruise_ms();
  const ChordTest chords(space, route, tolerance_m);
  const auto add = [&](std::size_t i, LegKind kind) {
    Waypoint w;
    w.seq = static_cast<int>(out.size());
    w.kind = kind;
    w.work = smp[i].work;
    w.altitude_m = smp[i].altitude_m;
    w.s = smp[i].s;
    w.t = smp[i].t;
    w.stop = smp[i].stop;
    out.push_back(w);
  };
  add(0, smp[0].kind);
  const int threads = std::max(1, omp_get_max_threads());
  std::vector<char> fit;
  std::size_t i = 0;
  while (i + 1 < smp.size()) {
    if (is_orbit(smp[i + 1].kind)) {
      std::size_t last = i;
      out.push_back(orbit_waypoint(route, i, static_cast<int>(out.size()), v, last));
      i = last;
      continue;
    }
    // The climb-out and the final approach are straight lines checked when they were
    // chosen (FlightSpace::departure, arrival): one leg each, the take-off and landing.
    if (smp[i + 1].kind == LegKind::Takeoff || smp[i + 1].kind == LegKind::Landing) {
      std::size_t j = i + 1;
      while (j + 1 < smp.size() && smp[j + 1].kind == smp[i + 1].kind) ++j;
      add(j, smp[j].kind);
      i = j;
      continue;
    }
    // The farthest sample the straight line still stands for (and not into an orbit):
    // the last of the samples j + 1, j + 2, ... that fit one after the other. Long
    // chords test a batch of the next samples on all threads (each test runs over the
    // whole chord, so a route's waypoints cost the square of its chords' samples);
    // the first that does not fit ends the chord, as one by one. Short chords, or one
    // thread, test one end at a time (a batch would test ends past the first failure).
    std::size_t j = i + 1;
    for (;;) {
      const bool in_parallel = threads > 1 && j - i > 48;
      const std::size_t batch = in_parallel ? 4 * static_cast<std::size_t>(threads) : 1;
      const std::size_t first = j + 1;
      std::size_t limit = first;
      while (limit < smp.size() && limit < first + batch && !is_orbit(smp[limit].kind) &&
             smp[limit].kind == smp[i + 1].kind)
        ++limit;
      if (limit == first) break;
      const auto n = static_cast<std::ptrdiff_t>(limit - first);
      fit.assign(static_cast<std::size_t>(n), 0);
#pragma omp parallel for schedule(dynamic, 1) if (in_parallel)
      for (std::ptrdiff_t k = 0; k < n; ++k)
        fit[static_cast<std::size_t>(k)] = chords.fits(i, first + static_cast<std::size_t>(k));
      std::size_t stop = first;
      while (stop < limit && fit[stop - first]) ++stop;
      j = stop - 1;
      if (stop < limit) break;
    }
    const bool last = j + 1 == smp.size();
    add(j, last && route.arrival ? LegKind::Landing : smp[j].kind);
    i = j;
  }
  const geo::Transformer to_ll(space.area().work_crs, geo::SpatialRef::wgs84());
  for (auto& w : out) {
    w.lonlat = to_ll(w.work);
    w.ground_m = space.terrain(w.work);
  }
  return out;
}


}  // namespace vigia::planner
