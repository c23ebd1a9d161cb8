// vigia select DEM --border ... --out DIR: the observation points from which a few
// aircraft see the most of the border corridor, with the proven optimality gap.

#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "area_options.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "outputs.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/vector_write.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/mission.hpp"
#include "vigia/planner/point_selection.hpp"
#include "vigia/planner/selection.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::cli {

namespace {

struct SelectArgs {
  AreaArgs area;
  SensorArgs sensor;
  int count = 10;
  double budget_min = 0.0;
  double scan_rate = 0.0;
  int views = 1;
  double time_limit = 60.0;
  unsigned seed = 1;
  int threads = 0;
  std::string out;
  bool overwrite = false;
  bool json = false;
  bool quiet = false;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int run(const SelectArgs& a) {
  const auto t_start = std::chrono::steady_clock::now();
  // The ground is vigia plan's (planner::prepare_ground), so that both offer the same
  // candidates; stations given here make the link mandatory for them.
  planner::MissionConfig mc;
  mc.aircraft = aircraft_of(a.area);
  mc.area = area_inputs(a.area, mc.aircraft);
  apply_sensor_args(a.sensor, mc);
  mc.link_mandatory = !a.sensor.stations.empty();
  mc.threads = a.threads;
  planner::validate_ground(mc);
  planner::PointSelectOptions so;
  so.count = a.count;
  so.budget_min = a.budget_min;
  so.scan_rate_km2_min = a.scan_rate;
  so.views = a.views;
  so.time_limit_s = a.time_limit;
  so.seed = a.seed;
  planner::validate(so);  // before any work
  std::vector<std::string> inputs{a.area.dem, a.area.border, a.area.own_territory,
                                  a.sensor.stations};
  inputs.insert(inputs.end(), a.area.no_fly.begin(), a.area.no_fly.end());
  OutputDir out(a.out, a.overwrite, inputs);
  const std::string gpkg = out.stage("selection.gpkg");
  const std::string coverage_tif = out.stage("selection_coverage.tif");
  const std::string report_json = out.stage("selection_report.json");
  const std::string report_md = out.stage("selection_report.md");

  auto progress = make_progress(a.quiet || a.json);
  terrain::set_thread_count(mc.threads);
  const std::unique_ptr<planner::MissionResult> ground = planner::prepare_ground(mc, *progress);
  for (const auto& w : ground->area.warnings) std::cerr << "vigia: warning: " << w << '\n';
  const planner::PointSelection ps = planner::select_observation_points(*ground, so, *progress);
  const planner::Area& area = ground->area;
  const std::vector<planner::Candidate>& candidates = ground->candidates;
  const planner::CoverageProblem& problem = ground->sets;
  const planner::Selection& sel = ps.selection;

  // Outputs.
  geo::RasterWriteOptions wo;
  wo.metadata = geo::provenance(command_line());
  wo.band_description = "chosen points seeing the cell (255 = outside the corridor)";
  geo::write_raster(ps.cover, coverage_tif, wo);
  geo::OutLayer chosen{
      "chosen_points", geo::SpatialRef::wgs84(), {}, "observation points, by rank", ""};
  for (std::size_t r = 0; r < sel.chosen.size(); ++r) {
    const auto i = static_cast<std::size_t>(sel.chosen[r]);
    const planner::Candidate& k = candidates[i];
    const double alone = ps.covered_weight[i];
    chosen.features.push_back({geo::Point3{k.lonlat.x, k.lonlat.y, k.altitude_m},
                               {{"rank", static_cast<long long>(r + 1)},
                                {"altitude_amsl_m", k.altitude_m},
                                {"agl_m", k.altitude_m - k.ground_m},
                                {"tier", static_cast<long long>(k.tier)},
                                {"marginal_gain", sel.gain[r]},
                                {"covered_weight", alone},
                                {"cost", problem.cost[i]}}});
  }
  geo::OutLayer all{"candidates", geo::SpatialRef::wgs84(), {}, "every candidate point", ""};
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const planner::Candidate& k = candidates[i];
    const double alone = ps.covered_weight[i];
    all.features.push_back({geo::Point3{k.lonlat.x, k.lonlat.y, k.altitude_m},
                            {{"altitude_amsl_m", k.altitude_m},
                             {"tier", static_cast<long long>(k.tier)},
                             {"floor_m", k.floor_m},
                             {"covered_weight", alone}}});
  }
  geo::OutLayer corridor{
      "corridor",
      area.work_crs,
      {{area.corridor.all,
        {{"area_km2", (area.corridor.own_area_m2 + area.corridor.far_area_m2) / 1e6}}}},
      "the corridor",
      ""};
  geo::write_gpkg(gpkg, {chosen, all, corridor});

  const double seconds = seconds_since(t_start);
  const nlohmann::json report = planner::selection_report(*ground, ps, so, seconds);
  geo::write_text_file(report_json, report.dump(2) + '\n');
  geo::write_text_file(report_md, planner::selection_report_md(*ground, ps, so, seconds));
  out.commit();

  if (a.json) {
    std::cout << report.dump(2) << '\n';
  } else {
    std::cout << sel.chosen.size() << " observation points from "
              << grouped(static_cast<long long>(candidates.size()))
              << " candidates: " << fixed(100.0 * ps.area_seen_m2 / std::max(ps.area_total_m2, 1.0), 1)
              << " % of the corridor seen by area, "
              << fixed(100.0 * ps.weight_seen / std::max(ps.weight_total, 1e-12), 1) << " % by weight\n"
              << "  objective " << fixed(sel.value, 1)
              << " <= optimum <= " << fixed(sel.upper_bound, 1) << " (gap "
              << fixed(100.0 * sel.gap(), 2) << " %), "
              << fixed(seconds, 1) << " s\n"
              << "  wrote " << out.path("selection.gpkg")
              << ", selection_coverage.tif, selection_report.json/.md\n";
  }
  return 0;
}

}  // namespace

void add_select_command(CLI::App& app, Runner& runner) {
  auto a = std::make_shared<SelectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "select", "Observation points that see the most of the corridor, with the optimality gap");
  add_area_options(cmd, a->area);
  add_sensor_options(cmd, a->sensor);
  cmd->add_option("--count", a->count, "Points to choose (default 10)");
  cmd->add_option("--budget-min", a->budget_min, "Instead of a count: a budget of loiter minutes");
  cmd->add_option("--scan-rate-km2-min", a->scan_rate,
                  "With --budget-min: km² the sensor scans per minute");
  cmd->add_option("--views", a->views, "Points that must see a target (default 1)");
  cmd->add_option("--time-limit", a->time_limit, "Seconds for the local search (default 60)");
  cmd->add_option("--seed", a->seed, "Seed of the local search's perturbations (default 1)");
  cmd->add_option("--threads", a->threads, "Threads (default: all cores)");
  cmd->add_option("--out", a->out, "Output folder")->required();
  cmd->add_flag("--overwrite", a->overwrite, "Replace existing outputs");
  cmd->add_flag("--json", a->json, "Print the report as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->callback([a, &runner] { runner = [a] { return run(*a); }; });
}

}  // namespace vigia::cli
