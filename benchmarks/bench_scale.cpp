// Border-scale benchmarks: the real Bolivia-Argentina border line laid over a seeded
// synthetic DEM of its whole extent (Altiplano in the west falling through the
// Cordillera Oriental and the Subandean ridges to the Chaco plain in the east; the
// real tiles are not available offline, so the terrain is SYNTHETIC), planned end
// to end with `vigia plan`'s pipeline; kernel throughput, thread scaling, and how
// time and memory grow with corridor length, resolution, candidates and aircraft.
//
//   vigia_bench_scale --data ../shared/data --work /tmp/vigia-bench --out benchmarks/results
//
// Every planning run happens in a child process (this program re-run with --one), so
// each run's peak memory is its own. Writes results/scale.{json,md} and PNG plots.

#include <omp.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <thread>

#include "bench_border.hpp"
#include "bench_common.hpp"
#include "vigia/geo/geometry_ops.hpp"
#include "vigia/geo/plot.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/vector_io.hpp"
#include "vigia/planner/area.hpp"
#include "vigia/planner/mission.hpp"
#include "vigia/planner/package.hpp"
#include "vigia/terrain/coverage.hpp"
#include "vigia/terrain/dem_io.hpp"
#include "vigia/terrain/synthetic.hpp"
#include "vigia/terrain/viewshed.hpp"

using namespace vigia;
using nlohmann::json;
namespace fs = std::filesystem;

using bench::border_part;
using bench::border_terrain;
using bench::kUtm20S;
using bench::make_dem;

namespace {

// ---- one planning run (child process) ------------------------------------------------

int run_one(const json& cfg) {
  planner::MissionConfig c;
  c.area.dem = {cfg["dem"].get<std::string>()};
  c.area.border = cfg["border"].get<std::string>();
  c.area.own_territory = cfg["own"].get<std::string>();
  c.area.own_where = "A3 = 'BOL'";
  c.aircraft = planner::aircraft_preset("mohajer6");
  c.area.airspace.clearance_m = c.aircraft.min_clearance_m;
  c.area.airspace.ceiling_m = c.aircraft.ceiling_m;
  c.bases = {{cfg["base_lon"].get<double>(), cfg["base_lat"].get<double>()}};
  c.aircraft_count = cfg["aircraft"].get<int>();
  c.sensor.task = planner::sensor_task(cfg["task"].get<std::string>());
  c.spacing_m = cfg["spacing_km"].get<double>() * 1000.0;
  c.tiers = cfg["tiers"].get<int>();
  c.aggregate = cfg["aggregate"].get<int>();
  c.points = cfg["points"].get<int>();
  c.loiter_s = 180.0;
  c.route_time_limit_s = cfg["time_limit"].get<double>();
  c.threads = cfg["threads"].get<int>();
  const auto t0 = std::chrono::steady_clock::now();
  const auto m = planner::run_mission(c);
  // The package `vigia plan` writes (COGs, GeoPackage, QGIS project, KML/KMZ, GCS
  // plans, report, quick-look) is part of the plan's time.
  const auto t_pkg = std::chrono::steady_clock::now();
  const std::string pkg = cfg["package_dir"].get<std::string>();
  fs::remove_all(pkg);
  fs::create_directories(pkg);
  planner::write_package(*m, {cfg["label"].get<std::string>(), "", "", "vigia_bench_scale"}, pkg);
  const double package_s = bench::seconds_since(t_pkg);
  fs::remove_all(pkg);
  json r;
  r["seconds_total"] = bench::seconds_since(t0);
  for (const auto& [k, v] : m->seconds) r["seconds"][k] = v;
  r["seconds"]["package"] = package_s;
  if (cfg.value("visible_set_scaling", false)) {
    // The visible-set stage itself at 1, 2, 4, ... threads: the same candidates
    // (every k-th, about 600) and targets as the plan, so the windows and the work
    // per viewshed are the real ones.
    std::vector<planner::Candidate> some;
    const std::size_t step = std::max<std::size_t>(1, m->candidates.size() / 600);
    for (std::size_t i = 0; i < m->candidates.size(); i += step) some.push_back(m->candidates[i]);
    const planner::Sensor& vo = c.sensor;
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    std::vector<int> counts;
    for (int t = 1; t <= cores; t *= 2) counts.push_back(t);
    if (counts.back() != cores) counts.push_back(cores);
    json runs = json::array();
    double base = 0.0;
    for (int t : counts) {
      terrain::set_thread_count(t);
      planner::VisibleSetStats st;
      const double sec =
          bench::best_of(2, [&] { planner::visible_sets(m->area.dem, some, m->targets, vo, &st); });
      const double rate = static_cast<double>(st.cells_computed) / sec;
      if (t == 1) base = rate;
      runs.push_back({{"threads", t},
                      {"seconds", sec},
                      {"mcells_per_s", rate / 1e6},
                      {"speedup", rate / base},
                      {"efficiency", rate / base / t}});
    }
    terrain::set_thread_count(0);
    r["visible_set_scaling"] = {{"candidates", some.size()}, {"runs", runs}};
  }
  r["peak_rss_mib"] = static_cast<double>(planner::peak_memory_bytes()) / (1024.0 * 1024.0);
  r["dem_cells"] = static_cast<long long>(m->area.dem.cols()) * m->area.dem.rows();
  r["candidates"] = m->candidates.size();
  r["targets"] = m->targets.weight.size();
  r["corridor_cells"] = m->area.corridor.cells;
  r["border_km"] = m->area.frame.border_length_m / 1000.0;
  const auto* p = m->sorties();
  r["coverage_by_weight"] =
      p && m->targets.total_weight() > 0 ? p->coverage.weight / m->targets.total_weight() : 0.0;
  r["flight_hours"] = p ? p->flight_hours : 0.0;
  r["km_flown"] = p ? p->km_flown : 0.0;
  r["viewsheds_along_paths"] = 0;
  long long vs = 0;
  for (const auto& f : m->fleet) vs += f.coverage.viewsheds;
  r["viewsheds_along_paths"] = vs;
  std::cout << r.dump() << '\n';
  return 0;
}

json spawn(const std::string& self, json cfg, const std::string& work) {
  cfg["package_dir"] = work + "/package";
  const std::string cfg_path = work + "/run.json";
  std::ofstream(cfg_path) << cfg.dump();
  const std::string out_path = work + "/run.out";
  const int rc = bench::run("'" + self + "' --one '" + cfg_path + "' > '" + out_path + "'");
  if (rc != 0) throw std::runtime_error("child run failed: " + cfg.dump());
  std::ifstream in(out_path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  json r = json::parse(last);
  r["config"] = cfg;
  std::cerr << "scale: " << cfg["label"].get<std::string>() << ": "
            << geo::fixed(r["seconds_total"], 1) << " s, " << geo::fixed(r["peak_rss_mib"], 0)
            << " MiB\n";
  return r;
}

/// Least-squares slope of log(y) against log(x): the growth exponent.
double growth(const std::vector<double>& x, const std::vector<double>& y) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double lx = std::log(x[i]), ly = std::log(std::max(y[i], 1e-9));
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
  }
  const double d = n * sxx - sx * sx;
  return d != 0 ? (n * sxy - sx * sy) / d : NAN;
}

/// Runs every measurement: planning runs per axis (each in a child process), the
/// kernels, thread scaling and the gdal_viewshed peer.
json measure(const std::string& data, const std::string& work, bool quick, double time_limit) {
  fs::create_directories(work);
  const std::string self = fs::canonical("/proc/self/exe").string();
  const auto border = bench::read_border(data);
  const std::string own = data + "/countries_border_region_osm.geojson";
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  json results;
  results["quick"] = quick;
  results["route_time_limit_s"] = time_limit;
  results["machine"] = bench::machine();
  results["terrain"] =
      "SYNTHETIC: seeded fractal relief over a west-east profile (Altiplano 3 900 m, "
      "Cordillera Oriental, Subandean ridges, Chaco 300 m), UTM 20S; the border line is "
      "the real OSM Bolivia-Argentina border";

  const auto config = [&](const std::string& label, const std::string& dem,
                          const std::string& bfile, geo::Point2 base, double spacing, int aircraft,
                          int points) {
    return json{{"label", label},           {"dem", dem},
                {"border", bfile},          {"own", own},
                {"base_lon", base.x},       {"base_lat", base.y},
                {"aircraft", aircraft},     {"task", "vehicle-detect"},
                {"spacing_km", spacing},    {"tiers", 2},
                {"aggregate", 3},           {"points", points},
                {"time_limit", time_limit}, {"threads", 0}};
  };

  // ---- growth with corridor length (90 m) -------------------------------------------
  std::vector<double> fractions =
      quick ? std::vector<double>{0.5, 1.0} : std::vector<double>{0.25, 0.5, 1.0};
  json length_runs = json::array();
  std::vector<double> lx, ly, lm;
  for (double f : fractions) {
    const auto [bfile, part] = bench::write_border_part(work, border, f);
    const auto [dem, size] = make_dem(work, part, 90.0, "90m_" + geo::fixed(f, 2));
    auto r = spawn(self,
                   config("length " + geo::fixed(f, 2) + ", 90 m", dem, bfile, bench::level_base(part), 3.0,
                          2, quick ? 12 : 30),
                   work);
    r["dem_size"] = {size.first, size.second};
    lx.push_back(r["border_km"]);
    ly.push_back(r["seconds_total"]);
    lm.push_back(r["peak_rss_mib"]);
    length_runs.push_back(r);
  }
  results["by_corridor_length"] = {{"runs", length_runs},
                                   {"time_exponent", growth(lx, ly)},
                                   {"memory_exponent", growth(lx, lm)}};
  const auto [full_border, full_part] = bench::write_border_part(work, border, 1.0);
  const geo::Point2 full_base = bench::level_base(full_part);
  const std::string dem90 = make_dem(work, full_part, 90.0, "90m_1.00").first;

  // ---- growth with candidates (90 m, whole border) -------------------------------------
  json cand_runs = json::array();
  std::vector<double> cx, cy;
  for (double spacing :
       quick ? std::vector<double>{4.0, 3.0} : std::vector<double>{4.0, 3.0, 2.0}) {
    auto r = spawn(self,
                   config("spacing " + geo::fixed(spacing, 1) + " km, 90 m", dem90, full_border,
                          full_base, spacing, 2, quick ? 12 : 30),
                   work);
    cx.push_back(r["candidates"]);
    cy.push_back(r["seconds"]["visible_sets"]);
    cand_runs.push_back(r);
  }
  results["by_candidates"] = {{"runs", cand_runs}, {"visible_sets_exponent", growth(cx, cy)}};

  // ---- growth with aircraft (90 m, whole border) ----------------------------------------
  json air_runs = json::array();
  std::vector<double> ax, ay;
  for (int k : quick ? std::vector<int>{1, 2} : std::vector<int>{1, 2, 3, 4}) {
    json cfg = config(std::to_string(k) + " aircraft, 90 m", dem90, full_border, full_base, 3.0, k,
                      quick ? 12 : 30);
    if (quick && k == 2) cfg["visible_set_scaling"] = true;  // else on the 30 m run
    auto r = spawn(self, cfg, work);
    if (r.contains("visible_set_scaling"))
      results["visible_set_scaling"] = r["visible_set_scaling"];
    ax.push_back(k);
    ay.push_back(r["seconds"]["routes"]);
    air_runs.push_back(r);
  }
  results["by_aircraft"] = {{"runs", air_runs}, {"routes_exponent", growth(ax, ay)}};

  // ---- resolution: the whole border at 30 m -----------------------------------------------
  std::string dem30;
  if (!quick) {
    dem30 = make_dem(work, full_part, 30.0, "30m_1.00").first;
    json res_runs = json::array();
    res_runs.push_back(air_runs.size() > 1 ? air_runs[1] : air_runs[0]);  // 90 m, 2 aircraft
    for (int k : {2, 4}) {
      json cfg = config("whole border, 30 m, " + std::to_string(k) + " aircraft", dem30,
                        full_border, full_base, 3.0, k, 30);
      if (k == 2) cfg["visible_set_scaling"] = true;
      auto r = spawn(self, cfg, work);
      if (r.contains("visible_set_scaling")) {
        results["visible_set_scaling"] = r["visible_set_scaling"];
        results["visible_set_scaling"]["run"] = cfg["label"];
      }
      res_runs.push_back(r);
    }
    results["by_resolution"] = {
        {"runs", res_runs},
        {"time_exponent_vs_cells",
         growth({res_runs[0]["dem_cells"], res_runs[1]["dem_cells"]},
                {res_runs[0]["seconds_total"], res_runs[1]["seconds_total"]})}};
  }

  // ---- kernels: viewshed throughput, and thread scaling --------------------------------------
  const terrain::Dem kdem = terrain::load_dem({quick ? dem90 : dem30});
  json kernels = json::array();
  // In the Subandean ridges (x about 410 km): relief without ground above 5 000 m.
  const terrain::GridPoint centre{kdem.cols() * 0.72, kdem.rows() * 0.4};
  for (double range_km : {5.0, 10.0, 20.0, 40.0}) {
    for (const auto& [label, alt, ref] :
         std::vector<std::tuple<std::string, double, terrain::AltitudeReference>>{
             {"150 m AGL", 150.0, terrain::AltitudeReference::AboveGround},
             {"1500 m AGL", 1500.0, terrain::AltitudeReference::AboveGround},
             {"5000 m AMSL", 5000.0, terrain::AltitudeReference::AboveSeaLevel}}) {
      terrain::ViewshedOptions o;
      o.limits.max_distance_m = range_km * 1000.0;
      terrain::set_thread_count(1);
      long long cells = 0;
      const double s = bench::best_of(3, [&] {
        const auto v = terrain::compute_viewshed(kdem, {centre, alt, ref}, o);
        cells = v.stats.cells_in_range;  // not the window's corners beyond the range
      });
      kernels.push_back({{"range_km", range_km},
                         {"observer", label},
                         {"cells", cells},
                         {"seconds", s},
                         {"mcells_per_s_per_thread", cells / s / 1e6}});
    }
  }
  results["viewshed_kernel"] = kernels;
  // Thread scaling: many observers (coverage) and, as in visible sets, one viewshed each.
  json scaling = json::array();
  std::vector<terrain::Observer> observers;
  for (int i = 0; i < 64; ++i)
    observers.push_back(
        {{kdem.cols() * (0.1 + 0.8 * (i % 16) / 15.0), kdem.rows() * (0.3 + 0.1 * (i / 16))},
         1500.0,
         terrain::AltitudeReference::AboveGround});
  double base_rate = 0.0;
  std::vector<int> thread_counts;
  for (int t = 1; t <= cores; t *= 2) thread_counts.push_back(t);
  if (thread_counts.back() != cores) thread_counts.push_back(cores);
  for (int t : thread_counts) {
    terrain::CoverageOptions co;
    co.viewshed.limits.max_distance_m = 20000.0;
    terrain::set_thread_count(t);
    long long cells = 0;
    const double s = bench::best_of(
        2, [&] { cells = terrain::compute_coverage(kdem, observers, co).stats.cells_computed; });
    const double rate = cells / s;
    if (t == 1) base_rate = rate;
    scaling.push_back({{"threads", t},
                       {"seconds", s},
                       {"mcells_per_s", rate / 1e6},
                       {"speedup", rate / base_rate},
                       {"efficiency", rate / base_rate / t}});
  }
  results["thread_scaling"] = {
      {"stage",
       "64 observers 1 500 m above ground along the border, 20 km range (coverage; "
       "the visible-set stage runs the same kernel per candidate)"},
      {"runs", scaling}};

  // ---- peer: gdal_viewshed on the same synthetic terrain --------------------------------------
  {
    const std::string win = work + "/peer_window.tif";
    const int half = static_cast<int>(20000.0 / kdem.metric.cell_width(0)) + 2;
    const geo::Window w{static_cast<int>(centre.col) - half, static_cast<int>(centre.row) - half,
                        2 * half + 1, 2 * half + 1};
    const terrain::Dem crop = kdem.crop(w);
    geo::RasterWriteOptions o;
    o.compress = "NONE";
    geo::write_raster(crop.elevation, win, o);
    const auto ctr = crop.to_crs({half + 0.0, half + 0.0});
    const std::string gdal_cmd =
        "rm -f '" + work + "/peer_gdal.tif'; gdal_viewshed -q -oz 150 -md 20000 -cc 0.87 -ox " +
        geo::fixed(ctr.x, 3) + " -oy " + geo::fixed(ctr.y, 3) + " '" + win + "' '" + work +
        "/peer_gdal.tif' >/dev/null 2>&1";
    const std::string vigia_bin =
        (fs::path(self).parent_path().parent_path() / "cli/vigia").string();
    const auto ll = geo::Transformer(crop.crs, geo::SpatialRef::wgs84())(ctr);
    const std::string vigia_cmd =
        "rm -f '" + work + "/peer_vigia.tif'; '" + vigia_bin + "' viewshed '" + win + "' '" + work +
        "/peer_vigia.tif' --observer=" + geo::fixed(ll.x, 7) + "," + geo::fixed(ll.y, 7) +
        " --altitude 150 --max-distance 20000 --threads 1 -q >/dev/null 2>&1";
    const double g = bench::best_of(3, [&] { bench::run_ok(gdal_cmd); });
    const double v = bench::best_of(3, [&] { bench::run_ok(vigia_cmd); });
    results["peer_gdal_viewshed"] = {
        {"input", "window of the synthetic DEM, observer 150 m AGL, 20 km range, one thread each"},
        {"gdal_viewshed_s", g},
        {"vigia_viewshed_s", v},
        {"gdal_over_vigia", g / v}};
  }

  return results;
}

/// National scale from the measured stages: an estimate, never a measurement.
void national_estimate(json& results) {
  if (!results.contains("by_resolution") || !results.contains("visible_set_scaling")) return;
  // The model, from the whole-border 30 m run (L0 km, this host's threads):
  //  - per-cell stages (area, visible sets, flight space, package) grow with the cells:
  //    with the segment's length and with (30 / resolution)²;
  //  - the selection grows with the candidates as measured (candidates axis);
  //  - one route plan per segment, the same time as measured (the optimiser's limit);
  //  - peak memory grows with length and resolution by the measured exponents; a
  //    segment is as long as fits 16 GiB (at most L0);
  //  - on 16 cores the per-cell stages run at 70 % efficiency (the target: this host
  //    measures only up to its own cores).
  const json& r90 = results["by_resolution"]["runs"][0];
  const json& run = results["by_resolution"]["runs"][1];  // 30 m, 2 aircraft
  const json& st = run["seconds"];
  std::vector<double> nx, ny;
  for (const auto& r : results["by_candidates"]["runs"]) {
    nx.push_back(r["candidates"]);
    ny.push_back(r["seconds"]["selection"]);
  }
  const double sel_exp = growth(nx, ny);
  const double mem_len_exp = results["by_corridor_length"]["memory_exponent"];
  const double mem_cell_exp =
      growth({r90["dem_cells"], run["dem_cells"]}, {r90["peak_rss_mib"], run["peak_rss_mib"]});
  const double threads = results["visible_set_scaling"]["runs"].back()["threads"];
  const double eff16 = 0.70;
  const double length_km = 7000.0;  // all of Bolivia's land borders, about
  const double l0 = run["border_km"];
  const double par = st["area"].get<double>() + st["visible_sets"].get<double>() +
                     st["flight_space"].get<double>() + st.value("package", 0.0);
  const double sel = st["selection"], routes = st["routes"];
  const double mem0_gib = run["peak_rss_mib"].get<double>() / 1024.0;
  json rows = json::array();
  for (double res : {30.0, 10.0}) {
    const double r = (30.0 / res) * (30.0 / res);
    const double mem_full = mem0_gib * std::pow(r, mem_cell_exp);
    const double seg_km = std::min(l0, l0 * std::pow(16.0 / mem_full, 1.0 / mem_len_exp));
    const double q = seg_km / l0;
    const double n = std::ceil(length_km / seg_km);
    const double p = par * r * q, s = sel * std::pow(q, sel_exp);
    rows.push_back(
        {{"resolution_m", res},
         {"segment_km", seg_km},
         {"segments", n},
         {"peak_gib_per_segment", mem_full * std::pow(q, mem_len_exp)},
         {"this_host_h", n * (p + s + routes) / 3600.0},
         {"core_hours", n * (p * threads + s + routes) / 3600.0},
         {"per_segment_on_16_cores_min", (p * threads / (16.0 * eff16) + s + routes) / 60.0}});
  }
  results["national_estimate"] = {{"border_km", length_km},
                                  {"selection_exponent", sel_exp},
                                  {"memory_exponent_length", mem_len_exp},
                                  {"memory_exponent_cells", mem_cell_exp},
                                  {"efficiency_assumed_16_cores", eff16},
                                  {"rows", rows}};
}

/// scale.md and scale.png from the results.
void write_report(const json& results, const std::string& out) {
  const double time_limit = results["route_time_limit_s"];
  const bool quick = results["quick"];
  const int cores = results["machine"]["cores"];
  // ---- Markdown and plots --------------------------------------------------------------
  std::ostringstream md;
  const auto& mach = results["machine"];
  md << "# Border-scale benchmarks\n\nMachine: " << mach["cpu"].get<std::string>() << ", "
     << mach["cores"] << " cores, " << geo::fixed(mach["memory_gib"], 0) << " GiB; vigia "
     << mach["vigia_version"].get<std::string>() << " (" << mach["git_hash"].get<std::string>()
     << ").\n\n**Terrain: " << results["terrain"].get<std::string>()
     << ".** Task vehicle-detect (21 km), 2 tiers, targets in 3 × 3 blocks, route optimiser "
     << time_limit << " s, best 30 points offered.\n\n";
  const auto stage_row = [&](const json& r) {
    const auto& s = r["seconds"];
    const auto get = [&](const char* k) {
      return s.contains(k) ? geo::fixed(s[k], 1) : std::string("-");
    };
    md << "| " << r["config"]["label"].get<std::string>() << " | " << geo::fixed(r["border_km"], 0)
       << " | " << geo::fixed(r["dem_cells"].get<double>() / 1e6, 1) << " | " << r["candidates"]
       << " | " << get("area") << " | " << get("visible_sets") << " | " << get("selection") << " | "
       << get("flight_space") << " | " << get("routes") << " | " << get("package") << " | "
       << geo::fixed(r["seconds_total"], 1) << " | " << geo::fixed(r["peak_rss_mib"], 0) << " | "
       << geo::fixed(100.0 * r["coverage_by_weight"].get<double>(), 1) << " % |\n";
  };
  const auto table = [&](const std::string& title, const json& runs) {
    md << "### " << title
       << "\n\n| run | border km | DEM Mcells | candidates | area s | "
          "visible sets s | selection s | flight space s | routes s | package s | total s | "
          "peak MiB | coverage "
          "|\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : runs) stage_row(r);
    md << '\n';
  };
  if (results.contains("by_resolution")) {
    table("The whole border at 30 m", results["by_resolution"]["runs"]);
    md << "Time grows with the DEM's cells with exponent "
       << geo::fixed(results["by_resolution"]["time_exponent_vs_cells"], 2)
       << " (90 m → 30 m; total time, of which the route optimiser's fixed time limit is a "
          "large part).\n\n";
  }
  table("Corridor length (90 m)", results["by_corridor_length"]["runs"]);
  md << "Fitted growth with border length: time ∝ L^"
     << geo::fixed(results["by_corridor_length"]["time_exponent"], 2) << ", memory ∝ L^"
     << geo::fixed(results["by_corridor_length"]["memory_exponent"], 2)
     << " (total time: most of it is the route optimiser's fixed time limit; the stages "
        "that do grow are in the columns).\n\n";
  table("Candidates (90 m, whole border)", results["by_candidates"]["runs"]);
  md << "Visible sets ∝ candidates^"
     << geo::fixed(results["by_candidates"]["visible_sets_exponent"], 2) << ".\n\n";
  table("Aircraft (90 m, whole border)", results["by_aircraft"]["runs"]);
  md << "Routes ∝ aircraft^" << geo::fixed(results["by_aircraft"]["routes_exponent"], 2)
     << " (plans for 1..N aircraft are made in turn, each measured along its paths).\n\n";
  md << "### Viewshed kernel, one thread (" << (quick ? "90" : "30") << " m synthetic DEM)\n\n"
     << "| range km | observer | cells in range | ms | Mcells/s/thread "
        "|\n|---:|---|---:|---:|---:|\n";
  for (const auto& k : results["viewshed_kernel"])
    md << "| " << geo::fixed(k["range_km"], 0) << " | " << k["observer"].get<std::string>() << " | "
       << k["cells"] << " | " << geo::fixed(1000.0 * k["seconds"].get<double>(), 1) << " | "
       << geo::fixed(k["mcells_per_s_per_thread"], 1) << " |\n";
  md << "\n### Thread scaling: " << results["thread_scaling"]["stage"].get<std::string>()
     << "\n\n| threads | s | Mcells/s | speedup | efficiency |\n|---:|---:|---:|---:|---:|\n";
  for (const auto& s : results["thread_scaling"]["runs"])
    md << "| " << s["threads"] << " | " << geo::fixed(s["seconds"], 2) << " | "
       << geo::fixed(s["mcells_per_s"], 1) << " | " << geo::fixed(s["speedup"], 2) << " | "
       << geo::fixed(100.0 * s["efficiency"].get<double>(), 0) << " % |\n";
  if (results.contains("visible_set_scaling")) {
    const auto& vs = results["visible_set_scaling"];
    md << "\n### Thread scaling: the visible-set stage (" << vs["candidates"]
       << " of the plan's candidates, its targets, " << vs.value("run", std::string("90 m"))
       << ")\n\n| threads | s | Mcells/s | speedup | efficiency |\n|---:|---:|---:|---:|---:|\n";
    for (const auto& s : vs["runs"])
      md << "| " << s["threads"] << " | " << geo::fixed(s["seconds"], 2) << " | "
         << geo::fixed(s["mcells_per_s"], 1) << " | " << geo::fixed(s["speedup"], 2) << " | "
         << geo::fixed(100.0 * s["efficiency"].get<double>(), 0) << " % |\n";
  }
  const auto& peer = results["peer_gdal_viewshed"];
  md << "\n### Peer: gdal_viewshed, same run, same input\n\n"
     << peer["input"].get<std::string>() << ", whole commands: gdal_viewshed "
     << geo::fixed(peer["gdal_viewshed_s"], 3) << " s, `vigia viewshed` "
     << geo::fixed(peer["vigia_viewshed_s"], 3)
     << " s (gdal / vigia = " << geo::fixed(peer["gdal_over_vigia"], 2) << ").\n";
  if (results.contains("national_estimate")) {
    const auto& ne = results["national_estimate"];
    md << "\n### National scale: an estimate, not a measurement (docs/distributed.md)\n\n"
       << geo::fixed(ne["border_km"], 0)
       << " km of borders in segments like the whole-border 30 m run, as long as fits "
          "16 GiB: per-cell stages × cells, selection ∝ candidates^"
       << geo::fixed(ne["selection_exponent"], 2) << ", peak memory ∝ length^"
       << geo::fixed(ne["memory_exponent_length"], 2) << " × cells^"
       << geo::fixed(ne["memory_exponent_cells"], 2)
       << ", one route plan per segment; 16-core nodes at "
       << geo::fixed(100.0 * ne["efficiency_assumed_16_cores"].get<double>(), 0)
       << " % parallel efficiency (assumed: not measured here).\n\n"
          "| DEM | segment km | segments | peak GiB per segment | this host, h | core-hours | "
          "one segment on a 16-core node, min |\n|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : ne["rows"])
      md << "| " << geo::fixed(r["resolution_m"], 0) << " m | " << geo::fixed(r["segment_km"], 0)
         << " | " << geo::fixed(r["segments"], 0) << " | "
         << geo::fixed(r["peak_gib_per_segment"], 1) << " | " << geo::fixed(r["this_host_h"], 1)
         << " | " << geo::fixed(r["core_hours"], 1) << " | "
         << geo::fixed(r["per_segment_on_16_cores_min"], 1) << " |\n";
  }
  std::ofstream(out + "/scale.md") << md.str();

  // Plots.
  {
    geo::Panel p{"Thread scaling", "threads", "parallel efficiency, %", {}};
    geo::Series s{"coverage, 64 observers", {}, {}, {0.1, 0.3, 0.85}, 2.0, false, false, true};
    for (const auto& r : results["thread_scaling"]["runs"]) {
      s.x.push_back(r["threads"]);
      s.y.push_back(100.0 * r["efficiency"].get<double>());
    }
    geo::Series vss{"visible sets", {}, {}, {0.2, 0.6, 0.2}, 2.0, false, false, true};
    if (results.contains("visible_set_scaling"))
      for (const auto& r : results["visible_set_scaling"]["runs"]) {
        vss.x.push_back(r["threads"]);
        vss.y.push_back(100.0 * r["efficiency"].get<double>());
      }
    geo::Series target{"target 70 %", {1.0, static_cast<double>(cores)},
                       {70.0, 70.0},  {0.85, 0.1, 0.1},
                       1.2,           false,
                       true};
    p.series = {s, vss, target};
    p.y_min = 0;
    p.y_max = 110;
    geo::Panel g{"Growth with border length (90 m)", "border km", "seconds", {}};
    geo::Series total{"total", {}, {}, {0.1, 0.3, 0.85}, 2.0, false, false, true};
    geo::Series vis{"visible sets", {}, {}, {0.2, 0.6, 0.2}, 2.0, false, false, true};
    geo::Series rts{"routes", {}, {}, {0.85, 0.4, 0.1}, 2.0, false, false, true};
    for (const auto& r : results["by_corridor_length"]["runs"]) {
      total.x.push_back(r["border_km"]);
      total.y.push_back(r["seconds_total"]);
      vis.x.push_back(r["border_km"]);
      vis.y.push_back(r["seconds"]["visible_sets"]);
      rts.x.push_back(r["border_km"]);
      rts.y.push_back(r["seconds"]["routes"]);
    }
    g.series = {total, vis, rts};
    g.x_min = 0;
    g.y_min = 0;
    geo::Panel a{"Growth with aircraft (90 m, whole border)", "aircraft", "seconds", {}};
    geo::Series at{"routes", {}, {}, {0.85, 0.4, 0.1}, 2.0, false, false, true};
    for (const auto& r : results["by_aircraft"]["runs"]) {
      at.x.push_back(r["config"]["aircraft"]);
      at.y.push_back(r["seconds"]["routes"]);
    }
    a.series = {at};
    a.y_min = 0;
    geo::write_chart_png(out + "/scale.png", {p, g, a}, 1100, 340);
  }
  std::cout << md.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigia border-scale benchmark"};
  std::string data = "../shared/data", work = "/tmp/vigia-bench", out = "benchmarks/results";
  std::string one;
  bool quick = false;
  double time_limit = 86400.0;  // a cap only: the optimiser's 100 rounds are its work
  app.add_option("--data", data);
  app.add_option("--work", work);
  app.add_option("--out", out);
  app.add_option("--one", one, "internal: run one planning configuration (JSON file)");
  app.add_option("--route-time-limit", time_limit, "a cap on the optimiser's seconds per plan (default 86400: the rounds decide)");
  app.add_flag("--quick", quick, "90 m only, fewer points: a smoke run");
  bool report_only = false;
  app.add_flag("--report-only", report_only,
               "rewrite scale.md/.png and the estimate from the existing scale.json");
  CLI11_PARSE(app, argc, argv);
  if (!one.empty()) return run_one(json::parse(std::ifstream(one)));

  fs::create_directories(out);
  json results = report_only ? json::parse(std::ifstream(out + "/scale.json"))
                             : measure(data, work, quick, time_limit);
  national_estimate(results);
  std::ofstream(out + "/scale.json") << results.dump(2) << '\n';
  write_report(results, out);
  return 0;
}
