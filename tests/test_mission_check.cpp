// Mission files and how vigia check flies them: QGroundControl .plan and QGC WPL 110
// read alike (and refused with the file and the item named), the flight model's
// rules item by item (ArduPlane and PX4), and the safety check over synthetic DEMs.

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "support.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/spatial_ref.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/planner/aircraft.hpp"
#include "vigia/planner/mission_check.hpp"
#include "vigia/planner/mission_file.hpp"

using namespace vigia;
using namespace vigia::planner;
using Catch::Matchers::Contains;

namespace {

constexpr double kPi = std::numbers::pi;
// Home in UTM 19S (the CRS of test::make_dem, 400000..440000 E, 8260000..8300000 N),
// so fly_mission's local CRS is the DEM's and offsets are metres east and north.
constexpr geo::Point2 kHome{410000.0, 8280000.0};
constexpr double kHomeZ = 1000.0;
const double kV = 150.0 / 3.6;   // mohajer6 cruise, m/s
const double kClimb = 5.0 / kV;  // climb (and descent) gradient: 0.12

geo::Point2 to_ll(geo::Point2 utm) {
  static const geo::Transformer t(geo::SpatialRef::from_epsg(32719), geo::SpatialRef::wgs84());
  return t(utm);
}
geo::Point2 at(double east, double north) {
  return {kHome.x + east, kHome.y + north};
}
double dist(geo::Point2 a, geo::Point2 b) {
  return std::hypot(a.x - b.x, a.y - b.y);
}

MissionItem nav(int command, int frame, double east, double north, double alt,
                std::array<double, 4> params = {0, 0, 0, 0}) {
  MissionItem it;
  it.command = command;
  it.frame = frame;
  for (int k = 0; k < 4; ++k) it.params[k] = params[static_cast<std::size_t>(k)];
  const geo::Point2 ll = to_ll(at(east, north));
  it.position = {ll.x, ll.y, alt};
  return it;
}
MissionItem takeoff(double east, double north, double above_home) {
  return nav(mav::kTakeoff, mav::kFrameRelative, east, north, above_home);
}
MissionItem wp(double east, double north, double alt, int frame = mav::kFrameRelative) {
  return nav(mav::kWaypoint, frame, east, north, alt);
}
/// A command without a position (RETURN_TO_LAUNCH, DO_JUMP).
MissionItem command(int command, double p1 = 0, double p2 = 0) {
  MissionItem it;
  it.command = command;
  it.frame = mav::kFrameMission;
  it.has_position = false;
  it.params[0] = p1;
  it.params[1] = p2;
  it.jump_target = command == mav::kDoJump ? static_cast<int>(p1) - 1 : -1;
  return it;
}
Mission mission(std::vector<MissionItem> items) {
  Mission m;
  const geo::Point2 ll = to_ll(kHome);
  m.home = {ll.x, ll.y, kHomeZ};
  m.items = std::move(items);
  return m;
}
FlightModelOptions firmware(Firmware f, double loiter_radius = 0.0) {
  return {.firmware = f, .loiter_radius_m = loiter_radius};
}
const Aircraft kAc = aircraft_preset("mohajer6");
std::vector<const ModelSample*> samples_of(const FlownMission& f, int item) {
  std::vector<const ModelSample*> out;
  for (const auto& q : f.samples)
    if (q.item == item) out.push_back(&q);
  return out;
}
bool has_note(const FlownMission& f, const std::string& text) {
  return std::any_of(f.notes.begin(), f.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}
terrain::Dem flat_dem(double z) {
  return test::make_dem(400, 400, 100.0, [z](int, int) { return z; });
}
/// Flat at 1000 m with a north-south ridge 2500 m high 10.0-10.6 km east of home.
terrain::Dem ridge_dem() {
  return test::make_dem(400, 400, 100.0,
                        [](int, int c) { return c >= 200 && c <= 205 ? 2500.0 : 1000.0; });
}
const Violation* find(const FlightCheck& c, const std::string& what, int item) {
  for (const auto& v : c.violations)
    if (v.what == what && v.item == item) return &v;
  return nullptr;
}
/// How much the worst `what` violation of `item` is (NaN: there is none).
double by(const FlightCheck& c, const std::string& what, int item) {
  const Violation* v = find(c, what, item);
  return v ? v->by : NAN;
}
int count(const FlightCheck& c, const std::string& what) {
  return static_cast<int>(std::count_if(c.violations.begin(), c.violations.end(),
                                        [&](const Violation& v) { return v.what == what; }));
}

/// Reading `text` as a mission file throws Error naming the file and saying `parts`.
void refused(const std::string& path, const std::string& text,
             const std::vector<std::string>& parts) {
  geo::write_text_file(path, text);
  CAPTURE(text);
  try {
    (void)read_mission_file(path);
    FAIL("read without an error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Contains(path));
    for (const auto& part : parts) CHECK_THAT(e.what(), Contains(part));
  }
}

nlohmann::json simple(int command, int frame, nlohmann::json params, int id) {
  return {{"type", "SimpleItem"}, {"command", command}, {"frame", frame},
          {"params", params},     {"doJumpId", id},     {"autoContinue", true}};
}
nlohmann::json plan_of(const nlohmann::json& items) {
  return {{"fileType", "Plan"},
          {"version", 1},
          {"mission",
           {{"version", 2}, {"plannedHomePosition", {-15.5, -69.8, 1000}}, {"items", items}}}};
}

/// A QGroundControl plan: items of every kind (frames 11 and 6 are the _INT forms of 10
/// and 3), a DO_JUMP to doJumpId 2 repeated 3 times, a fence of polygons and circles.
std::string sample_plan() {
  nlohmann::json p =
      plan_of({simple(22, 3, {15, 0, 0, nullptr, -15.49, -69.79, 300}, 1),
               simple(16, 0, {0, 0, 0, nullptr, -15.45, -69.75, 1500}, 2),
               simple(19, 3, {60, 0, -400, 0, -15.44, -69.7, 500}, 3),
               simple(178, 2, {1, 30, -1, 0, 0, 0, 0}, 4), simple(177, 2, {2, 3, 0, 0, 0, 0, 0}, 5),
               simple(31, 11, {1, 350, 0, 0, -15.42, -69.72, 300}, 6),
               simple(21, 6, {0, 0, 0, nullptr, -15.5, -69.8, 0}, 7)});
  p["geoFence"] = nlohmann::json::parse(R"({"version": 2, "polygons": [
    {"inclusion": true, "polygon": [[-15.3, -69.9], [-15.3, -69.6], [-15.6, -69.6], [-15.6, -69.9]]},
    {"inclusion": false, "polygon": [[-15.45, -69.74], [-15.45, -69.73], [-15.46, -69.73]]}],
    "circles": [{"inclusion": true, "circle": {"center": [-15.5, -69.8], "radius": 500}},
                {"inclusion": false, "circle": {"center": [-15.4, -69.7], "radius": 200}}]})");
  return p.dump(2);
}

const char* kWpl =
    "QGC WPL 110\n"
    "0\t1\t0\t16\t0\t0\t0\t0\t-15.5\t-69.8\t1000\t1\n"
    "1\t0\t3\t22\t15\t0\t0\tnan\t-15.49\t-69.79\t300\t1\n"
    "2\t0\t0\t16\t0\t0\t0\tnan\t-15.45\t-69.75\t1500\t1\n"
    "3\t0\t3\t19\t60\t0\t-400\t0\t-15.44\t-69.7\t500\t1\n"
    "4\t0\t2\t178\t1\t30\t-1\t0\t0\t0\t0\t1\n"
    "5\t0\t2\t177\t2\t3\t0\t0\t0\t0\t0\t1\n"
    "6\t0\t10\t31\t1\t350\t0\t0\t-15.42\t-69.72\t300\t1\n"
    "7\t0\t3\t21\t0\t0\t0\tnan\t-15.5\t-69.8\t0\t1\n";

}  // namespace

// ---------------------------------------------------------------------------- files

TEST_CASE(
    "Mission files: a .plan and the same mission as QGC WPL 110 read identical, with the fence",
    "[mission]") {
  const test::TempDir tmp;
  geo::write_text_file(tmp.file("m.plan"), sample_plan());
  geo::write_text_file(tmp.file("m.waypoints"), kWpl);
  const Mission p = read_mission_file(tmp.file("m.plan"));
  const Mission w = read_mission_file(tmp.file("m.waypoints"));
  for (const Mission* m : {&p, &w}) {
    CHECK(m->home.x == Approx(-69.8));
    CHECK(m->home.y == Approx(-15.5));
    CHECK(m->home.z == Approx(1000.0));
    REQUIRE(m->items.size() == 7);
    const std::vector<int> commands{22, 16, 19, 178, 177, 31, 21};
    // _INT frames (11, 6) are their plain forms; commands without a position are frame 2.
    const std::vector<int> frames{3, 0, 3, 2, 2, 10, 3};
    for (std::size_t i = 0; i < 7; ++i) {
      CAPTURE(i);
      CHECK(m->items[i].command == commands[i]);
      CHECK(m->items[i].frame == frames[i]);
      CHECK(m->items[i].has_position == (i != 3 && i != 4));
      CHECK(m->items[i].jump_target == (i == 4 ? 1 : -1));  // doJumpId 2 / WPL item 2: index 1
    }
    CHECK(m->items[0].yaw_unset);
    CHECK_FALSE(m->items[2].yaw_unset);
    CHECK(m->items[2].params[2] == -400.0);
    CHECK(m->items[4].params[1] == 3.0);
    CHECK(m->items[5].position.x == Approx(-69.72));
    CHECK(m->items[5].position.y == Approx(-15.42));
    CHECK(m->items[5].position.z == 300.0);
  }
  for (std::size_t i = 0; i < 7; ++i) {
    CAPTURE(i);
    CHECK(p.items[i].position == w.items[i].position);
    for (int k = 0; k < 4; ++k) {
      const double a = p.items[i].params[k], b = w.items[i].params[k];
      CHECK(((std::isnan(a) && std::isnan(b)) || a == b));
    }
  }
  // The fence: polygons ([lat, lon] points, closed) and circles as polygons (WPL has none).
  CHECK(w.fence_inclusion.empty());
  REQUIRE(p.fence_inclusion.size() == 2);  // the polygon, then the circle
  REQUIRE(p.fence_exclusion.size() == 2);
  const geo::Ring& box = p.fence_inclusion[0].rings.at(0);
  REQUIRE(box.size() == 5);  // closed
  CHECK(box.front() == box.back());
  CHECK(box[1] == geo::Point2{-69.6, -15.3});  // [lat, lon] -> (lon, lat)
  CHECK(p.fence_exclusion[0].rings.at(0).size() == 4);
  CHECK(p.fence_exclusion[0].rings[0][2] == geo::Point2{-69.73, -15.46});
  // Circles become polygons at their radius (measured in UTM, within 1 %).
  const auto radius_ok = [](const geo::Polygon& pg, geo::Point2 centre, double r) {
    const geo::Transformer t(geo::SpatialRef::wgs84(), geo::SpatialRef::from_epsg(32719));
    const geo::Point2 c = t(centre);
    REQUIRE(pg.rings.at(0).size() >= 16);
    for (const auto& v : pg.rings[0]) CHECK(dist(t(v), c) == Approx(r).epsilon(0.01));
  };
  radius_ok(p.fence_inclusion[1], {-69.8, -15.5}, 500.0);
  radius_ok(p.fence_exclusion[1], {-69.7, -15.4}, 200.0);
}

TEST_CASE("Mission files: bad input names the file and the item", "[mission]") {
  const test::TempDir tmp;
  const std::string f = tmp.file("bad.plan");
  const auto wp = simple(16, 0, {0, 0, 0, 0, -15.45, -69.75, 1500}, 1);
  refused(f, "this is not a mission\n", {"not a mission file"});
  refused(f, R"({"fileType": "GeoFence", "version": 1})", {"not a QGroundControl plan"});
  const nlohmann::json complex_item = {{"type", "ComplexItem"}, {"complexItemType", "survey"}};
  refused(f, plan_of({wp, complex_item}).dump(), {"item 2", "complex items"});
  refused(f, plan_of({wp, simple(84, 3, {0, 0, 0, 0, -15.4, -69.7, 0}, 2)}).dump(),
          {"item 2", "MAV_CMD 84", "NAV_WAYPOINT (16)"});  // and what is allowed
  refused(f, plan_of({wp, simple(16, 1, {0, 0, 0, 0, -15.4, -69.7, 100}, 2)}).dump(),
          {"item 2", "frame 1", "allowed"});
  nlohmann::json no_home = plan_of({wp});
  no_home["mission"].erase("plannedHomePosition");
  refused(f, no_home.dump(), {"no home position"});
  refused(f, plan_of({wp, simple(177, 2, {9, 1, 0, 0, 0, 0, 0}, 2)}).dump(),
          {"item 2", "DO_JUMP to doJumpId 9"});

  const std::string g = tmp.file("bad.waypoints");
  const std::string head =
      "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t-15.5\t-69.8\t1000\t1\n"
      "1\t0\t0\t16\t0\t0\t0\t0\t-15.45\t-69.75\t1500\t1\n";
  refused(g, head + "2\t0\t0\t84\t0\t0\t0\t0\t-15.4\t-69.7\t1500\t1\n", {"item 2", "MAV_CMD 84"});
  refused(g, head + "2\t0\t1\t16\t0\t0\t0\t0\t-15.4\t-69.7\t1500\t1\n", {"item 2", "frame 1"});
  refused(g, head + "2\t0\t2\t177\t9\t1\t0\t0\t0\t0\t0\t1\n", {"item 2", "DO_JUMP to item 9"});
  // A line short of a field is named by its line (the 4th of the file), not an item.
  refused(g, head + "2\t0\t0\t16\t0\t0\t0\t-15.4\t-69.7\t1500\t1\n", {g + ":4", "11 fields", "12"});
  refused(g, "QGC WPL 110\n", {"no home position"});
  refused(g, "QGC WPL 110\n1\t0\t0\t16\t0\t0\t0\t0\t-15.45\t-69.75\t1500\t1\n", {"home"});
}

TEST_CASE("Mission files: a UTF-8 BOM and CRLF before QGC WPL 110 are accepted", "[mission]") {
  const test::TempDir tmp;
  std::string text = "\xEF\xBB\xBF";
  for (const char* c = kWpl; *c; ++c) text += *c == '\n' ? std::string("\r\n") : std::string(1, *c);
  geo::write_text_file(tmp.file("bom.waypoints"), text);
  const Mission m = read_mission_file(tmp.file("bom.waypoints"));
  REQUIRE(m.items.size() == 7);
  CHECK(m.home.y == Approx(-15.5));
  CHECK(m.items[6].command == mav::kLand);
}

// ---------------------------------------------------------------------- flight model

TEST_CASE("Flight model: NAV_TAKEOFF climbs at the climb gradient on the take-off heading",
          "[mission]") {
  // Toward the item's position (3 km east, 4 km north), 300 m above home: 2500 m of climb.
  Mission m = mission({takeoff(3000, 4000, 300), wp(3000, 8000, 300)});
  const FlownMission fl = fly_mission(m, kAc, {}, nullptr);
  CHECK((dist(fl.samples.front().xy, kHome) < 1e-3 && fl.samples.front().altitude_m == kHomeZ));
  const auto climb = samples_of(fl, 0);
  REQUIRE(climb.size() > 10);
  for (const auto* q : climb) {
    CHECK(q->phase == ModelPhase::Takeoff);
    CHECK(q->altitude_m - kHomeZ == Approx(kClimb * dist(q->xy, kHome)).margin(0.01));
  }
  CHECK(dist(climb.back()->xy, at(1500, 2000)) < 0.5);  // 2500 m along the bearing
  CHECK(climb.back()->altitude_m == Approx(1300.0));

  SECTION("no position: its yaw; no yaw: toward the next item") {
    m.items[0].position.x = m.items[0].position.y = 0.0;
    m.items[0].params[3] = 90.0;  // compass: east
    const FlownMission east = fly_mission(m, kAc, {}, nullptr);
    CHECK(dist(samples_of(east, 0).back()->xy, at(2500, 0)) < 0.5);
    m.items[0].params[3] = NAN;
    m.items[0].yaw_unset = true;
    const FlownMission next = fly_mission(m, kAc, {}, nullptr);
    const double u = 2500.0 / std::hypot(3000.0, 8000.0);  // toward (3000, 8000)
    CHECK(dist(samples_of(next, 0).back()->xy, at(3000 * u, 8000 * u)) < 0.5);
  }
}

TEST_CASE("Flight model: NAV_WAYPOINT legs, glide slope and rate limits by firmware", "[mission]") {
  // Take-off ends 2500 m east at 1300 m AMSL; then legs of 10 km and a steep one.
  const Mission m =
      mission({takeoff(5000, 0, 300), wp(12500, 0, 1500, 0), wp(12500, 10000, 1510, 0),
               wp(2500, 10000, 1530, 0), wp(2500, 9000, 2030, 0)});
  const FlownMission ap = fly_mission(m, kAc, firmware(Firmware::ArduPlane), nullptr);
  const FlownMission px = fly_mission(m, kAc, firmware(Firmware::PX4), nullptr);
  for (const FlownMission* fl : {&ap, &px}) {
    // Straight legs: every sample of leg 1 on the line north = 0; no climb faster than the rate.
    for (const auto* q : samples_of(*fl, 1)) CHECK(std::abs(q->xy.y - kHome.y) < 1e-3);
    for (std::size_t k = 1; k < fl->samples.size(); ++k) {
      const auto &a = fl->samples[k - 1], &b = fl->samples[k];
      CHECK(b.altitude_m - a.altitude_m <= kClimb * dist(a.xy, b.xy) + 1e-6);
    }
    // Item 4 commands 500 m over 1 km: steeper than 12 %. The flight lags.
    REQUIRE(fl->gradients.size() == 1);
    CHECK(fl->gradients[0].item == 4);
    CHECK(fl->gradients[0].gradient == Approx(0.5).margin(0.01));
    CHECK(fl->gradients[0].allowed == Approx(kClimb));
    CHECK(samples_of(*fl, 4).back()->altitude_m == Approx(1530.0 + kClimb * 1000.0).margin(0.5));
  }
  // ArduPlane: 200 m (>= 15 m) linearly along leg 1; 10 m at once; 20 m linearly.
  for (const auto* q : samples_of(ap, 1))
    CHECK(q->altitude_m ==
          Approx(1300.0 + 200.0 * dist(q->xy, at(2500, 0)) / 10000.0).margin(0.01));
  const auto ap2 = samples_of(ap, 2);
  CHECK(ap2.front()->altitude_m == Approx(1500.0 + kClimb * 20.0));  // first 20 m: at the rate
  CHECK(ap2[10]->altitude_m == Approx(1510.0));
  for (const auto* q : samples_of(ap, 3))
    CHECK(q->altitude_m ==
          Approx(1510.0 + 20.0 * dist(q->xy, at(12500, 10000)) / 10000.0).margin(0.01));
  // PX4: at once, at the climb rate.
  for (const auto* q : samples_of(px, 1))
    CHECK(q->altitude_m ==
          Approx(std::min(1500.0, 1300.0 + kClimb * dist(q->xy, at(2500, 0)))).margin(0.01));
  CHECK(samples_of(px, 3).front()->altitude_m == Approx(1510.0 + kClimb * 20.0));
}

TEST_CASE("Flight model: altitude frames 0, 3 and 10", "[mission]") {
  const terrain::Dem dem = flat_dem(800.0);  // the terrain differs from home (1000 m)
  Mission m = mission({takeoff(5000, 0, 300), wp(15000, 0, 600, 10), wp(15000, 10000, 450),
                       wp(5000, 10000, 1420, 0)});
  const FlownMission fl = fly_mission(m, kAc, firmware(Firmware::PX4), &dem);
  CHECK(samples_of(fl, 0).back()->altitude_m == Approx(1300.0));  // home + 300
  CHECK(samples_of(fl, 1).back()->altitude_m == Approx(1400.0));  // terrain 800 + 600
  CHECK(samples_of(fl, 2).back()->altitude_m == Approx(1450.0));  // home + 450
  CHECK(samples_of(fl, 3).back()->altitude_m == Approx(1420.0));  // AMSL
  m.source = "frames.plan";
  CHECK_THROWS_WITH(fly_mission(m, kAc, {}, nullptr),
                    Contains("frames.plan: item 2") && Contains("frame 10"));
  m.items[1] = wp(35000, 0, 600, 10);  // beyond the DEM
  CHECK_THROWS_WITH(fly_mission(m, kAc, {}, &dem),
                    Contains("item 2") && Contains("does not cover"));
}

TEST_CASE("Flight model: loiter radius and length by firmware", "[mission]") {
  struct Case {
    Firmware fw;
    int command;
    double setting, param, turns_or_s;
    double radius;
    bool note;
  };
  const Case cases[] = {
      // ArduPlane TIME: WP_LOITER_RAD (the turn radius when 0), not param3.
      {Firmware::ArduPlane, mav::kLoiterTime, 500, 1000, 60, 500, false},
      {Firmware::ArduPlane, mav::kLoiterTime, 0, 1000, 60, 300, false},
      {Firmware::ArduPlane, mav::kLoiterTime, 200, 1000, 60, 300, true},  // tighter than a turn
      {Firmware::PX4, mav::kLoiterTime, 500, 1000, 60, 1000, false},      // |param3|
      {Firmware::PX4, mav::kLoiterTime, 500, -700, 60, 700, false},
      {Firmware::PX4, mav::kLoiterTime, 500, 0, 60, 500, false},  // NAV_LOITER_RAD
      {Firmware::PX4, mav::kLoiterTime, 0, 100, 60, 300, true},
      {Firmware::ArduPlane, mav::kLoiterTurns, 500, 400, 2, 400, false},  // TURNS: param3
      {Firmware::PX4, mav::kLoiterTurns, 0, -500, 3, 500, false},
  };
  for (const Case& c : cases) {
    CAPTURE(to_string(c.fw), c.command, c.setting, c.param);
    const Mission m = mission(
        {takeoff(5000, 0, 300), nav(c.command, 3, 10000, 0, 300, {c.turns_or_s, 0, c.param, 0})});
    const FlownMission fl = fly_mission(m, kAc, firmware(c.fw, c.setting), nullptr);
    REQUIRE(fl.loiters.size() == 1);
    const ModelLoiter& lo = fl.loiters[0];
    CHECK(lo.item == 1);
    CHECK(lo.radius_m == Approx(c.radius));
    CHECK(dist(lo.centre, at(10000, 0)) < 0.01);
    for (std::size_t k = lo.first; k <= lo.last; ++k)
      CHECK(dist(fl.samples[k].xy, lo.centre) == Approx(c.radius));
    const double arc = fl.samples[lo.last].s - fl.samples[lo.first].s;
    const double expected =
        c.command == mav::kLoiterTime ? c.turns_or_s * kV : c.turns_or_s * 2 * kPi * c.radius;
    CHECK(arc == Approx(expected).epsilon(1e-3));
    CHECK(has_note(fl, "tighter") == c.note);
  }
}

TEST_CASE("Flight model: NAV_LOITER_TO_ALT climbs at the rate, then leaves on the tangent",
          "[mission]") {
  // Take-off ends at (2500, 0) 1300 m; the circle (radius 500, clockwise) is 1 km on.
  const auto fly = [](double heading_required, geo::Point2 next) {
    const Mission m =
        mission({takeoff(5000, 0, 300),
                 nav(mav::kLoiterToAlt, 3, 3500, 0, 800, {heading_required, 500, 0, 0}),
                 wp(next.x, next.y, 800)});
    return fly_mission(m, kAc, firmware(Firmware::ArduPlane), nullptr);
  };
  const auto reached = [](const FlownMission& fl) {
    const ModelLoiter& lo = fl.loiters.at(0);
    std::size_t k = lo.first;
    while (k < lo.last && fl.samples[k].altitude_m < 1800.0 - 1e-6) ++k;
    REQUIRE(fl.samples[k].altitude_m == Approx(1800.0));
    // Climbing around the circle the whole way at the climb rate.
    const double z0 = fl.samples[lo.first].altitude_m;
    CHECK(z0 < 1500.0);
    CHECK(fl.samples[k].s - fl.samples[lo.first].s == Approx((1800.0 - z0) / kClimb).margin(1.0));
    return k;
  };
  SECTION("heading required, next item outside: on the tangent toward it") {
    const geo::Point2 w = at(3500, 8000);
    const FlownMission fl = fly(1, {3500, 8000});
    const ModelLoiter& lo = fl.loiters.at(0);
    const std::size_t k = reached(fl);
    CHECK(fl.samples[lo.last].s - fl.samples[k].s < 2 * kPi * 500.0);
    const geo::Point2 p = fl.samples[lo.last].xy, c = lo.centre;
    const double a = std::atan2(p.y - c.y, p.x - c.x);
    const geo::Point2 cw{std::sin(a), -std::cos(a)};  // clockwise motion at angle a
    const double d = dist(w, p);
    CHECK((w.x - p.x) / d * cw.x + (w.y - p.y) / d * cw.y == Approx(1.0).margin(1e-6));
  }
  SECTION("no heading required: leaves where the altitude is reached") {
    const FlownMission fl = fly(0, {3500, 8000});
    CHECK(fl.samples[fl.loiters.at(0).last].s - fl.samples[reached(fl)].s <= 20.0 + 1e-6);
  }
  SECTION("heading required, next item inside the circle: leaves at once") {
    const FlownMission fl = fly(1, {3700, 100});
    CHECK(fl.samples[fl.loiters.at(0).last].s - fl.samples[reached(fl)].s <= 20.0 + 1e-6);
  }
}

TEST_CASE("Flight model: DO_JUMP repeats count in the length, -1 is unbounded", "[mission]") {
  // A (5 km E), B (5 km E, 5 km N), C (5 km N), jump back to A n times, then D (10 km N).
  const auto fly = [](int repeat) {
    const Mission m =
        mission({takeoff(5000, 0, 300), wp(5000, 0, 300), wp(5000, 5000, 300), wp(0, 5000, 300),
                 command(mav::kDoJump, 2, repeat), wp(0, 10000, 300)});
    return fly_mission(m, kAc, {}, nullptr);
  };
  // 2500 take-off + 2500 to A + (n + 1) laps A-B-C (10 km) + n times C-A + 5 km to D.
  const auto expected = [](int n) {
    return 10000.0 + (n + 1) * 10000.0 + n * 5000.0 * std::sqrt(2.0);
  };
  for (int n : {0, 1, 3}) {
    CAPTURE(n);
    const FlownMission fl = fly(n);
    CHECK(fl.bounded);
    CHECK(fl.length_m == Approx(expected(n)).epsilon(1e-6));
    CHECK(fl.duration_s == Approx(fl.length_m / kV));
    CHECK(dist(fl.samples.back().xy, at(0, 10000)) < 1e-3);  // goes on to D afterwards
  }
  const FlownMission forever = fly(-1);
  CHECK_FALSE(forever.bounded);
  CHECK(has_note(forever, "forever"));
  CHECK(samples_of(forever, 5).empty());
}

TEST_CASE("Flight model: NAV_LAND descends linearly and ends the flight", "[mission]") {
  Mission m = mission({takeoff(5000, 0, 300), wp(10000, 0, 300), nav(mav::kLand, 3, 10000, 5000, 0),
                       wp(0, 0, 300)});
  const FlownMission fl = fly_mission(m, kAc, {}, nullptr);
  const auto land = samples_of(fl, 2);
  REQUIRE(!land.empty());
  for (const auto* q : land) {
    CHECK(q->phase == ModelPhase::Land);
    CHECK(q->altitude_m ==
          Approx(1300.0 - 300.0 * dist(q->xy, at(10000, 0)) / 5000.0).margin(0.01));
  }
  CHECK(dist(fl.samples.back().xy, at(10000, 5000)) < 1e-3);
  CHECK(fl.samples.back().altitude_m == Approx(kHomeZ));
  CHECK(samples_of(fl, 3).empty());  // on the ground
  REQUIRE(fl.bases.size() == 2);
  CHECK(dist(fl.bases[1], at(10000, 5000)) < 1e-3);
  CHECK(fl.base_elevations[1] == Approx(kHomeZ));
  CHECK(fl.gradients.empty());
  CHECK(fl.length_m == Approx(15000.0).epsilon(1e-6));
  // 300 m down over 1 km: steeper than the aircraft descends; it lands long of the rate.
  m.items[2] = nav(mav::kLand, 3, 10000, 1000, 0);
  const FlownMission steep = fly_mission(m, kAc, {}, nullptr);
  REQUIRE(steep.gradients.size() == 1);
  CHECK(steep.gradients[0].item == 2);
  CHECK(steep.gradients[0].gradient == Approx(-0.3).margin(0.001));
  CHECK(steep.samples.back().altitude_m == Approx(1300.0 - kClimb * 1000.0).margin(0.5));
}

TEST_CASE("Flight model: NAV_RETURN_TO_LAUNCH flies home (PX4 at its altitude, ArduPlane "
          "gliding to ALT_HOLD_RTL) and circles",
          "[mission]") {
  const Mission m = mission({takeoff(5000, 0, 300), wp(10000, 0, 1500, 0),
                             command(mav::kReturnToLaunch), wp(0, 5000, 300)});
  {
    FlightModelOptions ardu;
    const FlownMission a = fly_mission(m, kAc, ardu, nullptr);
    const auto back = samples_of(a, 2);
    REQUIRE(!back.empty());
    // Down from 1500 m toward home + 100 m, no faster than the descent rate.
    CHECK(back.back()->altitude_m < 1500.0);
    CHECK(back.back()->altitude_m >= m.home.z + ardu.rtl_altitude_m - 1e-6);
  }
  FlightModelOptions px4;
  px4.firmware = Firmware::PX4;
  const FlownMission fl = fly_mission(m, kAc, px4, nullptr);
  const auto back = samples_of(fl, 2);
  REQUIRE(!back.empty());
  CHECK(samples_of(fl, 1).back()->altitude_m == Approx(1500.0));
  bool home_reached = false;
  for (const auto* q : back) {
    CHECK(q->altitude_m == Approx(1500.0));
    home_reached = home_reached || dist(q->xy, kHome) < 1.0;
  }
  CHECK(home_reached);
  REQUIRE(fl.loiters.size() == 1);
  CHECK(dist(fl.loiters[0].centre, kHome) < 1e-3);
  CHECK(fl.loiters[0].radius_m == Approx(300.0));
  CHECK(fl.samples.back().s - fl.samples[fl.loiters[0].first].s ==
        Approx(2 * kPi * 300.0).epsilon(1e-3));
  CHECK(samples_of(fl, 3).empty());
}

// ---------------------------------------------------------------------------- check

namespace {
/// Over flat ground at home's elevation: 400 m up, out 10 km east, 8 km north, back
/// to 4 km north of home and down to land at home (10 %: steeper than the 7.5 % ramp).
Mission safe_mission() {
  Mission m = mission({takeoff(5000, 0, 400), wp(10000, 0, 400), wp(10000, 8000, 400),
                       wp(0, 4000, 400), nav(mav::kLand, 3, 0, 0, 0)});
  m.source = "safe.plan";
  return m;
}
geo::Polygon box_ll(double e0, double n0, double e1, double n1) {
  geo::Ring r;
  for (geo::Point2 p : {at(e0, n0), at(e1, n0), at(e1, n1), at(e0, n1), at(e0, n0)})
    r.push_back(to_ll(p));
  return geo::Polygon{{r}};
}
}  // namespace

TEST_CASE("Check: a safe mission over flat ground has no violations", "[mission]") {
  const terrain::Dem dem = flat_dem(kHomeZ);
  for (Firmware fw : {Firmware::ArduPlane, Firmware::PX4}) {
    const FlightCheck c = check_mission(safe_mission(), dem, kAc, {}, firmware(fw));
    for (const auto& v : c.violations) UNSCOPED_INFO(describe(v));
    CHECK(c.safe());
    CHECK(c.max_altitude_m == Approx(1400.0));
    CHECK(c.min_clearance_beyond_m == Approx(400.0));
  }
}

TEST_CASE("Check: flying into a ridge is a terrain violation of that item", "[mission]") {
  const terrain::Dem dem = ridge_dem();
  Mission m =
      mission({takeoff(5000, 0, 500), wp(8000, 0, 500), wp(15000, 0, 500), wp(15000, 5000, 500)});
  const FlightCheck c = check_mission(m, dem, kAc, {}, {});
  CHECK_FALSE(c.safe());
  REQUIRE(count(c, "terrain") == 1);
  const Violation* v = find(c, "terrain", 2);  // the third item, 0-based
  REQUIRE(v);
  CHECK(v->by == Approx(1000.0).margin(1.0));
  CHECK(v->altitude_m == Approx(1500.0).margin(1.0));
  const double x =
      geo::Transformer(geo::SpatialRef::wgs84(), geo::SpatialRef::from_epsg(32719))(v->lonlat).x;
  CHECK((x > 419900.0 && x < 420700.0));
  CHECK_THAT(describe(*v), Contains("item 3") && Contains("terrain"));
  // At 2000 m along x = 420005 (0.45 post west of the crest, bilinear 1825 m): below
  // the highest post around it, 2500 m.
  m = mission(
      {takeoff(10005, -10000, 1000), wp(10005, -10000, 2000, 0), wp(10005, 10000, 2000, 0)});
  CHECK(by(check_mission(m, dem, kAc, {}, {}), "terrain", 2) == Approx(500.0).margin(1.0));
}

TEST_CASE("Check: a loiter is checked as a whole circle, not only the arc flown", "[mission]") {
  const terrain::Dem dem = ridge_dem();
  // A quarter lap (clockwise from the west point to the north one) of a 1600 m circle
  // whose east side reaches the ridge.
  const Mission m =
      mission({takeoff(5000, 0, 500), nav(mav::kLoiterTurns, 3, 8500, 0, 500, {0.25, 0, 1600, 0}),
               wp(8500, 6000, 500)});
  const FlightCheck c = check_mission(m, dem, kAc, {}, {});
  for (const auto& q : c.flight.samples) CHECK(q.xy.x < kHome.x + 9000.0);
  CHECK(find(c, "terrain", 1));
  CHECK(count(c, "terrain") == 1);
}

TEST_CASE("Check: the clearance ramps from 0 at a base to the full value at base_zone",
          "[mission]") {
  const terrain::Dem dem = flat_dem(kHomeZ);
  // 100 m above the ground: 2 km from home, half the zone, 150 m are required.
  const Mission m = mission({takeoff(2000, 0, 100), wp(2000, 0, 100), wp(2000, 10000, 100)});
  const FlightCheck c = check_mission(m, dem, kAc, {}, {});
  CHECK_FALSE(find(c, "clearance", 0));  // the take-off climbs at 12 % > 7.5 %
  CHECK(by(c, "clearance", 1) == Approx(50.0).margin(0.5));
  CHECK(by(c, "clearance", 2) == Approx(200.0).margin(0.5));  // beyond 4 km: the full 300 m
  CHECK(count(c, "terrain") == 0);
  CheckLimits narrow;
  narrow.base_zone_m = 1000.0;
  CHECK(by(check_mission(m, dem, kAc, narrow, {}), "clearance", 1) == Approx(200.0).margin(0.5));
}

TEST_CASE("Check: ceiling, gradients and endurance", "[mission]") {
  const terrain::Dem dem = flat_dem(kHomeZ);
  CheckLimits low;
  low.ceiling_m = 1350.0;
  const FlightCheck c = check_mission(safe_mission(), dem, kAc, low, {});
  CHECK(by(c, "ceiling", 1) == Approx(50.0).margin(0.01));
  CHECK(count(c, "ceiling") == static_cast<int>(c.violations.size()));

  Mission steep = safe_mission();
  steep.items[1] = wp(4333, 0, 900);  // 500 m up over 1 km
  const FlightCheck g = check_mission(steep, dem, kAc, {}, {});
  CHECK(by(g, "climb", 1) == Approx(100.0 * (0.5 - kClimb)).margin(0.5));  // percentage points

  const double duration = check_mission(safe_mission(), dem, kAc, {}, {}).flight.duration_s;
  CheckLimits endurance;
  endurance.endurance_s = duration - 600.0;
  const FlightCheck e = check_mission(safe_mission(), dem, kAc, endurance, {});
  CHECK(count(e, "endurance") == 1);
  CHECK(by(e, "endurance", 4) == Approx(10.0).margin(1e-3));  // minutes, at the last item
  endurance.endurance_s = duration + 600.0;
  CHECK(check_mission(safe_mission(), dem, kAc, endurance, {}).safe());
}

TEST_CASE("Check: the file's geofence", "[mission]") {
  const terrain::Dem dem = flat_dem(kHomeZ);
  Mission m = safe_mission();
  SECTION("an inclusion polygon short of the path") {
    m.fence_inclusion = {box_ll(-2000, -2000, 7000, 10000)};
    const FlightCheck c = check_mission(m, dem, kAc, {}, {});
    CHECK_FALSE(find(c, "fence", 0));
    CHECK(find(c, "fence", 1));
    CHECK(find(c, "fence", 2));
    CHECK(find(c, "fence", 3));
    CHECK_FALSE(find(c, "fence", 4));
    CheckLimits no_fence;
    no_fence.use_file_fence = false;
    CHECK(check_mission(m, dem, kAc, no_fence, {}).safe());
  }
  SECTION("an exclusion polygon across the path, inside an inclusion one") {
    m.fence_inclusion = {box_ll(-5000, -5000, 15000, 12000)};
    m.fence_exclusion = {box_ll(9000, -1000, 11000, 1000)};
    const FlightCheck c = check_mission(m, dem, kAc, {}, {});
    CHECK(find(c, "fence", 1));
    CHECK(find(c, "fence", 2));
    CHECK(count(c, "fence") == 2);
  }
}

// QGroundControl files may carry exclusion polygons alone: they are checked too.
TEST_CASE("Check: an exclusion-only geofence across the path is a fence violation",
          "[mission]") {
  const terrain::Dem dem = flat_dem(kHomeZ);
  Mission m = safe_mission();
  m.fence_exclusion = {box_ll(9000, -1000, 11000, 1000)};
  const FlightCheck c = check_mission(m, dem, kAc, {}, {});
  CHECK(find(c, "fence", 1));
  CHECK(count(c, "fence") == 2);
}

TEST_CASE("Check: a DEM that does not cover the mission is an error naming the item", "[mission]") {
  const terrain::Dem dem = flat_dem(kHomeZ);
  Mission m = mission({takeoff(5000, 0, 300), wp(35000, 0, 300)});
  m.source = "far.plan";
  CHECK_THROWS_WITH(check_mission(m, dem, kAc, {}, {}), Contains("item 2") && Contains("far.plan"));
}
