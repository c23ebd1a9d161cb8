// vigia route DEM --border ... --base LON,LAT --out DIR: patrol routes over the best
// observation points for one or several aircraft (sorties), or a persistent patrol
// cycle, terrain-safe and within endurance, with profiles and a report.

#include <fstream>
#include <iostream>

#include "area_options.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "outputs.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/terrain/viewshed.hpp"
#include "vigia/planner/export.hpp"
#include "vigia/planner/mission.hpp"
#include "vigia/planner/package.hpp"

namespace vigia::cli {

namespace {

struct RouteArgs {
  AreaArgs area;
  SensorArgs sensor;
  AircraftArgs aircraft;
  std::vector<std::string> bases;
  std::vector<double> runway_headings;
  int count = 1;
  bool link_mandatory = false;
  int points = 30;
  double loiter_min = 5.0;
  int persistent = 0;
  double time_limit = 600.0;
  long long rounds = planner::MissionConfig{}.route_rounds;
  unsigned seed = 1;
  int threads = 0;
  std::string out;
  bool overwrite = false;
  bool json = false;
  bool quiet = false;
};

int run(const RouteArgs& a) {
  planner::MissionConfig c;
  c.aircraft = aircraft_of(a.area);
  apply_aircraft_options(a.aircraft, c.aircraft);
  c.area = area_inputs(a.area, c.aircraft);
  for (const auto& b : a.bases) {
    const auto [lon, lat] = parse_pair(b, "--base", "LON,LAT in degrees");
    c.bases.push_back({lon, lat});
    c.base_labels.push_back("--base");
  }
  if (!a.runway_headings.empty() && a.runway_headings.size() != a.bases.size())
    throw Error("--runway-heading: " + std::to_string(a.runway_headings.size()) +
                " given for " + std::to_string(a.bases.size()) +
                " bases (give one per --base, in the same order)");
  for (const double h : a.runway_headings) {
    if (!std::isfinite(h) || h < 0.0 || h > 360.0)
      throw Error("--runway-heading: " + fixed(h, 1) + " is not allowed (compass degrees, 0-360)");
    c.runway_headings_deg.push_back(h);
  }
  c.aircraft_count = a.count;
  apply_sensor_args(a.sensor, c);
  c.link_mandatory = a.link_mandatory;
  c.points = a.points;
  c.loiter_s = a.loiter_min * 60.0;
  c.persistent = a.persistent;
  c.route_time_limit_s = a.time_limit;
  c.route_rounds = a.rounds;
  c.seed = a.seed;
  c.threads = a.threads;
  planner::validate(c);

  std::vector<std::string> inputs{a.area.dem, a.area.border, a.area.own_territory,
                                  a.sensor.stations};
  inputs.insert(inputs.end(), a.area.no_fly.begin(), a.area.no_fly.end());
  OutputDir out(a.out, a.overwrite, inputs);
  const std::string gpkg = out.stage("routes.gpkg");
  const std::string csv = out.stage("route_profile.csv");
  const std::string png = out.stage("route_profile.png");
  const std::string json = out.stage("route_report.json");
  const std::string md = out.stage("route_report.md");
  auto progress = make_progress(a.quiet || a.json);
  terrain::set_thread_count(c.threads);  // the whole command: flight checks included
  const auto m = planner::run_mission(c, *progress);
  for (const auto& w : m->area.warnings) std::cerr << "vigia: warning: " << w << '\n';

  // The routes as ground-control missions, flown as ArduPlane and PX4 fly them and
  // checked over the DEM: no route is written that fails.
  progress->report("checking the missions as flown", 0.0);
  const planner::RouteWaypoints wps = planner::route_waypoints(*m);
  const auto checks = planner::check_gcs_missions(*m, planner::gcs_missions(*m, wps));
  planner::require_safe(checks);
  progress->report("writing outputs", 0.0);
  geo::write_gpkg(gpkg, planner::mission_layers(*m, wps));
  planner::write_profile_csv(csv, *m);
  planner::write_profile_png(png, *m);
  nlohmann::json report = planner::mission_report(*m);
  planner::add_flight_check(report, *m, checks);
  report["command"] = command_line();
  geo::write_text_file(json, report.dump(2) + '\n');
  geo::write_text_file(md, planner::mission_report_markdown(report) +
                               planner::flight_check_markdown(report));
  progress->report("writing outputs", 1.0);
  out.commit();

  if (a.json) {
    std::cout << report.dump(2) << '\n';
    return 0;
  }
  std::cout << planner::mission_summary(report);
  std::cout << "  wrote " << out.path("routes.gpkg")
            << ", route_profile.csv/.png, route_report.json/.md\n";
  return 0;
}

}  // namespace

void add_route_command(CLI::App& app, Runner& runner) {
  auto a = std::make_shared<RouteArgs>();
  CLI::App* cmd = app.add_subcommand(
      "route", "Patrol routes over the best observation points: sorties or a persistent patrol");
  add_area_options(cmd, a->area);
  add_sensor_options(cmd, a->sensor);
  add_aircraft_options(cmd, a->aircraft);
  cmd->add_option("--base", a->bases,
                  "Base airfield LON,LAT (repeatable: one for all aircraft or one each)")
      ->required();
  cmd->add_option("--runway-heading", a->runway_headings,
                  "Runway axis at each base, compass degrees 0-360, flown either way (repeatable, "
                  "one per --base; default: the axis with the most open climb-out)");
  cmd->add_option("--count", a->count, "Aircraft flying sorties (default 1)");
  cmd->add_flag("--link-mandatory", a->link_mandatory,
                "Keep the datalink along the whole route (outside take-off and landing)");
  cmd->add_option("--points", a->points,
                  "Observation points offered to the router: the best N by coverage (default 30)");
  cmd->add_option("--loiter-min", a->loiter_min,
                  "Minutes circling at each observation point, in whole orbits (default 5; 0: fly "
                  "through)");
  cmd->add_option("--persistent", a->persistent,
                  "A persistent patrol: a cycle through the points flown by N aircraft evenly "
                  "spaced (default 0: sorties)");
  cmd->add_option("--time-limit", a->time_limit,
                  "Cap in seconds on the route optimiser (default 600; its rounds are its work)");
  cmd->add_option("--rounds", a->rounds,
                  "Route optimiser rounds per fleet size: its work, the same routes on any "
                  "machine (default 100)");
  cmd->add_option("--seed", a->seed, "Seed of the optimiser (default 1)");
  cmd->add_option("--threads", a->threads, "Threads (default: all cores)");
  cmd->add_option("--out", a->out, "Output folder")->required();
  cmd->add_flag("--overwrite", a->overwrite, "Replace existing outputs");
  cmd->add_flag("--json", a->json, "Print the report as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->callback([a, &runner] { runner = [a] { return run(*a); }; });
}

}  // namespace vigia::cli
