// The scenario file of `vigia plan`: the bundled sample reads into the settings it
// names; every kind of mistake is refused with the file, the line and the field.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/planner/scenario.hpp"

using namespace vigia;
using namespace vigia::planner;
namespace fs = std::filesystem;

namespace {
std::string write(const test::TempDir& tmp, const std::string& text) {
  const std::string path = tmp.file("scenario.toml");
  std::ofstream(path) << text;
  return path;
}

const char* kMinimal = R"([dem]
files = "dem.tif"
[border]
file = "border.geojson"
[own_side]
point = [-70.6, -32.8]
[[bases]]
name = "B"
lon = -70.61
lat = -32.83
)";
}  // namespace

TEST_CASE("The bundled sample scenario reads into its settings", "[scenario]") {
  const Scenario s = read_scenario(test::project_data("sample_scenario.toml"));
  const MissionConfig& m = s.mission;
  CHECK(s.name == "Chile-Argentina, S33W071 sample");
  CHECK(s.sha256.size() == 64);
  REQUIRE(m.area.dem.size() == 1);
  // Relative paths resolve against the scenario's folder.
  CHECK(m.area.dem[0] == test::project_data("S33W071_srtm3.tif"));
  CHECK(fs::exists(m.area.border));
  CHECK(m.area.own_where == "A3 = 'CHL'");
  CHECK(m.area.corridor.own_width_m == 10000.0);
  CHECK(m.area.corridor.far_width_m == 5000.0);
  CHECK(m.area.airspace.standoff_m == 2000.0);
  REQUIRE(m.bases.size() == 1);
  CHECK(m.bases[0].x == -70.61);
  CHECK(m.base_names[0] == "Los Andes");
  REQUIRE(m.station_list.size() == 2);
  CHECK(m.station_list[0].antenna_agl_m == 15.0);
  CHECK(m.station_list[1].range_m == 200000.0);
  CHECK(m.aircraft.name == "mohajer6");
  CHECK(m.aircraft.endurance_h == 3.0);   // overridden
  CHECK(m.aircraft.ceiling_m == 5400.0);  // the preset's
  CHECK(m.aircraft_count == 2);
  CHECK(m.sensor.task.name == "vehicle-recognise");
  CHECK(m.sensor.task.range_m == 5300.0);
  CHECK(m.aggregate == 3);
  CHECK(m.points == 20);
  CHECK(m.persistent == 0);
  CHECK(m.loiter_s == 180.0);
  CHECK(m.route_time_limit_s == 30.0);
  CHECK(fs::path(s.output_dir).filename() == "sample_plan");
}

TEST_CASE("Scenario defaults and the persistent objective", "[scenario]") {
  test::TempDir tmp;
  const Scenario s = read_scenario(write(tmp, std::string(kMinimal) +
                                                  "[aircraft]\ncount = 3\n[mission]\nobjective = "
                                                  "\"persistent\"\n[sensor]\nrange_km = 7.5\n"));
  CHECK(s.mission.persistent == 3);
  CHECK(s.mission.sensor.task.name == "vehicle-detect");
  CHECK(s.mission.sensor.task.range_m == 7500.0);
  CHECK(s.mission.area.dem[0] == tmp.file("dem.tif"));
  CHECK(s.mission.area.own_point.has_value());
  CHECK(s.output_dir.empty());
  CHECK(s.mission.aircraft.endurance_h == 12.0);
  CHECK(s.mission.loiter_s == 300.0);
}

TEST_CASE("Scenario mistakes name the file, the line and the field", "[scenario]") {
  test::TempDir tmp;
  struct Case {
    std::string text;
    std::string message;
  };
  const std::string base = kMinimal;
  const std::vector<Case> cases = {
      {base + "[aircraft]\nendurance = 5\n", "line 12: [aircraft] unknown field 'endurance'"},
      {base + "[aircraft]\nendurance_h = \"long\"\n",
       "line 12: [aircraft] endurance_h: expected a number (hours)"},
      {base + "[aircraft]\nreserve = 1.5\n", "line 12: [aircraft] reserve: 1.5 is out of range"},
      {base + "[aircraft]\npreset = \"reaper\"\n",
       "[aircraft] preset: 'reaper' is not allowed (allowed: mohajer6)"},
      {base + "[sensor]\ntask = \"cat-detect\"\n", "allowed: person-detect"},
      {base + "[mision]\nseed = 2\n", "line 11: unknown section 'mision'"},
      {base + "[mission]\nobjective = \"fastest\"\n", "allowed: coverage, persistent"},
      {base + "[candidates]\ntiers = 2.5\n", "[candidates] tiers: expected a whole number"},
      {base + "[airspace]\nno_fly = 3\n", "[airspace] no_fly: expected a string or a list"},
      {"[border]\nfile = \"b.geojson\"\n", "[dem] files: missing"},
      {std::string(kMinimal).replace(std::string(kMinimal).find("[[bases]]"), 9, "[[basis]]"),
       "unknown section 'basis'"},
      {"[dem]\nfiles = \"d.tif\"\n[border]\nfile = \"b.geojson\"\n[own_side]\n"
       "territory = \"c.geojson\"\npoint = [1, 2]\n",
       "[own_side]: give exactly one of territory"},
      {base + "[aircraft]\ncount = 2\n[[bases]]\nlon = 1\nlat = 2\n[[bases]]\nlon = 1\nlat = 3\n",
       "one base for all aircraft or one per aircraft"},
      {base + "[datalink]\nmandatory = true\n", "a mandatory datalink needs ground stations"},
      {base + "x = = 1\n", "line 11:"},
      {base + "[[stations]]\nname = \"s\"\nlon = 200\nlat = 0\n",
       "[stations] lon: 200 is out of range"},
  };
  for (const auto& c : cases) {
    const std::string path = write(tmp, c.text);
    INFO(c.text);
    CHECK_THROWS_WITH(read_scenario(path), Catch::Contains(c.message));
    CHECK_THROWS_WITH(read_scenario(path), Catch::StartsWith(path));
  }
  CHECK_THROWS_WITH(read_scenario(tmp.file("none.toml")), Catch::Contains("no such scenario"));
}
