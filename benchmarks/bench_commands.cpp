// Whole commands as a user runs them (see bench_commands.hpp). Each run is a fresh
// process: wall time from fork to exit, peak memory (maximum resident set) as GNU
// time reports it. The tools take turns run after run, so a slow spell
// of the host falls on all of them; the median of the runs is kept.

#include "bench_commands.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/terrain/dem_io.hpp"
#include "vigia/terrain/synthetic.hpp"

namespace vigia::bench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Proc {
  double seconds = 0.0;
  double peak_mib = 0.0;
};

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

/// One run of a command, its output discarded; a failing command throws. The peak
/// memory comes from GNU time, which runs the command as its own child: the kernel's
/// ru_maxrss of a child forked from this (large) process would count the pages it
/// shared with it before exec.
Proc measure(const std::vector<std::string>& command, const std::string& stdout_path = "") {
  const std::string rss_file = fs::temp_directory_path() / "vigia_bench_rss.txt";
  std::vector<std::string> argv = {"/usr/bin/time", "-f", "%M", "-o", rss_file};
  argv.insert(argv.end(), command.begin(), command.end());
  fs::remove(rss_file);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open(stdout_path.empty() ? "/dev/null" : stdout_path.c_str(),
                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_WRONLY);
    dup2(out, 1);
    dup2(null, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid)
    throw std::runtime_error("cannot run: " + joined(command));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("benchmark command failed: " + joined(command));
  double kib = 0.0;
  std::ifstream(rss_file) >> kib;
  if (!(kib > 0.0)) throw std::runtime_error("GNU time gave no peak memory for: " + joined(command));
  return {seconds, kib / 1024.0};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Runs every variant `runs` times, taking turns (who goes first rotates from round
/// to round); medians of time and peak memory.
json take_turns(const std::vector<std::pair<std::string, std::vector<std::string>>>& variants,
                int runs) {
  std::vector<std::vector<double>> t(variants.size()), m(variants.size());
  for (int i = 0; i < runs; ++i)
    for (std::size_t k = 0; k < variants.size(); ++k) {
      const std::size_t v = (k + static_cast<std::size_t>(i)) % variants.size();
      const Proc p = measure(variants[v].second);
      t[v].push_back(p.seconds);
      m[v].push_back(p.peak_mib);
    }
  json j;
  for (std::size_t v = 0; v < variants.size(); ++v)
    j[variants[v].first] = {{"seconds", median(t[v])},
                            {"peak_mib", median(m[v])},
                            {"command", joined(variants[v].second)}};
  return j;
}

struct Job {
  std::string name;
  std::string dem;
  double x = 0.0, y = 0.0;  ///< observer, in the DEM's CRS (a cell centre)
  double agl = 0.0;
};

}  // namespace

std::string seeded_fractal(const std::string& work, int n) {
  const std::string path = work + "/fractal_" + std::to_string(n) + "_30m_seed7.tif";
  if (!fs::exists(path)) {
    terrain::TerrainShape shape;
    shape.seed = 7;
    shape.ridged = 0.5;
    shape.relief_m = 2500.0;
    shape.wavelength_m = 15000.0;
    const terrain::Dem d = terrain::synthetic_dem(n, n, 30.0, shape);
    geo::RasterWriteOptions wo;
    wo.compress = "NONE";
    geo::write_raster(d.elevation, path, wo);
  }
  return path;
}

json whole_commands(const CommandJobs& jobs) {
  // The synthetic DEM of the issue: Float32, tiled, uncompressed, seeded.
  const int n = jobs.quick ? 2048 : 8192;
  const std::string synthetic = seeded_fractal(jobs.work, n);
  // Observers at the cell centre nearest each DEM's middle.
  const auto centre = [](const std::string& path) {
    const terrain::DemHeader h = terrain::read_dem_header({path});
    return h.transform.cell_centre(h.cols / 2, h.rows / 2);
  };
  const geo::Point2 cs = centre(synthetic);
  const geo::Point2 cb = centre(jobs.bolivia_utm);
  const std::vector<Job> list = {
      {"synthetic " + std::to_string(n) + "² Float32 (30 m), observer 150 m AGL at the centre, "
       "no range limit",
       synthetic, cs.x, cs.y, 150.0},
      {"Bolivian DEM in UTM 19S (90 m), observer 1 500 m AGL at the centre, no range limit",
       jobs.bolivia_utm, cb.x, cb.y, 1500.0}};

  json out;
  out["runs"] = jobs.runs;
  out["viewshed"] = json::array();
  for (const Job& job : list) {
    std::cerr << "whole commands: " << job.name << "\n";
    const std::string xy = geo::fixed(job.x, 3) + "," + geo::fixed(job.y, 3);
    const auto vigia = [&](const std::string& threads, const std::string& compress) {
      return std::vector<std::string>{
          jobs.vigia_exe, "viewshed", job.dem, jobs.work + "/cmd_v.tif", "--observer", xy,
          "--dem-crs", "--altitude", geo::fixed(job.agl, 1), "--k", "0.13", "--compress",
          compress, "--threads", threads, "--quiet"};
    };
    const std::vector<std::string> gdal = {
        "gdal_viewshed", "-q", "-ox", geo::fixed(job.x, 3), "-oy", geo::fixed(job.y, 3), "-oz",
        geo::fixed(job.agl, 1), "-cc", "0.87", "-vv", "1", "-iv", "0", "-ov", "255", job.dem,
        jobs.work + "/cmd_g.tif"};
    json row = take_turns({{"gdal_viewshed", gdal},
                           {"vigia_1_thread", vigia("1", "NONE")},
                           {"vigia_all_threads", vigia("0", "NONE")},
                           {"vigia_1_thread_deflate", vigia("1", "DEFLATE")}},
                          jobs.runs);
    row["job"] = job.name;
    row["dem"] = job.dem;
    row["observer_xy"] = {job.x, job.y};
    row["observer_agl_m"] = job.agl;
    // Where vigia's time goes (one more run, its --json stage seconds).
    const std::string stages = jobs.work + "/cmd_stages.json";
    std::vector<std::string> with_json = vigia("1", "NONE");
    with_json.emplace_back("--json");
    (void)measure(with_json, stages);
    std::ifstream in(stages);
    row["vigia_1_thread_stage_seconds"] = json::parse(in)["stage_seconds"];
    out["viewshed"].push_back(row);
  }

  // vigia info against gdalinfo -stats; no .aux.xml, so GDAL computes every time.
  setenv("GDAL_PAM_ENABLED", "NO", 1);
  out["info"] = json::array();
  for (const Job& job : list) {
    json row = take_turns({{"gdalinfo_stats", {"gdalinfo", "-stats", job.dem}},
                           {"vigia_info", {jobs.vigia_exe, "info", job.dem}}},
                          jobs.runs);
    row["dem"] = job.dem;
    out["info"].push_back(row);
  }

  // The sample plan, end to end.
  std::vector<double> t;
  std::vector<double> mem;
  json seconds;
  const std::string dir = jobs.work + "/cmd_plan";
  for (int i = 0; i < std::max(1, jobs.runs / 2); ++i) {
    fs::remove_all(dir);
    const Proc p = measure({jobs.vigia_exe, "plan", jobs.sample_plan, "--out", dir, "--quiet"});
    t.push_back(p.seconds);
    mem.push_back(p.peak_mib);
    std::ifstream in(dir + "/report.json");
    seconds = json::parse(in)["seconds"];
  }
  out["sample_plan"] = {{"seconds", median(t)},
                        {"peak_mib", median(mem)},
                        {"runs", t.size()},
                        {"stage_seconds_last_run", seconds}};
  return out;
}

std::string whole_commands_markdown(const json& f) {
  const auto ms = [](const json& x) { return geo::fixed(1000.0 * x["seconds"].get<double>(), 0); };
  const auto mib = [](const json& x) { return geo::fixed(x["peak_mib"].get<double>(), 0); };
  std::ostringstream md;
  md << "\n## Whole commands\n\n"
     << "Each a fresh process as a user runs it, the tools taking turns, median of "
     << f["runs"].get<int>()
     << " runs: wall milliseconds and peak memory (MiB, the kernel's maximum resident set). "
        "Uncompressed GeoTIFF out on both sides unless marked; k = 0.13.\n\n"
     << "| job | gdal_viewshed | vigia 1 thread | vigia all threads | vigia 1 thread, DEFLATE "
        "(default) | gdal / vigia (1 thread) | vigia's stages, 1 thread (load / viewshed / "
        "write) |\n|---|---:|---:|---:|---:|---:|---|\n";
  for (const json& r : f["viewshed"]) {
    const json& g = r["gdal_viewshed"];
    const json& v1 = r["vigia_1_thread"];
    const json& st = r["vigia_1_thread_stage_seconds"];
    md << "| " << r["job"].get<std::string>() << " | " << ms(g) << " ms, " << mib(g) << " MiB | "
       << ms(v1) << " ms, " << mib(v1) << " MiB | " << ms(r["vigia_all_threads"]) << " ms, "
       << mib(r["vigia_all_threads"]) << " MiB | " << ms(r["vigia_1_thread_deflate"]) << " ms | "
       << geo::fixed(g["seconds"].get<double>() / v1["seconds"].get<double>(), 2) << "× | "
       << geo::fixed(1000.0 * st["load_dem"].get<double>(), 0) << " / "
       << geo::fixed(1000.0 * st["viewshed"].get<double>(), 0) << " / "
       << geo::fixed(1000.0 * st["write"].get<double>(), 0) << " ms |\n";
  }
  md << "\n| DEM | gdalinfo -stats | vigia info | vigia / gdalinfo |\n|---|---:|---:|---:|\n";
  for (const json& r : f["info"]) {
    md << "| " << fs::path(r["dem"].get<std::string>()).filename().string() << " | "
       << ms(r["gdalinfo_stats"]) << " ms | " << ms(r["vigia_info"]) << " ms | "
       << geo::fixed(r["vigia_info"]["seconds"].get<double>() /
                         r["gdalinfo_stats"]["seconds"].get<double>(),
                     2)
       << "× |\n";
  }
  const json& p = f["sample_plan"];
  md << "\nThe bundled sample plan (`vigia plan data/sample_scenario.toml`), end to end: "
     << geo::fixed(p["seconds"].get<double>(), 1) << " s (median of " << p["runs"].get<int>()
     << "), peak " << mib(p) << " MiB; stages of the last run:";
  bool first = true;
  for (const auto& [k, v] : p["stage_seconds_last_run"].items()) {
    md << (first ? " " : ", ") << k << " " << geo::fixed(v.get<double>(), 2) << " s";
    first = false;
  }
  md << ".\n";
  return md.str();
}

}  // namespace vigia::bench
