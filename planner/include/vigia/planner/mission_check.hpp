#pragma once
// How an autopilot flies a mission file, and whether that flight is safe over a DEM.
//
// The flight model turns mission items into the 3-D path a fixed-wing autopilot
// flies (docs/check.md gives every rule with its source):
// - NAV_TAKEOFF: from home on the ground, climb along the take-off heading (home ->
//   the item's position; else its yaw; else toward the next item) at the aircraft's
//   climb rate until the item's altitude, then go on.
// - NAV_WAYPOINT: a straight leg. ArduPlane changes altitude linearly along it (its
//   glide slope), at once where the change is under GLIDE_SLOPE_MIN (15 m); PX4
//   aims at the next altitude at once. Either way no faster than the climb and
//   descent rates (TECS limits).
// - Loiters (TIME, TURNS, UNLIM, TO_ALT): straight to the circle, then around it at
//   the radius the firmware uses: ArduPlane flies TIME and UNLIM at WP_LOITER_RAD
//   whatever the item says, TURNS and TO_ALT at the item's radius (WP_LOITER_RAD when
//   0); PX4 the item's radius, NAV_LOITER_RAD when 0. No radius tighter than the
//   aircraft's turn radius. TO_ALT circles until the altitude is reached; with
//   "heading required" the aircraft leaves on the tangent toward the next item, but
//   at once when that item lies inside the circle.
// - NAV_RETURN_TO_LAUNCH: home, ArduPlane gliding to ALT_HOLD_RTL, PX4 at its altitude
//   (RTL_RETURN_ALT at least); a mission that ends so, loops for ever or in an
//   unlimited loiter does not end by itself: an endurance violation.
// - DO_JUMP loops (repeats; -1 forever), NAV_LAND (straight to the point, descending
//   linearly to touchdown), NAV_RETURN_TO_LAUNCH (home at the altitude it has, one
//   circle there). Altitude frames 0 (AMSL), 3 (above home), 10 (above terrain, from
//   the DEM as the autopilot's terrain database would give it).
// - ArduPlane flies NAV_LOITER_UNLIM at the item's radius (its source stores param3);
//   where NAV_LOITER_TIME's radius differs from WP_LOITER_RAD both circles are checked.
//
// The check flies the model under each firmware and tests every point (about every
// 20 m) against the DEM: at or above the highest DEM post around it, the clearance
// (ramping from 0 at a take-off or landing point to the full value 4 km away), the
// ceiling, the fence and no-fly polygons, climb and descent gradients commanded
// between items, and the endurance. Every loiter is also checked as a whole circle
// at the lowest altitude flown on it (wind or a different entry can put the aircraft
// anywhere on it).

#include <string>
#include <vector>

#include "vigia/geo/geometry.hpp"
#include "vigia/planner/aircraft.hpp"
#include "vigia/planner/mission_file.hpp"
#include "vigia/terrain/dem.hpp"

namespace vigia::planner {

enum class Firmware { ArduPlane, PX4 };
std::string to_string(Firmware f);

struct FlightModelOptions {
  Firmware firmware = Firmware::ArduPlane;
  /// WP_LOITER_RAD (ArduPlane) or NAV_LOITER_RAD (PX4), m; 0: the aircraft's turn radius.
  double loiter_radius_m = 0.0;
  /// ArduPlane GLIDE_SLOPE_MIN: altitude changes smaller than this are made at once.
  double glide_slope_min_m = 15.0;
  double step_m = 20.0;  ///< path sampling
  /// RTL altitude above home: ArduPlane ALT_HOLD_RTL (default 100 m), PX4
  /// RTL_RETURN_ALT (default 60 m); the default here is ArduPlane's.
  double rtl_altitude_m = 100.0;
};

enum class ModelPhase { Takeoff, Leg, Loiter, Land, Return };
std::string to_string(ModelPhase p);

struct ModelSample {
  geo::Point2 xy;      ///< local metric CRS (UTM zone of home)
  geo::Point2 lonlat;  ///< WGS 84
  double altitude_m = 0.0;  ///< AMSL, as flown (rate-limited)
  double s = 0.0;           ///< metres flown
  double t = 0.0;           ///< seconds since take-off
  int item = -1;            ///< index of the item being flown (0-based)
  ModelPhase phase = ModelPhase::Leg;
};

struct ModelLoiter {
  int item = -1;
  geo::Point2 centre;  ///< local metric CRS
  double radius_m = 0.0;
  std::size_t first = 0, last = 0;  ///< its samples
  double other_radius_m = 0.0;  ///< another radius the firmware may fly (checked too), or 0
};

/// A commanded climb or descent steeper than the aircraft flies.
struct GradientIssue {
  int item = -1;         ///< the item the leg leads to
  double gradient = 0.0;  ///< commanded, positive up
  double allowed = 0.0;   ///< the aircraft's (positive; a descent is compared with its rate)
  geo::Point2 lonlat;
};

struct FlownMission {
  Firmware firmware = Firmware::ArduPlane;
  std::string local_crs_wkt;  ///< the metric CRS of the samples' xy
  std::vector<ModelSample> samples;
  std::vector<ModelLoiter> loiters;
  std::vector<geo::Point2> bases;  ///< take-off and landing points (xy): home, NAV_LAND points
  std::vector<double> base_elevations;  ///< the runway elevations there (AMSL)
  std::vector<GradientIssue> gradients;
  std::vector<std::string> notes;  ///< what the model could not bound (unlimited loiters...)
  double length_m = 0.0;
  double duration_s = 0.0;
  bool bounded = true;  ///< false: the mission never ends by itself (loops forever)
};

/// Flies the items. `dem` gives the terrain for frame 10 (and may be null when no
/// item uses it). Throws Error naming the item for frames it cannot resolve.
FlownMission fly_mission(const Mission& mission, const Aircraft& aircraft,
                         const FlightModelOptions& options, const terrain::Dem* dem);

struct CheckLimits {
  double clearance_m = 300.0;
  double ceiling_m = 5400.0;
  double base_zone_m = 4000.0;  ///< the clearance ramps from 0 over this distance from a base
  double runway_m = 300.0;      ///< over the runway: measured against its elevation, not the DEM
  /// Home and touchdown altitudes more than this off the DEM's ground are violations.
  double runway_tolerance_m = 20.0;
  double endurance_s = 0.0;     ///< 0: unchecked
  bool use_file_fence = true;
  geo::MultiPolygon allowed;    ///< lon/lat: where the aircraft may fly (empty: anywhere)
  geo::MultiPolygon forbidden;  ///< lon/lat: no-fly polygons
};

struct Violation {
  Firmware firmware = Firmware::ArduPlane;
  int item = -1;       ///< 0-based; shown as item + 1, QGroundControl's numbering
  std::string what;    ///< terrain, clearance, ceiling, fence, no-fly, climb, descent, endurance
  geo::Point2 lonlat;  ///< where it is worst
  double altitude_m = 0.0;
  double by = 0.0;     ///< how much: metres, percentage points of gradient, or minutes
  std::string unit;    ///< "m", "%", "min"
  std::string detail;
};

struct FlightCheck {
  FlownMission flight;
  std::vector<Violation> violations;
  double min_clearance_base_zone_m = INFINITY;  ///< within base_zone_m of a base, off the runway
  double min_clearance_beyond_m = INFINITY;     ///< beyond it
  double max_altitude_m = -INFINITY;
  [[nodiscard]] bool safe() const { return violations.empty(); }
};

/// Flies and checks. Throws Error (bad input) when the DEM does not cover the flight,
/// naming the item.
FlightCheck check_mission(const Mission& mission, const terrain::Dem& dem, const Aircraft& aircraft,
                          const CheckLimits& limits, const FlightModelOptions& options);

/// A violation as one line: "item 3 (lat, lon): terrain: 12.4 m below ... [ArduPlane]".
std::string describe(const Violation& v);

}  // namespace vigia::planner
