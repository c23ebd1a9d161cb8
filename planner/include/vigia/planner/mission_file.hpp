#pragma once
// Missions as autopilots receive them: a home position and MAVLink mission items
// (MAV_CMD with four parameters, a position and an altitude frame), read from and
// written to QGroundControl `.plan` files (JSON) and `QGC WPL 110` text.
// Formats: QGroundControl "Plan File Format"; mavlink.io "File Formats", MAV_CMD,
// MAV_FRAME. The same values are what vigia plans and what `vigia check` flies.

#include <string>
#include <vector>

#include "vigia/geo/geometry.hpp"

namespace vigia::planner {

/// MAV_CMD values vigia writes or flies.
namespace mav {
inline constexpr int kWaypoint = 16;
inline constexpr int kLoiterUnlim = 17;
inline constexpr int kLoiterTurns = 18;
inline constexpr int kLoiterTime = 19;
inline constexpr int kReturnToLaunch = 20;
inline constexpr int kLand = 21;
inline constexpr int kTakeoff = 22;
inline constexpr int kLoiterToAlt = 31;
inline constexpr int kDoJump = 177;
/// MAV_FRAME values: altitude AMSL, above home, above terrain (and their _INT forms).
inline constexpr int kFrameGlobal = 0;
inline constexpr int kFrameMission = 2;
inline constexpr int kFrameRelative = 3;
inline constexpr int kFrameTerrain = 10;
/// The command's name ("NAV_WAYPOINT"), or "MAV_CMD N".
std::string command_name(int command);
/// Does the command move the aircraft to its position (a NAV_ command with a location)?
bool is_positional(int command);
}  // namespace mav

struct MissionItem {
  int command = mav::kWaypoint;
  int frame = mav::kFrameGlobal;
  double params[4] = {0, 0, 0, 0};
  bool yaw_unset = false;  ///< param4 is NaN (written as null / nan)
  geo::Point3 position;    ///< lon, lat, altitude in `frame` (unused for DO_ commands)
  bool has_position = true;
  /// DO_JUMP: the index (0-based, into the mission's items) it jumps to; params[0]
  /// holds the same as read. -1 for other commands.
  int jump_target = -1;
};

/// A mission: home and items in flight order. Item i is what QGroundControl shows
/// as item i + 1 (home is item 0 in QGC WPL 110).
struct Mission {
  using Item = MissionItem;
  std::string name;
  geo::Point3 home;  ///< lon, lat, ground elevation AMSL
  std::vector<MissionItem> items;
  /// Geofence from the file (lon/lat): where the aircraft may fly, and holes in it.
  geo::MultiPolygon fence_inclusion;
  geo::MultiPolygon fence_exclusion;
  std::string source;  ///< the file it was read from (messages), or ""
};

/// Reads a QGroundControl `.plan` or a `QGC WPL 110` file (told apart by content).
/// Throws Error (bad input) naming the file, the item and what is allowed: not a
/// mission, complex items, commands vigia cannot fly, frames it cannot resolve, no
/// home position, jumps to nowhere.
Mission read_mission_file(const std::string& path);

/// QGroundControl .plan (JSON): items with their frames, `plannedHomePosition`, the
/// fence polygons (inclusion and exclusion), firmware ArduPilot, fixed wing.
void write_qgc_plan(const std::string& path, const Mission& mission, double cruise_speed_ms);
/// MAVLink `QGC WPL 110` text: item 0 is home (frame 0), then the items.
void write_qgc_wpl(const std::string& path, const Mission& mission);

}  // namespace vigia::planner
