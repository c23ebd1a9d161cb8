// `vigia corridor` and `vigia link` end to end on the bundled sample: outputs on the
// DEM's grid that GDAL/OGR read back, and bad input refused with nothing written.

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "vigia/geo/gdal_session.hpp"

using namespace vigia;
namespace fs = std::filesystem;

namespace {
std::array<double, 6> geotransform_of(const std::string& path, int* bands = nullptr) {
  geo::gdal_init();
  GDALDataset* ds = GDALDataset::FromHandle(GDALOpen(path.c_str(), GA_ReadOnly));
  REQUIRE(ds != nullptr);
  std::array<double, 6> gt{};
  ds->GetGeoTransform(gt.data());
  if (bands) *bands = ds->GetRasterCount();
  GDALClose(ds);
  return gt;
}
}  // namespace

TEST_CASE("vigia corridor on the bundled sample", "[cli][corridor]") {
  geo::gdal_init();
  test::TempDir tmp;
  const std::string dem = test::project_data("S33W071_srtm3.tif");
  const auto r =
      test::run_vigia({"corridor", dem, "--border",
                       test::project_data("chile_argentina_border_osm_S33W071.geojson"),
                       "--own-territory", test::project_data("countries_S33W071_osm.geojson"),
                       "--own-where", "A3 = 'CHL'", "--out", tmp.file("out"), "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["border_length_km"].get<double>() ==
        Approx(170.0).epsilon(0.05));  // data/README.md: about 170 km
  CHECK(j["corridor"]["own_area_km2"].get<double>() > j["corridor"]["far_area_km2"].get<double>());
  CHECK(j["work_crs"] == "EPSG:32719");
  // Rasters on the DEM's own grid.
  const auto dem_gt = geotransform_of(dem);
  int bands = 0;
  CHECK(geotransform_of(tmp.file("out/corridor_weights.tif")) == dem_gt);
  CHECK(geotransform_of(tmp.file("out/airspace_band.tif"), &bands) == dem_gt);
  CHECK(bands == 2);
  // The GeoPackage's layers.
  GDALDataset* ds = GDALDataset::FromHandle(
      GDALOpenEx(tmp.file("out/corridor.gpkg").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  REQUIRE(ds != nullptr);
  for (const char* name : {"border", "corridor", "airspace"}) {
    OGRLayer* l = ds->GetLayerByName(name);
    REQUIRE(l != nullptr);
    CHECK(l->GetFeatureCount() >= 1);
    CHECK(l->GetSpatialRef() != nullptr);
  }
  GDALClose(ds);
  // A second run into the same folder needs --overwrite.
  const auto again =
      test::run_vigia({"corridor", dem, "--border",
                       test::project_data("chile_argentina_border_osm_S33W071.geojson"),
                       "--own-point", "-70.6,-32.5", "--out", tmp.file("out")});
  CHECK(again.code == 2);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
}

TEST_CASE("vigia link on the bundled sample", "[cli][link]") {
  test::TempDir tmp;
  std::ofstream(tmp.file("st.csv"))
      << "lon,lat,antenna,range_km,name\n-70.65,-32.75,15,200,Los Andes\n";
  const auto r = test::run_vigia({"link", test::project_data("S33W071_srtm3.tif"), "--stations",
                                  tmp.file("st.csv"), "--out", tmp.file("out"), "--at-altitude",
                                  "4500", "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["percent_with_link_under_ceiling"].get<double>() > 10.0);
  for (const char* f : {"link_lowest_altitude.tif", "link_station.tif", "link_stations.gpkg",
                        "link_at_4500m.tif"}) {
    CHECK(fs::exists(tmp.path() / "out" / f));
  }
}

TEST_CASE("corridor and link refuse bad input with one line and leave nothing", "[cli][errors]") {
  test::TempDir tmp;
  const std::string dem = test::project_data("S33W071_srtm3.tif");
  auto refused = [&](std::vector<std::string> args, const std::string& fragment) {
    const auto r = test::run_vigia(args);
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK(test::line_count(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains(fragment));
    CHECK_FALSE(fs::exists(tmp.path() / "out"));
  };
  const std::string border = test::project_data("chile_argentina_border_osm_S33W071.geojson");
  refused({"corridor", dem, "--border", border, "--out", tmp.file("out")}, "give the own side");
  refused({"corridor", dem, "--border", test::project_data("bolivia_argentina_border_osm.geojson"),
           "--own-point", "-70.6,-32.5", "--out", tmp.file("out")},
          "does not cross the DEM");
  refused({"corridor", dem, "--border", border, "--own-territory",
           test::project_data("countries_S33W071_osm.geojson"), "--own-where", "A3 = 'BOL'",
           "--out", tmp.file("out")},
          "holds no polygon");
  refused(
      {"corridor", dem, "--border", dem, "--own-point", "-70.6,-32.5", "--out", tmp.file("out")},
      "not a vector dataset");
  std::ofstream(tmp.file("st.csv")) << "-72.5,-32.5,10\n";
  refused({"link", dem, "--stations", tmp.file("st.csv"), "--out", tmp.file("out")},
          "outside the DEM");
  // Out-of-range sensor settings: one line, never an abort from inside the parallel work.
  std::ofstream(tmp.file("good.csv")) << "-70.65,-32.75,15\n";
  refused({"link", dem, "--stations", tmp.file("good.csv"), "--k", "1.5", "--out", tmp.file("out")},
          "refraction coefficient");
  refused({"link", dem, "--stations", tmp.file("good.csv"), "--at-altitude", "3000",
           "--at-altitude", "3000.0", "--out", tmp.file("out")},
          "given twice");
  {
    // A DEM that cannot be read is the DEM's fault, not the stations file's.
    const auto r = test::run_vigia({"link", tmp.file("missing.tif"), "--stations",
                                    tmp.file("good.csv"), "--out", tmp.file("out")});
    CHECK(r.code != 0);
    CHECK(test::line_count(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains("missing.tif"));
    CHECK_THAT(r.err, !Catch::Contains("stations must stand inside"));
    CHECK_FALSE(fs::exists(tmp.path() / "out"));
  }
  const std::vector<std::string> area = {dem,
                                         "--border",
                                         border,
                                         "--own-territory",
                                         test::project_data("countries_S33W071_osm.geojson"),
                                         "--own-where",
                                         "A3 = 'CHL'",
                                         "--out",
                                         tmp.file("out")};
  const auto with = [&](std::vector<std::string> head, std::vector<std::string> tail) {
    head.insert(head.end(), area.begin(), area.end());
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  refused(with({"select"}, {"--k", "1.5"}), "refraction coefficient");
  refused(with({"select"}, {"--min-grazing", "95"}), "--min-grazing: '95' is not allowed (-90 to 89, degrees)");
  // Checked before any work, as vigia route and plan check them (one shared stage).
  refused(with({"select"}, {"--spacing-km", "0"}), "--spacing-km: '0' is not allowed (0.10 to 100, km)");
  refused(with({"select"}, {"--tiers", "0"}), "--tiers: '0' is not allowed (1 to 20");
  refused(with({"select"}, {"--views", "0"}), "--views");
  refused(with({"route"}, {"--base=-70.61,-32.83", "--k", "1.5"}), "refraction coefficient");
  std::ofstream(tmp.file("bad.csv")) << "-70.5,-32.5,ten\n";
  refused({"link", dem, "--stations", tmp.file("bad.csv"), "--out", tmp.file("out")},
          "bad.csv line 1: antenna height");
}

TEST_CASE("vigia select on the bundled sample", "[cli][select]") {
  geo::gdal_init();
  test::TempDir tmp;
  const auto r =
      test::run_vigia({"select", test::project_data("S33W071_srtm3.tif"), "--border",
                       test::project_data("chile_argentina_border_osm_S33W071.geojson"),
                       "--own-territory", test::project_data("countries_S33W071_osm.geojson"),
                       "--own-where", "A3 = 'CHL'", "--spacing-km", "5", "--tiers", "2", "--count",
                       "4", "--task", "vehicle-recognise", "--out", tmp.file("out"), "--json"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["selection"]["points"] == 4);
  const double value = j["selection"]["value"].get<double>();
  CHECK(j["selection"]["upper_bound"].get<double>() >= value);
  CHECK(j["selection"]["gap"].get<double>() >= 0.0);
  CHECK(j["coverage"]["by_area"].get<double>() > 0.0);
  CHECK(j["coverage"]["by_area"].get<double>() <= 1.0);
  // The objective and the coverage re-measured at full resolution agree.
  CHECK(j["coverage"]["by_weight"].get<double>() ==
        Approx(j["selection"]["objective_coverage_by_weight"].get<double>()).epsilon(1e-6));
  for (const char* f : {"selection.gpkg", "selection_coverage.tif", "selection_report.json",
                        "selection_report.md"}) {
    CHECK(fs::exists(tmp.path() / "out" / f));
  }
  GDALDataset* ds = GDALDataset::FromHandle(GDALOpenEx(tmp.file("out/selection.gpkg").c_str(),
                                                       GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  REQUIRE(ds != nullptr);
  OGRLayer* chosen = ds->GetLayerByName("chosen_points");
  REQUIRE(chosen != nullptr);
  CHECK(chosen->GetFeatureCount() == 4);
  // The plan's field names; every candidate has room to circle (the count left out is
  // reported, and the candidates layer holds the rest).
  CHECK(chosen->GetLayerDefn()->GetFieldIndex("altitude_amsl_m") >= 0);
  OGRLayer* all = ds->GetLayerByName("candidates");
  REQUIRE(all != nullptr);
  CHECK(all->GetFeatureCount() == j["candidates"].get<long long>());
  CHECK(j["candidates_without_room_to_circle"].get<long long>() >= 0);
  // The stages of the ground it shares with vigia plan, timed.
  for (const char* stage : {"area_seconds", "candidates_seconds", "flight_space_seconds",
                            "visible_sets_seconds", "coverage_seconds"})
    CHECK(j["stages"].contains(stage));
  GDALClose(ds);
  const auto bad = test::run_vigia(
      {"select", test::project_data("S33W071_srtm3.tif"), "--border",
       test::project_data("chile_argentina_border_osm_S33W071.geojson"), "--own-point",
       "-70.6,-32.5", "--task", "cat-detect", "--out", tmp.file("bad")});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("unknown sensor task 'cat-detect'"));
  CHECK_FALSE(fs::exists(tmp.path() / "bad"));
}
