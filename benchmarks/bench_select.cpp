// The selection benchmark of the observation-point issue: on the Bolivian DEM with
// the corridor of the Bolivia-Peru border (own side Bolivia), about 10 000 3-D
// candidates at a 20 km sensor range: visible sets, then selection of K = 5, 10, 20
// with the gap to the online upper bound. Writes results/select.{json,md}.
//
//   vigia_bench_select --data ../shared/data --out benchmarks/results

#include <omp.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "bench_common.hpp"
#include "vigia/geo/vector_io.hpp"
#include "vigia/planner/aircraft.hpp"
#include "vigia/planner/area.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/sensor.hpp"
#include "vigia/planner/corridor.hpp"
#include "vigia/planner/selection.hpp"
#include "vigia/terrain/dem_io.hpp"

using namespace vigia;
using nlohmann::json;

int main(int argc, char** argv) {
  CLI::App app{"vigia selection benchmark"};
  std::string data = "../shared/data";
  std::string out = "benchmarks/results";
  double spacing_km = 1.96;  // about 10 000 candidates with 3 tiers
  int tiers = 3;
  app.add_option("--data", data);
  app.add_option("--out", out);
  app.add_option("--spacing-km", spacing_km);
  app.add_option("--tiers", tiers);
  CLI11_PARSE(app, argc, argv);

  const auto t_all = std::chrono::steady_clock::now();
  const terrain::Dem dem = terrain::load_dem({data + "/bolivia_cordillera_real_srtm3_1500.tif"});
  const terrain::DemLocator loc(dem);
  const geo::SpatialRef work =
      terrain::vector_work_crs(dem.crs, loc.to_lonlat({dem.cols() / 2.0, dem.rows() / 2.0}));
  geo::VectorReadOptions bol;
  bol.where = "A3 = 'BOL'";
  planner::OwnSide own;
  own.territory = geo::read_vector(data + "/countries_titicaca_osm.geojson", work, bol).polygons();
  const auto border =
      geo::read_vector(data + "/bolivia_peru_border_osm_titicaca.geojson", work).lines();
  const planner::Aircraft ac = planner::aircraft_preset("mohajer6");
  const auto t0 = std::chrono::steady_clock::now();
  const planner::BorderFrame frame = planner::make_border_frame(dem, work, border, own, 10000.0);
  const planner::Corridor corridor = planner::build_corridor(dem, frame, {});
  planner::AirspaceOptions ao;
  ao.clearance_m = ac.min_clearance_m;
  ao.ceiling_m = ac.ceiling_m;
  const planner::Airspace air = planner::build_airspace(dem, frame, ao);
  const double t_corridor = bench::seconds_since(t0);

  planner::CandidateOptions co;
  co.spacing_m = spacing_km * 1000.0;
  co.tiers = tiers;
  co.clearance_m = ao.clearance_m;
  co.ceiling_m = ao.ceiling_m;
  co.loiter_radius_m = ac.turn_radius_m;
  const auto t1 = std::chrono::steady_clock::now();
  const auto candidates = planner::make_candidates(dem, work, air, nullptr, co);
  const planner::Targets targets = planner::make_targets(dem, corridor.weight, 1);
  const double t_candidates = bench::seconds_since(t1);

  planner::Sensor vo;
  vo.task = {"vehicle at 20 km", 20000.0, 2.5};
  planner::VisibleSetStats vst;
  const planner::CoverageProblem problem =
      planner::visible_sets(dem, candidates, targets, vo, &vst);
  std::cerr << candidates.size() << " candidates, visible sets in " << vst.seconds << " s\n";

  json r;
  r["machine"] = bench::machine();
  r["threads"] = omp_get_max_threads();
  r["dem"] = "bolivia_cordillera_real_srtm3_1500.tif (SRTM 3\", 1500 x 1500)";
  r["border"] = "bolivia_peru_border_osm_titicaca.geojson, own side Bolivia";
  r["corridor"] = {{"own_km2", corridor.own_area_m2 / 1e6},
                   {"far_km2", corridor.far_area_m2 / 1e6},
                   {"target_cells", targets.weight.size()},
                   {"seconds", t_corridor}};
  r["candidates"] = {{"count", candidates.size()},
                     {"spacing_km", spacing_km},
                     {"tiers", tiers},
                     {"seconds", t_candidates}};
  r["visible_sets"] = {{"range_km", 20},
                       {"target_height_m", 2.5},
                       {"min_grazing_deg", 5},
                       {"viewsheds", vst.viewsheds},
                       {"cells_computed", vst.cells_computed},
                       {"seconds", vst.seconds},
                       {"memory_mib", vst.bytes / 1048576.0}};
  r["selections"] = json::array();
  double t_select_total = 0.0;
  for (int k : {5, 10, 20}) {
    planner::SelectOptions so;
    so.count = k;
    so.time_limit_s = 120.0;  // stop on the restart count, so the result is the same on any machine
    const planner::Selection s = planner::select_points(problem, so);
    t_select_total += s.seconds;
    r["selections"].push_back({{"k", k},
                               {"value", s.value},
                               {"greedy_value", s.greedy_value},
                               {"upper_bound", s.upper_bound},
                               {"gap", s.gap()},
                               {"coverage_by_weight", s.value / problem.total_weight()},
                               {"swaps", s.swaps},
                               {"seconds", s.seconds}});
    std::cerr << "K " << k << ": " << s.value / problem.total_weight() << " of the weight, gap "
              << s.gap() << " in " << s.seconds << " s\n";
  }
  const double total = vst.seconds + t_select_total;
  r["visible_sets_plus_selection_seconds"] = total;
  r["whole_run_seconds"] = bench::seconds_since(t_all);
  r["peak_rss_mib"] = static_cast<double>(planner::peak_memory_bytes()) / (1024.0 * 1024.0);
  std::ofstream(out + "/select.json") << r.dump(2) << "\n";

  std::ostringstream md;
  const json& m = r["machine"];
  md << "# Selection benchmark\n\n"
     << "Machine: " << m["cpu"].get<std::string>() << ", " << m["cores"].get<int>() << " cores ("
     << r["threads"].get<int>() << " threads used), vigia " << m["vigia_version"].get<std::string>()
     << " (" << m["git_hash"].get<std::string>() << ").\n\n"
     << "Bolivian DEM (SRTM 3\", 1500 × 1500), corridor of the Bolivia–Peru border (own side "
        "Bolivia: "
     << geo::fixed(corridor.own_area_m2 / 1e6, 0) << " km² + "
     << geo::fixed(corridor.far_area_m2 / 1e6, 0) << " km² across, " << targets.weight.size()
     << " target cells), " << candidates.size() << " candidates (" << spacing_km << " km lattice × "
     << tiers
     << " altitude tiers over the permitted airspace, mohajer6: 300 m clearance, "
        "5 400 m ceiling), sensor range 20 km (slant), target 2.5 m, grazing ≥ 5°, k = 0.13.\n\n"
     << "Visible sets: " << vst.viewsheds << " viewsheds, "
     << geo::fixed(vst.cells_computed / 1e9, 2) << " G cells, " << geo::fixed(vst.seconds, 1)
     << " s, " << geo::fixed(vst.bytes / 1048576.0, 1) << " MiB of runs.\n\n"
     << "| K | coverage by weight | greedy | after local search | upper bound | gap | time "
        "|\n|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const json& s : r["selections"]) {
    md << "| " << s["k"].get<int>() << " | "
       << geo::fixed(100 * s["coverage_by_weight"].get<double>(), 2) << " % | "
       << geo::fixed(s["greedy_value"].get<double>(), 0) << " | "
       << geo::fixed(s["value"].get<double>(), 0) << " | "
       << geo::fixed(s["upper_bound"].get<double>(), 0) << " | "
       << geo::fixed(100 * s["gap"].get<double>(), 2) << " % | "
       << geo::fixed(s["seconds"].get<double>(), 2) << " s |\n";
  }
  md << "\nVisible sets + the three selections: **" << geo::fixed(total, 1)
     << " s** (target ≤ 60 s on 2 cores); peak "
     << "memory of the whole run " << geo::fixed(r["peak_rss_mib"].get<double>(), 0) << " MiB.\n";
  std::ofstream(out + "/select.md") << md.str();
  std::cout << md.str();
  return 0;
}
