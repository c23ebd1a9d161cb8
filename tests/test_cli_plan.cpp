// `vigia plan` end to end on a small version of the bundled scenario: the package's
// files exist and read back through GDAL/OGR (COGs, GeoPackage, KML/KMZ), the
// QGroundControl .plan and QGC WPL 110 files check field by field against the
// formats (docs.qgroundcontrol.com Plan File Format; mavlink.io File Formats,
// MAV_CMD, MAV_FRAME), and bad input or a failing run leaves nothing behind.

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support.hpp"
#include "vigia/geo/gdal_session.hpp"
#include "vigia/geo/text.hpp"

using namespace vigia;
namespace fs = std::filesystem;

namespace {

/// The bundled scenario, made small and quick, with absolute paths.
std::string small_scenario(const test::TempDir& tmp, const std::string& extra,
                           const std::string& objective = "coverage", int count = 2,
                           const std::string& base = "lon = -70.61\nlat = -32.83") {
  std::ostringstream s;
  s << "[scenario]\nname = \"small\"\n[dem]\nfiles = [\"" << test::project_data("S33W071_srtm3.tif")
    << "\"]\n[border]\nfile = \""
    << test::project_data("chile_argentina_border_osm_S33W071.geojson")
    << "\"\n[own_side]\nterritory = \"" << test::project_data("countries_S33W071_osm.geojson")
    << "\"\nwhere = \"A3 = 'CHL'\"\n[[bases]]\nname = \"Los Andes\"\n"
    << base << "\n[[stations]]\nname = \"GCS\"\nlon = -70.62\nlat = -32.84\nantenna_m = 15\n"
    << "[aircraft]\ncount = " << count << "\nendurance_h = 2\n[sensor]\ntask = "
    << "\"vehicle-recognise\"\n[candidates]\nspacing_km = 4\ntiers = 2\naggregate = 4\npoints = 8\n"
    << "[mission]\nobjective = \"" << objective << "\"\nloiter_min = 2\ntime_limit_s = 3\n"
    << extra;
  const std::string path = tmp.file("small.toml");
  std::ofstream(path) << s.str();
  return path;
}

// Rewrites the scenario's endurance (the small scenario flies 2 h sorties).
void set_endurance(const std::string& path, int hours) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  std::string s = text.str();
  const std::string key = "endurance_h = 2\n";
  const auto at = s.find(key);
  REQUIRE(at != std::string::npos);
  s.replace(at, key.size(), "endurance_h = " + std::to_string(hours) + "\n");
  std::ofstream(path) << s;
}

std::vector<std::vector<std::string>> wpl_rows(const std::string& path, std::string* header) {
  std::ifstream in(path);
  std::getline(in, *header);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cells.push_back(c);
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace

TEST_CASE("vigia plan writes the whole package for sorties", "[cli][plan]") {
  geo::gdal_init();
  test::TempDir tmp;
  const std::string out = tmp.file("pkg");
  const auto r = test::run_vigia({"plan", small_scenario(tmp, ""), "--out", out, "-q"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("outputs in " + out));
  for (const char* f :
       {"coverage.tif", "first_seen.tif", "link_lowest_altitude.tif", "airspace_band.tif",
        "hillshade.tif", "plan.gpkg", "plan.qgs", "plan.kml", "plan.kmz", "coverage_overlay.png",
        "aircraft_1.plan", "aircraft_1.waypoints", "report.json", "report.md", "quicklook.png",
        "route_profile.csv", "route_profile.png"}) {
    CHECK(fs::exists(fs::path(out) / f));
  }
  CHECK_FALSE(fs::exists(out + ".partial-" + std::to_string(0)));
  const auto report = nlohmann::json::parse(std::ifstream(out + "/report.json"));
  CHECK(report["plan"]["scenario_sha256"].get<std::string>().size() == 64);
  CHECK(report["sorties"]["link_fraction"].is_number());

  // Rasters: COGs on the DEM's grid with provenance.
  {
    GDALDataset* ds =
        GDALDataset::FromHandle(GDALOpen((out + "/coverage.tif").c_str(), GA_ReadOnly));
    REQUIRE(ds != nullptr);
    CHECK(ds->GetRasterCount() == 2);
    CHECK(ds->GetRasterXSize() == 1201);
    const char* layout = ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE");
    CHECK(std::string(layout ? layout : "") == "COG");
    const char* sha = ds->GetMetadataItem("VIGIA_SCENARIO_SHA256");
    CHECK(std::string(sha ? sha : "").size() == 64);
    int has = 0;
    CHECK(ds->GetRasterBand(1)->GetNoDataValue(&has) == 65535.0);
    CHECK(has);
    GDALClose(ds);
  }
  // The GeoPackage holds every layer.
  {
    GDALDataset* ds = GDALDataset::FromHandle(
        GDALOpenEx((out + "/plan.gpkg").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
    REQUIRE(ds != nullptr);
    for (const char* l : {"routes", "waypoints", "observation_points", "bases", "stations",
                          "candidates", "corridor", "permitted_airspace", "layer_styles"})
      CHECK(ds->GetLayerByName(l) != nullptr);
    GDALClose(ds);
  }
  // KML and KMZ read back through GDAL: routes with absolute altitudes.
  for (const char* f : {"plan.kml", "plan.kmz"}) {
    INFO(f);
    GDALDataset* ds = GDALDataset::FromHandle(
        GDALOpenEx((out + "/" + f).c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
    REQUIRE(ds != nullptr);
    OGRLayer* routes = ds->GetLayerByName("routes");
    REQUIRE(routes != nullptr);
    CHECK(routes->GetFeatureCount() >= 1);
    for (auto& feat : *routes) {
      const OGRGeometry* g = feat->GetGeometryRef();
      REQUIRE(g != nullptr);
      CHECK(OGR_GT_HasZ(g->getGeometryType()));
      const OGRLineString* l = g->toLineString();
      REQUIRE(l->getNumPoints() > 10);
      double zmax = 0;
      for (int i = 0; i < l->getNumPoints(); ++i) {
        CHECK(l->getX(i) > -71.0);
        CHECK(l->getX(i) < -70.0);
        CHECK(l->getY(i) > -33.0);
        CHECK(l->getY(i) < -32.0);
        zmax = std::max(zmax, l->getZ(i));
      }
      CHECK(zmax > 3000.0);  // altitudes AMSL, not clamped to the ground
      CHECK(zmax <= 5400.0 + 0.1);
    }
    CHECK(ds->GetLayerByName("observation points") != nullptr);
    GDALClose(ds);
  }
  std::ostringstream kml;
  kml << std::ifstream(out + "/plan.kml").rdbuf();
  const std::string kml_text = kml.str();
  CHECK_THAT(kml_text, Catch::Contains("<altitudeMode>absolute</altitudeMode>"));
  CHECK_THAT(kml_text, Catch::Contains("<GroundOverlay>"));

  // QGroundControl .plan, field by field.
  const auto plan = nlohmann::json::parse(std::ifstream(out + "/aircraft_1.plan"));
  CHECK(plan["fileType"] == "Plan");
  CHECK(plan["version"] == 1);
  const auto& mission = plan["mission"];
  CHECK(mission["version"] == 2);
  CHECK(mission["vehicleType"] == 1);  // MAV_TYPE_FIXED_WING
  CHECK(mission["globalPlanAltitudeMode"] == 2);
  CHECK(mission["cruiseSpeed"].get<double>() == Approx(150.0 / 3.6));
  const auto& home = mission["plannedHomePosition"];
  CHECK(home[0].get<double>() == Approx(-32.83));
  CHECK(home[1].get<double>() == Approx(-70.61));
  const auto& items = mission["items"];
  REQUIRE(items.size() >= 3);
  CHECK(items.front()["command"] == 22);  // MAV_CMD_NAV_TAKEOFF
  CHECK(items.back()["command"] == 21);   // MAV_CMD_NAV_LAND
  bool loiter = false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    INFO("item " << i);
    CHECK(it["type"] == "SimpleItem");
    CHECK(it["doJumpId"] == static_cast<int>(i) + 1);
    CHECK(std::set<int>{16, 19, 21, 22, 31}.count(it["command"].get<int>()) == 1);
    CHECK(it["frame"] == 0);  // MAV_FRAME_GLOBAL: altitude AMSL
    CHECK(it["AltitudeMode"] == 2);
    REQUIRE(it["params"].size() == 7);
    const double lat = it["params"][4].get<double>(), lon = it["params"][5].get<double>();
    CHECK(lat > -33.0);
    CHECK(lat < -32.0);
    CHECK(lon > -71.0);
    CHECK(lon < -70.0);
    CHECK(it["params"][6].get<double>() == Approx(it["Altitude"].get<double>()));
    CHECK(it["params"][6].get<double>() <= 5400.0 + 1e-6);
    if (it["command"] == 19) {
      loiter = true;
      CHECK(it["params"][0].get<double>() > 0.0);    // loiter time, s
      CHECK(it["params"][2].get<double>() == -300);  // radius, counter-clockwise
    }
  }
  CHECK(loiter);
  const auto& fence = plan["geoFence"];
  CHECK(fence["version"] == 2);
  REQUIRE(fence["polygons"].size() >= 1);
  CHECK(fence["polygons"][0]["inclusion"] == true);
  CHECK(fence["polygons"][0]["polygon"].size() >= 3);
  CHECK(fence["polygons"][0]["polygon"][0][0].get<double>() < -32.0);  // [lat, lon]
  CHECK(plan["rallyPoints"]["version"] == 2);

  // QGC WPL 110: tab-separated, home first, then the same items.
  std::string header;
  const auto rows = wpl_rows(out + "/aircraft_1.waypoints", &header);
  CHECK(header == "QGC WPL 110");
  REQUIRE(rows.size() == items.size() + 1);
  CHECK(rows[0][1] == "1");  // home is the current item
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    REQUIRE(rows[i].size() == 12);
    CHECK(std::stoul(rows[i][0]) == i);
    CHECK(rows[i][2] == "0");
    CHECK(rows[i][11] == "1");
    if (i > 0) {
      CHECK(std::stoi(rows[i][3]) == items[i - 1]["command"].get<int>());
      CHECK(std::stod(rows[i][8]) == Approx(items[i - 1]["params"][4].get<double>()));
      CHECK(std::stod(rows[i][9]) == Approx(items[i - 1]["params"][5].get<double>()));
      CHECK(std::stod(rows[i][10]) ==
            Approx(items[i - 1]["params"][6].get<double>()).epsilon(1e-6));
    }
  }
}

TEST_CASE("vigia plan: a persistent patrol loops with DO_JUMP", "[cli][plan]") {
  test::TempDir tmp;
  const std::string out = tmp.file("pkg");
  const std::string scenario = small_scenario(tmp, "", "persistent", 2);
  {
    // With 2 h the 8-point cycle does not fit one lap on station: a clear error, no package.
    const auto short_r = test::run_vigia({"plan", scenario, "--out", out, "-q"});
    CHECK(short_r.code != 0);
    CHECK_THAT(short_r.err, Catch::Contains("does not allow one lap of the patrol cycle"));
    CHECK_FALSE(fs::exists(out));
  }
  set_endurance(scenario, 4);
  const auto r = test::run_vigia({"plan", scenario, "--out", out, "-q"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(fs::exists(out + "/revisit.tif"));
  const auto plan = nlohmann::json::parse(std::ifstream(out + "/patrol.plan"));
  const auto& items = plan["mission"]["items"];
  int jumps = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i]["command"] != 177) continue;
    ++jumps;
    CHECK(items[i]["frame"] == 2);                        // MAV_FRAME_MISSION
    const int target = items[i]["params"][0].get<int>();  // a doJumpId before the jump
    CHECK(target >= 2);
    CHECK(target < static_cast<int>(i) + 1);
    CHECK(items[static_cast<std::size_t>(target - 1)]["command"] == 16);
    CHECK(items[i]["params"][1].get<double>() >= 0.0);  // repeats
  }
  CHECK(jumps == 1);
  std::string header;
  const auto rows = wpl_rows(out + "/patrol.waypoints", &header);
  bool wpl_jump = false;
  for (const auto& row : rows) {
    if (row[3] != "177") continue;
    wpl_jump = true;
    CHECK(row[2] == "2");
    const auto target = std::stoul(row[4]);  // the WPL index jumped to
    REQUIRE(target < rows.size());
    CHECK(rows[target][3] == "16");
  }
  CHECK(wpl_jump);
}

TEST_CASE("vigia plan leaves nothing behind on bad input or failure", "[cli][plan]") {
  test::TempDir tmp;
  // A base across the border fails late (routes), after the area and visibility work.
  const std::string bad_base = small_scenario(tmp, "", "coverage", 1, "lon = -70.05\nlat = -32.5");
  const auto r = test::run_vigia({"plan", bad_base, "--out", tmp.file("pkg"), "-q"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("outside the permitted airspace"));
  CHECK(test::line_count(r.err) == 1);
  CHECK(fs::is_empty(tmp.path()) == false);
  for (const auto& e : fs::directory_iterator(tmp.path()))
    CHECK(e.path().filename().string().find("pkg") == std::string::npos);
  // An existing output folder is kept unless --overwrite.
  fs::create_directories(tmp.file("existing"));
  std::ofstream(tmp.file("existing/keep.txt")) << "mine";
  const auto e = test::run_vigia({"plan", small_scenario(tmp, ""), "--out", tmp.file("existing")});
  CHECK(e.code == 2);
  CHECK_THAT(e.err, Catch::Contains("already exists"));
  CHECK(fs::exists(tmp.file("existing/keep.txt")));
  // No output folder at all.
  const auto n = test::run_vigia({"plan", small_scenario(tmp, "")});
  CHECK(n.code == 2);
  CHECK_THAT(n.err, Catch::Contains("no output folder"));
}

TEST_CASE("vigia plan interrupted with Ctrl-C leaves nothing half-written", "[cli][plan]") {
  test::TempDir tmp;
  const std::string scenario = small_scenario(tmp, "");
  const std::string out = tmp.file("pkg");
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execl(test::vigia_exe().c_str(), "vigia", "plan", scenario.c_str(), "--out", out.c_str(), "-q",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the work has started (its working folder exists), then interrupt.
  const std::string partial = out + ".partial-" + std::to_string(pid);
  for (int i = 0; i < 600 && !fs::exists(partial); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(fs::exists(partial));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(partial));
}

TEST_CASE("vigia plan keeps an aircraft on the ground that adds less than the tolerance",
          "[cli][plan]") {
  test::TempDir tmp;
  const auto plan = [&](const std::string& tolerance_pct, const std::string& out) {
    const std::string scenario = small_scenario(tmp, "fleet_tolerance_percent = " + tolerance_pct + "\n");
    const auto r = test::run_vigia({"plan", scenario, "--out", out, "--rounds", "20",
                                    "--time-limit", "86400", "--overwrite"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    return std::pair{r.out, nlohmann::json::parse(std::ifstream(out + "/report.json"))["sorties"]};
  };
  // No tolerance: the second aircraft flies whenever it adds anything.
  const auto [out0, s0] = plan("0", tmp.file("all"));
  const double added = s0["by_fleet_size"][1]["added_by_weight"].get<double>();
  INFO("the second aircraft adds " << 100.0 * added << " % of the corridor by weight");
  REQUIRE(added > 0.0);
  CHECK(s0["aircraft_flying"] == 2);
  CHECK(s0["fleet_note"] == "");
  CHECK(fs::exists(tmp.file("all/aircraft_2.plan")));
  CHECK_THAT(out0, Catch::Contains("  2 aircraft: "));
  // A tolerance just above what it adds: it stays on the ground, and the plan is the
  // one-aircraft plan, said in the summary and the report.
  const std::string tol = geo::fixed(100.0 * added + 0.05, 2);
  const auto [out1, s1] = plan(tol, tmp.file("one"));
  CHECK(s1["aircraft"] == 2);
  CHECK(s1["aircraft_flying"] == 1);
  CHECK(s1["by_fleet_size"][1]["kept_smaller_fleet"] == true);
  CHECK(s1["coverage_by_weight"].get<double>() ==
        Approx(s0["by_fleet_size"][0]["coverage_by_weight"].get<double>()).epsilon(1e-12));
  CHECK_FALSE(fs::exists(tmp.file("one/aircraft_2.plan")));
  CHECK(fs::exists(tmp.file("one/aircraft_1.plan")));
  const std::string note = s1["fleet_note"].get<std::string>();
  // The share it adds and the tolerance, each with the decimals that tell them apart.
  const auto& second = s1["by_fleet_size"][1];
  // Not optimised when every visit and leg together could not add the tolerance; else
  // measured, or left unmeasured when the optimiser's own estimate already adds less.
  if (!second["optimised"].get<bool>()) {
    CHECK_THAT(note, Catch::StartsWith("1 aircraft suffices: the second could add "));
    CHECK_THAT(note, Catch::EndsWith(" and stays on the ground"));
  } else {
    CHECK_THAT(note, Catch::StartsWith("1 aircraft suffices: the second adds only "));
    CHECK_THAT(note, Catch::Contains(" % of the corridor by weight (the tolerance is "));
    if (second["added_measured"].get<bool>()) {
      CHECK_THAT(note, Catch::EndsWith(" %) and stays on the ground"));
    } else {
      CHECK_THAT(note,
                 Catch::EndsWith(" %), by the optimiser's estimate, and stays on the ground"));
    }
  }
  CHECK_THAT(out1, Catch::Contains("  1 aircraft (of 2): "));
  CHECK_THAT(out1, Catch::Contains(note));
  std::stringstream md;
  md << std::ifstream(tmp.file("one/report.md")).rdbuf();
  const std::string text = md.str();
  CHECK_THAT(text, Catch::Contains(note + "."));
  CHECK_THAT(text, Catch::Contains("no: stays on the ground"));
}
