// Reproducibility and interruption. Reproducibility: the same scenario and seed give the same package on any thread
// count and under load (docs/cli.md "Reproducibility"): every file byte for byte, but
// the documented run-time fields: the command line in the rasters' VIGIA_COMMAND and
// in report.json's plan.command, report.json's seconds and memory_peak_mib, and
// report.md's "Run time" line.

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support.hpp"
#include "vigia/geo/gdal_session.hpp"

using namespace vigia;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A raster's bands (checksums) and metadata, the command line left out.
std::string raster_digest(const fs::path& p) {
  GDALDataset* ds = static_cast<GDALDataset*>(GDALOpen(p.c_str(), GA_ReadOnly));
  REQUIRE(ds != nullptr);
  std::ostringstream d;
  for (int b = 1; b <= ds->GetRasterCount(); ++b) {
    GDALRasterBand* band = ds->GetRasterBand(b);
    d << "band " << b << ' ' << GDALChecksumImage(band, 0, 0, band->GetXSize(), band->GetYSize())
      << ' ' << (band->GetDescription() ? band->GetDescription() : "") << '\n';
  }
  char** md = ds->GetMetadata();
  for (int i = 0; md && md[i]; ++i)
    if (std::string(md[i]).rfind("VIGIA_COMMAND=", 0) != 0) d << md[i] << '\n';
  double gt[6];
  ds->GetGeoTransform(gt);
  for (double v : gt) d << v << ' ';
  GDALClose(ds);
  return d.str();
}

/// The report without its run-time fields.
std::string report_digest(const fs::path& p) {
  auto j = nlohmann::json::parse(slurp(p));
  j.erase("seconds");
  j.erase("memory_peak_mib");
  if (j.contains("plan")) j["plan"].erase("command");
  return j.dump();
}

std::string markdown_digest(const fs::path& p) {
  std::istringstream in(slurp(p));
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Run time:", 0) != 0 && line.find("vigia plan data") == std::string::npos)
      out += line + '\n';
  return out;
}

/// Two CPU-bound processes for the length of a scope.
struct Hogs {
  std::vector<pid_t> pids;
  Hogs() {
    for (int k = 0; k < 2; ++k) {
      const pid_t p = fork();
      if (p == 0) {
        volatile unsigned long x = 0;
        for (;;) x = x + 1;
      }
      pids.push_back(p);
    }
  }
  ~Hogs() {
    for (pid_t p : pids) {
      kill(p, SIGKILL);
      waitpid(p, nullptr, 0);
    }
  }
};

/// Every file of package `b` as in package `a`, but for the documented run-time fields.
void check_same_package(const fs::path& a, const fs::path& b) {
  int files = 0;
  for (const auto& e : fs::directory_iterator(a)) {
    const std::string name = e.path().filename().string();
    INFO(name);
    REQUIRE(fs::exists(b / name));
    ++files;
    if (e.path().extension() == ".tif") {
      CHECK(raster_digest(e.path()) == raster_digest(b / name));
    } else if (name == "report.json") {
      CHECK(report_digest(e.path()) == report_digest(b / name));
    } else if (name == "report.md") {
      CHECK(markdown_digest(e.path()) == markdown_digest(b / name));
    } else {
      CHECK(slurp(e.path()) == slurp(b / name));
    }
  }
  CHECK(files >= 15);
  CHECK(std::distance(fs::directory_iterator(a), fs::directory_iterator{}) ==
        std::distance(fs::directory_iterator(b), fs::directory_iterator{}));
}

/// Plans `scenario` at each thread count (the second run competing with two busy
/// processes) and checks that every package is the first one's.
void plan_on_thread_counts(const test::TempDir& tmp, const std::string& scenario,
                           const std::string& kind) {
  const std::vector<std::string> threads{"1", "2", "3"};
  for (std::size_t k = 0; k < threads.size(); ++k) {
    const std::string out = tmp.file(kind + "_" + threads[k]);
    std::unique_ptr<Hogs> hogs;
    if (k == 1) hogs = std::make_unique<Hogs>();
    const auto r = test::run_vigia({"plan", scenario, "--out", out, "--threads", threads[k],
                                    "--time-limit", "86400", "-q"});
    hogs.reset();
    INFO(kind << " at " << threads[k] << " threads: " << r.err);
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(slurp(fs::path(out) / "report.json"));
    const auto& part = j.contains("sorties") ? j["sorties"] : j["patrol"];
    CHECK(part["optimiser_time_capped"] == false);
    if (k > 0) {
      INFO(kind << ": the package at " << threads[k] << " threads against 1 thread");
      check_same_package(tmp.file(kind + "_1"), out);
    }
  }
}

}  // namespace

TEST_CASE("The same scenario gives the same package on any thread count and load",
          "[cli][repro]") {
  geo::gdal_init();
  test::TempDir tmp;
  // The bundled sample as it is: two aircraft, 20 points, 100 rounds per fleet size.
  plan_on_thread_counts(tmp, test::project_data("sample_scenario.toml"), "sorties");
  // The same area as a persistent patrol (the cycle's optimiser and the revisit
  // statistics), with the data named by absolute paths.
  std::string text = slurp(test::project_data("sample_scenario.toml"));
  const auto replace = [&](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  for (const char* f : {"S33W071_srtm3.tif", "chile_argentina_border_osm_S33W071.geojson",
                        "countries_S33W071_osm.geojson"})
    replace(std::string("\"") + f + "\"", "\"" + test::project_data(f) + "\"");
  replace("objective = \"coverage\"", "objective = \"persistent\"");
  replace("endurance_h = 3 ", "endurance_h = 4 ");
  replace("directory = \"../out/sample_plan\"", "directory = \"" + tmp.file("unused") + "\"");
  const std::string patrol = tmp.file("patrol.toml");
  std::ofstream(patrol) << text;
  plan_on_thread_counts(tmp, patrol, "patrol");
}

namespace {

/// Starts vigia, interrupts it (SIGINT, as Ctrl-C) after `delay_ms`, and returns the
/// exit code (minus the signal's number if a signal ended it) and the seconds it took
/// to exit after the interrupt (-1: it had ended before).
std::pair<int, double> interrupt_after(const std::vector<std::string>& args, int delay_ms) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<std::string> words{test::vigia_exe()};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // The delay counts from the moment vigia catches SIGINT (main's first step; under a
  // sanitizer the loader alone may take longer than the shortest delay). Until execv the
  // child is a copy of this test program, whose framework catches SIGINT too: so the
  // child must also already be vigia.
  int status = 0;
  const std::string proc = "/proc/" + std::to_string(pid);
  const fs::path exe = fs::canonical(test::vigia_exe());
  for (int i = 0; i < 1000; ++i) {
    std::error_code ec;
    bool caught = false;
    if (fs::read_symlink(proc + "/exe", ec) == exe) {
      std::ifstream st(proc + "/status");
      std::string line;
      while (std::getline(st, line))
        if (line.rfind("SigCgt:", 0) == 0)
          caught = (std::stoull(line.substr(7), nullptr, 16) & 0x2) != 0;
    }
    if (caught) break;
    if (waitpid(pid, &status, WNOHANG) == pid) return {WEXITSTATUS(status), -1.0};
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  if (waitpid(pid, &status, WNOHANG) == pid) return {WEXITSTATUS(status), -1.0};
  const auto t0 = std::chrono::steady_clock::now();
  kill(pid, SIGINT);
  waitpid(pid, &status, 0);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), took};
}

}  // namespace

TEST_CASE("Ctrl-C stops plan, select and coverage within a second, leaving nothing",
          "[cli][interrupt]") {
  test::TempDir tmp;
  const std::string dem = test::project_data("S33W071_srtm3.tif");
  const std::string border = test::project_data("chile_argentina_border_osm_S33W071.geojson");
  const std::string countries = test::project_data("countries_S33W071_osm.geojson");
  {
    std::ofstream obs(tmp.file("obs.csv"));
    for (int i = 0; i < 400; ++i)
      obs << -70.9 + 0.8 * ((i * 37) % 100) / 100.0 << ',' << -32.9 + 0.8 * ((i * 61) % 100) / 100.0
          << ",3000\n";
  }
  struct Job {
    std::string name;
    std::vector<std::string> args;
    std::string output;
  };
  const std::vector<Job> jobs{
      {"plan",
       {"plan", test::project_data("sample_scenario.toml"), "--out", tmp.file("plan"), "-q"},
       tmp.file("plan")},
      {"select",
       {"select", dem, "--border", border, "--own-territory", countries, "--own-where",
        "A3 = 'CHL'", "--spacing-km", "0.5", "--out", tmp.file("select"), "-q"},
       tmp.file("select")},
      {"coverage",
       {"coverage", dem, tmp.file("cov.tif"), "--observers", tmp.file("obs.csv"), "-q"},
       tmp.file("cov.tif")},
  };
  int interrupted = 0;
  for (const Job& job : jobs)
    for (const int delay : {300, 900, 2000, 4000}) {
      INFO(job.name << " interrupted after " << delay << " ms");
      const auto [code, took] = interrupt_after(job.args, delay);
      if (took < 0) continue;  // it had finished: nothing to interrupt
      ++interrupted;
      CHECK(code == 130);
      CHECK(took < 1.0);
      CHECK_FALSE(fs::exists(job.output));
      for (const auto& e : fs::directory_iterator(tmp.path()))
        CHECK(e.path().filename().string().find(".partial-") == std::string::npos);
    }
  CHECK(interrupted >= 8);
}

TEST_CASE("A full disk is called a full disk, and nothing is left on it", "[cli][disk]") {
  // A 512 KiB tmpfs stands for a full disk: mounting needs root, which CI has.
  if (geteuid() != 0) FAIL("this test mounts a small tmpfs and needs root (CI runs as root)");
  test::TempDir tmp;
  const std::string mnt = tmp.file("small");
  fs::create_directories(mnt);
  REQUIRE(std::system(("mount -t tmpfs -o size=512k tmpfs '" + mnt + "'").c_str()) == 0);
  struct Unmount {
    std::string dir;
    ~Unmount() { (void)std::system(("umount '" + dir + "'").c_str()); }
  } unmount{mnt};
  const auto r = test::run_vigia({"viewshed", test::project_data("S33W071_srtm3.tif"),
                                  mnt + "/vs.tif", "--observer", "-70.6,-32.8", "--altitude", "500",
                                  "--compress", "NONE", "-q"});
  INFO(r.err);
  CHECK(r.code == 1);
  CHECK(test::line_count(r.err) == 1);
  CHECK_THAT(r.err, Catch::Contains("the disk is full"));
  CHECK(fs::is_empty(mnt));
}
