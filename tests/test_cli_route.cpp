// `vigia route` end to end on the bundled sample: sorties and a persistent patrol,
// outputs that GDAL/OGR read back (3-D routes, waypoints), a profile that keeps the
// clearance, and bad input refused with one line and nothing left behind.

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
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

std::vector<std::string> route_args(const std::string& out) {
  return {"route",
          test::project_data("S33W071_srtm3.tif"),
          "--border",
          test::project_data("chile_argentina_border_osm_S33W071.geojson"),
          "--own-territory",
          test::project_data("countries_S33W071_osm.geojson"),
          "--own-where",
          "A3 = 'CHL'",
          "--base=-70.61,-32.83",  // Los Andes, Chile
          "--spacing-km",
          "4",
          "--tiers",
          "2",
          "--aggregate",
          "4",
          "--points",
          "8",
          "--task",
          "vehicle-recognise",
          "--endurance-h",
          "4",
          "--loiter-min",
          "2",
          "--time-limit",
          "4",
          "--out",
          out,
          "--json"};
}

}  // namespace

TEST_CASE("vigia route plans sorties on the bundled sample", "[cli][route]") {
  geo::gdal_init();
  test::TempDir tmp;
  auto args = route_args(tmp.file("out"));
  args.insert(args.end(), {"--count", "2"});
  const auto r = test::run_vigia(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto& s = j["sorties"];
  CHECK(s["aircraft"] == 2);
  CHECK(s["coverage_by_weight"].get<double>() > 0.05);
  CHECK(s["coverage_by_weight"].get<double>() <= 1.0);
  CHECK(s["min_clearance_m"].get<double>() >= 300.0 - 1e-6);
  CHECK(s["km2_per_flight_hour"].get<double>() > 0.0);
  CHECK(s["transit_fraction"].get<double>() > 0.0);
  // Endurance 4 h less 10 % reserve.
  for (const auto& a : s["per_aircraft"]) CHECK(a["hours"].get<double>() <= 3.6 + 1e-9);
  // More aircraft never cover less.
  const auto& fleet = s["by_fleet_size"];
  REQUIRE(fleet.size() == 2);
  CHECK(fleet[1]["coverage_by_weight"].get<double>() >=
        fleet[0]["coverage_by_weight"].get<double>() - 1e-12);
  for (const char* f : {"routes.gpkg", "route_profile.csv", "route_profile.png",
                        "route_report.json", "route_report.md"}) {
    CHECK(fs::exists(tmp.path() / "out" / f));
  }

  // The routes are 3-D lines in WGS 84 with altitudes AMSL under the ceiling.
  GDALDataset* ds = GDALDataset::FromHandle(
      GDALOpenEx(tmp.file("out/routes.gpkg").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  REQUIRE(ds != nullptr);
  OGRLayer* routes = ds->GetLayerByName("routes");
  REQUIRE(routes != nullptr);
  CHECK(routes->GetFeatureCount() >= 1);
  CHECK(OGR_GT_HasZ(routes->GetGeomType()));
  for (auto& f : *routes) {
    const OGRLineString* l = f->GetGeometryRef()->toLineString();
    REQUIRE(l->getNumPoints() > 10);
    for (int i = 0; i < l->getNumPoints(); ++i) {
      CHECK(l->getZ(i) <= 5400.0 + 1e-6);
      CHECK(l->getX(i) > -71.0);
      CHECK(l->getX(i) < -70.0);
    }
  }
  OGRLayer* wps = ds->GetLayerByName("waypoints");
  REQUIRE(wps != nullptr);
  CHECK(wps->GetFeatureCount() >= 3);
  bool takeoff = false, landing = false, loiter = false;
  for (auto& f : *wps) {
    const std::string kind = f->GetFieldAsString("kind");
    takeoff = takeoff || kind == "takeoff";
    landing = landing || kind == "landing";
    loiter = loiter || kind == "loiter";
    CHECK(f->GetFieldAsDouble("altitude_amsl_m") <= 5400.0 + 1e-6);
    CHECK(f->GetFieldAsDouble("agl_m") >= -1e-6);
  }
  CHECK(takeoff);
  CHECK(landing);
  CHECK(loiter);
  for (const char* layer : {"observation_points", "bases", "corridor", "permitted_airspace"})
    CHECK(ds->GetLayerByName(layer) != nullptr);
  GDALClose(ds);

  // The profile: the full clearance holds beyond 4 km of the base (Los Andes); within
  // it the clearance ramps from 0 at the runway (take-off and landing).
  std::ifstream csv(tmp.file("out/route_profile.csv"));
  std::string line;
  std::getline(csv, line);
  CHECK(line == "route,distance_km,time_min,lon,lat,altitude_m,terrain_m,clearance_m,leg,link");
  int rows = 0;
  while (std::getline(csv, line)) {
    std::stringstream ss(line);
    std::vector<std::string> cells;
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    REQUIRE(cells.size() >= 9);
    ++rows;
    const double clearance = std::stod(cells[7]);
    // Equirectangular distance from the base: within 0.1 % at these few kilometres.
    const double lon = std::stod(cells[3]), lat = std::stod(cells[4]);
    const double dx = (lon + 70.61) * 111320.0 * std::cos(-32.83 * M_PI / 180.0);
    const double dy = (lat + 32.83) * 110950.0;
    const double from_base = std::hypot(dx, dy);
    if (from_base > 4000.0 * 1.01) CHECK(clearance >= 300.0 - 0.1);
    CHECK(clearance >= 300.0 * std::min(1.0, from_base / 4000.0) * 0.99 - 2.0);
    CHECK(std::stod(cells[5]) <= 5400.0 + 0.1);
  }
  CHECK(rows > 100);
}

TEST_CASE("vigia route plans a persistent patrol", "[cli][route]") {
  test::TempDir tmp;
  auto args = route_args(tmp.file("out"));
  *(std::find(args.begin(), args.end(), "--loiter-min") + 1) = "0";  // fly through
  args.insert(args.end(), {"--persistent", "2"});
  const auto r = test::run_vigia(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto& p = j["patrol"];
  CHECK(p["aircraft_on_cycle"] == 2);
  CHECK(p["period_min"].get<double>() > 0.0);
  CHECK(p["revisit_worst_min"].get<double>() <= p["period_min"].get<double>() / 2.0 + 1e-9);
  CHECK(p["revisit_mean_min"].get<double>() <= p["revisit_worst_min"].get<double>() + 1e-9);
  CHECK(p["lower_bound_min"].get<double>() > 0.0);
  CHECK(p["laps_per_sortie"].get<double>() > 0.0);
  CHECK(p["min_clearance_m"].get<double>() >= 300.0 - 1e-6);
  std::ifstream md(tmp.file("out/route_report.md"));
  std::stringstream text;
  text << md.rdbuf();
  CHECK_THAT(text.str(), Catch::Contains("Persistent patrol"));
  CHECK_THAT(text.str(), Catch::Contains("lower bound 2L/(kv)"));
}

TEST_CASE("vigia route refuses bad input with one line and leaves nothing", "[cli][route]") {
  test::TempDir tmp;
  struct Case {
    std::vector<std::string> extra;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--base=-65,-20"}, "lies outside the DEM"},
      {{"--base=-70.05,-32.5"}, "outside the permitted airspace"},
      // A steep valley side: the DEM's posts within one cell rise 243 m above the ground
      // there; refused before any routing, not by the flight check of the exports.
      {{"--base=-70.33,-32.87"}, "is on a slope: the DEM's posts within one cell of it reach"},
      {{"--base", "abc"}, "--base"},
      {{"--cruise-kmh", "-5"}, "--cruise-kmh: '-5' is not allowed (10 to 2000, km/h)"},
      {{"--reserve", "1.5"}, "--reserve: '1.5' is not allowed (0 to 0.90"},
      {{"--count", "2", "--base=-70.61,-32.83", "--base=-70.6,-32.8", "--base=-70.6,-32.7"},
       "one base for all aircraft or one per aircraft"},
      {{"--link-mandatory"}, "a mandatory datalink needs ground stations"},
  };
  for (const auto& c : cases) {
    auto args = route_args(tmp.file("bad"));
    args.pop_back();  // --json
    // The case's base replaces the default one.
    if (c.extra[0].rfind("--base", 0) == 0)
      args.erase(std::find(args.begin(), args.end(), "--base=-70.61,-32.83"));
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const auto r = test::run_vigia(args);
    INFO(c.message << "\n" << r.err);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.message));
    CHECK(test::line_count(r.err) == 1);
    CHECK_FALSE(fs::exists(tmp.path() / "bad"));
  }
}
