// `vigia info` end to end: figures on the real DEMs checked against GDAL's own
// statistics and geotransform and against GeographicLib's geodesics.

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <GeographicLib/Geodesic.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "vigia/geo/gdal_session.hpp"

using namespace vigia;

namespace {

struct GdalFigures {
  int cols = 0, rows = 0;
  std::array<double, 6> gt{};
  double min = 0, max = 0, mean = 0;
};

GdalFigures gdal_figures(const std::string& path) {
  geo::gdal_init();
  CPLSetConfigOption("GDAL_PAM_ENABLED", "NO");  // never write .aux.xml next to team data
  GDALDataset* ds = GDALDataset::FromHandle(GDALOpen(path.c_str(), GA_ReadOnly));
  REQUIRE(ds != nullptr);
  GdalFigures f;
  f.cols = ds->GetRasterXSize();
  f.rows = ds->GetRasterYSize();
  ds->GetGeoTransform(f.gt.data());
  double sd = 0;
  REQUIRE(ds->GetRasterBand(1)->ComputeStatistics(FALSE, &f.min, &f.max, &f.mean, &sd, nullptr,
                                                  nullptr) == CE_None);
  GDALClose(ds);
  return f;
}

}  // namespace

TEST_CASE("vigia info on each team DEM matches GDAL and the geodesic", "[cli][info][shared]") {
  for (const char* name :
       {"bolivia_cordillera_real_srtm3_1500.tif", "andes_chile_argentina_S33W071_srtm3.tif"}) {
    const std::string path = test::shared_data(name);
    const auto r = test::run_vigia({"info", "--json", path});
    INFO(name << "\n" << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    const auto j = nlohmann::json::parse(r.out);
    const GdalFigures g = gdal_figures(path);

    CHECK(j["driver"] == "GTiff");
    CHECK(j["crs"]["id"] == "EPSG:4326");
    CHECK(j["crs"]["geographic"] == true);
    CHECK(j["size"]["cols"] == g.cols);
    CHECK(j["size"]["rows"] == g.rows);
    CHECK(j["extent_lonlat"]["west"].get<double>() == Approx(g.gt[0]).margin(1e-9));
    CHECK(j["extent_lonlat"]["north"].get<double>() == Approx(g.gt[3]).margin(1e-9));
    CHECK(j["extent_lonlat"]["east"].get<double>() ==
          Approx(g.gt[0] + g.cols * g.gt[1]).margin(1e-9));
    CHECK(j["extent_lonlat"]["south"].get<double>() ==
          Approx(g.gt[3] + g.rows * g.gt[5]).margin(1e-9));
    CHECK(j["elevation_m"]["min"].get<double>() == g.min);
    CHECK(j["elevation_m"]["max"].get<double>() == g.max);
    CHECK(j["elevation_m"]["mean"].get<double>() == Approx(g.mean).epsilon(1e-9));
    CHECK(j["nodata_fraction"].get<double>() == 0.0);
    CHECK(j["metric"]["vector_crs"] == "EPSG:32719");

    // Cell size at the centre row against the geodesic between neighbouring centres.
    const int r0 = (g.rows - 1) / 2;
    const double lat = g.gt[3] + (r0 + 0.5) * g.gt[5];
    const double lon = g.gt[0] + 0.5 * g.gt[1];
    double w = 0, h = 0;
    GeographicLib::Geodesic::WGS84().Inverse(lat, lon, lat, lon + g.gt[1], w);
    GeographicLib::Geodesic::WGS84().Inverse(lat - 0.5 * g.gt[5], lon, lat + 0.5 * g.gt[5], lon, h);
    const double tol = g.rows % 2 == 1 ? 1e-6 : 2e-5;  // even row count: centre is between rows
    CHECK(j["cell_size_m"]["x"].get<double>() == Approx(w).epsilon(tol));
    CHECK(j["cell_size_m"]["y"].get<double>() == Approx(h).epsilon(tol));
  }
}

TEST_CASE("vigia info prints readable text", "[cli][info][shared]") {
  const auto r =
      test::run_vigia({"info", test::shared_data("andes_chile_argentina_S33W071_srtm3.tif")});
  REQUIRE(r.code == 0);
  for (const char* label : {"driver", "CRS", "size", "cell size", "extent", "metric frame",
                            "elevation", "nodata", "1201 x 1201", "EPSG:32719", "max 6929.0 m"}) {
    CHECK_THAT(r.out, Catch::Contains(label));
  }
}

TEST_CASE("vigia info on a mosaic of tiles", "[cli][info]") {
  test::TempDir tmp;
  test::GridSpec spec;
  spec.cols = 10;
  spec.rows = 10;
  spec.crs = "EPSG:32720";
  spec.nodata = -9999.0;
  std::vector<float> a(100, 1000.0f), b(100, 2000.0f);
  a[0] = -9999.0f;
  spec.geotransform = {500000.0, 30.0, 0.0, 7500000.0, 0.0, -30.0};
  test::write_raster(tmp.file("a.tif"), spec, a);
  spec.geotransform = {500300.0, 30.0, 0.0, 7500000.0, 0.0, -30.0};
  test::write_raster(tmp.file("b.tif"), spec, b);
  const auto r = test::run_vigia({"info", "--json", tmp.file("*.tif")});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["tiles"] == 2);
  CHECK(j["driver"] == "VRT");
  CHECK(j["size"]["cols"] == 20);
  CHECK(j["crs"]["geographic"] == false);
  CHECK(j["cell_size_m"]["x"].get<double>() == 30.0);
  CHECK(j["metric"]["vector_crs"] == "EPSG:32720");
  CHECK(j["elevation_m"]["mean"].get<double>() == Approx((99 * 1000.0 + 100 * 2000.0) / 199.0));
  CHECK(j["nodata_fraction"].get<double>() == Approx(1.0 / 200.0));
}

TEST_CASE("Version and help on every command", "[cli]") {
  const auto v = test::run_vigia({"--version"});
  CHECK(v.code == 0);
  CHECK_THAT(v.out, Catch::StartsWith("0."));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, std::vector<std::string>{"info", "--help"}}) {
    const auto h = test::run_vigia(args);
    CHECK(h.code == 0);
    CHECK_THAT(h.out, Catch::Contains("Usage") || Catch::Contains("USAGE") ||
                          Catch::Contains("Options") || Catch::Contains("OPTIONS"));
  }
}

TEST_CASE("The bundled sample is the public-domain SRTM tile", "[cli][info][shared]") {
  const auto bundled = test::run_vigia({"info", "--json", test::project_data("S33W071_srtm3.tif")});
  const auto team = test::run_vigia(
      {"info", "--json", test::shared_data("andes_chile_argentina_S33W071_srtm3.tif")});
  REQUIRE(bundled.code == 0);
  REQUIRE(team.code == 0);
  auto a = nlohmann::json::parse(bundled.out);
  auto b = nlohmann::json::parse(team.out);
  a.erase("sources");
  b.erase("sources");
  CHECK(a == b);
}
