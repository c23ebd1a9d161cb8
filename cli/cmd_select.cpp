// vigia select DEM --border ... --out DIR: the observation points from which a few
// aircraft see the most of the border corridor, with the proven optimality gap.

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "area_options.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "outputs.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/vector_write.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/mission.hpp"
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
  mc.area = area_inputs(a.area, &mc.aircraft);
  apply_sensor_args(a.sensor, mc);
  mc.link_mandatory = !a.sensor.stations.empty();
  mc.threads = a.threads;
  planner::validate_ground(mc);
  if (a.count < 1 && !(a.budget_min > 0.0)) throw Error("--count: must be at least 1");
  if (a.views < 1) throw Error("--views: must be at least 1");
  if (a.budget_min > 0.0 && !(a.scan_rate > 0.0))
    throw Error("--budget-min needs --scan-rate-km2-min > 0");
  if (!(a.time_limit > 0.0)) throw Error("--time-limit: must be a positive number of seconds");
  const planner::SensorTask& task = mc.task;
  std::vector<std::string> inputs{a.area.dem, a.area.border, a.area.own_territory,
                                  a.sensor.stations};
  inputs.insert(inputs.end(), a.area.no_fly.begin(), a.area.no_fly.end());
  OutputDir out(a.out, a.overwrite, inputs);
  const std::string gpkg = out.stage("selection.gpkg");
  const std::string coverage_tif = out.stage("selection_coverage.tif");
  const std::string report_json = out.stage("selection_report.json");
  const std::string report_md = out.stage("selection_report.md");

  auto progress = make_progress(a.quiet || a.json);
  nlohmann::json report;
  const std::unique_ptr<planner::MissionResult> ground = planner::prepare_ground(mc, *progress);
  for (const auto& w : ground->area.warnings) std::cerr << "vigia: warning: " << w << '\n';
  for (const auto& [stage, s] : ground->seconds) report["stages"][stage + "_seconds"] = s;
  const planner::Area& area = ground->area;
  const terrain::Dem& dem = area.dem;
  const std::vector<planner::Candidate>& candidates = ground->candidates;
  const long long without_room = ground->candidates_without_room;
  const planner::Targets& targets = ground->targets;
  const planner::VisibleSetStats& vst = ground->sets_stats;
  planner::CoverageProblem& problem = ground->sets;
  problem.m = a.views;
  if (a.budget_min > 0.0) {
    // Cost of a point: the minutes to scan what it sees at the given area rate.
    for (int i = 0; i < problem.candidates(); ++i) {
      double area_m2 = 0.0;
      for (auto r = problem.offset[static_cast<std::size_t>(i)];
           r < problem.offset[static_cast<std::size_t>(i) + 1]; ++r)
        for (std::uint32_t id = problem.runs[r].first;
             id < problem.runs[r].first + problem.runs[r].count; ++id)
          area_m2 += targets.area_m2[id];
      problem.cost[static_cast<std::size_t>(i)] = std::max(1.0, area_m2 / 1e6 / a.scan_rate);
    }
  }
  planner::SelectOptions so;
  so.count = a.count;
  so.budget = a.budget_min;
  so.time_limit_s = a.time_limit;
  so.seed = a.seed;
  progress->report("selection", 0.0);
  const planner::Selection sel = planner::select_points(problem, so);
  progress->report("selection", 1.0);
  report["stages"]["selection_seconds"] = sel.seconds;

  // The selection's coverage at full resolution: how many chosen points see each cell.
  auto t = std::chrono::steady_clock::now();
  geo::Raster<std::uint8_t> cover = dem.elevation.like<std::uint8_t>(255, 255.0);
  for (int r = 0; r < dem.rows(); ++r)
    for (int c = 0; c < dem.cols(); ++c)
      if (targets.id(r, c) >= 0) cover(r, c) = 0;
  const terrain::ViewshedOptions vso =
      planner::sensor_viewshed(task, a.sensor.min_grazing, a.sensor.k);
  for (int i : sel.chosen) {
    const planner::Candidate& k = candidates[static_cast<std::size_t>(i)];
    const terrain::Viewshed vs = terrain::compute_viewshed(
        dem, {k.pos, k.altitude_m, terrain::AltitudeReference::AboveSeaLevel}, vso);
    for (int r = 0; r < vs.visible.rows(); ++r)
      for (int c = 0; c < vs.visible.cols(); ++c) {
        std::uint8_t& v = cover(r + vs.window.row, c + vs.window.col);
        if (vs.visible(r, c) == 1 && v != 255 && v < 254) ++v;
      }
  }
  double area_total = 0.0, area_seen = 0.0, w_total = 0.0, w_seen = 0.0;
  for (int r = 0; r < dem.rows(); ++r) {
    const double cell = dem.metric.cell_width(r) * dem.metric.cell_height(r);
    for (int c = 0; c < dem.cols(); ++c) {
      if (cover(r, c) == 255) continue;
      const double w = area.corridor.weight(r, c);
      area_total += cell;
      w_total += w;
      if (cover(r, c) >= a.views) area_seen += cell;
      w_seen += w * std::min<int>(cover(r, c), a.views) / a.views;
    }
  }
  report["stages"]["coverage_seconds"] = seconds_since(t);

  // Outputs.
  geo::RasterWriteOptions wo;
  wo.metadata = geo::provenance(command_line());
  wo.band_description = "chosen points seeing the cell (255 = outside the corridor)";
  geo::write_raster(cover, coverage_tif, wo);
  geo::OutLayer chosen{
      "chosen_points", geo::SpatialRef::wgs84(), {}, "observation points, by rank", ""};
  for (std::size_t r = 0; r < sel.chosen.size(); ++r) {
    const planner::Candidate& k = candidates[static_cast<std::size_t>(sel.chosen[r])];
    double alone = 0.0;
    const auto i = static_cast<std::size_t>(sel.chosen[r]);
    for (auto q = problem.offset[i]; q < problem.offset[i + 1]; ++q)
      for (std::uint32_t id = problem.runs[q].first;
           id < problem.runs[q].first + problem.runs[q].count; ++id)
        alone += problem.weight[id];
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
    double alone = 0.0;
    for (auto q = problem.offset[i]; q < problem.offset[i + 1]; ++q)
      for (std::uint32_t id = problem.runs[q].first;
           id < problem.runs[q].first + problem.runs[q].count; ++id)
        alone += problem.weight[id];
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

  report["inputs"] = {{"dem", a.area.dem},
                      {"border", a.area.border},
                      {"task", task.name},
                      {"sensor_range_m", task.range_m},
                      {"target_height_m", task.target_height_m},
                      {"min_grazing_deg", a.sensor.min_grazing},
                      {"k", a.sensor.k},
                      {"views", a.views},
                      {"aggregate", a.sensor.aggregate},
                      {"spacing_km", a.sensor.spacing_km},
                      {"tiers", a.sensor.tiers},
                      {"count", a.count},
                      {"budget_min", a.budget_min},
                      {"seed", a.seed}};
  report["candidates"] = candidates.size();
  report["candidates_without_room_to_circle"] = without_room;
  report["targets"] = targets.weight.size();
  report["viewsheds"] = vst.viewsheds;
  report["selection"] = {{"points", sel.chosen.size()},
                         {"value", sel.value},
                         {"greedy_value", sel.greedy_value},
                         {"upper_bound", sel.upper_bound},
                         {"gap", sel.gap()},
                         {"swaps", sel.swaps},
                         {"objective_coverage_by_weight", sel.value / problem.total_weight()}};
  report["coverage"] = {{"by_weight", w_total > 0 ? w_seen / w_total : 0.0},
                        {"by_area", area_total > 0 ? area_seen / area_total : 0.0},
                        {"corridor_km2", area_total / 1e6},
                        {"seen_km2", area_seen / 1e6}};
  report["memory"] = {{"visible_sets_mib", vst.bytes / 1048576.0},
                      {"peak_mib", planner::peak_memory_bytes() / 1048576.0}};
  report["total_seconds"] = seconds_since(t_start);
  geo::write_text_file(report_json, report.dump(2) + '\n');
  {
    std::ostringstream md;
    md << "# Observation points\n\n"
       << "- " << sel.chosen.size() << " points chosen among " << candidates.size()
       << " candidates (" << a.sensor.spacing_km << " km lattice, " << a.sensor.tiers
       << " altitude tiers, with room to circle; " << without_room << " left out), task "
       << task.name << " (" << task.range_m / 1000.0 << " km, target "
       << task.target_height_m << " m, grazing ≥ " << a.sensor.min_grazing << "°)\n"
       << "- corridor seen"
       << (a.views > 1 ? " by at least " + std::to_string(a.views) + " points" : "") << ": "
       << fixed(100.0 * area_seen / std::max(area_total, 1.0), 2) << " % by area, "
       << fixed(100.0 * w_seen / std::max(w_total, 1e-12), 2) << " % by weight\n"
       << "- objective " << fixed(sel.value, 1) << " (greedy " << fixed(sel.greedy_value, 1)
       << "), upper bound " << fixed(sel.upper_bound, 1) << ": within "
       << fixed(100.0 * sel.gap(), 2) << " % of the optimum\n"
       << "- run time " << fixed(report["total_seconds"].get<double>(), 1) << " s; visible sets "
       << fixed(vst.bytes / 1048576.0, 1) << " MiB; peak memory "
       << fixed(planner::peak_memory_bytes() / 1048576.0, 0)
       << " MiB\n\n| rank | lon | lat | altitude m AMSL | above ground m | marginal gain "
          "|\n|---:|---:|---:|---:|---:|---:|\n";
    for (std::size_t r = 0; r < sel.chosen.size(); ++r) {
      const planner::Candidate& k = candidates[static_cast<std::size_t>(sel.chosen[r])];
      md << "| " << r + 1 << " | " << fixed(k.lonlat.x, 5) << " | " << fixed(k.lonlat.y, 5) << " | "
         << fixed(k.altitude_m, 0) << " | " << fixed(k.altitude_m - k.ground_m, 0) << " | "
         << fixed(sel.gain[r], 1) << " |\n";
    }
    geo::write_text_file(report_md, md.str());
  }
  out.commit();

  if (a.json) {
    std::cout << report.dump(2) << '\n';
  } else {
    std::cout << sel.chosen.size() << " observation points from "
              << grouped(static_cast<long long>(candidates.size()))
              << " candidates: " << fixed(100.0 * area_seen / std::max(area_total, 1.0), 1)
              << " % of the corridor seen by area, "
              << fixed(100.0 * w_seen / std::max(w_total, 1e-12), 1) << " % by weight\n"
              << "  objective " << fixed(sel.value, 1)
              << " <= optimum <= " << fixed(sel.upper_bound, 1) << " (gap "
              << fixed(100.0 * sel.gap(), 2) << " %), "
              << fixed(report["total_seconds"].get<double>(), 1) << " s\n"
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
