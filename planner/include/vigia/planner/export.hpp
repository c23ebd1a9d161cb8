#pragma once
// What a mission plan is handed over as: GeoPackage layers (3-D routes with
// altitudes AMSL, waypoints, observation points, bases, corridor, airspace), the
// altitude profile along each route with the terrain beneath (CSV and a PNG chart),
// and the report (JSON and Markdown).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vigia/geo/vector_write.hpp"
#include "vigia/planner/mission.hpp"

namespace vigia::planner {

/// A flown route with its name and role, as the outputs list them.
struct NamedRoute {
  std::string name;  ///< "aircraft 1", "patrol cycle", ...
  std::string role;  ///< sortie, transit-out, cycle, transit-back
  int aircraft = 1;
  const FlownRoute* route = nullptr;
};
std::vector<NamedRoute> named_routes(const MissionResult& m);

std::string to_string(LegKind kind);

/// A point a ground-control station flies to: the route simplified so that flying
/// straight between waypoints, as either firmware flies it (mission_check.hpp), keeps
/// the floor over every DEM post under the line, along the glide slope stays within
/// 1 m of the planned altitude or above it, and stays within `tolerance_m` of the
/// planned track; loiters and the spirals over a base are one waypoint at the orbit's
/// centre (kind loiter, climb or descent; a spiral's altitude is the one it reaches).
struct Waypoint {
  int seq = 0;
  LegKind kind = LegKind::Transit;
  geo::Point2 work;
  geo::Point2 lonlat;
  double altitude_m = 0.0;  ///< AMSL
  double ground_m = 0.0;    ///< DEM elevation under the waypoint
  double s = 0.0;           ///< metres flown when reached
  double t = 0.0;           ///< seconds since take-off when reached
  double loiter_s = 0.0;    ///< circling time (loiter waypoints)
  double radius_m = 0.0;    ///< orbit radius (loiter, climb and descent waypoints)
  bool clockwise = false;   ///< the orbit's direction
  int stop = -1;
};
std::vector<Waypoint> waypoints(const FlightSpace& space, const FlownRoute& route,
                                double tolerance_m = 25.0);
/// The waypoints of every route of named_routes(m), in its order (the routes in
/// parallel): computed once for all the files that give them.
using RouteWaypoints = std::vector<std::vector<Waypoint>>;
RouteWaypoints route_waypoints(const MissionResult& m);
/// Throws (internal error) unless `wps` holds one list per route of named_routes(m).
void require_waypoints_of(const MissionResult& m, const RouteWaypoints& wps);

/// The GeoPackage layers of a mission: routes, waypoints, observation_points, bases,
/// corridor, permitted_airspace (WGS 84, altitudes in z), each with a QGIS style.
std::vector<geo::OutLayer> mission_layers(const MissionResult& m, const RouteWaypoints& wps);

/// The altitude profile of every route: one row about every `step_m` metres.
void write_profile_csv(const std::string& path, const MissionResult& m, double step_m = 100.0);
/// The same as a chart: one panel per route, terrain filled, the flown altitude, the
/// floor (terrain + clearance) and the ceiling.
void write_profile_png(const std::string& path, const MissionResult& m);

/// The figures of the plan (coverage, km² per flight hour, km flown, transit fraction,
/// minimum clearance, link, revisits, per aircraft, per fleet size, timings).
nlohmann::json mission_report(const MissionResult& m);
/// The report as Markdown.
std::string mission_report_markdown(const nlohmann::json& report);
/// The report's headline for a terminal: a few lines, each starting with two spaces.
std::string mission_summary(const nlohmann::json& report);

}  // namespace vigia::planner
