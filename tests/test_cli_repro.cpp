// Reproducibility: the same scenario and seed give the same package on any thread
// count and under load (docs/cli.md "Reproducibility"): every file byte for byte, but
// the documented run-time fields: the command line in the rasters' VIGIA_COMMAND and
// in report.json's plan.command, report.json's seconds and memory_peak_mib, and
// report.md's "Run time" line.

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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

}  // namespace

TEST_CASE("The same scenario gives the same package on any thread count and load",
          "[cli][repro]") {
  geo::gdal_init();
  test::TempDir tmp;
  std::ostringstream s;
  s << "[scenario]\nname = \"repro\"\n[dem]\nfiles = [\"" << test::project_data("S33W071_srtm3.tif")
    << "\"]\n[border]\nfile = \"" << test::project_data("chile_argentina_border_osm_S33W071.geojson")
    << "\"\n[own_side]\nterritory = \"" << test::project_data("countries_S33W071_osm.geojson")
    << "\"\nwhere = \"A3 = 'CHL'\"\n[[bases]]\nname = \"Los Andes\"\nlon = -70.61\nlat = -32.83\n"
    << "[[stations]]\nname = \"GCS\"\nlon = -70.62\nlat = -32.84\nantenna_m = 15\n"
    << "[aircraft]\ncount = 2\nendurance_h = 2.5\n[sensor]\ntask = \"vehicle-recognise\"\n"
    << "[candidates]\nspacing_km = 4\ntiers = 2\naggregate = 4\npoints = 8\n"
    << "[mission]\nloiter_min = 2\nrounds = 40\ntime_limit_s = 600\nseed = 3\n";
  const std::string scenario = tmp.file("repro.toml");
  std::ofstream(scenario) << s.str();
  const std::string a = tmp.file("a"), b = tmp.file("b");
  const auto ra = test::run_vigia({"plan", scenario, "--out", a, "--threads", "1", "-q"});
  INFO(ra.err);
  REQUIRE(ra.code == 0);
  {
    const Hogs hogs;  // the second run competes with two busy processes
    const auto rb = test::run_vigia({"plan", scenario, "--out", b, "--threads", "2", "-q"});
    INFO(rb.err);
    REQUIRE(rb.code == 0);
  }
  int files = 0;
  for (const auto& e : fs::directory_iterator(a)) {
    const std::string name = e.path().filename().string();
    INFO(name);
    REQUIRE(fs::exists(fs::path(b) / name));
    ++files;
    if (e.path().extension() == ".tif") {
      CHECK(raster_digest(e.path()) == raster_digest(fs::path(b) / name));
    } else if (name == "report.json") {
      CHECK(report_digest(e.path()) == report_digest(fs::path(b) / name));
      const auto j = nlohmann::json::parse(slurp(e.path()));
      CHECK(j["sorties"]["optimiser_time_capped"] == false);
      CHECK(j["sorties"]["optimiser_rounds_budget"] == 40);
    } else if (name == "report.md") {
      CHECK(markdown_digest(e.path()) == markdown_digest(fs::path(b) / name));
    } else {
      CHECK(slurp(e.path()) == slurp(fs::path(b) / name));
    }
  }
  CHECK(files >= 15);
  CHECK(std::distance(fs::directory_iterator(a), fs::directory_iterator{}) ==
        std::distance(fs::directory_iterator(b), fs::directory_iterator{}));
}
