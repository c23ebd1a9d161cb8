// Mission files: QGroundControl .plan (JSON) and QGC WPL 110 text. Formats:
// docs.qgroundcontrol.com "Plan File Format"; mavlink.io "File Formats"; MAV_CMD and
// MAV_FRAME from the MAVLink common message set.

#include "vigia/planner/mission_file.hpp"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/text.hpp"

namespace vigia::planner {

namespace mav {

std::string command_name(int c) {
  static const std::map<int, std::string> names = {
      {kWaypoint, "NAV_WAYPOINT"},       {kLoiterUnlim, "NAV_LOITER_UNLIM"},
      {kLoiterTurns, "NAV_LOITER_TURNS"}, {kLoiterTime, "NAV_LOITER_TIME"},
      {kReturnToLaunch, "NAV_RETURN_TO_LAUNCH"}, {kLand, "NAV_LAND"},
      {kTakeoff, "NAV_TAKEOFF"},          {kLoiterToAlt, "NAV_LOITER_TO_ALT"},
      {kDoJump, "DO_JUMP"}};
  const auto it = names.find(c);
  return it != names.end() ? it->second : "MAV_CMD " + std::to_string(c);
}

bool is_positional(int c) {
  return c == kWaypoint || c == kLoiterUnlim || c == kLoiterTurns || c == kLoiterTime ||
         c == kLand || c == kTakeoff || c == kLoiterToAlt;
}

}  // namespace mav

namespace {

/// Commands that do not move the aircraft and that the flight model passes over:
/// the DO_ range (MAV_CMD 176-252: speed, camera, servo, mount, land-start markers)
/// and the camera/image range (2000-2999).
bool is_passive(int c) { return (c >= 176 && c <= 252 && c != mav::kDoJump) || (c >= 2000 && c <= 2999); }

std::string supported_list() {
  return "NAV_WAYPOINT (16), NAV_LOITER_UNLIM (17), NAV_LOITER_TURNS (18), NAV_LOITER_TIME "
         "(19), NAV_RETURN_TO_LAUNCH (20), NAV_LAND (21), NAV_TAKEOFF (22), NAV_LOITER_TO_ALT "
         "(31), DO_JUMP (177), and commands that do not move the aircraft (DO_ 176-252, camera "
         "2000-2999)";
}

/// Normalises a frame; throws for frames the model cannot resolve.
int resolve_frame(int frame, int command, const std::string& where) {
  if (!mav::is_positional(command)) return mav::kFrameMission;  // RTL and DO_ commands
  switch (frame) {
    case 0:
    case 5:  // MAV_FRAME_GLOBAL_INT
      return mav::kFrameGlobal;
    case 3:
    case 6:  // MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
      return mav::kFrameRelative;
    case 10:
    case 11:  // MAV_FRAME_GLOBAL_TERRAIN_ALT_INT
      return mav::kFrameTerrain;
    default:
      throw Error(where + ": frame " + std::to_string(frame) +
                  " cannot be resolved (allowed: 0 or 5 AMSL, 3 or 6 above home, 10 or 11 "
                  "above terrain)");
  }
}

void check_command(int command, const std::string& where) {
  if (mav::is_positional(command) || command == mav::kReturnToLaunch ||
      command == mav::kDoJump || is_passive(command))
    return;
  throw Error(where + ": " + mav::command_name(command) +
              " is not a command vigia can fly (allowed: " + supported_list() + ")");
}

std::string compact(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

void check_params(const MissionItem& it, const std::string& where) {
  // The parameters the flight model uses: finite, within what autopilots store.
  const auto param = [&](int k, double lo, double hi, const std::string& what) {
    const double v = it.params[k];
    if (!std::isfinite(v) || v < lo || v > hi)
      throw Error(where + ": " + mav::command_name(it.command) + " param" + std::to_string(k + 1) +
                  " (" + what + ") is " + compact(v) + " (allowed: " + geo::fixed(lo, 0) +
                  " to " + geo::fixed(hi, 0) + ")");
  };
  switch (it.command) {
    case mav::kLoiterTime:
      param(0, 0, 65535, "seconds");
      param(2, -100000, 100000, "radius, m");
      break;
    case mav::kLoiterTurns:
      param(0, 0, 255, "turns");
      param(2, -100000, 100000, "radius, m");
      break;
    case mav::kLoiterUnlim:
      param(2, -100000, 100000, "radius, m");
      break;
    case mav::kLoiterToAlt:
      param(1, -100000, 100000, "radius, m");
      break;
    case mav::kDoJump:
      param(1, -1, 65535, "repeat count, -1 for ever");
      if (it.params[1] != std::floor(it.params[1]))
        throw Error(where + ": DO_JUMP repeat count must be a whole number (-1 for ever)");
      break;
    default:
      break;
  }
}

void check_position(const MissionItem& it, const std::string& where) {
  check_params(it, where);
  if (!it.has_position) return;
  const auto& p = it.position;
  if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.z))
    throw Error(where + ": latitude, longitude and altitude must be numbers");
  if (p.y < -90 || p.y > 90 || p.x < -180 || p.x > 180)
    throw Error(where + ": latitude " + std::to_string(p.y) + ", longitude " +
                std::to_string(p.x) + " out of range (-90..90, -180..180)");
  if ((p.x == 0.0 && p.y == 0.0) && it.command != mav::kTakeoff)
    throw Error(where + ": has no position (latitude and longitude 0; vigia flies items at "
                "their position)");
}

void check_home(const geo::Point3& h, const std::string& where) {
  if (!std::isfinite(h.x) || !std::isfinite(h.y) || !std::isfinite(h.z) || h.y < -90 || h.y > 90 ||
      h.x < -180 || h.x > 180 || (h.x == 0 && h.y == 0))
    throw Error(where + ": the home position must be a latitude (-90..90), a longitude "
                "(-180..180) and an altitude AMSL, all numbers");
}

double number(const nlohmann::json& v, const std::string& where) {
  if (v.is_null()) return NAN;
  if (!v.is_number()) throw Error(where + ": a number (or null) is expected");
  return v.get<double>();
}

geo::Ring ring_of(const nlohmann::json& pts, const std::string& where) {
  if (!pts.is_array() || pts.size() < 3) throw Error(where + ": a polygon needs 3 points or more");
  geo::Ring r;
  for (const auto& p : pts) {
    if (!p.is_array() || p.size() < 2) throw Error(where + ": points are [lat, lon]");
    r.push_back({number(p[1], where), number(p[0], where)});
  }
  r.push_back(r.front());
  return r;
}

Mission read_plan(const std::string& path, const nlohmann::json& j) {
  Mission m;
  m.source = path;
  if (!j.is_object() || j.value("fileType", "") != "Plan" || !j.contains("mission"))
    throw Error(path + ": not a QGroundControl plan (fileType \"Plan\" with a \"mission\")");
  const auto& mi = j["mission"];
  const auto home = mi.find("plannedHomePosition");
  if (home == mi.end() || !home->is_array() || home->size() < 3)
    throw Error(path + ": no home position (mission.plannedHomePosition [lat, lon, alt])");
  m.home = {number((*home)[1], path), number((*home)[0], path), number((*home)[2], path)};
  check_home(m.home, path + ": plannedHomePosition");
  if (!mi.contains("items") || !mi["items"].is_array())
    throw Error(path + ": mission.items must be a list");
  std::map<int, int> jump_ids;  // doJumpId -> item index
  std::vector<int> raw_targets;
  for (const auto& it : mi["items"]) {
    const std::string where = path + ": item " + std::to_string(m.items.size() + 1);
    if (!it.is_object()) throw Error(where + ": not an object");
    const std::string type = it.value("type", "");
    if (type == "ComplexItem")
      throw Error(where + ": complex items (" + it.value("complexItemType", "survey") +
                  ") are not flown by vigia check; convert them to simple items in "
                  "QGroundControl first");
    if (type != "SimpleItem") throw Error(where + ": type must be SimpleItem");
    MissionItem x;
    if (!it.contains("command") || !it["command"].is_number_integer() ||
        it["command"].get<long long>() < 0 || it["command"].get<long long>() > 65535)
      throw Error(where + ": command must be an integer MAV_CMD, 0 to 65535");
    x.command = it["command"].get<int>();
    check_command(x.command, where);
    const auto& p = it.value("params", nlohmann::json::array());
    if (!p.is_array() || p.size() != 7) throw Error(where + ": params must be 7 values");
    for (int k = 0; k < 4; ++k) x.params[k] = number(p[k], where);
    x.yaw_unset = std::isnan(x.params[3]);
    x.has_position = mav::is_positional(x.command);
    if (it.contains("frame") && !it["frame"].is_number_integer())
      throw Error(where + ": frame must be an integer (MAV_FRAME)");
    x.frame = resolve_frame(it.value("frame", 0), x.command, where);
    if (x.has_position) x.position = {number(p[5], where), number(p[4], where), number(p[6], where)};
    check_position(x, where);
    if (it.contains("doJumpId") && it["doJumpId"].is_number_integer())
      jump_ids[it["doJumpId"].get<int>()] = static_cast<int>(m.items.size());
    raw_targets.push_back(x.command == mav::kDoJump ? static_cast<int>(x.params[0]) : -1);
    m.items.push_back(x);
  }
  for (std::size_t i = 0; i < m.items.size(); ++i) {
    if (m.items[i].command != mav::kDoJump) continue;
    const auto t = jump_ids.find(raw_targets[i]);
    if (t == jump_ids.end())
      throw Error(path + ": item " + std::to_string(i + 1) + ": DO_JUMP to doJumpId " +
                  std::to_string(raw_targets[i]) + ", which no item has");
    m.items[i].jump_target = t->second;
    if (t->second == static_cast<int>(i))
      throw Error(path + ": item " + std::to_string(i + 1) + ": DO_JUMP to itself never ends");
  }
  if (j.contains("geoFence") && j["geoFence"].is_object()) {
    const auto& f = j["geoFence"];
    for (const auto& poly : f.value("polygons", nlohmann::json::array())) {
      geo::Polygon pg;
      pg.rings.push_back(ring_of(poly.value("polygon", nlohmann::json()), path + ": geoFence"));
      (poly.value("inclusion", true) ? m.fence_inclusion : m.fence_exclusion).push_back(pg);
    }
    for (const auto& c : f.value("circles", nlohmann::json::array())) {
      const auto& cc = c.value("circle", nlohmann::json());
      const auto centre = cc.value("center", nlohmann::json());
      const double radius = number(cc.value("radius", nlohmann::json()), path + ": geoFence");
      if (!centre.is_array() || centre.size() < 2 || !(radius > 0))
        throw Error(path + ": geoFence circles need a center [lat, lon] and a radius in metres");
      const double lat = number(centre[0], path), lon = number(centre[1], path);
      if (!std::isfinite(lat) || !std::isfinite(lon))
        throw Error(path + ": geoFence circle centres must be [lat, lon] numbers");
      geo::Polygon pg;
      geo::Ring r;
      // 72-gon on the sphere's local tangent plane: within 0.1 % of the circle.
      const double mlat = 111320.0, mlon = 111320.0 * std::cos(lat * std::numbers::pi / 180);
      for (int k = 0; k <= 72; ++k) {
        const double a = 2 * std::numbers::pi * (k % 72) / 72;
        r.push_back({lon + radius * std::cos(a) / mlon, lat + radius * std::sin(a) / mlat});
      }
      pg.rings.push_back(r);
      (c.value("inclusion", true) ? m.fence_inclusion : m.fence_exclusion).push_back(pg);
    }
  }
  return m;
}

Mission read_wpl(const std::string& path, std::istream& in) {
  Mission m;
  m.source = path;
  std::string line;  // the header line has been read
  int lineno = 1;
  bool have_home = false;
  std::vector<int> raw_targets;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineno);
    std::istringstream s(line);
    std::vector<std::string> f;
    std::string tok;
    while (s >> tok) f.push_back(tok);
    if (f.size() != 12)
      throw Error(where + (have_home ? ": item " + std::to_string(m.items.size() + 1) : ": home") +
                  ": " + std::to_string(f.size()) +
                  " fields where QGC WPL 110 has 12 (INDEX CURRENT FRAME COMMAND P1 P2 P3 P4 LAT "
                  "LON ALT AUTOCONTINUE)");
    double v[12];
    for (int k = 0; k < 12; ++k) {
      const std::string& t = f[static_cast<std::size_t>(k)];
      if (t == "nan" || t == "NaN" || t == "-nan") {
        v[k] = NAN;
        continue;
      }
      char* end = nullptr;
      v[k] = std::strtod(t.c_str(), &end);
      if (end == t.c_str() || *end != '\0')
        throw Error(where + ": field " + std::to_string(k + 1) + " '" + t + "' is not a number");
    }
    const int index = static_cast<int>(v[0]);
    if (!have_home) {
      if (index != 0)
        throw Error(where + ": the first item must be home (index 0), found index " +
                    std::to_string(index));
      m.home = {v[9], v[8], v[10]};
      check_home(m.home, where + ": home (item 0)");
      have_home = true;
      continue;
    }
    if (index != static_cast<int>(m.items.size()) + 1)
      throw Error(where + ": index " + std::to_string(index) + " where " +
                  std::to_string(m.items.size() + 1) + " was expected (items in order from 1)");
    MissionItem x;
    if (!(v[3] >= 0 && v[3] <= 65535 && v[3] == std::floor(v[3])))
      throw Error(where + ": item " + std::to_string(index) +
                  ": command must be an integer MAV_CMD, 0 to 65535");
    x.command = static_cast<int>(v[3]);
    const std::string item_where = where + ": item " + std::to_string(index);
    check_command(x.command, item_where);
    for (int k = 0; k < 4; ++k) x.params[k] = v[4 + k];
    x.yaw_unset = std::isnan(x.params[3]);
    x.has_position = mav::is_positional(x.command);
    x.frame = resolve_frame(static_cast<int>(v[2]), x.command, item_where);
    if (x.has_position) x.position = {v[9], v[8], v[10]};
    check_position(x, item_where);
    raw_targets.push_back(x.command == mav::kDoJump ? static_cast<int>(v[4]) : -1);
    m.items.push_back(x);
  }
  if (!have_home) throw Error(path + ": no home position (item 0) and no items");
  for (std::size_t i = 0; i < m.items.size(); ++i) {
    if (m.items[i].command != mav::kDoJump) continue;
    const int t = raw_targets[i];
    if (t < 1 || t > static_cast<int>(m.items.size()))
      throw Error(path + ": item " + std::to_string(i + 1) + ": DO_JUMP to item " +
                  std::to_string(t) + ", which does not exist (1.." +
                  std::to_string(m.items.size()) + ")");
    m.items[i].jump_target = t - 1;
    if (t - 1 == static_cast<int>(i))
      throw Error(path + ": item " + std::to_string(i + 1) + ": DO_JUMP to itself never ends");
  }
  return m;
}

}  // namespace

Mission read_mission_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot be read (no such file, or no permission)");
  std::string head;
  std::getline(in, head);
  if (head.size() >= 3 && head.compare(0, 3, "\xEF\xBB\xBF") == 0) head.erase(0, 3);
  while (!head.empty() && (head.back() == '\r' || head.back() == ' ')) head.pop_back();
  Mission m;
  if (head.rfind("QGC WPL", 0) == 0) {
    if (head != "QGC WPL 110")
      throw Error(path + ": '" + head + "' is not a version vigia reads (QGC WPL 110)");
    m = read_wpl(path, in);
  } else {
    in.clear();
    in.seekg(0);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(path + ": not a mission file (neither a QGroundControl .plan, JSON, nor QGC "
                  "WPL 110 text): JSON error at byte " + std::to_string(e.byte));
    }
    try {
      m = read_plan(path, j);
    } catch (const nlohmann::json::exception& e) {
      std::string what = e.what();
      const auto at = what.find("] ");
      if (at != std::string::npos) what = what.substr(at + 2);
      throw Error(path + ": not a QGroundControl plan: a field has the wrong type (" + what + ")");
    }
  }
  if (m.items.empty()) throw Error(path + ": the mission has no items");
  return m;
}

void write_qgc_plan(const std::string& path, const Mission& gm, double cruise_speed_ms) {
  using nlohmann::json;
  json items = json::array();
  for (std::size_t i = 0; i < gm.items.size(); ++i) {
    const auto& it = gm.items[i];
    json params = json::array();
    for (int k = 0; k < 4; ++k) {
      if (k == 3 && it.yaw_unset) {
        params.push_back(nullptr);  // QGC writes NaN parameters as null
      } else if (it.command == mav::kDoJump && k == 0) {
        params.push_back(it.jump_target + 1);  // the target's doJumpId
      } else {
        params.push_back(it.params[k]);
      }
    }
    json item = {{"type", "SimpleItem"},
                 {"autoContinue", true},
                 {"command", it.command},
                 {"doJumpId", static_cast<int>(i) + 1}};
    if (it.has_position) {
      params.push_back(it.position.y);
      params.push_back(it.position.x);
      params.push_back(it.position.z);
      item["frame"] = it.frame;
      item["Altitude"] = it.position.z;
      // QGroundControl's AltitudeMode: 1 relative to home, 2 absolute, 3 above terrain.
      item["AltitudeMode"] = it.frame == mav::kFrameRelative ? 1 : it.frame == mav::kFrameTerrain ? 3 : 2;
      item["AMSLAltAboveTerrain"] = nullptr;
    } else {
      params.push_back(0);
      params.push_back(0);
      params.push_back(0);
      item["frame"] = mav::kFrameMission;  // a command, not a position
    }
    item["params"] = params;
    items.push_back(item);
  }
  json polygons = json::array();
  const auto ring_json = [](const geo::Ring& pts) {
    json ring = json::array();
    for (std::size_t k = 0; k + 1 < pts.size(); ++k) ring.push_back({pts[k].y, pts[k].x});
    return ring;
  };
  for (const auto& p : gm.fence_inclusion)
    for (std::size_t r = 0; r < p.rings.size(); ++r)
      // The outer ring is where the aircraft may fly; holes (no-fly zones) are excluded.
      polygons.push_back({{"inclusion", r == 0}, {"polygon", ring_json(p.rings[r])}, {"version", 1}});
  for (const auto& p : gm.fence_exclusion)
    polygons.push_back({{"inclusion", false}, {"polygon", ring_json(p.rings[0])}, {"version", 1}});
  const json plan = {
      {"fileType", "Plan"},
      {"version", 1},
      {"groundStation", "vigia"},
      {"mission",
       {{"version", 2},
        {"firmwareType", 3},  // MAV_AUTOPILOT_ARDUPILOTMEGA (ArduPlane)
        {"vehicleType", 1},   // MAV_TYPE_FIXED_WING
        {"cruiseSpeed", cruise_speed_ms},
        {"hoverSpeed", cruise_speed_ms},
        {"globalPlanAltitudeMode", 2},
        {"plannedHomePosition", {gm.home.y, gm.home.x, gm.home.z}},
        {"items", items}}},
      {"geoFence", {{"version", 2}, {"circles", json::array()}, {"polygons", polygons}}},
      {"rallyPoints", {{"version", 2}, {"points", json::array()}}}};
  geo::write_text_file(path, plan.dump(2) + '\n');
}

void write_qgc_wpl(const std::string& path, const Mission& gm) {
  std::ostringstream out;
  out << "QGC WPL 110\n";
  out << std::setprecision(10);
  // INDEX CURRENT FRAME COMMAND P1 P2 P3 P4 LAT LON ALT AUTOCONTINUE, tab-separated;
  // item 0 is home.
  out << "0\t1\t0\t16\t0\t0\t0\t0\t" << gm.home.y << '\t' << gm.home.x << '\t' << gm.home.z
      << "\t1\n";
  for (std::size_t i = 0; i < gm.items.size(); ++i) {
    const auto& it = gm.items[i];
    out << i + 1 << "\t0\t" << (it.has_position ? it.frame : mav::kFrameMission) << '\t'
        << it.command;
    for (int k = 0; k < 4; ++k) {
      double p = it.params[k];
      if (it.command == mav::kDoJump && k == 0) p = it.jump_target + 1;  // the target's index
      if (k == 3 && it.yaw_unset) p = 0;
      out << '\t' << p;
    }
    if (it.has_position) {
      out << '\t' << it.position.y << '\t' << it.position.x << '\t' << it.position.z;
    } else {
      out << "\t0\t0\t0";
    }
    out << "\t1\n";
  }
  geo::write_text_file(path, out.str());
}

}  // namespace vigia::planner
