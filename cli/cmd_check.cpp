// vigia check MISSION --dem DEM: flies a mission file (QGroundControl .plan or QGC WPL
// 110, written by vigia or any other tool) as ArduPlane and PX4 fly it, and checks
// the flight over the DEM: terrain and clearance at every post, ceiling, fence and
// no-fly polygons, climb and descent gradients, endurance. Exit 0 safe, 3 unsafe.

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "area_options.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "outputs.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/plot.hpp"
#include "vigia/geo/vector_io.hpp"
#include "vigia/geo/vector_write.hpp"
#include "vigia/geo/qml.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/planner/mission_check.hpp"
#include "vigia/planner/mission_file.hpp"
#include "vigia/terrain/dem_io.hpp"

namespace vigia::cli {

namespace {

/// The exit code of a mission that fails the check (docs/cli.md).
constexpr int kUnsafe = 3;

struct CheckArgs {
  std::string mission;
  std::string dem;
  std::string aircraft = "mohajer6";
  AircraftArgs overrides;
  double clearance = NAN, ceiling = NAN;
  std::string firmware = "both";
  double loiter_radius = NAN;
  double glide_slope_min = 15.0;
  bool loiter_radius_given = false, clearance_given = false, ceiling_given = false;
  double base_zone_km = 4.0;
  double runway_m = 300.0;
  std::string airspace;
  std::vector<std::string> no_fly;
  bool no_fence = false;
  std::string violations_gpkg, profile_png;
  bool json = false;
  bool quiet = false;
};

void positive(double v, const std::string& option, const std::string& unit, bool zero_ok = false) {
  if (!std::isfinite(v) || v < 0 || (!zero_ok && v == 0))
    throw Error(option + ": " + fixed(v, 3) + " is not allowed (a finite number " +
                (zero_ok ? "of 0 or more" : "above 0") + ", " + unit + ")");
}

nlohmann::json to_json(const planner::Violation& v) {
  return {{"item", v.item + 1},
          {"lat", v.lonlat.y},
          {"lon", v.lonlat.x},
          {"altitude_m", std::isfinite(v.altitude_m) ? nlohmann::json(v.altitude_m) : nlohmann::json()},
          {"what", v.what},
          {"by", v.by},
          {"unit", v.unit},
          {"detail", v.detail},
          {"firmware", planner::to_string(v.firmware)}};
}

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

int run(const CheckArgs& a) {
  planner::Aircraft ac = planner::aircraft_preset(a.aircraft);
  apply_aircraft_options(a.overrides, ac);
  planner::CheckLimits lim;
  lim.clearance_m = std::isnan(a.clearance) ? ac.min_clearance_m : a.clearance;
  lim.ceiling_m = std::isnan(a.ceiling) ? ac.ceiling_m : a.ceiling;
  positive(lim.clearance_m, "--clearance", "metres above terrain", true);
  positive(lim.ceiling_m, "--ceiling", "metres AMSL");
  positive(a.base_zone_km, "--base-zone-km", "km", true);
  positive(a.runway_m, "--runway-m", "metres", true);
  lim.base_zone_m = std::max(a.base_zone_km * 1000.0, 1e-6);
  lim.runway_m = a.runway_m;
  lim.use_file_fence = !a.no_fence;
  lim.endurance_s = ac.usable_endurance_s();
  positive(ac.cruise_speed_kmh, "--cruise-kmh", "km/h");
  positive(ac.climb_rate_ms, "--climb-ms", "m/s");
  positive(ac.descent_rate_ms, "--descent-ms", "m/s");
  positive(ac.turn_radius_m, "--turn-radius-m", "metres");
  positive(ac.endurance_h, "--endurance-h", "hours");
  if (!(ac.reserve_fraction >= 0.0 && ac.reserve_fraction < 1.0))
    throw Error("--reserve: " + fixed(ac.reserve_fraction, 3) + " is not allowed (0 to below 1)");
  if (!a.violations_gpkg.empty() && a.violations_gpkg == a.profile_png)
    throw Error("--violations and --profile: the same file '" + a.profile_png +
                "' (give two different files)");
  std::vector<planner::Firmware> firmwares;
  if (a.firmware == "ardupilot" || a.firmware == "both") firmwares.push_back(planner::Firmware::ArduPlane);
  if (a.firmware == "px4" || a.firmware == "both") firmwares.push_back(planner::Firmware::PX4);
  if (firmwares.empty())
    throw Error("--firmware: '" + a.firmware + "' is not allowed (ardupilot, px4 or both)");
  if (a.loiter_radius_given) positive(a.loiter_radius, "--loiter-radius", "metres");
  if (a.clearance_given) positive(a.clearance, "--clearance", "metres above terrain", true);
  if (a.ceiling_given) positive(a.ceiling, "--ceiling", "metres AMSL");
  positive(a.glide_slope_min, "--glide-slope-min", "metres", true);

  const planner::Mission mission = planner::read_mission_file(a.mission);
  const terrain::Dem dem = terrain::load_dem(terrain::expand_dem_inputs({a.dem}));
  const geo::SpatialRef wgs = geo::SpatialRef::wgs84();
  if (!a.airspace.empty()) lim.allowed = geo::read_vector(a.airspace, wgs).polygons();
  for (const auto& f : a.no_fly) {
    const auto p = geo::read_vector(f, wgs).polygons();
    lim.forbidden.insert(lim.forbidden.end(), p.begin(), p.end());
  }
  // Outputs are staged and moved into place only when the check has run.
  std::unique_ptr<geo::OutputFiles> outputs = std::make_unique<geo::OutputFiles>();
  for (const auto* out : {&a.violations_gpkg, &a.profile_png}) {
    if (out->empty()) continue;
    std::error_code ec;
    for (const auto* in : {&a.mission, &a.dem})
      if (std::filesystem::equivalent(*out, *in, ec))
        throw Error(*out + ": is an input of this command; write the outputs elsewhere");
  }
  const std::string gpkg = a.violations_gpkg.empty() ? "" : outputs->stage(a.violations_gpkg);
  const std::string png = a.profile_png.empty() ? "" : outputs->stage(a.profile_png);

  std::vector<planner::FlightCheck> checks;
  for (const auto f : firmwares) {
    planner::FlightModelOptions o;
    o.firmware = f;
    o.loiter_radius_m = std::isnan(a.loiter_radius) ? ac.turn_radius_m : a.loiter_radius;
    o.glide_slope_min_m = a.glide_slope_min;
    checks.push_back(planner::check_mission(mission, dem, ac, lim, o));
  }
  bool safe = true;
  for (const auto& c : checks) safe = safe && c.safe();

  if (!gpkg.empty()) {
    geo::OutLayer layer{"violations", wgs, {}, "where the flown mission breaks a limit",
                        geo::qml_marker({220, 20, 20, 255}, 3.5)};
    geo::OutLayer path{"flight", wgs, {}, "the mission as the firmware flies it, altitude AMSL in z",
                       geo::qml_line({30, 30, 200, 255}, 0.6)};
    for (const auto& c : checks) {
      for (const auto& v : c.violations)
        layer.features.push_back(
            {geo::Point3{v.lonlat.x, v.lonlat.y, std::isfinite(v.altitude_m) ? v.altitude_m : 0.0},
             {{"item", static_cast<long long>(v.item + 1)},
              {"what", v.what},
              {"by", v.by},
              {"unit", v.unit},
              {"detail", v.detail},
              {"firmware", planner::to_string(v.firmware)}}});
      geo::LineString3 line;
      for (const auto& q : c.flight.samples) line.push_back({q.lonlat.x, q.lonlat.y, q.altitude_m});
      path.features.push_back({line, {{"firmware", planner::to_string(c.flight.firmware)},
                                      {"km", c.flight.length_m / 1000.0},
                                      {"hours", c.flight.duration_s / 3600.0}}});
    }
    geo::write_gpkg(gpkg, {layer, path});
  }
  if (!png.empty()) {
    std::vector<geo::Panel> panels;
    const terrain::DemLocator loc(dem);
    for (const auto& c : checks) {
      geo::Panel p;
      p.title = a.mission + " as " + planner::to_string(c.flight.firmware) + " flies it";
      p.x_label = "km flown";
      p.y_label = "m AMSL";
      geo::Series ground{"terrain (bilinear)", {}, {}, {0.62, 0.52, 0.40}, 1.0, true};
      geo::Series alt{"flown altitude", {}, {}, {0.85, 0.15, 0.15}, 1.5};
      geo::Series ceiling{"ceiling", {}, {}, {0.45, 0.45, 0.45}, 1.0, false, true};
      for (std::size_t k = 0; k < c.flight.samples.size(); k += 3) {  // every 60 m
        const auto& q = c.flight.samples[k];
        ground.x.push_back(q.s / 1000.0);
        ground.y.push_back(loc.elevation_at(q.lonlat));
        alt.x.push_back(q.s / 1000.0);
        alt.y.push_back(q.altitude_m);
      }
      if (!alt.x.empty()) ceiling = {"ceiling", {alt.x.front(), alt.x.back()},
                                     {lim.ceiling_m, lim.ceiling_m}, ceiling.color, 1.0, false, true};
      p.series = {ground, alt, ceiling};
      panels.push_back(p);
    }
    geo::write_chart_png(png, panels);
  }
  outputs->commit();

  if (a.json) {
    nlohmann::json j;
    j["mission"] = a.mission;
    j["safe"] = safe;
    j["exit_code"] = safe ? 0 : kUnsafe;
    nlohmann::json per = nlohmann::json::array();
    for (const auto& c : checks) {
      nlohmann::json vs = nlohmann::json::array();
      for (const auto& v : c.violations) vs.push_back(to_json(v));
      per.push_back({{"firmware", planner::to_string(c.flight.firmware)},
                     {"safe", c.safe()},
                     {"km", c.flight.length_m / 1000.0},
                     {"hours", c.flight.duration_s / 3600.0},
                     {"min_clearance_base_zone_m", num(c.min_clearance_base_zone_m)},
                     {"min_clearance_beyond_m", num(c.min_clearance_beyond_m)},
                     {"max_altitude_m", num(c.max_altitude_m)},
                     {"violations", vs},
                     {"notes", c.flight.notes}});
    }
    j["firmwares"] = per;
    j["limits"] = {{"clearance_m", lim.clearance_m},
                   {"ceiling_m", lim.ceiling_m},
                   {"base_zone_m", lim.base_zone_m},
                   {"runway_m", lim.runway_m},
                   {"endurance_h", lim.endurance_s / 3600.0},
                   {"aircraft", ac.name}};
    std::cout << j.dump(2) << '\n';
    return safe ? 0 : kUnsafe;
  }
  std::cout << "vigia check: " << a.mission << ": " << (safe ? "SAFE" : "UNSAFE") << " ("
            << mission.items.size() << " items, clearance " << fixed(lim.clearance_m, 0)
            << " m ramping from 0 within " << fixed(lim.base_zone_m / 1000.0, 1)
            << " km of a base, ceiling " << fixed(lim.ceiling_m, 0) << " m)\n";
  for (const auto& c : checks) {
    std::cout << "  " << planner::to_string(c.flight.firmware) << ": "
              << fixed(c.flight.length_m / 1000.0, 1) << " km, "
              << fixed(c.flight.duration_s / 3600.0, 2) << " h; lowest clearance "
              << (std::isfinite(c.min_clearance_base_zone_m) ? fixed(c.min_clearance_base_zone_m, 1) : "n/a")
              << " m near a base, "
              << (std::isfinite(c.min_clearance_beyond_m) ? fixed(c.min_clearance_beyond_m, 1) : "n/a")
              << " m beyond; highest " << fixed(c.max_altitude_m, 0) << " m; "
              << c.violations.size() << " violation" << (c.violations.size() == 1 ? "" : "s") << '\n';
    for (const auto& n : c.flight.notes) std::cout << "    note: " << n << '\n';
  }
  if (!safe) {
    std::cout << "\n  | item | lat | lon | what | by | firmware | detail |\n"
              << "  |---:|---:|---:|---|---:|---|---|\n";
    for (const auto& c : checks)
      for (const auto& v : c.violations)
        std::cout << "  | " << v.item + 1 << " | " << fixed(v.lonlat.y, 5) << " | "
                  << fixed(v.lonlat.x, 5) << " | " << v.what << " | " << fixed(v.by, 1) << ' '
                  << v.unit << " | " << planner::to_string(v.firmware) << " | " << v.detail << " |\n";
  }
  return safe ? 0 : kUnsafe;
}

}  // namespace

void add_check_command(CLI::App& app, Runner& runner) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Fly a mission file (.plan or QGC WPL 110) as ArduPlane and PX4 do, and check it "
               "over the DEM (exit 0 safe, 3 unsafe)");
  cmd->add_option("MISSION", a->mission, "QGroundControl .plan or QGC WPL 110 .waypoints file")
      ->required();
  cmd->add_option("--dem", a->dem, "DEM (any GDAL raster, a VRT or a quoted glob of tiles)")
      ->required();
  cmd->add_option("--aircraft", a->aircraft, "Aircraft preset (default mohajer6)");
  add_aircraft_options(cmd, a->overrides);
  cmd->add_option("--clearance", a->clearance,
                  "Clearance above terrain, m, 0 or more (default: the preset's, 300)");
  cmd->add_option("--ceiling", a->ceiling, "Ceiling, m AMSL, above 0 (default: the preset's, 5400)");
  cmd->add_option("--firmware", a->firmware,
                  "How the file is flown: ardupilot, px4 or both (default both)");
  cmd->add_option("--loiter-radius", a->loiter_radius,
                  "The firmware's loiter radius setting (ArduPlane WP_LOITER_RAD, PX4 "
                  "NAV_LOITER_RAD), m, above 0 (default: the aircraft's turn radius)");
  cmd->add_option("--glide-slope-min", a->glide_slope_min,
                  "ArduPlane GLIDE_SLOPE_MIN: altitude changes smaller than this are made at "
                  "once, m, 0 or more (default 15)");
  cmd->add_option("--base-zone-km", a->base_zone_km,
                  "Distance from a take-off or landing point over which the clearance ramps from "
                  "0 to full, km, 0 or more (default 4)");
  cmd->add_option("--runway-m", a->runway_m,
                  "Within this distance of the take-off and landing points the take-off and "
                  "landing are measured against the runway elevation, m, 0 or more (default 300)");
  cmd->add_option("--airspace", a->airspace,
                  "Polygons the aircraft must stay inside (any OGR file, e.g. a plan's "
                  "plan.gpkg layer permitted_airspace)");
  cmd->add_option("--no-fly", a->no_fly, "No-fly polygons (any OGR file; repeatable)");
  cmd->add_flag("--no-fence", a->no_fence, "Do not check the mission file's own geofence");
  cmd->add_option("--violations", a->violations_gpkg,
                  "Write the violations and the flown path to this GeoPackage");
  cmd->add_option("--profile", a->profile_png, "Write the flown altitude profile to this PNG");
  cmd->add_flag("--json", a->json, "Print the verdict as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->callback([a, &runner, cmd] {
    a->loiter_radius_given = cmd->count("--loiter-radius") > 0;
    a->clearance_given = cmd->count("--clearance") > 0;
    a->ceiling_given = cmd->count("--ceiling") > 0;
    runner = [a] { return run(*a); };
  });
}

}  // namespace vigia::cli
