// `vigia check` end to end: every mission file `vigia plan` exports (sorties and a
// persistent patrol on the bundled sample, sorties over Lake Titicaca from Achacachi)
// flies safe under both firmware rules; a hand-made QGroundControl plan flown into a
// ridge is caught and the item named; bad mission files end with one line and exit 2.

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.hpp"
#include "vigia/geo/gdal_session.hpp"

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
    << base << "\n[aircraft]\ncount = 2\nendurance_h = " << (objective == "persistent" ? 4 : 2)
    << "\n[sensor]\ntask = \"vehicle-recognise\"\n"
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

namespace {

struct P3 {
  double x, y, z;  ///< metres east and north of a reference, m AMSL
};

/// The 3-D lines of a GeoPackage layer (lon/lat/z), in metres around (lon0, lat0),
/// filtered by an attribute filter.
std::vector<std::vector<P3>> lines_of(const std::string& path, const std::string& layer,
                                      const std::string& where, double lon0, double lat0) {
  GDALDataset* ds = static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  REQUIRE(ds != nullptr);
  OGRLayer* l = ds->GetLayerByName(layer.c_str());
  REQUIRE(l != nullptr);
  l->SetAttributeFilter(where.c_str());
  std::vector<std::vector<P3>> out;
  const double kx = 111320.0 * std::cos(lat0 * M_PI / 180.0), ky = 110950.0;
  for (auto& f : *l) {
    const OGRLineString* g = f->GetGeometryRef()->toLineString();
    std::vector<P3> line;
    for (int i = 0; i < g->getNumPoints(); ++i)
      line.push_back({(g->getX(i) - lon0) * kx, (g->getY(i) - lat0) * ky, g->getZ(i)});
    out.push_back(line);
  }
  GDALClose(ds);
  return out;
}

}  // namespace

TEST_CASE("The planned path and the exported file describe the same flight", "[cli][check]") {
  geo::gdal_init();
  test::TempDir tmp;
  const std::string dem = test::project_data("S33W071_srtm3.tif");
  const std::string toml =
      scenario(tmp, "same", dem, test::project_data("chile_argentina_border_osm_S33W071.geojson"),
               test::project_data("countries_S33W071_osm.geojson"), "CHL",
               "lon = -70.61\nlat = -32.83", "coverage");
  const std::string out = tmp.file("same");
  REQUIRE(test::run_vigia({"plan", toml, "--out", out, "-q"}).code == 0);
  const std::string flown = tmp.file("flown.gpkg");
  // Along the glide slope (ArduPlane with GLIDE_SLOPE_MIN 0): the profile as planned.
  const auto r = test::run_vigia({"check", out + "/aircraft_1.plan", "--dem", dem, "--firmware",
                                  "ardupilot", "--glide-slope-min", "0", "--violations", flown});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto planned = lines_of(out + "/plan.gpkg", "routes", "name = 'aircraft 1'", -70.61, -32.83);
  const auto model = lines_of(flown, "flight", "", -70.61, -32.83);
  REQUIRE(planned.size() == 1);
  REQUIRE(model.size() == 1);
  // The planned path densified to 2 m and bucketed by 50 m cells.
  std::vector<P3> dense;
  const auto& pl = planned[0];
  for (std::size_t i = 1; i < pl.size(); ++i) {
    const double len = std::hypot(pl[i].x - pl[i - 1].x, pl[i].y - pl[i - 1].y);
    const int n = std::max(1, static_cast<int>(std::ceil(len / 2.0)));
    for (int k = 0; k < n; ++k) {
      const double f = static_cast<double>(k) / n;
      dense.push_back({pl[i - 1].x + f * (pl[i].x - pl[i - 1].x), pl[i - 1].y + f * (pl[i].y - pl[i - 1].y),
                       pl[i - 1].z + f * (pl[i].z - pl[i - 1].z)});
    }
  }
  dense.push_back(pl.back());
  std::map<std::pair<long, long>, std::vector<std::size_t>> cells;
  const auto key = [](double x, double y) {
    return std::pair<long, long>{static_cast<long>(std::floor(x / 50.0)), static_cast<long>(std::floor(y / 50.0))};
  };
  for (std::size_t i = 0; i < dense.size(); ++i) cells[key(dense[i].x, dense[i].y)].push_back(i);
  double worst_lateral = 0.0, worst_below = -INFINITY;
  for (const P3& q : model[0]) {
    const auto [cx, cy] = key(q.x, q.y);
    double best = INFINITY, lowest_near = INFINITY;
    for (long dx = -1; dx <= 1; ++dx)
      for (long dy = -1; dy <= 1; ++dy) {
        const auto it = cells.find({cx + dx, cy + dy});
        if (it == cells.end()) continue;
        for (const std::size_t i : it->second) {
          const double d = std::hypot(dense[i].x - q.x, dense[i].y - q.y);
          best = std::min(best, d);
          if (d <= 27.0) lowest_near = std::min(lowest_near, dense[i].z);
        }
      }
    worst_lateral = std::max(worst_lateral, best);
    // Not below every planned point beside it (the spirals pass over themselves at
    // other altitudes).
    if (std::isfinite(lowest_near)) worst_below = std::max(worst_below, lowest_near - q.z);
  }
  INFO("worst lateral " << worst_lateral << " m, worst below " << worst_below << " m");
  CHECK(worst_lateral <= 25.0 + 2.0);  // + the equirectangular metres and the 2 m densifying
  CHECK(worst_below <= 1.0 + 0.5);
}
