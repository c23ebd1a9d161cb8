#pragma once
// The mission package `vigia plan` writes: Cloud-Optimized GeoTIFFs, one
// GeoPackage with styles, a QGIS project, KML/KMZ for Google Earth, QGroundControl
// .plan and MAVLink QGC WPL 110 files, profiles, a report and a quick-look map
// (docs/plan.md lists every file and field).

#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/geo/qml.hpp"
#include "vigia/planner/export.hpp"
#include "vigia/planner/mission.hpp"
#include "vigia/planner/mission_check.hpp"
#include "vigia/planner/mission_file.hpp"

namespace vigia::planner {

struct PackageInfo {
  std::string name;  ///< the plan's name
  std::string scenario_path;
  std::string scenario_sha256;
  std::string command_line;
};

struct PackageFile {
  std::string name;  ///< file name in the package
  std::string what;
};

/// Writes the package into `dir` (which must exist) and returns its files.
std::vector<PackageFile> write_package(const MissionResult& m, const PackageInfo& info,
                                       const std::string& dir, const Progress& progress = {});

/// The colour of a coverage class (times a cell is seen; 0 = never), shared by the
/// quick-look map, the KML overlay and the QGIS project.
geo::Rgba coverage_colour(int times);

/// A flight plan for a ground-control station: the items of one aircraft's flight
/// in order, with a loop for persistent patrols, and the permitted airspace as its
/// geofence (mission_file.hpp writes it as .plan and QGC WPL 110).
using GcsMission = Mission;

/// The missions of a plan: one per flying aircraft, or the patrol, from the
/// waypoints of its routes (route_waypoints).
std::vector<GcsMission> gcs_missions(const MissionResult& m, const RouteWaypoints& route_wps);

/// Flies every mission of the plan as an autopilot would (both firmware rules) and
/// checks it over the DEM; the checks in flight order, one per mission and firmware.
struct ExportCheck {
  std::string name;  ///< aircraft_1, patrol
  FlightCheck check;
};
std::vector<ExportCheck> check_gcs_missions(const MissionResult& m,
                                            const std::vector<GcsMission>& missions);
/// Adds the checks to a report (`flight_check`), and makes its headline figures (km,
/// flight hours, lowest clearance beyond and within the base zones) those of the
/// files as flown; the planned ones stay as planned_*.
void add_flight_check(nlohmann::json& report, const MissionResult& m,
                      const std::vector<ExportCheck>& checks);
/// The report's flight_check as a Markdown section ("" when there is none).
std::string flight_check_markdown(const nlohmann::json& report);
/// Throws Error (the work failed) naming the mission and its first violation when any
/// check is unsafe: vigia never writes a mission file that fails its own check.
void require_safe(const std::vector<ExportCheck>& checks);

}  // namespace vigia::planner
