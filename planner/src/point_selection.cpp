#include "vigia/planner/point_selection.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/planner/sensor.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::planner {

namespace {

/// The weight candidate i sees alone.
double weight_seen_by(const CoverageProblem& p, std::size_t i) {
  double w = 0.0;
  for (auto q = p.offset[i]; q < p.offset[i + 1]; ++q)
    for (std::uint32_t id = p.runs[q].first; id < p.runs[q].first + p.runs[q].count; ++id)
      w += p.weight[id];
  return w;
}

}  // namespace

void validate(const PointSelectOptions& o) {
  if (o.count < 1 && !(o.budget_min > 0.0)) throw Error("--count: must be at least 1");
  if (o.views < 1) throw Error("--views: must be at least 1");
  if (o.budget_min > 0.0 && !(o.scan_rate_km2_min > 0.0))
    throw Error("--budget-min needs --scan-rate-km2-min > 0");
  if (!(o.time_limit_s > 0.0)) throw Error("--time-limit: must be a positive number of seconds");
}

PointSelection select_observation_points(MissionResult& ground, const PointSelectOptions& o,
                                         const Progress& progress) {
  validate(o);
  const terrain::Dem& dem = ground.area.dem;
  const Targets& targets = ground.targets;
  CoverageProblem& problem = ground.sets;
  problem.m = o.views;
  if (o.budget_min > 0.0) {
    // Cost of a point: the minutes to scan what it sees at the given area rate.
    for (int i = 0; i < problem.candidates(); ++i) {
      double area_m2 = 0.0;
      for (auto r = problem.offset[static_cast<std::size_t>(i)];
           r < problem.offset[static_cast<std::size_t>(i) + 1]; ++r)
        for (std::uint32_t id = problem.runs[r].first;
             id < problem.runs[r].first + problem.runs[r].count; ++id)
          area_m2 += targets.area_m2[id];
      problem.cost[static_cast<std::size_t>(i)] =
          std::max(1.0, area_m2 / 1e6 / o.scan_rate_km2_min);
    }
  }
  SelectOptions so;
  so.count = o.count;
  so.budget = o.budget_min;
  so.time_limit_s = o.time_limit_s;
  so.seed = o.seed;
  PointSelection out;
  progress.report("selection", 0.0);
  out.selection = select_points(problem, so);
  progress.report("selection", 1.0);

  // The selection's coverage at full resolution: how many chosen points see each cell.
  const auto t0 = std::chrono::steady_clock::now();
  out.cover = dem.elevation.like<std::uint8_t>(255, 255.0);
  for (int r = 0; r < dem.rows(); ++r)
    for (int c = 0; c < dem.cols(); ++c)
      if (targets.id(r, c) >= 0) out.cover(r, c) = 0;
  const terrain::ViewshedOptions vo = ground.config.sensor.viewshed_options();
  for (int i : out.selection.chosen) {
    const Candidate& k = ground.candidates[static_cast<std::size_t>(i)];
    const terrain::Viewshed vs = terrain::compute_viewshed(
        dem, {k.pos, k.altitude_m, terrain::AltitudeReference::AboveSeaLevel}, vo);
    for (int r = 0; r < vs.visible.rows(); ++r)
      for (int c = 0; c < vs.visible.cols(); ++c) {
        std::uint8_t& v = out.cover(r + vs.window.row, c + vs.window.col);
        if (vs.visible(r, c) == 1 && v != 255 && v < 254) ++v;
      }
  }
  for (int r = 0; r < dem.rows(); ++r) {
    const double cell = dem.metric.cell_width(r) * dem.metric.cell_height(r);
    for (int c = 0; c < dem.cols(); ++c) {
      if (out.cover(r, c) == 255) continue;
      const double w = ground.area.corridor.weight(r, c);
      out.area_total_m2 += cell;
      out.weight_total += w;
      if (out.cover(r, c) >= o.views) out.area_seen_m2 += cell;
      out.weight_seen += w * std::min<int>(out.cover(r, c), o.views) / o.views;
    }
  }
  out.coverage_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.covered_weight.resize(ground.candidates.size());
  for (std::size_t i = 0; i < ground.candidates.size(); ++i)
    out.covered_weight[i] = weight_seen_by(problem, i);
  return out;
}

nlohmann::json selection_report(const MissionResult& ground, const PointSelection& s,
                                const PointSelectOptions& o, double seconds) {
  const MissionConfig& c = ground.config;
  const Selection& sel = s.selection;
  std::string dems;
  for (const auto& d : c.area.dem) dems += (dems.empty() ? "" : ", ") + d;
  nlohmann::json report;
  for (const auto& [stage, t] : ground.seconds) report["stages"][stage + "_seconds"] = t;
  report["stages"]["selection_seconds"] = sel.seconds;
  report["stages"]["coverage_seconds"] = s.coverage_seconds;
  report["inputs"] = {{"dem", dems},
                      {"border", c.area.border},
                      {"task", c.sensor.task.name},
                      {"sensor_range_m", c.sensor.task.range_m},
                      {"target_height_m", c.sensor.task.target_height_m},
                      {"min_grazing_deg", c.sensor.min_grazing_deg},
                      {"k", c.sensor.refraction_k},
                      {"views", o.views},
                      {"aggregate", c.aggregate},
                      {"spacing_km", c.spacing_m / 1000.0},
                      {"tiers", c.tiers},
                      {"count", o.count},
                      {"budget_min", o.budget_min},
                      {"seed", o.seed}};
  report["candidates"] = ground.candidates.size();
  report["candidates_without_room_to_circle"] = ground.candidates_without_room;
  report["targets"] = ground.targets.weight.size();
  report["viewsheds"] = ground.sets_stats.viewsheds;
  report["selection"] = {{"points", sel.chosen.size()},
                         {"value", sel.value},
                         {"greedy_value", sel.greedy_value},
                         {"upper_bound", sel.upper_bound},
                         {"gap", sel.gap()},
                         {"swaps", sel.swaps},
                         {"objective_coverage_by_weight", sel.value / ground.sets.total_weight()}};
  report["coverage"] = {{"by_weight", s.by_weight()},
                        {"by_area", s.by_area()},
                        {"corridor_km2", s.area_total_m2 / 1e6},
                        {"seen_km2", s.area_seen_m2 / 1e6}};
  report["memory"] = {{"visible_sets_mib", ground.sets_stats.bytes / 1048576.0},
                      {"peak_mib", peak_memory_bytes() / 1048576.0}};
  report["total_seconds"] = seconds;
  return report;
}

std::string selection_report_md(const MissionResult& ground, const PointSelection& s,
                                const PointSelectOptions& o, double seconds) {
  using geo::fixed;
  const MissionConfig& c = ground.config;
  const SensorTask& task = c.sensor.task;
  const Selection& sel = s.selection;
  std::ostringstream md;
  md << "# Observation points\n\n"
     << "- " << sel.chosen.size() << " points chosen among " << ground.candidates.size()
     << " candidates (" << c.spacing_m / 1000.0 << " km lattice, " << c.tiers
     << " altitude tiers, with room to circle; " << ground.candidates_without_room
     << " left out), task " << task.name << " (" << task.range_m / 1000.0 << " km, target "
     << task.target_height_m << " m, grazing ≥ " << c.sensor.min_grazing_deg << "°)\n"
     << "- corridor seen" << (o.views > 1 ? " by at least " + std::to_string(o.views) + " points" : "")
     << ": " << fixed(100.0 * s.area_seen_m2 / std::max(s.area_total_m2, 1.0), 2)
     << " % by area, " << fixed(100.0 * s.weight_seen / std::max(s.weight_total, 1e-12), 2)
     << " % by weight\n"
     << "- objective " << fixed(sel.value, 1) << " (greedy " << fixed(sel.greedy_value, 1)
     << "), upper bound " << fixed(sel.upper_bound, 1) << ": within "
     << fixed(100.0 * sel.gap(), 2) << " % of the optimum\n"
     << "- run time " << fixed(seconds, 1) << " s; visible sets "
     << fixed(ground.sets_stats.bytes / 1048576.0, 1) << " MiB; peak memory "
     << fixed(peak_memory_bytes() / 1048576.0, 0)
     << " MiB\n\n| rank | lon | lat | altitude m AMSL | above ground m | marginal gain "
        "|\n|---:|---:|---:|---:|---:|---:|\n";
  for (std::size_t r = 0; r < sel.chosen.size(); ++r) {
    const Candidate& k = ground.candidates[static_cast<std::size_t>(sel.chosen[r])];
    md << "| " << r + 1 << " | " << fixed(k.lonlat.x, 5) << " | " << fixed(k.lonlat.y, 5) << " | "
       << fixed(k.altitude_m, 0) << " | " << fixed(k.altitude_m - k.ground_m, 0) << " | "
       << fixed(sel.gain[r], 1) << " |\n";
  }
  return md.str();
}

}  // namespace vigia::planner
