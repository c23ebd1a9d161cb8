// `vigia viewshed` and `vigia coverage` end to end: outputs that GDAL reads back on
// the DEM's grid, with provenance; bad input refused with one line, nothing written.

#include <gdal_priv.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "vigia/geo/gdal_session.hpp"

using namespace vigia;
namespace fs = std::filesystem;

namespace {

struct Tif {
  int cols = 0, rows = 0;
  std::array<double, 6> gt{};
  double nodata = 0;
  std::vector<double> values;
  std::string command;
};

Tif read_tif(const std::string& path) {
  geo::gdal_init();
  GDALDataset* ds = GDALDataset::FromHandle(GDALOpen(path.c_str(), GA_ReadOnly));
  REQUIRE(ds != nullptr);
  Tif t;
  t.cols = ds->GetRasterXSize();
  t.rows = ds->GetRasterYSize();
  ds->GetGeoTransform(t.gt.data());
  t.nodata = ds->GetRasterBand(1)->GetNoDataValue();
  t.values.resize(static_cast<std::size_t>(t.cols) * t.rows);
  REQUIRE(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, t.cols, t.rows, t.values.data(), t.cols,
                                         t.rows, GDT_Float64, 0, 0, nullptr) == CE_None);
  const char* cmd = ds->GetMetadataItem("VIGIA_COMMAND");
  t.command = cmd ? cmd : "";
  GDALClose(ds);
  return t;
}

const char* kSample = "S33W071_srtm3.tif";

}  // namespace

TEST_CASE("vigia viewshed writes a georeferenced 1/0/255 GeoTIFF on the DEM grid",
          "[cli][viewshed]") {
  test::TempDir tmp;
  const std::string dem = test::project_data(kSample);
  const auto r = test::run_vigia({"viewshed", dem, tmp.file("vs.tif"), "--observer", "-70.5,-32.5",
                                  "--altitude", "1500", "--max-distance", "20000", "--rise",
                                  tmp.file("rise.tif"), "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  const Tif vs = read_tif(tmp.file("vs.tif"));
  CHECK(vs.nodata == 255.0);
  CHECK_THAT(vs.command, Catch::Contains("--observer -70.5,-32.5"));
  // The window lines up with the DEM: its origin is a whole number of cells away.
  const double cell = 1.0 / 1200.0;
  const double ox = (vs.gt[0] - (-71.0 - cell / 2)) / cell;
  const double oy = ((-32.0 + cell / 2) - vs.gt[3]) / cell;
  CHECK(std::abs(ox - std::round(ox)) < 1e-6);
  CHECK(std::abs(oy - std::round(oy)) < 1e-6);
  CHECK(vs.gt[1] == Approx(cell));
  long long visible = 0, in_range = 0;
  for (double v : vs.values) {
    CHECK((v == 0.0 || v == 1.0 || v == 255.0));
    visible += v == 1.0;
    in_range += v != 255.0;
  }
  CHECK(visible == j["visible_cells"].get<long long>());
  CHECK(in_range == j["cells_in_range"].get<long long>());
  const Tif rise = read_tif(tmp.file("rise.tif"));
  CHECK(rise.cols == vs.cols);
  for (std::size_t i = 0; i < vs.values.size(); ++i) {
    if (vs.values[i] == 1.0) CHECK(rise.values[i] == 0.0);
    if (vs.values[i] == 0.0) CHECK(rise.values[i] >= 0.0);
  }
}

TEST_CASE("vigia viewshed takes DEM-CRS positions and AMSL altitudes", "[cli][viewshed]") {
  test::TempDir tmp;
  const std::string dem = test::project_data(kSample);
  const auto a =
      test::run_vigia({"viewshed", dem, tmp.file("a.tif"), "--observer", "-70.5,-32.5",
                       "--altitude", "5000", "--amsl", "--max-distance", "10000", "--json"});
  const auto b =
      test::run_vigia({"viewshed", dem, tmp.file("b.tif"), "--observer", "-70.5,-32.5", "--dem-crs",
                       "--altitude", "5000", "--amsl", "--max-distance", "10000", "--json"});
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  CHECK(nlohmann::json::parse(a.out)["observer"]["eye_m"] == 5000.0);
  CHECK(nlohmann::json::parse(a.out)["visible_cells"] ==
        nlohmann::json::parse(b.out)["visible_cells"]);
}

TEST_CASE("vigia coverage counts observers and writes visible sets", "[cli][coverage]") {
  test::TempDir tmp;
  std::ofstream(tmp.file("obs.csv"))
      << "lon,lat,alt\n-70.5,-32.5,1500\n# a comment\n-70.3,-32.6,2000\n";
  const auto r = test::run_vigia({"coverage", test::project_data(kSample), tmp.file("cov.tif"),
                                  "--observers", tmp.file("obs.csv"), "--max-distance", "15000",
                                  "--visible-sets", tmp.file("obs.vvs"), "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["observers"] == 2);
  const Tif cov = read_tif(tmp.file("cov.tif"));
  CHECK(cov.nodata == 65535.0);
  double max = 0;
  for (double v : cov.values) max = std::max(max, v == 65535.0 ? 0.0 : v);
  CHECK(max == 2.0);
  CHECK(fs::file_size(tmp.file("obs.vvs")) > 0);
}

TEST_CASE("viewshed and coverage refuse bad input with one line and write nothing",
          "[cli][errors]") {
  test::TempDir tmp;
  const std::string dem = test::project_data(kSample);
  auto refused = [&](std::vector<std::string> args, const std::string& fragment) {
    const auto r = test::run_vigia(args);
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK(test::line_count(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains(fragment));
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) ++n;
    CHECK(n == 1);  // only obs.csv
  };
  std::ofstream(tmp.file("obs.csv")) << "-70.5,-32.5,1500\n-75.0,-32.6,2000\n";
  const std::string out = tmp.file("vs.tif");
  refused({"viewshed", dem, out, "--observer", "-72.5,-32.5", "--altitude", "100"},
          "outside the DEM");
  refused({"viewshed", dem, out, "--observer", "-70.5,-32.5", "--altitude", "100", "--amsl"},
          "below the ground");
  refused({"viewshed", dem, out, "--observer", "west,-32.5", "--altitude", "100"},
          "--observer: 'west,-32.5' is not");
  refused({"viewshed", dem, out, "--observer", "-70.5,-32.5"}, "altitude");
  refused({"viewshed", dem, out, "--observer", "-70.5,-32.5", "--altitude", "10", "--algorithm",
           "magic"},
          "magic");
  refused({"viewshed", dem, tmp.file("no/such/dir/vs.tif"), "--observer", "-70.5,-32.5",
           "--altitude", "10"},
          "does not exist");
  refused({"coverage", dem, out, "--observers", tmp.file("obs.csv")},
          "obs.csv line 2: the observer lies outside");
  refused({"coverage", dem, out, "--observers", tmp.file("none.csv")}, "none.csv: no such file");
}
