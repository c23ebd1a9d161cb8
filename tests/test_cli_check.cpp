// `vigia check` end to end: every mission file `vigia plan` exports (sorties and a
// persistent patrol on the bundled sample, sorties over Lake Titicaca from Achacachi)
// flies safe under both firmware rules; a hand-made QGroundControl plan flown into a
// ridge is caught and the item named; bad mission files end with one line and exit 2.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.hpp"

using namespace vigia;
namespace fs = std::filesystem;

namespace {

std::string scenario(const test::TempDir& tmp, const std::string& name, const std::string& dem,
                     const std::string& border, const std::string& countries,
                     const std::string& own, const std::string& base, const std::string& objective) {
  std::ostringstream s;
  s << "[scenario]\nname = \"" << name << "\"\n[dem]\nfiles = [\"" << dem << "\"]\n[border]\nfile = \""
    << border << "\"\n[own_side]\nterritory = \"" << countries << "\"\nwhere = \"A3 = '" << own
    << "'\"\n[[bases]]\nname = \"base\"\n"
    << base << "\n[aircraft]\ncount = 2\nendurance_h = 2\n[sensor]\ntask = \"vehicle-recognise\"\n"
    << "[candidates]\nspacing_km = 4\ntiers = 2\naggregate = 4\npoints = 8\n[mission]\nobjective = \""
    << objective << "\"\nloiter_min = 2\ntime_limit_s = 3\n"
    ;
  const std::string path = tmp.file(name + ".toml");
  std::ofstream(path) << s.str();
  return path;
}

/// Plans the scenario, then checks every exported .plan and .waypoints file.
void every_export_flies_safe(const std::string& toml, const std::string& dem, const std::string& out) {
  const auto plan = test::run_vigia({"plan", toml, "--out", out, "-q"});
  INFO(plan.err);
  REQUIRE(plan.code == 0);
  int files = 0;
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string ext = e.path().extension().string();
    if (ext != ".plan" && ext != ".waypoints") continue;
    ++files;
    const auto r = test::run_vigia({"check", e.path().string(), "--dem", dem, "--json"});
    INFO(e.path().string() << "\n" << r.out << r.err);
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["safe"] == true);
    REQUIRE(j["firmwares"].size() == 2);
    for (const auto& f : j["firmwares"]) {
      CHECK(f["violations"].empty());
      CHECK(f["min_clearance_base_zone_m"].get<double>() >= 0.0);
      CHECK(f["min_clearance_beyond_m"].get<double>() >= 300.0 - 1e-6);
      CHECK(f["max_altitude_m"].get<double>() <= 5400.0 + 1e-6);
    }
    if (ext == ".plan") {
      // The departure: a take-off to a circuit at least 100 m above the runway, then a
      // climb spiral (never a loiter at runway height).
      const auto p = nlohmann::json::parse(std::ifstream(e.path()));
      const auto& items = p["mission"]["items"];
      const double home = p["mission"]["plannedHomePosition"][2].get<double>();
      REQUIRE(items.size() >= 3);
      CHECK(items[0]["command"] == 22);
      CHECK(items[0]["params"][6].get<double>() >= home + 100.0 - 1e-6);
      CHECK(items[1]["command"] == 31);
      CHECK(items[1]["params"][6].get<double>() >= items[0]["params"][6].get<double>() - 1e-6);
    }
  }
  CHECK(files >= 2);
  // The report's headline figures are those of the files as flown.
  const auto report = nlohmann::json::parse(std::ifstream(out + "/report.json"));
  REQUIRE(report.contains("flight_check"));
  for (const auto& m : report["flight_check"]["missions"]) {
    CHECK(m["safe"] == true);
    CHECK(m["min_clearance_beyond_base_zone_m"].get<double>() >= 300.0 - 1e-6);
  }
}

}  // namespace

TEST_CASE("Every mission vigia plan exports flies safe as ArduPlane and PX4 fly it",
          "[cli][check]") {
  test::TempDir tmp;
  const std::string sample_dem = test::project_data("S33W071_srtm3.tif");
  const std::string sample_border = test::project_data("chile_argentina_border_osm_S33W071.geojson");
  const std::string sample_countries = test::project_data("countries_S33W071_osm.geojson");
  SECTION("sorties on the bundled sample") {
    every_export_flies_safe(scenario(tmp, "sorties", sample_dem, sample_border, sample_countries,
                                     "CHL", "lon = -70.61\nlat = -32.83", "coverage"),
                            sample_dem, tmp.file("sorties"));
  }
  SECTION("a persistent patrol on the bundled sample, runway heading given") {
    every_export_flies_safe(
        scenario(tmp, "patrol", sample_dem, sample_border, sample_countries, "CHL",
                 "lon = -70.61\nlat = -32.83\nrunway_heading_deg = 85", "persistent"),
        sample_dem, tmp.file("patrol"));
  }
  SECTION("sorties over Lake Titicaca from Achacachi (Bolivian DEM)") {
    const std::string dem = test::shared_data("bolivia_cordillera_real_srtm3_1500.tif");
    every_export_flies_safe(
        scenario(tmp, "titicaca", dem, test::shared_data("bolivia_peru_border_osm_titicaca.geojson"),
                 test::shared_data("countries_titicaca_osm.geojson"), "BOL",
                 "lon = -68.685\nlat = -16.05", "coverage"),
        dem, tmp.file("titicaca"));
  }
}

TEST_CASE("vigia check catches a QGroundControl plan flown into a ridge, naming the item",
          "[cli][check]") {
  test::TempDir tmp;
  const std::string dem = test::project_data("S33W071_srtm3.tif");
  // From the Los Andes valley (about 820 m) east toward the main range at 3 000 m AMSL,
  // frame 3 (above home) for the take-off, 0 (AMSL) for the waypoints: the range
  // rises past 4 000 m on the way to item 3.
  const nlohmann::json plan = {
      {"fileType", "Plan"},
      {"version", 1},
      {"groundStation", "QGroundControl"},
      {"mission",
       {{"version", 2},
        {"firmwareType", 3},
        {"vehicleType", 1},
        {"plannedHomePosition", {-32.83, -70.61, 820.0}},
        {"items",
         {{{"type", "SimpleItem"}, {"command", 22}, {"frame", 3}, {"doJumpId", 1},
           {"params", {15, 0, 0, nullptr, -32.83, -70.59, 300}}},
          {{"type", "SimpleItem"}, {"command", 16}, {"frame", 0}, {"doJumpId", 2},
           {"params", {0, 0, 0, nullptr, -32.80, -70.45, 2500}}},
          {{"type", "SimpleItem"}, {"command", 16}, {"frame", 0}, {"doJumpId", 3},
           {"params", {0, 0, 0, nullptr, -32.70, -70.10, 3000}}}}}}},
      {"geoFence", {{"version", 2}, {"polygons", nlohmann::json::array()}, {"circles", nlohmann::json::array()}}},
      {"rallyPoints", {{"version", 2}, {"points", nlohmann::json::array()}}}};
  const std::string path = tmp.file("ridge.plan");
  std::ofstream(path) << plan.dump(2);
  const auto r = test::run_vigia({"check", path, "--dem", dem});
  INFO(r.out << r.err);
  CHECK(r.code == 3);
  CHECK(r.out.find("UNSAFE") != std::string::npos);
  CHECK(r.out.find("| 3 |") != std::string::npos);
  CHECK(r.out.find("terrain") != std::string::npos);
  const auto j = test::run_vigia({"check", path, "--dem", dem, "--json", "--firmware", "px4"});
  REQUIRE(j.code == 3);
  const auto v = nlohmann::json::parse(j.out);
  bool terrain_at_3 = false;
  for (const auto& x : v["firmwares"][0]["violations"])
    terrain_at_3 = terrain_at_3 || (x["item"] == 3 && x["what"] == "terrain");
  CHECK(terrain_at_3);
  // The same flight at 6 000 m: above the ceiling, not into the ridge.
  nlohmann::json high = plan;
  high["mission"]["items"][2]["params"][6] = 6000;
  std::ofstream(path) << high.dump(2);
  const auto h = test::run_vigia({"check", path, "--dem", dem, "--json"});
  REQUIRE(h.code == 3);
  const auto hv = nlohmann::json::parse(h.out);
  bool ceiling = false;
  for (const auto& x : hv["firmwares"][0]["violations"]) ceiling = ceiling || x["what"] == "ceiling";
  CHECK(ceiling);
}

TEST_CASE("vigia check refuses what is not a mission with one line and exit 2", "[cli][check]") {
  test::TempDir tmp;
  const std::string dem = test::project_data("S33W071_srtm3.tif");
  const auto one_line = [](const test::CliResult& r) {
    return std::count(r.err.begin(), r.err.end(), '\n') == 1;
  };
  const std::string notjson = tmp.file("notes.plan");
  std::ofstream(notjson) << "hello";
  auto r = test::run_vigia({"check", notjson, "--dem", dem});
  CHECK(r.code == 2);
  CHECK(one_line(r));
  CHECK(r.err.find("notes.plan") != std::string::npos);

  const std::string unknown = tmp.file("vtol.waypoints");
  std::ofstream(unknown) << "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t-32.83\t-70.61\t820\t1\n"
                         << "1\t0\t3\t84\t0\t0\t0\t0\t-32.83\t-70.60\t100\t1\n";
  r = test::run_vigia({"check", unknown, "--dem", dem});
  CHECK(r.code == 2);
  CHECK(one_line(r));
  CHECK(r.err.find("item 1") != std::string::npos);
  CHECK(r.err.find("MAV_CMD 84") != std::string::npos);

  const std::string far = tmp.file("far.waypoints");
  std::ofstream(far) << "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t-16.05\t-68.68\t3850\t1\n"
                     << "1\t0\t3\t16\t0\t0\t0\t0\t-16.06\t-68.69\t300\t1\n";
  r = test::run_vigia({"check", far, "--dem", dem});
  CHECK(r.code == 2);
  CHECK(one_line(r));
  CHECK(r.err.find("does not cover") != std::string::npos);
}
