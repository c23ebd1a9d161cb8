// The viewshed benchmark of the visibility issue: vigia (fast, exact) against
// gdal_viewshed and GRASS r.viewshed on the same DEMs, observers, heights, k and
// range, measured in one run on one machine. Writes results/viewshed.json and
// results/viewshed.md. See benchmarks/README.md.
//
//   vigia_bench_viewshed --data ../shared/data --work /tmp/vigia-bench --out results [--quick]

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <random>

#include "bench_commands.hpp"
#include "bench_common.hpp"
#include "vigia/geo/gdal_session.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/terrain/coverage.hpp"
#include "vigia/terrain/dem_io.hpp"
#include "vigia/terrain/synthetic.hpp"
#include "vigia/terrain/viewshed.hpp"

using namespace vigia;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// A 1/0/255 result placed on the DEM grid (cells outside the tool's extent: 255).
struct OnGrid {
  std::vector<std::uint8_t> v;
};

OnGrid place(const geo::GeoTransform& dem_gt, int cols, int rows, const std::array<double, 6>& gt,
             int w, int h, const std::function<int(int, int)>& value) {
  OnGrid g;
  g.v.assign(static_cast<std::size_t>(cols) * rows, 255);
  const int c0 = static_cast<int>(std::lround((gt[0] - dem_gt.origin_x) / dem_gt.pixel_width));
  const int r0 = static_cast<int>(std::lround((gt[3] - dem_gt.origin_y) / dem_gt.pixel_height));
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const int rr = r + r0;
      const int cc = c + c0;
      if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
      const int x = value(r, c);
      g.v[static_cast<std::size_t>(rr) * cols + cc] = x == 1 ? 1 : (x == 0 ? 0 : 255);
    }
  }
  return g;
}

OnGrid place(const terrain::Dem& dem, const terrain::Viewshed& vs) {
  const auto gt = vs.visible.transform.to_gdal();
  return place(dem.elevation.transform, dem.cols(), dem.rows(), gt, vs.visible.cols(),
               vs.visible.rows(), [&](int r, int c) { return vs.visible(r, c); });
}

OnGrid place_file(const terrain::Dem& dem, const std::string& path, int visible_value) {
  GDALDataset* ds = GDALDataset::FromHandle(GDALOpen(path.c_str(), GA_ReadOnly));
  if (!ds) throw std::runtime_error("cannot read " + path);
  std::array<double, 6> gt{};
  ds->GetGeoTransform(gt.data());
  const int w = ds->GetRasterXSize();
  const int h = ds->GetRasterYSize();
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(w) * h);
  if (ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w, h, buf.data(), w, h, GDT_Byte, 0, 0,
                                     nullptr) != CE_None) {
    throw std::runtime_error("cannot read " + path);
  }
  GDALClose(ds);
  return place(dem.elevation.transform, dem.cols(), dem.rows(), gt, w, h, [&](int r, int c) {
    const std::uint8_t x = buf[static_cast<std::size_t>(r) * w + c];
    return x == visible_value ? 1 : (x == 255 ? 255 : 0);
  });
}

struct Score {
  double agreement = 0;
  double dice = 0;
  long long cells = 0;
};

/// Agreement and Dice of `tool` against the reference, over the cells the reference
/// computed (within range, with data) that the tool computed too.
Score score(const OnGrid& ref, const OnGrid& tool) {
  long long n = 0, agree = 0, a = 0, b = 0, both = 0;
  for (std::size_t i = 0; i < ref.v.size(); ++i) {
    const auto x = ref.v[i];
    const auto y = tool.v[i];
    if (x == 255 || y == 255) continue;
    ++n;
    agree += x == y;
    a += x == 1;
    b += y == 1;
    both += x == 1 && y == 1;
  }
  return {n ? static_cast<double>(agree) / n : 0.0,
          a + b ? 2.0 * both / static_cast<double>(a + b) : 1.0, n};
}

struct Case {
  std::string name;
  double altitude;
  bool amsl;
};

struct BenchDem {
  std::string label;
  std::string path;  ///< projected (metres) GeoTIFF, the same file for every tool
  double range_m;    ///< 0 = whole DEM
};

GDALDataset* mem_copy(const std::string& path) {
  GDALDataset* src = GDALDataset::FromHandle(GDALOpen(path.c_str(), GA_ReadOnly));
  GDALDataset* m = GetGDALDriverManager()->GetDriverByName("MEM")->CreateCopy(
      "", src, FALSE, nullptr, nullptr, nullptr);
  GDALClose(src);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigia viewshed benchmark against gdal_viewshed and GRASS r.viewshed"};
  std::string data = "../shared/data";
  std::string work = "/tmp/vigia-bench";
  std::string out = "benchmarks/results";
  std::string vigia_exe = "build/cli/vigia";
  bool quick = false;
  int observers = 1000;
  app.add_option("--data", data, "Team data folder (../shared/data)");
  app.add_option("--work", work, "Scratch folder for generated inputs and outputs");
  app.add_option("--out", out, "Folder for viewshed.json and viewshed.md");
  app.add_option("--vigia", vigia_exe, "The vigia executable");
  app.add_option("--observers", observers, "Observers of the many-observer case");
  std::string sample_plan = "data/sample_scenario.toml";
  app.add_option("--sample-plan", sample_plan, "The scenario whose plan is timed end to end");
  app.add_flag("--quick", quick,
               "Smaller inputs and fewer repetitions (a smoke run, not for the record)");
  CLI11_PARSE(app, argc, argv);
  geo::gdal_init();
  CPLSetConfigOption("GDAL_PAM_ENABLED", "NO");
  fs::create_directories(work);
  fs::create_directories(out);
  // In-process kernels take milliseconds and this host's timings vary by about 10 %
  // from run to run: their best of 7; whole commands, best of 3.
  const int reps = quick ? 1 : 3;
  const int kernel_reps = quick ? 1 : 7;
  const int cores = omp_get_num_procs();
  const double k = 0.13;
  const bool have_grass = bench::run("command -v grass >/dev/null 2>&1") == 0;

  // Inputs: the Bolivian DEM reprojected to UTM 19S at 90 m (gdal_viewshed and
  // r.viewshed measure distances in CRS units), and a seeded fractal DEM at 30 m.
  const std::string bolivia_native = data + "/bolivia_cordillera_real_srtm3_1500.tif";
  const std::string bolivia_utm = work + "/bolivia_utm19s_90m.tif";
  if (!fs::exists(bolivia_utm)) {
    GDALDatasetH src = GDALOpen(bolivia_native.c_str(), GA_ReadOnly);
    const char* wargv[] = {"-t_srs", "EPSG:32719", "-tr", "90",    "90",
                           "-r",     "bilinear",   "-of", "GTiff", nullptr};
    GDALWarpAppOptions* wo = GDALWarpAppOptionsNew(const_cast<char**>(wargv), nullptr);
    GDALDatasetH dst = GDALWarp(bolivia_utm.c_str(), nullptr, 1, &src, wo, nullptr);
    GDALWarpAppOptionsFree(wo);
    GDALClose(dst);
    GDALClose(src);
  }
  const int fractal_n = quick ? 2048 : 4096;
  const std::string fractal = bench::seeded_fractal(work, fractal_n);
  const std::vector<BenchDem> dems = {
      {"Bolivia, Cordillera Real (SRTM 3\", UTM 19S, 90 m)", bolivia_utm, 0.0},
      {"fractal " + std::to_string(fractal_n) + "² at 30 m (seed 7)", fractal, 29940.0}};
  const std::vector<Case> cases = {{"2 m AGL", 2.0, false},
                                   {"150 m AGL", 150.0, false},
                                   {"1 500 m AGL", 1500.0, false},
                                   {"5 000 m AMSL", 5000.0, true}};

  json results;
  results["machine"] = bench::machine();
  results["gdal"] = GDALVersionInfo("RELEASE_NAME");
  results["simd"] = terrain::simd_name(terrain::simd_in_use());
  results["k"] = k;
  results["cases"] = json::array();

  for (const BenchDem& bd : dems) {
    const terrain::Dem dem = terrain::load_dem({bd.path});
    // The observer at a cell centre near the middle whose ground is below 4 500 m
    // (5 000 m AMSL must be above it).
    int oc = dem.cols() / 2;
    int orow = dem.rows() / 2;
    for (int step = 0; dem.elevation(orow, oc) > 4500.0 || std::isnan(dem.elevation(orow, oc));
         ++step) {
      oc += 7;
      orow += 3;
    }
    const geo::Point2 xy = dem.elevation.transform.cell_centre(oc, orow);
    const double ground = dem.elevation(orow, oc);
    GDALDataset* mem = mem_copy(bd.path);

    for (const Case& cs : cases) {
      std::cerr << bd.label << ", " << cs.name << "\n";
      terrain::Observer obs{{static_cast<double>(oc), static_cast<double>(orow)},
                            cs.altitude,
                            cs.amsl ? terrain::AltitudeReference::AboveSeaLevel
                                    : terrain::AltitudeReference::AboveGround};
      const double oz =
          cs.amsl ? cs.altitude - ground : cs.altitude;  // above the DEM cell, for the peers
      terrain::ViewshedOptions opt;
      opt.refraction_k = k;
      opt.limits.max_distance_m = bd.range_m;
      json row;
      row["dem"] = bd.label;
      row["observer"] = cs.name;
      row["observer_xy"] = {xy.x, xy.y};
      row["ground_m"] = ground;
      row["range_m"] = bd.range_m;

      // Reference: vigia exact (R3), all threads.
      terrain::set_thread_count(0);
      opt.algorithm = terrain::LosAlgorithm::Exact;
      terrain::Viewshed exact;
      const double t_exact =
          bench::best_of(1, [&] { exact = terrain::compute_viewshed(dem, obs, opt); });
      const OnGrid ref = place(dem, exact);
      row["cells_in_range"] = exact.stats.cells_in_range;
      row["visible_percent_exact"] =
          100.0 * exact.stats.visible / std::max(1LL, exact.stats.cells_in_range);
      row["exact_seconds_all_threads"] = t_exact;

      // vigia fast, one thread and all threads (in process, DEM already in memory).
      opt.algorithm = terrain::LosAlgorithm::Fast;
      terrain::Viewshed fast;
      terrain::set_thread_count(1);
      const double t_fast1 =
          bench::best_of(kernel_reps, [&] { fast = terrain::compute_viewshed(dem, obs, opt); });
      terrain::set_thread_count(0);
      const double t_fastn =
          bench::best_of(kernel_reps, [&] { fast = terrain::compute_viewshed(dem, obs, opt); });
      const Score sf = score(ref, place(dem, fast));
      row["vigia_fast"] = {{"agreement", sf.agreement},
                           {"dice", sf.dice},
                           {"seconds_1_thread", t_fast1},
                           {"seconds_all_threads", t_fastn},
                           {"retested", fast.stats.retested}};

      // gdal_viewshed's algorithm in process (GDALViewshedGenerate, MEM in and out).
      GDALDatasetH gout = nullptr;
      const double t_gdal = bench::best_of(kernel_reps, [&] {
        if (gout) GDALClose(gout);
        gout = GDALViewshedGenerate(mem->GetRasterBand(1), "MEM", "", nullptr, xy.x, xy.y, oz, 0.0,
                                    1.0, 0.0, 255.0, -1.0, 1.0 - k, GVM_Edge, bd.range_m, nullptr,
                                    nullptr, GVOT_NORMAL, nullptr);
      });
      {
        GDALDataset* g = GDALDataset::FromHandle(gout);
        std::array<double, 6> gt{};
        g->GetGeoTransform(gt.data());
        const int w = g->GetRasterXSize();
        const int h = g->GetRasterYSize();
        std::vector<std::uint8_t> buf(static_cast<std::size_t>(w) * h);
        if (g->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w, h, buf.data(), w, h, GDT_Byte, 0, 0,
                                          nullptr) != CE_None)
          return 1;
        const OnGrid gg =
            place(dem.elevation.transform, dem.cols(), dem.rows(), gt, w, h,
                  [&](int r, int c) { return buf[static_cast<std::size_t>(r) * w + c]; });
        const Score sg = score(ref, gg);
        row["gdal"] = {{"agreement", sg.agreement}, {"dice", sg.dice}, {"seconds", t_gdal}};
        GDALClose(gout);
      }

      // Whole commands, as a user runs them (read the GeoTIFF, compute, write).
      const std::string md = bd.range_m > 0 ? " -md " + geo::fixed(bd.range_m, 1) : "";
      const std::string gcmd = "gdal_viewshed -q -ox " + geo::fixed(xy.x, 3) + " -oy " +
                               geo::fixed(xy.y, 3) + " -oz " + geo::fixed(oz, 3) + " -cc " +
                               geo::fixed(1.0 - k, 4) + md + " -vv 1 -iv 0 -ov 255 " + bd.path +
                               " " + work + "/g.tif >/dev/null 2>&1";
      const std::string vcmd =
          vigia_exe + " viewshed " + bd.path + " " + work + "/v.tif --observer " +
          geo::fixed(xy.x, 3) + "," + geo::fixed(xy.y, 3) + " --dem-crs --altitude " +
          geo::fixed(cs.altitude, 3) + (cs.amsl ? " --amsl" : "") + " --k " + geo::fixed(k, 2) +
          (bd.range_m > 0 ? " --max-distance " + geo::fixed(bd.range_m, 1) : "") +
          " --compress NONE --quiet --threads ";
      const double t_gcli = bench::best_of(reps, [&] { bench::run_ok(gcmd); });
      const double t_vcli1 = bench::best_of(reps, [&] { bench::run_ok(vcmd + "1 >/dev/null"); });
      const double t_vclin = bench::best_of(reps, [&] { bench::run_ok(vcmd + "0 >/dev/null"); });
      row["cli_seconds"] = {
          {"gdal_viewshed", t_gcli}, {"vigia_1_thread", t_vcli1}, {"vigia_all_threads", t_vclin}};
      // The file gdal_viewshed wrote agrees with its in-process run (same algorithm).
      const Score sgf = score(ref, place_file(dem, work + "/g.tif", 1));
      row["gdal_cli_agreement"] = sgf.agreement;

      // GRASS r.viewshed, unattended in a temporary location.
      if (have_grass) {
        const std::string script = work + "/grass.sh";
        std::ofstream(script) << "r.in.gdal input=" << bd.path
                              << " output=dem --quiet --overwrite\n"
                              << "g.region raster=dem\n"
                              << "echo start $(date +%s.%N) > " << work << "/grass_time\n"
                              << "r.viewshed input=dem output=vs coordinates="
                              << geo::fixed(xy.x, 3) << "," << geo::fixed(xy.y, 3)
                              << " observer_elevation=" << geo::fixed(oz, 3)
                              << " target_elevation=0"
                              << (bd.range_m > 0 ? " max_distance=" + geo::fixed(bd.range_m, 1)
                                                 : "")
                              << " refraction_coeff=" << k << " -c -b --quiet --overwrite\n"
                              << "echo end $(date +%s.%N) >> " << work << "/grass_time\n"
                              << "r.out.gdal input=vs output=" << work
                              << "/r.tif format=GTiff type=Byte --quiet --overwrite\n";
        if (bench::run("grass --tmp-location EPSG:32719 --exec bash " + script +
                       " >/dev/null 2>&1") == 0) {
          std::ifstream tin(work + "/grass_time");
          std::string w1, w2;
          double a = 0, b = 0;
          tin >> w1 >> a >> w2 >> b;
          const Score sr = score(ref, place_file(dem, work + "/r.tif", 1));
          row["grass"] = {{"agreement", sr.agreement}, {"dice", sr.dice}, {"seconds", b - a}};
        }
      }
      results["cases"].push_back(row);
    }
    GDALClose(mem);
  }

  // Many observers: vigia coverage against gdal_viewshed run once per observer (what
  // users do today), 5 000 m AMSL, 20 km range, on the Bolivian DEM. vigia works on the
  // native lon/lat DEM; gdal_viewshed needs the UTM copy.
  {
    const int n = quick ? std::min(observers, 100) : observers;
    std::cerr << "many observers: " << n << "\n";
    const terrain::Dem native = terrain::load_dem({bolivia_native});
    const terrain::DemLocator loc(native);
    const terrain::Dem utm = terrain::load_dem({bolivia_utm});
    const geo::Transformer to_utm(geo::SpatialRef::wgs84(), utm.crs);
    std::mt19937 rng(20261123);
    std::uniform_real_distribution<double> lon(-69.50, -68.42), lat(-16.20, -15.12);
    std::vector<geo::Point2> pts;
    std::vector<double> oz;
    while (static_cast<int>(pts.size()) < n) {
      const geo::Point2 p{lon(rng), lat(rng)};
      const double g = loc.elevation_at(p);
      const geo::Point2 u = to_utm(p);
      const double gu = utm.elevation_at(utm.to_grid(u));
      if (!(g < 4700.0) || !(gu < 4700.0)) continue;
      pts.push_back(p);
      oz.push_back(5000.0 - gu);
    }
    {
      std::ofstream csv(work + "/observers.csv");
      csv.precision(10);
      csv << "lon,lat,alt\n";
      for (const auto& p : pts) csv << p.x << "," << p.y << ",5000\n";
    }
    const std::string vcmd =
        vigia_exe + " coverage " + bolivia_native + " " + work + "/cov.tif --observers " + work +
        "/observers.csv --amsl --max-distance 20000 --k 0.13 --quiet --json > " + work +
        "/cov.json";
    const double t_vigia = bench::best_of(1, [&] { bench::run_ok(vcmd); });
    // gdal_viewshed, one process per observer, as many at a time as there are cores.
    std::atomic<int> next{0}, failed{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int w = 0; w < cores; ++w) {
      pool.emplace_back([&, w] {
        for (int i = next++; i < n; i = next++) {
          const geo::Point2 u = to_utm(pts[static_cast<std::size_t>(i)]);
          failed += bench::run("gdal_viewshed -q -ox " + geo::fixed(u.x, 3) + " -oy " +
                               geo::fixed(u.y, 3) + " -oz " +
                               geo::fixed(oz[static_cast<std::size_t>(i)], 3) +
                               " -cc 0.87 -md 20000 " + bolivia_utm + " " + work + "/gv" +
                               std::to_string(w) + ".tif >/dev/null 2>&1") != 0;
        }
      });
    }
    for (auto& t : pool) t.join();
    const double t_gdal = bench::seconds_since(t0);
    if (failed > 0)
      throw std::runtime_error(std::to_string(failed.load()) + " gdal_viewshed runs failed");
    results["many_observers"] = {{"observers", n},
                                 {"altitude", "5 000 m AMSL"},
                                 {"range_m", 20000},
                                 {"vigia_coverage_seconds", t_vigia},
                                 {"gdal_viewshed_per_observer_seconds", t_gdal},
                                 {"parallel_processes", cores},
                                 {"ratio", t_gdal / t_vigia}};
  }

  // Whole commands as users run them: viewshed, info and the sample plan.
  bench::CommandJobs cj;
  cj.vigia_exe = vigia_exe;
  cj.work = work;
  cj.bolivia_utm = bolivia_utm;
  cj.sample_plan = sample_plan;
  cj.runs = quick ? 1 : 7;
  cj.quick = quick;
  results["whole_commands"] = bench::whole_commands(cj);

  std::ofstream(out + "/viewshed.json") << results.dump(2) << "\n";

  // The Markdown table.
  std::ostringstream md;
  const json& m = results["machine"];
  md << "# Viewshed benchmark\n\n"
     << "Machine: " << m["cpu"].get<std::string>() << ", " << m["cores"].get<int>() << " cores, "
     << geo::fixed(m["memory_gib"].get<double>(), 1) << " GiB; vigia "
     << m["vigia_version"].get<std::string>() << " (" << m["git_hash"].get<std::string>() << "), "
     << results["gdal"].get<std::string>() << "; vigia's sweep on "
     << results["simd"].get<std::string>() << "; k = " << k << "; best of " << kernel_reps
     << " runs in process, of " << reps
     << " for commands (the exact column and the many-observer times: one run)"
     << (quick ? " (QUICK RUN: not for the record)" : "") << ".\n\n"
     << "Agreement and Dice are against vigia exact (R3) on the cells within range. Times in "
        "milliseconds: "
        "\"kernel\" runs in process on a DEM already in memory (GDALViewshedGenerate from a MEM "
        "dataset to a MEM "
        "dataset for GDAL); \"command\" is the whole program as a user runs it (read the GeoTIFF, "
        "compute, write "
        "an uncompressed GeoTIFF).\n\n"
     << "| DEM | observer | cells | visible | vigia fast agree / Dice | gdal agree / Dice | grass "
        "agree / Dice | "
        "fast 1 thr | fast "
     << cores
     << " thr | gdal | gdal / fast (1 thr) | grass | command: gdal | command: vigia 1 thr | exact "
     << cores << " thr |\n"
     << "|---|---|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const json& r : results["cases"]) {
    const json& f = r["vigia_fast"];
    const json& g = r["gdal"];
    md << "| " << r["dem"].get<std::string>() << " | " << r["observer"].get<std::string>() << " | "
       << r["cells_in_range"].get<long long>() << " | "
       << geo::fixed(r["visible_percent_exact"].get<double>(), 1) << " % | "
       << geo::fixed(100 * f["agreement"].get<double>(), 3) << " % / "
       << geo::fixed(f["dice"].get<double>(), 4) << " | "
       << geo::fixed(100 * g["agreement"].get<double>(), 3) << " % / "
       << geo::fixed(g["dice"].get<double>(), 4) << " | ";
    if (r.contains("grass")) {
      md << geo::fixed(100 * r["grass"]["agreement"].get<double>(), 3) << " % / "
         << geo::fixed(r["grass"]["dice"].get<double>(), 4);
    } else {
      md << "n/a";
    }
    md << " | " << geo::fixed(1000 * f["seconds_1_thread"].get<double>(), 1) << " | "
       << geo::fixed(1000 * f["seconds_all_threads"].get<double>(), 1) << " | "
       << geo::fixed(1000 * g["seconds"].get<double>(), 1) << " | "
       << geo::fixed(g["seconds"].get<double>() / f["seconds_1_thread"].get<double>(), 2) << "× | "
       << (r.contains("grass") ? geo::fixed(1000 * r["grass"]["seconds"].get<double>(), 0) : "n/a")
       << " | " << geo::fixed(1000 * r["cli_seconds"]["gdal_viewshed"].get<double>(), 1) << " | "
       << geo::fixed(1000 * r["cli_seconds"]["vigia_1_thread"].get<double>(), 1) << " | "
       << geo::fixed(1000 * r["exact_seconds_all_threads"].get<double>(), 0) << " |\n";
  }
  const json& mo = results["many_observers"];
  md << "\nMany observers: " << mo["observers"].get<int>()
     << " observers at 5 000 m AMSL, 20 km range, Bolivian DEM: "
     << "`vigia coverage` (one command, native lon/lat DEM) "
     << geo::fixed(mo["vigia_coverage_seconds"].get<double>(), 2)
     << " s; `gdal_viewshed` once per observer (UTM copy, " << mo["parallel_processes"].get<int>()
     << " processes at a time) "
     << geo::fixed(mo["gdal_viewshed_per_observer_seconds"].get<double>(), 2) << " s: vigia "
     << geo::fixed(mo["ratio"].get<double>(), 1) << "× faster.\n";
  md << bench::whole_commands_markdown(results["whole_commands"]);
  std::ofstream(out + "/viewshed.md") << md.str();
  std::cout << md.str();
  return 0;
}
