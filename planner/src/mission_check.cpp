// The safety check of a flown mission over a DEM: terrain clearance (the ramp near
// the bases), ceiling, fence, airspace and no-fly zones, climb and descent gradients,
// endurance (mission_check.hpp states the rules; docs/check.md their sources). The
// flight model it checks is mission_model.cpp.

#include "vigia/planner/mission_check.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/spatial_ref.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/planner/dubins.hpp"

namespace vigia::planner {

namespace {
constexpr double kPi = std::numbers::pi;
}  // namespace

namespace {

bool in_ring(const geo::Ring& r, geo::Point2 p) {
  bool in = false;
  for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) {
    if ((r[i].y > p.y) != (r[j].y > p.y) &&
        p.x < (r[j].x - r[i].x) * (p.y - r[i].y) / (r[j].y - r[i].y) + r[i].x)
      in = !in;
  }
  return in;
}

/// Inside every polygon (holes excluded): ArduPilot's default for several inclusion
/// fences (AC_PolyFence_loader; FENCE_OPTIONS bit "union" not set).
bool in_all(const geo::MultiPolygon& mp, geo::Point2 p) {
  for (const auto& pg : mp) {
    if (pg.rings.empty() || !in_ring(pg.rings[0], p)) return false;
    for (std::size_t k = 1; k < pg.rings.size(); ++k)
      if (in_ring(pg.rings[k], p)) return false;
  }
  return true;
}

bool in_polygons(const geo::MultiPolygon& mp, geo::Point2 p) {
  for (const auto& pg : mp) {
    if (pg.rings.empty() || !in_ring(pg.rings[0], p)) continue;
    bool hole = false;
    for (std::size_t k = 1; k < pg.rings.size() && !hole; ++k) hole = in_ring(pg.rings[k], p);
    if (!hole) return true;
  }
  return false;
}

struct Point {
  geo::Point2 xy, lonlat;
  double z;
  int item;
  ModelPhase phase;
};

}  // namespace

namespace {

/// Every point to test: the samples, and every loiter's whole circle at the lowest
/// altitude flown on it.
std::vector<Point> points_to_test(const FlownMission& fl, const FlightModelOptions& o) {
  std::vector<Point> pts;
  pts.reserve(fl.samples.size());
  for (const auto& q : fl.samples) pts.push_back({q.xy, q.lonlat, q.altitude_m, q.item, q.phase});
  const geo::SpatialRef local = geo::SpatialRef::from_wkt(fl.local_crs_wkt);
  {
    std::vector<Point> circles;
    for (const auto& lo : fl.loiters) {
      double zmin = INFINITY;
      for (std::size_t k = lo.first; k <= lo.last; ++k)
        zmin = std::min(zmin, fl.samples[k].altitude_m);
      for (const double rad : {lo.radius_m, lo.other_radius_m}) {
        if (rad <= 0) continue;
        const int n = std::max(16, static_cast<int>(std::ceil(2 * kPi * rad / o.step_m)));
        for (int k = 0; k < n; ++k) {
          const double a = 2 * kPi * k / n;
          circles.push_back({{lo.centre.x + rad * std::cos(a), lo.centre.y + rad * std::sin(a)},
                             {},
                             zmin,
                             lo.item,
                             ModelPhase::Loiter});
        }
      }
    }
    std::vector<geo::Point2> ll;
    for (const auto& c : circles) ll.push_back(c.xy);
    geo::Transformer(local, geo::SpatialRef::wgs84()).transform(ll);
    for (std::size_t k = 0; k < circles.size(); ++k) circles[k].lonlat = ll[k];
    pts.insert(pts.end(), circles.begin(), circles.end());
  }
  return pts;
}

std::string item_name(int item) {
  return item < 0 ? std::string("home") : "item " + std::to_string(item + 1);
}

/// The violations found, as they are found (several per item and kind).
struct Findings {
  Firmware firmware;
  std::vector<Violation> raw;
  void add(const Point& p, const std::string& what, double by, const std::string& unit,
           const std::string& detail) {
    Violation v;
    v.firmware = firmware;
    v.item = p.item;
    v.what = what;
    v.lonlat = p.lonlat;
    v.altitude_m = p.z;
    v.by = by;
    v.unit = unit;
    v.detail = detail;
    raw.push_back(v);
  }
};

/// Each point against the DEM (terrain, clearance with the base ramp, runway), the
/// ceiling, the file's geofence, the permitted airspace and the no-fly zones; the
/// lowest clearances and highest altitude into out.
void check_points(const std::vector<Point>& pts, const Mission& mission, const terrain::Dem& dem,
                  const CheckLimits& lim, const std::string& src, FlightCheck& out,
                  Findings& found) {
  const FlownMission& fl = out.flight;
  const auto add = [&found](const Point& p, const std::string& what, double by,
                            const std::string& unit, const std::string& detail) {
    found.add(p, what, by, unit, detail);
  };
  // The DEM under each point.
  std::vector<geo::Point2> crs(pts.size());
  for (std::size_t k = 0; k < pts.size(); ++k) crs[k] = pts[k].lonlat;
  geo::Transformer(geo::SpatialRef::wgs84(), dem.crs).transform(crs);
  const bool fence =
      lim.use_file_fence && !(mission.fence_inclusion.empty() && mission.fence_exclusion.empty());
  for (std::size_t k = 0; k < pts.size(); ++k) {
    const Point& p = pts[k];
    const terrain::GridPoint g = dem.to_grid(crs[k]);
    if (!dem.covers(g))
      throw Error("the DEM does not cover " + item_name(p.item) + " of " + src + " (lon " +
                  geo::fixed(p.lonlat.x, 5) + ", lat " + geo::fixed(p.lonlat.y, 5) +
                  "): give a DEM over the whole flight");
    // Distance to the nearest take-off or landing point.
    double dbase = INFINITY, runway_z = NAN;
    for (std::size_t b = 0; b < fl.bases.size(); ++b) {
      const double d = std::hypot(p.xy.x - fl.bases[b].x, p.xy.y - fl.bases[b].y);
      if (d < dbase) {
        dbase = d;
        runway_z = fl.base_elevations[b];
      }
    }
    const bool on_runway = dbase < lim.runway_m &&
                           (p.phase == ModelPhase::Takeoff || p.phase == ModelPhase::Land);
    double terrain_z;
    {
      const int c0 = std::clamp(static_cast<int>(std::floor(g.col)), 0, dem.cols() - 1);
      const int r0 = std::clamp(static_cast<int>(std::floor(g.row)), 0, dem.rows() - 1);
      const int c1 = std::min(c0 + 1, dem.cols() - 1), r1 = std::min(r0 + 1, dem.rows() - 1);
      terrain_z = std::max({dem.elevation(r0, c0), dem.elevation(r0, c1), dem.elevation(r1, c0),
                            dem.elevation(r1, c1)});
      if (std::isnan(terrain_z))
        throw Error("the DEM has no data under " + item_name(p.item) + " of " + src + " (lon " +
                    geo::fixed(p.lonlat.x, 5) + ", lat " + geo::fixed(p.lonlat.y, 5) + ")");
      // On the runway: never above the runway elevation the file gives (the DEM does
      // not resolve a runway, and the aircraft rolls on it).
      if (on_runway) terrain_z = std::min(terrain_z, runway_z);
    }
    const double clearance = p.z - terrain_z;
    const double need = on_runway ? 0.0 : lim.clearance_m * std::min(1.0, dbase / lim.base_zone_m);
    if (!on_runway) {
      if (dbase < lim.base_zone_m)
        out.min_clearance_base_zone_m = std::min(out.min_clearance_base_zone_m, clearance);
      else
        out.min_clearance_beyond_m = std::min(out.min_clearance_beyond_m, clearance);
    }
    out.max_altitude_m = std::max(out.max_altitude_m, p.z);
    if (clearance < -1e-6) {
      add(p, "terrain", -clearance, "m",
          on_runway ? "below the runway and the DEM posts under it"
                    : "below the highest DEM post under it");
    } else if (clearance < need - 1e-6) {
      add(p, "clearance", need - clearance, "m",
          geo::fixed(clearance, 1) + " m above terrain where " + geo::fixed(need, 1) +
              " m is required" + (dbase < lim.base_zone_m ? " (base ramp)" : ""));
    }
    if (p.z > lim.ceiling_m + 1e-6)
      add(p, "ceiling", p.z - lim.ceiling_m, "m", "above the ceiling of " + geo::fixed(lim.ceiling_m, 0) + " m");
    if (fence && !on_runway &&
        ((!mission.fence_inclusion.empty() && !in_all(mission.fence_inclusion, p.lonlat)) ||
         in_polygons(mission.fence_exclusion, p.lonlat)))
      add(p, "fence", 0.0, "m", "outside the mission's geofence");
    if (!lim.allowed.empty() && !on_runway && !in_polygons(lim.allowed, p.lonlat))
      add(p, "airspace", 0.0, "m", "outside the permitted airspace");
    if (!lim.forbidden.empty() && in_polygons(lim.forbidden, p.lonlat))
      add(p, "no-fly", 0.0, "m", "inside a no-fly zone");
  }
}

/// What the commands ask rather than where the aircraft flies: gradients beyond the
/// aircraft's, altitudes commanded above the ceiling, home and touchdown against the
/// DEM, endurance.
void check_commands(const Mission& mission, const terrain::Dem& dem, const CheckLimits& lim,
                    const FlownMission& fl, Findings& found) {
  const auto add = [&found](const Point& p, const std::string& what, double by,
                            const std::string& unit, const std::string& detail) {
    found.add(p, what, by, unit, detail);
  };
  for (const auto& gi : fl.gradients) {
    Point p{{}, gi.lonlat, NAN, gi.item, ModelPhase::Leg};
    const bool up = gi.gradient > 0;
    add(p, up ? "climb" : "descent", 100.0 * (std::abs(gi.gradient) - gi.allowed), "%",
        (up ? "climbs at " : "descends at ") + geo::fixed(100.0 * std::abs(gi.gradient), 1) +
            " % where the aircraft " + (up ? "climbs" : "descends") + " at most " +
            geo::fixed(100.0 * gi.allowed, 1) + " %");
  }
  // Altitudes commanded above the ceiling (the flown one may not reach them).
  for (std::size_t i = 0; i < mission.items.size(); ++i) {
    const MissionItem& it = mission.items[i];
    if (!it.has_position) continue;
    double z = it.position.z;
    if (it.frame == mav::kFrameRelative) z += mission.home.z;
    if (it.frame == mav::kFrameTerrain) continue;  // resolved in flight; the samples hold it
    if (z > lim.ceiling_m + 1e-6) {
      Point p{{}, {it.position.x, it.position.y}, z, static_cast<int>(i), ModelPhase::Leg};
      add(p, "ceiling", z - lim.ceiling_m, "m",
          "commands " + geo::fixed(z, 0) + " m, above the ceiling of " + geo::fixed(lim.ceiling_m, 0) + " m");
    }
  }
  // Take-off and landing altitudes against the DEM: a home or touchdown far above or
  // under the ground makes every relative altitude and the landing wrong.
  {
    const terrain::DemLocator loc(dem);
    for (std::size_t b = 0; b < fl.bases.size(); ++b) {
      const ModelSample* at = nullptr;
      for (const auto& q : fl.samples)
        if (std::hypot(q.xy.x - fl.bases[b].x, q.xy.y - fl.bases[b].y) < 1.0) at = &q;
      if (!at) continue;
      const double ground = loc.elevation_at(at->lonlat);
      if (!std::isfinite(ground)) continue;
      const double off = fl.base_elevations[b] - ground;
      if (std::abs(off) > lim.runway_tolerance_m) {
        Point p{{}, at->lonlat, fl.base_elevations[b], b == 0 ? -1 : at->item, ModelPhase::Land};
        add(p, "runway", std::abs(off), "m",
            std::string(b == 0 ? "home" : "the touchdown") + " at " +
                geo::fixed(fl.base_elevations[b], 0) + " m is " + geo::fixed(std::abs(off), 0) +
                " m " + (off > 0 ? "above" : "under") + " the DEM's ground (" +
                geo::fixed(ground, 0) + " m; allowed " + geo::fixed(lim.runway_tolerance_m, 0) + " m)");
      }
    }
  }
  if (lim.endurance_s > 0 && !fl.bounded) {
    Point p{{}, fl.samples.back().lonlat, fl.samples.back().altitude_m, fl.samples.back().item,
            ModelPhase::Leg};
    add(p, "endurance", 0.0, "min",
        "the mission never ends by itself (a loop for ever or an unlimited loiter): it "
        "outlasts any endurance unless the operator ends it");
  }
  if (lim.endurance_s > 0 && fl.duration_s > lim.endurance_s + 1e-6) {
    Point p{{}, fl.samples.back().lonlat, fl.samples.back().altitude_m, fl.samples.back().item,
            ModelPhase::Leg};
    if (fl.duration_s > lim.endurance_s + 1e-6)
      add(p, "endurance", (fl.duration_s - lim.endurance_s) / 60.0, "min",
          geo::fixed(fl.duration_s / 3600.0, 2) + " h of flight where " +
              geo::fixed(lim.endurance_s / 3600.0, 2) + " h are available");
  }
}

}  // namespace

FlightCheck check_mission(const Mission& mission, const terrain::Dem& dem, const Aircraft& ac,
                          const CheckLimits& lim, const FlightModelOptions& o) {
  FlightCheck out;
  out.flight = fly_mission(mission, ac, o, &dem);
  const std::string src = mission.source.empty() ? std::string("the mission") : mission.source;
  Findings found{out.flight.firmware, {}};
  check_points(points_to_test(out.flight, o), mission, dem, lim, src, out, found);
  check_commands(mission, dem, lim, out.flight, found);
  const std::vector<Violation>& raw = found.raw;
  // One violation per item and kind: the worst.
  for (const auto& v : raw) {
    auto it = std::find_if(out.violations.begin(), out.violations.end(), [&](const Violation& w) {
      return w.item == v.item && w.what == v.what;
    });
    if (it == out.violations.end())
      out.violations.push_back(v);
    else if (v.by > it->by)
      *it = v;
  }
  return out;
}

std::string describe(const Violation& v) {
  std::ostringstream s;
  s << (v.item < 0 ? std::string("home") : "item " + std::to_string(v.item + 1)) << " (lat "
    << geo::fixed(v.lonlat.y, 5) << ", lon " << geo::fixed(v.lonlat.x, 5) << "): " << v.what;
  if (v.by > 0) s << " by " << geo::fixed(v.by, 1) << ' ' << v.unit;
  s << ": " << v.detail << " [" << to_string(v.firmware) << "]";
  return s.str();
}

}  // namespace vigia::planner
