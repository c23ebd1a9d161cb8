#include "vigia/planner/package.hpp"

#include <bit>
#include <exception>
#include <numbers>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/geometry_ops.hpp"
#include "vigia/geo/plot.hpp"
#include "vigia/geo/qml.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/geo/vector_write.hpp"

namespace vigia::planner {

namespace fs = std::filesystem;

// Written in package_formats.cpp.
void write_kml_files(const std::string& dir, const MissionResult& m, const PackageInfo& info,
                     const RouteWaypoints& route_wps, std::vector<PackageFile>& files);
void write_qgis_project(const std::string& path, const MissionResult& m, const PackageInfo& info,
                        const std::vector<PackageFile>& files);

namespace {

struct Grids {
  geo::Raster<std::uint16_t> times, aircraft;
  geo::Raster<float> first_seen;
  geo::Raster<float> revisit_worst, revisit_mean, watched;
};

Grids cell_grids(const MissionResult& m) {
  const terrain::Dem& dem = m.area.dem;
  Grids g;
  g.times = dem.elevation.like<std::uint16_t>(65535, 65535.0);
  g.aircraft = dem.elevation.like<std::uint16_t>(65535, 65535.0);
  g.first_seen = dem.elevation.like<float>(NAN, std::nan(""));
  const PathCoverage* cov = nullptr;
  if (const SortiePlan* p = m.sorties()) cov = &p->coverage;
  if (m.patrol) cov = &m.patrol->coverage;
  const bool patrol = m.patrol.has_value();
  if (patrol) {
    g.revisit_worst = dem.elevation.like<float>(NAN, std::nan(""));
    g.revisit_mean = dem.elevation.like<float>(NAN, std::nan(""));
    g.watched = dem.elevation.like<float>(NAN, std::nan(""));
  }
  for (int r = 0; r < dem.rows(); ++r)
    for (int c = 0; c < dem.cols(); ++c) {
      const std::int32_t id = m.targets.id(r, c);
      if (id < 0) continue;
      const auto t = static_cast<std::size_t>(id);
      const bool has = cov && t < cov->count.size();
      g.times(r, c) = has ? std::min<std::uint16_t>(cov->count[t], 65534) : 0;
      const int n = has ? std::popcount(cov->aircraft[t]) : 0;
      g.aircraft(r, c) = static_cast<std::uint16_t>(patrol && n > 0 ? m.config.persistent : n);
      if (has && !std::isnan(cov->first_seen_s[t]))
        g.first_seen(r, c) = static_cast<float>(cov->first_seen_s[t] / 60.0);
      if (patrol && t < m.patrol->per_target.size()) {
        const Revisit& rv = m.patrol->per_target[t];
        g.watched(r, c) = static_cast<float>(rv.watched_fraction);
        if (!std::isnan(rv.worst_s)) {
          g.revisit_worst(r, c) = static_cast<float>(rv.worst_s / 60.0);
          g.revisit_mean(r, c) = static_cast<float>(rv.mean_s / 60.0);
        }
      }
    }
  return g;
}

/// The quick-look map: hillshade, coverage classes, corridor, routes, points, bases.
void write_quicklook(const std::string& path, const MissionResult& m, const Grids& g,
                     const geo::Raster<std::uint8_t>& shade, const std::string& title) {
  const terrain::Dem& dem = m.area.dem;
  const double cw = dem.metric.cell_width(dem.rows() / 2.0);
  const double ch = dem.metric.cell_height(dem.rows() / 2.0);
  const double wm = dem.cols() * cw, hm = dem.rows() * ch;
  const double mpp = std::max(wm / 1400.0, hm / 1100.0);
  const int w = std::max(1, static_cast<int>(wm / mpp));
  const int h = std::max(1, static_cast<int>(hm / mpp));
  std::vector<std::uint8_t> rgba(static_cast<std::size_t>(w) * h * 4, 0);
  for (int y = 0; y < h; ++y) {
    const int r = std::clamp(static_cast<int>((y + 0.5) * mpp / ch), 0, dem.rows() - 1);
    for (int x = 0; x < w; ++x) {
      const int c = std::clamp(static_cast<int>((x + 0.5) * mpp / cw), 0, dem.cols() - 1);
      std::uint8_t* p = &rgba[(static_cast<std::size_t>(y) * w + x) * 4];
      const double s = shade(r, c) == 0 ? 200.0 : 60.0 + 0.75 * shade(r, c);
      double R = s, G = s, B = s;
      if (g.times(r, c) != 65535) {
        const geo::Rgba k = coverage_colour(g.times(r, c));
        const double a = k.a / 255.0;
        R = (1 - a) * R + a * k.r;
        G = (1 - a) * G + a * k.g;
        B = (1 - a) * B + a * k.b;
      }
      p[0] = static_cast<std::uint8_t>(R);
      p[1] = static_cast<std::uint8_t>(G);
      p[2] = static_cast<std::uint8_t>(B);
      p[3] = 255;
    }
  }
  const FlightSpace& space = *m.space;
  const auto to_px = [&](geo::Point2 work) {
    const terrain::GridPoint gp = space.to_grid(work);
    return std::pair{(gp.col + 0.5) * cw / mpp, (gp.row + 0.5) * ch / mpp};
  };
  std::vector<geo::MapLine> lines;
  // The border.
  for (const auto& l : m.area.frame.border) {
    geo::MapLine ml{{}, {}, {0.15, 0.15, 0.15}, 1.8, true};
    for (const auto& p : l) {
      const auto [x, y] = to_px(p);
      ml.x.push_back(x);
      ml.y.push_back(y);
    }
    lines.push_back(ml);
  }
  const geo::Rgb route_colours[] = {{0.85, 0.1, 0.1}, {0.1, 0.3, 0.9},   {0.6, 0.1, 0.7},
                                    {0.95, 0.5, 0.0}, {0.0, 0.55, 0.55}, {0.5, 0.3, 0.1}};
  int k = 0;
  for (const auto& nr : named_routes(m)) {
    geo::MapLine ml{{}, {}, route_colours[k++ % 6], 2.2, nr.role != "sortie" && nr.role != "cycle"};
    double next = 0.0;
    for (const auto& q : nr.route->samples) {
      if (q.s < next) continue;
      next = q.s + mpp / 2;
      const auto [x, y] = to_px(q.work);
      ml.x.push_back(x);
      ml.y.push_back(y);
    }
    lines.push_back(ml);
  }
  std::vector<geo::MapMarker> markers;
  for (const auto& p : m.points) {
    const auto [x, y] = to_px(p.work_xy);
    markers.push_back({x, y, {0.15, 0.45, 0.85}, 6.0, "triangle"});
  }
  const geo::Transformer to_work(geo::SpatialRef::wgs84(), m.area.work_crs);
  for (const auto& b : m.config.bases) {
    const auto [x, y] = to_px(to_work(b));
    markers.push_back({x, y, {1.0, 0.85, 0.1}, 11.0, "star"});
  }
  for (const auto& s : m.stations) {
    const auto [x, y] = to_px(to_work(s.lonlat));
    markers.push_back({x, y, {0.9, 0.9, 0.9}, 7.0, "circle"});
  }
  std::vector<geo::LegendEntry> legend = {
      {"corridor never seen", {215 / 255.0, 25 / 255.0, 28 / 255.0}, false},
      {"seen 1-2 times", {253 / 255.0, 174 / 255.0, 97 / 255.0}, false},
      {"seen 3-5 times", {1.0, 1.0, 140 / 255.0}, false},
      {"seen 6-20 times", {145 / 255.0, 207 / 255.0, 96 / 255.0}, false},
      {"seen more often", {26 / 255.0, 150 / 255.0, 65 / 255.0}, false},
      {"border", {0.15, 0.15, 0.15}, true}};
  k = 0;
  for (const auto& nr : named_routes(m)) legend.push_back({nr.name, route_colours[k++ % 6], true});
  geo::write_map_png(path, w, h, rgba, lines, markers, title, legend, mpp);
}

geo::OutLayer stations_layer(const MissionResult& m) {
  geo::OutLayer l{"stations",
                  geo::SpatialRef::wgs84(),
                  {},
                  "ground control stations",
                  geo::qml_marker({240, 240, 240, 255}, 3.5, "square")};
  for (std::size_t i = 0; i < m.stations.size(); ++i) {
    const Station& s = m.stations[i];
    long long cells = 0;
    if (m.link && i < m.link->cells_served.size()) cells = m.link->cells_served[i];
    l.features.push_back({s.lonlat,
                          {{"name", s.name},
                           {"antenna_agl_m", s.antenna_agl_m},
                           {"range_km", s.range_m / 1000.0},
                           {"cells_served", cells}}});
  }
  return l;
}

geo::OutLayer candidates_layer(const MissionResult& m) {
  geo::OutLayer l{"candidates",
                  geo::SpatialRef::wgs84(),
                  {},
                  "candidate observation points",
                  geo::qml_marker({150, 150, 150, 160}, 1.2)};
  for (std::size_t i = 0; i < m.candidates.size(); ++i) {
    const Candidate& c = m.candidates[i];
    double w = 0.0;
    for (auto q = m.sets.offset[i]; q < m.sets.offset[i + 1]; ++q)
      for (std::uint32_t t = m.sets.runs[q].first; t < m.sets.runs[q].first + m.sets.runs[q].count;
           ++t)
        w += m.sets.weight[t];
    l.features.push_back({geo::Point3{c.lonlat.x, c.lonlat.y, c.altitude_m},
                          {{"altitude_amsl_m", c.altitude_m},
                           {"floor_m", c.floor_m},
                           {"tier", static_cast<long long>(c.tier)},
                           {"covered_weight", w}}});
  }
  return l;
}

}  // namespace

geo::Rgba coverage_colour(int times) {
  if (times <= 0) return {215, 25, 28, 150};  // in the corridor, never seen
  if (times <= 2) return {253, 174, 97, 170};
  if (times <= 5) return {255, 255, 140, 170};
  if (times <= 20) return {145, 207, 96, 180};
  return {26, 150, 65, 190};
}

std::vector<PackageFile> write_package(const MissionResult& m, const PackageInfo& info,
                                       const std::string& dir, const Progress& progress) {
  std::vector<PackageFile> files;
  const auto file = [&](const std::string& name, const std::string& what) {
    files.push_back({name, what});
    return (fs::path(dir) / name).string();
  };
  // The ground-control files, flown as each firmware flies them and checked over the
  // DEM before anything is written: a package never holds a mission that fails.
  const RouteWaypoints route_wps = route_waypoints(m);
  const std::vector<GcsMission> missions = gcs_missions(m, route_wps);
  const std::vector<ExportCheck> checks = check_gcs_missions(m, missions);
  require_safe(checks);
  ProgressCounter counter(progress, "writing the package", 5);
  const terrain::Dem& dem = m.area.dem;
  auto meta = geo::provenance(info.command_line);
  if (!info.scenario_path.empty()) meta["VIGIA_SCENARIO"] = info.scenario_path;
  if (!info.scenario_sha256.empty()) meta["VIGIA_SCENARIO_SHA256"] = info.scenario_sha256;
  geo::RasterWriteOptions cog;
  cog.format = geo::RasterFormat::COG;
  cog.metadata = meta;

  const Grids g = cell_grids(m);
  const geo::Raster<std::uint8_t> shade =
      geo::hillshade(dem.elevation, dem.crs.is_geographic() ? 111120.0 : dem.crs.linear_unit_m());
  // Four groups of files written at once: the rasters; the GeoPackage; the profiles and
  // the quick-look (the text-drawing charts together); the ground-control files and
  // KML. Each lists its files in its parts, listed after in this order on any thread
  // count (the quick-look, part 4, last, as it always was).
  std::vector<PackageFile> part[5];
  std::exception_ptr failed[4];
  const auto in = [&](int k, const std::string& name, const std::string& what) {
    part[k].push_back({name, what});
    return (fs::path(dir) / name).string();
  };
  const auto group = [&](int k) {
    try {
      switch (k) {
        case 0: {
          geo::write_raster_bands<std::uint16_t>(
              {&g.times, &g.aircraft},
              {"times seen (samples along the paths; 0 = never, 65535 = outside the corridor)",
               "aircraft seeing the cell"},
              in(0, "coverage.tif", "coverage: band 1 times seen, band 2 aircraft seeing it (COG)"),
              cog);
          geo::RasterWriteOptions o = cog;
          o.overview_resampling = "AVERAGE";
          o.band_description = "minutes after take-off when first seen (NaN: never)";
          geo::write_raster(g.first_seen, in(0, "first_seen.tif", "first time seen, minutes (COG)"), o);
          if (m.patrol) {
            geo::write_raster_bands<float>(
                {&g.revisit_worst, &g.revisit_mean, &g.watched},
                {"worst revisit, minutes", "mean revisit, minutes", "fraction of time watched"},
                in(0, "revisit.tif",
                   "persistent patrol: worst and mean revisit, fraction watched (COG)"),
                o);
          }
          if (m.link) {
            o.band_description = "lowest altitude AMSL with datalink, m (NaN: none under the ceiling)";
            geo::write_raster(m.link->lowest,
                              in(0, "link_lowest_altitude.tif", "lowest datalink altitude AMSL (COG)"),
                              o);
          }
          geo::write_raster_bands<float>(
              {&m.area.airspace.min_alt, &m.area.airspace.max_alt},
              {"lowest allowed altitude AMSL, m", "highest allowed altitude AMSL, m"},
              in(0, "airspace_band.tif", "permitted altitude band: lowest and highest AMSL (COG)"), o);
          o.band_description = "hillshade (0 = no data)";
          geo::write_raster(shade, in(0, "hillshade.tif", "shaded relief of the DEM (COG)"), o);
          break;
        }
        case 1: {
          std::vector<geo::OutLayer> layers = mission_layers(m, route_wps);
          layers.push_back(stations_layer(m));
          layers.push_back(candidates_layer(m));
          geo::write_gpkg(in(1, "plan.gpkg", "every vector layer, with QGIS styles"), layers);
          break;
        }
        case 2:
          write_profile_csv(in(2, "route_profile.csv", "altitude profile along each route"), m);
          write_profile_png(in(2, "route_profile.png", "altitude profiles, chart"), m);
          write_quicklook(in(4, "quicklook.png", "quick-look map: hillshade, coverage, routes"), m, g,
                          shade, "vigia plan: " + info.name);
          break;
        case 3:
          for (const GcsMission& gm : missions) {
            write_qgc_plan(in(3, gm.name + ".plan", "QGroundControl plan: " + gm.name), gm,
                           m.config.aircraft.cruise_ms());
            write_qgc_wpl(in(3, gm.name + ".waypoints", "MAVLink QGC WPL 110: " + gm.name), gm);
          }
          write_kml_files(dir, m, info, route_wps, part[3]);
          break;
      }
      counter.add();
    } catch (...) {
      failed[k] = std::current_exception();
    }
  };
#pragma omp parallel for schedule(dynamic, 1)
  for (int k = 0; k < 4; ++k) group(k);
  for (const auto& f : failed)
    if (f) std::rethrow_exception(f);
  for (const auto& p : part) files.insert(files.end(), p.begin(), p.end());

  // Report and quick-look.
  nlohmann::json report = mission_report(m);
  add_flight_check(report, m, checks);
  report["plan"] = {{"name", info.name},
                    {"scenario", info.scenario_path},
                    {"scenario_sha256", info.scenario_sha256},
                    {"command", info.command_line},
                    {"version", meta["VIGIA_VERSION"]},
                    {"git_hash", meta["VIGIA_GIT_HASH"]}};
  file("plan.qgs", "QGIS project opening everything");
  file("report.json", "every figure of every stage");
  file("report.md", "the report for people");
  write_qgis_project((fs::path(dir) / "plan.qgs").string(), m, info, files);
  counter.add();
  nlohmann::json listing = nlohmann::json::array();
  for (const auto& f : files) listing.push_back({{"file", f.name}, {"what", f.what}});
  report["files"] = listing;
  geo::write_text_file((fs::path(dir) / "report.json").string(), report.dump(2) + '\n');
  std::string md = mission_report_markdown(report);
  md.replace(0, md.find('\n'), "# Patrol plan: " + info.name);
  md += flight_check_markdown(report);
  md += "\n![quick-look map](quicklook.png)\n\n## Files\n\n| file | what |\n|---|---|\n";
  for (const auto& f : files) md += "| `" + f.name + "` | " + f.what + " |\n";
  md += "\nScenario `" + info.scenario_path + "` (sha256 " + info.scenario_sha256.substr(0, 16) +
        "…), vigia " + meta["VIGIA_VERSION"] + " (" + meta["VIGIA_GIT_HASH"] + ").\n";
  geo::write_text_file((fs::path(dir) / "report.md").string(), md);
  counter.finish();
  return files;
}

namespace {

/// The geofence: the permitted airspace, simplified inside itself to at most a few
/// hundred vertices (autopilots hold small fences), in lon/lat.
geo::MultiPolygon geofence(const MissionResult& m, const geo::Transformer& to_ll) {
  geo::MultiPolygon fence;
  double tol = 100.0;
  for (int attempt = 0; attempt < 8; ++attempt, tol *= 2.0) {
    fence = geo::simplify_inside(m.area.airspace.permitted, tol);
    std::size_t vertices = 0;
    for (const auto& p : fence)
      for (const auto& r : p.rings) vertices += r.size();
    if (vertices <= 400) break;
  }
  return geo::transform(fence, to_ll);
}

/// The fence of a mission: the part of the permitted airspace its home lies in
/// (ArduPilot takes several inclusion polygons as their intersection).
geo::MultiPolygon fence_around(const geo::MultiPolygon& fence, const geo::Point3& home) {
  const auto in_ring = [](const geo::Ring& r, double x, double y) {
    bool in = false;
    for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++)
      if ((r[i].y > y) != (r[j].y > y) &&
          x < (r[j].x - r[i].x) * (y - r[i].y) / (r[j].y - r[i].y) + r[i].x)
        in = !in;
    return in;
  };
  for (const auto& p : fence)
    if (!p.rings.empty() && in_ring(p.rings[0], home.x, home.y)) return geo::MultiPolygon{p};
  return fence.empty() ? fence : geo::MultiPolygon{fence.front()};
}

}  // namespace

std::vector<GcsMission> gcs_missions(const MissionResult& m, const RouteWaypoints& route_wps) {
  std::vector<GcsMission> out;
  const FlightSpace& space = *m.space;
  const geo::Transformer to_ll(m.area.work_crs, geo::SpatialRef::wgs84());
  const geo::MultiPolygon fence = geofence(m, to_ll);
  // A route's waypoints as mission items. A route that does not start the flight drops
  // its first waypoint (where the previous one ended); one that does not end it flies
  // on through its last instead of landing.
  require_waypoints_of(m, route_wps);
  const std::vector<NamedRoute> named_list = named_routes(m);
  const auto add_route = [&](GcsMission& gm, std::size_t named, bool first, bool last,
                             bool keep_start = false) {
    const FlownRoute& r = *named_list[named].route;
    const std::vector<Waypoint>& wps = route_wps[named];
    for (std::size_t i = 0; i < wps.size(); ++i) {
      const Waypoint& w = wps[i];
      GcsMission::Item it;
      it.position = {w.lonlat.x, w.lonlat.y, w.altitude_m};
      it.yaw_unset = true;
      if (w.kind == LegKind::Takeoff) {
        if (!first || i > 0 || !r.departure) continue;
        // MAV_CMD_NAV_TAKEOFF (p1 minimum pitch, p4 yaw): climb along the runway heading
        // to the circuit point; its position gives the heading (PX4 tracks the line to
        // it; ArduPlane climbs on the heading it is launched on: the report's runway).
        const geo::Point2 c = to_ll(r.departure->circuit);
        it.command = mav::kTakeoff;
        it.params[0] = 15.0;
        it.position = {c.x, c.y, r.departure->circuit_m};
      } else if (w.kind == LegKind::Climb || w.kind == LegKind::Descent) {
        // MAV_CMD_NAV_LOITER_TO_ALT: p1 heading required (leave on the tangent toward the
        // next item), p2 radius (negative: counter-clockwise), p4 exit; at the centre.
        it.command = mav::kLoiterToAlt;
        it.params[0] = 1.0;
        it.params[1] = w.clockwise ? w.radius_m : -w.radius_m;
        it.yaw_unset = false;
      } else if (w.kind == LegKind::Loiter) {
        // MAV_CMD_NAV_LOITER_TIME: p1 seconds (whole laps, rounded down so that the
        // aircraft never starts another), p2 heading required, p3 radius, p4 exit.
        it.command = mav::kLoiterTime;
        it.params[0] = std::floor(w.loiter_s);
        it.params[1] = 1.0;
        it.params[2] = w.clockwise ? w.radius_m : -w.radius_m;
        it.yaw_unset = false;
      } else if (i == 0 && !first && !keep_start) {
        continue;
      } else if (i + 1 == wps.size() && last && r.arrival) {
        it.command = mav::kLand;  // MAV_CMD_NAV_LAND: p1 abort altitude, p4 yaw
        it.position.z = r.arrival->ground_m;
      } else {
        it.command = mav::kWaypoint;  // hold, acceptance radius, pass radius, yaw
      }
      gm.items.push_back(it);
    }
  };
  const geo::Transformer to_work(geo::SpatialRef::wgs84(), m.area.work_crs);
  const auto fence_for = [&fence](const geo::Point3& home) { return fence_around(fence, home); };
  // Home: the base at its runway elevation (the highest DEM post around it, as the
  // departure and arrival take it).
  const auto home_of = [&](geo::Point2 base) {
    return geo::Point3{base.x, base.y, space.runway_elevation(to_work(base))};
  };
  if (const SortiePlan* p = m.sorties()) {
    for (std::size_t k = 0; k < p->routes.size(); ++k) {
      const FlownRoute& r = p->routes[k];
      if (r.samples.empty()) continue;
      GcsMission gm;
      gm.name = "aircraft_" + std::to_string(k + 1);
      gm.home = home_of(m.config.bases[m.config.bases.size() == 1 ? 0 : k]);
      gm.fence_inclusion = fence_for(gm.home);
      add_route(gm, k, true, true);
      out.push_back(gm);
    }
  } else if (m.patrol) {
    const PatrolPlan& pp = *m.patrol;
    GcsMission gm;
    gm.name = "patrol";
    gm.home = home_of(m.config.bases.front());
    gm.fence_inclusion = fence_for(gm.home);
    add_route(gm, 0, true, false);  // named_routes: transit out, cycle, transit back
    const std::size_t loop_start = gm.items.size();
    add_route(gm, 1, false, false);
    // Laps: fly the cycle, then jump back to its first item (MAV_CMD_DO_JUMP: p1 the
    // item to jump to, p2 how many more times).
    GcsMission::Item jump;
    jump.command = mav::kDoJump;
    jump.frame = mav::kFrameMission;
    jump.has_position = false;
    jump.jump_target = static_cast<int>(loop_start);
    jump.params[0] = static_cast<double>(loop_start + 1);
    jump.params[1] = std::max(0.0, std::floor(pp.laps_per_sortie) - 1.0);
    gm.items.push_back(jump);
    // The way back starts where the cycle does: a waypoint there, so that the aircraft
    // leaves the last lap's orbit toward it, as the transit back was planned.
    add_route(gm, 2, false, true, true);
    out.push_back(gm);
  }
  return out;
}

std::vector<ExportCheck> check_gcs_missions(const MissionResult& m,
                                            const std::vector<GcsMission>& missions) {
  const Aircraft& ac = m.config.aircraft;
  CheckLimits lim;
  lim.clearance_m = ac.min_clearance_m;
  lim.ceiling_m = ac.ceiling_m;
  lim.base_zone_m = m.space->options().base_zone_m;
  lim.runway_m = m.space->options().runway_m;
  lim.endurance_s = ac.usable_endurance_s();
  // Every mission under both firmware rules, at once; listed in mission order.
  const Firmware firmwares[] = {Firmware::ArduPlane, Firmware::PX4};
  const auto n = static_cast<int>(2 * missions.size());
  std::vector<ExportCheck> out(static_cast<std::size_t>(n));
  std::vector<std::exception_ptr> failed(static_cast<std::size_t>(n));
#pragma omp parallel for schedule(dynamic, 1)
  for (int i = 0; i < n; ++i) {
    try {
      const GcsMission& gm = missions[static_cast<std::size_t>(i / 2)];
      FlightModelOptions o;
      o.firmware = firmwares[i % 2];
      o.loiter_radius_m = ac.turn_radius_m;
      out[static_cast<std::size_t>(i)] = {gm.name, check_mission(gm, m.area.dem, ac, lim, o)};
    } catch (...) {
      failed[static_cast<std::size_t>(i)] = std::current_exception();
    }
  }
  for (const auto& f : failed)
    if (f) std::rethrow_exception(f);
  return out;
}

void add_flight_check(nlohmann::json& report, const MissionResult& m,
                      const std::vector<ExportCheck>& checks) {
  nlohmann::json list = nlohmann::json::array();
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  double km = 0, hours = 0, beyond = INFINITY, zone = INFINITY;
  for (const auto& c : checks) {
    const FlightCheck& f = c.check;
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& n : f.flight.notes) notes.push_back(n);
    list.push_back({{"mission", c.name},
                    {"firmware", to_string(f.flight.firmware)},
                    {"safe", f.safe()},
                    {"violations", f.violations.size()},
                    {"km", f.flight.length_m / 1000.0},
                    {"hours", f.flight.duration_s / 3600.0},
                    {"min_clearance_beyond_base_zone_m", num(f.min_clearance_beyond_m)},
                    {"min_clearance_base_zone_m", num(f.min_clearance_base_zone_m)},
                    {"max_altitude_m", num(f.max_altitude_m)},
                    {"notes", notes}});
    // The headline figures: the files as ArduPlane flies them (the .plan's firmware);
    // the clearances the least under either firmware.
    if (f.flight.firmware == Firmware::ArduPlane) {
      km += f.flight.length_m / 1000.0;
      hours += f.flight.duration_s / 3600.0;
    }
    beyond = std::min(beyond, f.min_clearance_beyond_m);
    zone = std::min(zone, f.min_clearance_base_zone_m);
  }
  nlohmann::json runways = nlohmann::json::array();
  const geo::Transformer to_ll(m.area.work_crs, geo::SpatialRef::wgs84());
  for (const auto& nr : named_routes(m)) {
    const auto heading = [](double h) { return std::fmod(450.0 - h * 180.0 / std::numbers::pi, 360.0); };
    if (const auto& d = nr.route->departure) {
      const geo::Point2 c = to_ll(d->centre);
      runways.push_back({{"route", nr.name}, {"what", "take-off"}, {"heading_deg", heading(d->heading)},
                         {"circuit_altitude_m", d->circuit_m}, {"climb_spiral_lon", c.x},
                         {"climb_spiral_lat", c.y}, {"margin_m", d->margin_m}});
    }
    if (const auto& d = nr.route->arrival) {
      const geo::Point2 c = to_ll(d->centre);
      runways.push_back({{"route", nr.name}, {"what", "landing"}, {"heading_deg", heading(d->heading)},
                         {"circuit_altitude_m", d->circuit_m}, {"descent_spiral_lon", c.x},
                         {"descent_spiral_lat", c.y}, {"margin_m", d->margin_m}});
    }
  }
  report["flight_check"] = {
      {"what", "every exported mission file flown as ArduPlane and PX4 fly it, checked over the DEM"},
      {"loiter_radius_setting_m", m.config.aircraft.turn_radius_m},
      {"missions", list},
      {"runways", runways}};
  for (const char* key : {"sorties", "patrol"}) {
    if (!report.contains(key)) continue;
    auto& s = report[key];
    if (s.contains("km_flown")) s["planned_km_flown"] = s["km_flown"];
    if (s.contains("flight_hours")) s["planned_flight_hours"] = s["flight_hours"];
    if (s.contains("min_clearance_m")) s["planned_min_clearance_m"] = s["min_clearance_m"];
    if (std::string(key) == "sorties") {
      s["km_flown"] = km;
      s["flight_hours"] = hours;
      if (s.contains("seen_km2")) {
        s["km2_per_flight_hour"] = hours > 0 ? s["seen_km2"].get<double>() / hours : 0.0;
        s["km2_per_km"] = km > 0 ? s["seen_km2"].get<double>() / km : 0.0;
      }
      // Per aircraft: the file aircraft_N as ArduPlane flies it.
      if (s.contains("per_aircraft"))
        for (auto& a : s["per_aircraft"]) {
          const std::string name = "aircraft_" + std::to_string(a["aircraft"].get<int>());
          for (const auto& c : checks)
            if (c.name == name && c.check.flight.firmware == Firmware::ArduPlane) {
              a["planned_km"] = a["km"];
              a["planned_hours"] = a["hours"];
              a["km"] = c.check.flight.length_m / 1000.0;
              a["hours"] = c.check.flight.duration_s / 3600.0;
              a["min_clearance_m"] = num(c.check.min_clearance_beyond_m);
            }
        }
    }
    s["min_clearance_m"] = num(beyond);
    s["min_clearance_base_zone_m"] = num(zone);
  }
}

std::string flight_check_markdown(const nlohmann::json& report) {
  if (!report.contains("flight_check")) return "";
  const auto& fc = report["flight_check"];
  const auto f = [](const nlohmann::json& v, int d) {
    return v.is_number() ? geo::fixed(v.get<double>(), d) : std::string("n/a");
  };
  std::string md =
      "\n## Flight check of the mission files\n\nEvery exported mission flown as each firmware "
      "flies it (docs/check.md), over the DEM; loiter radius setting (`WP_LOITER_RAD`, "
      "`NAV_LOITER_RAD`) " +
      f(fc["loiter_radius_setting_m"], 0) +
      " m.\n\n| mission | firmware | safe | km | hours | lowest clearance within 4 km of a base "
      "(m) | beyond (m) |\n|---|---|---|---:|---:|---:|---:|\n";
  for (const auto& m : fc["missions"])
    md += "| " + m["mission"].get<std::string>() + " | " + m["firmware"].get<std::string>() + " | " +
          (m["safe"].get<bool>() ? "yes" : "**no**") + " | " + f(m["km"], 1) + " | " +
          f(m["hours"], 2) + " | " + f(m["min_clearance_base_zone_m"], 1) + " | " +
          f(m["min_clearance_beyond_base_zone_m"], 1) + " |\n";
  md += "\n| route | | runway heading (°) | circuit altitude (m AMSL) | spiral centre |\n"
        "|---|---|---:|---:|---|\n";
  for (const auto& r : fc["runways"]) {
    const bool up = r["what"] == "take-off";
    md += "| " + r["route"].get<std::string>() + " | " + r["what"].get<std::string>() + " | " +
          f(r["heading_deg"], 0) + " | " + f(r["circuit_altitude_m"], 0) + " | " +
          f(r[up ? "climb_spiral_lat" : "descent_spiral_lat"], 5) + ", " +
          f(r[up ? "climb_spiral_lon" : "descent_spiral_lon"], 5) + " |\n";
  }
  return md;
}

void require_safe(const std::vector<ExportCheck>& checks) {
  for (const auto& c : checks)
    if (!c.check.safe())
      throw Error("internal: the exported mission " + c.name + " fails its flight check (" +
                      describe(c.check.violations.front()) + "); nothing was written",
                  Error::Kind::Runtime);
}

}  // namespace vigia::planner
