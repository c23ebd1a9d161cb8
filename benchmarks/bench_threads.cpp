// Thread scaling of `vigia plan` as a whole command: the bundled sample and the whole
// Bolivia-Argentina border at 90 m (the real border line over the seeded SYNTHETIC
// terrain of bench_border.hpp), optionally at 30 m, each planned at 1, 2, 4, ... threads
// up to the machine's cores, with the route optimiser's rounds as its work (no time cap).
// Per run: the whole process's wall time, the routes stage's time from report.json, the
// coverage, and whether the package is the 1-thread one (mission files, CSV and report
// but for run times). With --baseline (a vigia built from an earlier commit) the same
// scenarios are planned by it in the same session, turn about, for the ratio against
// the previous code.
//
//   vigia_bench_threads --vigia build/cli/vigia [--baseline OLD_VIGIA] --data ../shared/data
//                       --work /tmp/vigia-bench --out benchmarks/results [--repeat 3]
//                       [--border-repeat 1] [--border30] [--sample-only] [--quick]
//
// Writes results/threads.{json,md}.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench_border.hpp"
#include "bench_common.hpp"
#include "vigia/geo/text.hpp"

using namespace vigia;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// What must be the same at every thread count: the aircraft's mission files, the
/// profile CSV and the report without its run-time fields.
std::string plan_digest(const fs::path& dir) {
  std::ostringstream d;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const std::string ext = f.extension().string();
    if (ext == ".plan" || ext == ".waypoints" || ext == ".csv") {
      d << f.filename().string() << '\n' << slurp(f);
    } else if (f.filename() == "report.json") {
      auto j = json::parse(slurp(f));
      j.erase("seconds");
      j.erase("memory_peak_mib");
      if (j.contains("plan")) j["plan"].erase("command");
      d << j.dump();
    }
  }
  return d.str();
}

struct Case {
  std::string name, scenario, label;
  int repeat = 1;
};

/// The whole-border scenario at `cell` metres: two Mohajer-6-class aircraft from a
/// level base, the settings of bench_scale's reference runs.
std::string border_scenario(const std::string& data, const std::string& work, double cell) {
  const auto border = bench::read_border(data);
  const auto [bfile, part] = bench::write_border_part(work, border, 1.0);
  const std::string tag = geo::fixed(cell, 0) + "m_1.00";
  const std::string dem = bench::make_dem(work, part, cell, tag).first;
  const geo::Point2 base = bench::level_base(part);
  const std::string path = work + "/border_" + tag + ".toml";
  std::ofstream(path) << "[scenario]\nname = \"whole Bolivia-Argentina border, " << cell
                      << " m, synthetic terrain\"\n[dem]\nfiles = [\"" << dem
                      << "\"]\n[border]\nfile = \"" << bfile << "\"\n[own_side]\nterritory = \""
                      << data << "/countries_border_region_osm.geojson\"\nwhere = \"A3 = 'BOL'\"\n"
                      << "[[bases]]\nname = \"base\"\nlon = " << geo::fixed(base.x, 7)
                      << "\nlat = " << geo::fixed(base.y, 7) << "\n"
                      << "[aircraft]\npreset = \"mohajer6\"\ncount = 2\n[sensor]\ntask = "
                         "\"vehicle-detect\"\n[candidates]\nspacing_km = 3\ntiers = 2\n"
                         "aggregate = 3\npoints = 30\n[mission]\nloiter_min = 3\nrounds = 100\n"
                         "time_limit_s = 86400\nseed = 1\n";
  return path;
}

/// One `vigia plan` run: wall seconds, the report's stage times and figures.
json plan_once(const std::string& exe, const std::string& scenario, int threads,
               const std::string& out) {
  fs::remove_all(out);
  const auto t0 = std::chrono::steady_clock::now();
  bench::run_ok("'" + exe + "' plan '" + scenario + "' --out '" + out + "' --threads " +
                std::to_string(threads) + " --time-limit 86400 -q > /dev/null");
  const double wall = bench::seconds_since(t0);
  const auto rep = json::parse(slurp(fs::path(out) / "report.json"));
  json r{{"threads", threads}, {"wall_s", wall}, {"seconds", rep["seconds"]}};
  double stages = 0.0;
  for (const auto& [k, v] : rep["seconds"].items()) stages += v.get<double>();
  r["stages_s"] = stages;
  r["routes_s"] = rep["seconds"].value("routes", 0.0);
  if (rep.contains("sorties")) {
    const auto& s = rep["sorties"];
    r["coverage_by_weight"] = s["coverage_by_weight"];
    r["flight_hours"] = s["flight_hours"];
    r["time_capped"] = s["optimiser_time_capped"];
  }
  r["memory_peak_mib"] = rep.value("memory_peak_mib", 0.0);
  return r;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigia thread-scaling benchmark of vigia plan"};
  std::string vigia_exe = "build/cli/vigia", baseline, data = "../shared/data",
              work = "/tmp/vigia-bench", out = "benchmarks/results", sample = "data/sample_scenario.toml";
  int repeat = 3, border_repeat = 1;
  bool border30 = false, quick = false, no_border = false;
  app.add_option("--vigia", vigia_exe, "the vigia to measure");
  app.add_option("--baseline", baseline, "an earlier vigia, measured on the same scenarios");
  app.add_option("--data", data);
  app.add_option("--work", work);
  app.add_option("--out", out);
  app.add_option("--sample", sample, "the bundled sample scenario");
  app.add_option("--repeat", repeat, "runs of each sample configuration")->check(CLI::Range(1, 20));
  app.add_option("--border-repeat", border_repeat, "runs of each whole-border configuration")
      ->check(CLI::Range(1, 20));
  app.add_flag("--border30", border30, "also the whole border at 30 m, on all cores");
  app.add_flag("--quick", quick, "the sample only, one run each: a smoke run");
  app.add_flag("--sample-only", no_border, "the sample only (its --repeat runs), no border");
  CLI11_PARSE(app, argc, argv);
  fs::create_directories(work);
  vigia_exe = fs::canonical(vigia_exe).string();
  data = fs::canonical(data).string();  // the scenarios written under --work name it
  if (!baseline.empty()) baseline = fs::canonical(baseline).string();

  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  std::vector<int> counts;
  for (int t = 1; t <= cores; t *= 2) counts.push_back(t);
  if (counts.back() != cores) counts.push_back(cores);

  std::vector<Case> cases{{"sample", fs::canonical(sample).string(),
                           "bundled sample (S33W071, 2 aircraft, 20 points, 100 rounds)",
                           quick ? 1 : repeat}};
  if (!quick && !no_border)
    cases.push_back({"border_90m", border_scenario(data, work, 90.0),
                     "whole border, 90 m, synthetic terrain (2 aircraft, 30 points, 100 rounds)",
                     border_repeat});
  json results;
  results["machine"] = bench::machine();
  results["thread_counts"] = counts;
  results["baseline"] = baseline;
  results["cases"] = json::array();
  for (const Case& c : cases) {
    json runs = json::array();
    std::string first;  // the first current run's plan
    bool same = true;
    for (int rep = 0; rep < c.repeat; ++rep) {
      // Turn about: the order of thread counts (and baseline) alternates per repetition.
      std::vector<std::pair<std::string, int>> order;
      for (int t : counts) {
        order.push_back({vigia_exe, t});
        if (!baseline.empty()) order.push_back({baseline, t});
      }
      if (rep % 2) std::reverse(order.begin(), order.end());
      for (const auto& [exe, t] : order) {
        const bool base = exe == baseline;
        const std::string dir = work + "/threads_" + c.name + (base ? "_base_" : "_") + std::to_string(t);
        json r = plan_once(exe, c.scenario, t, dir);
        r["build"] = base ? "baseline" : "current";
        r["repetition"] = rep;
        if (!base) {
          const std::string d = plan_digest(dir);
          if (first.empty()) first = d;
          same = same && d == first;
          r["same_plan_as_first"] = d == first;
        }
        std::cerr << "threads: " << c.name << " " << r["build"].get<std::string>() << " at " << t
                  << " threads: " << geo::fixed(r["wall_s"], 1) << " s (routes "
                  << geo::fixed(r["routes_s"], 1) << " s)\n";
        runs.push_back(r);
      }
    }
    // Medians per build and thread count.
    json table = json::array();
    double wall1 = NAN, routes1 = NAN, base_wall1 = NAN, base_routes1 = NAN;
    for (const std::string build : {"current", "baseline"}) {
      if (build == "baseline" && baseline.empty()) continue;
      for (int t : counts) {
        std::vector<double> w, rt;
        double cov = NAN;
        for (const auto& r : runs)
          if (r["build"] == build && r["threads"] == t) {
            w.push_back(r["wall_s"]);
            rt.push_back(r["routes_s"]);
            if (r.contains("coverage_by_weight")) cov = r["coverage_by_weight"];
          }
        const double mw = median(w), mr = median(rt);
        if (t == 1 && build == "current") wall1 = mw, routes1 = mr;
        if (t == 1 && build == "baseline") base_wall1 = mw, base_routes1 = mr;
        const double w1 = build == "current" ? wall1 : base_wall1;
        const double r1 = build == "current" ? routes1 : base_routes1;
        table.push_back({{"build", build},
                         {"threads", t},
                         {"runs", w.size()},
                         {"wall_s", mw},
                         {"routes_s", mr},
                         {"wall_speedup", w1 / mw},
                         {"routes_speedup", r1 / mr},
                         {"coverage_by_weight", cov}});
      }
    }
    json cj{{"case", c.name},          {"label", c.label}, {"scenario", c.scenario},
            {"runs", runs},            {"table", table},   {"same_plan_at_every_thread_count", same}};
    if (!baseline.empty())
      cj["single_thread_vs_baseline"] = {{"wall", base_wall1 / wall1}, {"routes", base_routes1 / routes1}};
    results["cases"].push_back(cj);
  }
  if (border30 && !quick && !no_border) {
    const std::string scen = border_scenario(data, work, 30.0);
    json r = plan_once(vigia_exe, scen, cores, work + "/threads_border_30m");
    r["build"] = "current";
    std::cerr << "threads: border_30m at " << cores << " threads: " << geo::fixed(r["wall_s"], 1)
              << " s\n";
    results["border_30m"] = r;
  }
  fs::create_directories(out);
  std::ofstream(out + "/threads.json") << results.dump(2) << '\n';

  std::ostringstream md;
  md << "# Thread scaling of `vigia plan`\n\nMachine: " << results["machine"]["cpu"].get<std::string>()
     << ", " << cores << " cores; vigia " << results["machine"]["vigia_version"].get<std::string>()
     << " (" << results["machine"]["git_hash"].get<std::string>() << ")"
     << (baseline.empty() ? std::string() : "; baseline: " + baseline)
     << ".\n\nWhole `vigia plan` processes (package and flight check included), the route "
        "optimiser's 100 rounds as its work (no time cap); medians of the runs, taken turn "
        "about. Routes: the report's routes stage (legs, optimiser, exact coverage along the "
        "paths, for every fleet size).\n";
  for (const auto& c : results["cases"]) {
    md << "\n## " << c["label"].get<std::string>() << "\n\n"
       << "| build | threads | runs | whole plan s | speed-up | routes s | speed-up | coverage by weight |\n"
       << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& t : c["table"])
      md << "| " << t["build"].get<std::string>() << " | " << t["threads"] << " | " << t["runs"] << " | "
         << geo::fixed(t["wall_s"], 2) << " | " << geo::fixed(t["wall_speedup"], 2) << "x | "
         << geo::fixed(t["routes_s"], 2) << " | " << geo::fixed(t["routes_speedup"], 2) << "x | "
         << (t["coverage_by_weight"].is_number() ? geo::fixed(100.0 * t["coverage_by_weight"].get<double>(), 2) + " %"
                                                  : std::string("n/a"))
         << " |\n";
    md << "\nSame plan at every thread count (mission files, profile CSV, report but for run "
          "times): "
       << (c["same_plan_at_every_thread_count"].get<bool>() ? "yes" : "**no**") << ".\n";
    if (c.contains("single_thread_vs_baseline"))
      md << "At one thread against the baseline: whole plan "
         << geo::fixed(c["single_thread_vs_baseline"]["wall"], 2) << "x, routes stage "
         << geo::fixed(c["single_thread_vs_baseline"]["routes"], 2) << "x faster.\n";
  }
  if (results.contains("border_30m")) {
    const auto& r = results["border_30m"];
    md << "\n## Whole border, 30 m, synthetic terrain, " << r["threads"] << " threads\n\n"
       << "Whole plan " << geo::fixed(r["wall_s"], 1) << " s (routes " << geo::fixed(r["routes_s"], 1)
       << " s), coverage " << geo::fixed(100.0 * r.value("coverage_by_weight", 0.0), 2)
       << " % by weight, peak " << geo::fixed(r["memory_peak_mib"], 0) << " MiB; time capped: "
       << (r.value("time_capped", false) ? "yes" : "no") << ". Stages (s):";
    for (const auto& [k, v] : r["seconds"].items()) md << " " << k << " " << geo::fixed(v, 1) << ";";
    md << "\n";
  }
  std::ofstream(out + "/threads.md") << md.str();
  std::cout << md.str();
  return 0;
}
