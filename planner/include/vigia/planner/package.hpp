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

/// A flight plan for a ground-control station: the waypoints of one aircraft's
/// flight in order, with a loop for persistent patrols.
struct GcsMission {
  std::string name;
  geo::Point3 home;  ///< lon, lat, ground elevation AMSL
  struct Item {
    int command = 16;  ///< MAV_CMD
    double params[4] = {0, 0, 0, 0};
    bool yaw_unset = false;  ///< param4 is NaN (written as null / nan)
    geo::Point3 position;    ///< lon, lat, altitude AMSL (unused for DO_ commands)
    bool has_position = true;
  };
  std::vector<Item> items;
};

/// The missions of a plan: one per flying aircraft, or the patrol.
std::vector<GcsMission> gcs_missions(const MissionResult& m);
/// QGroundControl .plan (JSON), altitudes AMSL (frame 0), the permitted airspace as
/// inclusion geofence polygons.
void write_qgc_plan(const std::string& path, const GcsMission& mission, const MissionResult& m);
/// MAVLink `QGC WPL 110` text: item 0 is home, frame 0 (AMSL) throughout.
void write_qgc_wpl(const std::string& path, const GcsMission& mission);

}  // namespace vigia::planner
