#pragma once
// Where and how the aircraft flies: legs planned through the permitted airspace,
// smoothed into Dubins curves with the turn radius, and an altitude profile that
// keeps the clearance above every DEM post under the path, stays under the ceiling
// and respects the climb and descent rates.

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vigia/geo/geometry.hpp"
#include "vigia/geo/progress.hpp"
#include "vigia/planner/aircraft.hpp"
#include "vigia/planner/area.hpp"
#include "vigia/planner/link.hpp"

namespace vigia::planner {

/// A base's runway: its axis, flown in either direction.
struct Runway {
  geo::Point2 work;           ///< the base, work CRS
  double heading_deg = 0.0;   ///< compass degrees, 0 north, 90 east
};

struct FlightOptions {
  double planning_cell_m = 250.0;  ///< A* grid spacing in the work CRS
  double sample_step_m = 0.0;      ///< path sampling; 0 = half the DEM cell (every post is met)
  bool link_mandatory = false;     ///< the datalink must hold along the whole route
  double base_zone_m = 4000.0;     ///< within this distance of a base the clearance ramps from 0
  double runway_m = 300.0;         ///< the runway: measured against its elevation, not the DEM
  std::vector<Runway> runways;     ///< bases not listed: the axis with the most open climb-out
};

/// How the aircraft leaves or reaches a base: along the runway heading, a straight
/// climb (or final approach) between the base and a circuit point, and a spiral on a
/// circle through that point, tangent to the runway heading, whose whole circle keeps
/// the ramped clearance at the circuit altitude.
struct BaseManoeuvre {
  geo::Point2 base;          ///< work CRS
  double ground_m = 0.0;     ///< runway elevation (DEM, bilinear)
  double heading = 0.0;      ///< direction of motion along the runway, radians (x east, y north)
  geo::Point2 circuit;       ///< end of the climb-out / start of the final approach
  double circuit_m = 0.0;    ///< altitude there, AMSL
  geo::Point2 centre;        ///< the spiral's centre
  double radius_m = 0.0;
  int dir = +1;              ///< +1 counter-clockwise, -1 clockwise
  double margin_m = 0.0;     ///< least height over the ramped floor along it
};

/// The space the aircraft may fly in, prepared for planning. Thread-safe once built.
class FlightSpace {
 public:
  FlightSpace(const Area& area, const Aircraft& aircraft, const LinkMap* link,
              const FlightOptions& options);

  [[nodiscard]] const Area& area() const { return *area_; }
  [[nodiscard]] const Aircraft& aircraft() const { return aircraft_; }
  [[nodiscard]] const FlightOptions& options() const { return options_; }
  /// DEM grid position of a work-CRS point (interpolated from a lattice of PROJ transforms).
  [[nodiscard]] terrain::GridPoint to_grid(geo::Point2 work) const;
  /// Highest DEM post of the cell a work point lies in and of its neighbours' shared
  /// corners (the terrain the clearance is measured against), m; NaN off the DEM.
  [[nodiscard]] double terrain_max(geo::Point2 work) const;
  /// Bilinear DEM elevation, m.
  [[nodiscard]] double terrain(geo::Point2 work) const;
  /// May the aircraft be over this point (permitted airspace, floor under the ceiling,
  /// and the link when mandatory)?
  [[nodiscard]] bool flyable(geo::Point2 work) const;
  /// Is the point inside the permitted airspace (own side past the standoff, outside
  /// no-fly zones), with a cell's margin?
  [[nodiscard]] bool permitted(geo::Point2 work) const;
  /// Is all ground within two turn radii of the point flyable (room for a loiter orbit)?
  [[nodiscard]] bool orbit_room(geo::Point2 work) const;
  /// The highest DEM post under a straight segment between two grid points, and the
  /// highest lowest-link altitude there (NaN: a post without data, or without link).
  [[nodiscard]] std::pair<double, double> segment_floor(terrain::GridPoint a,
                                                        terrain::GridPoint b) const;
  /// The lowest altitude allowed over a point (terrain + clearance, and the link when
  /// mandatory); +inf where it may not fly.
  [[nodiscard]] double floor_at(geo::Point2 work) const;
  /// The lowest link altitude over a point (NaN: none), if a link map was given.
  [[nodiscard]] double link_lowest(geo::Point2 work) const;
  [[nodiscard]] bool has_link() const { return link_ != nullptr; }

  /// A path from a to b through flyable space (the straight line when it is clear,
  /// else A* on the planning grid, shortened by line-of-sight), or nothing.
  [[nodiscard]] std::optional<geo::LineString> plan(geo::Point2 a, geo::Point2 b) const;
  /// The departure from (or arrival at) a base, chosen once per base and remembered
  /// (thread-safe); nothing when no runway heading and circuit keep the clearance.
  [[nodiscard]] const std::optional<BaseManoeuvre>& departure(geo::Point2 base) const;
  [[nodiscard]] const std::optional<BaseManoeuvre>& arrival(geo::Point2 base) const;
  /// A base's runway elevation: the highest DEM post within a cell of it (NaN off the
  /// DEM). Take-off starts and landing ends there.
  [[nodiscard]] double runway_elevation(geo::Point2 base) const;
  /// The clearance required at a point: full beyond the base zone, ramping from 0 at
  /// the nearest of `bases` (work CRS).
  [[nodiscard]] double required_clearance(geo::Point2 work, const std::vector<geo::Point2>& bases) const;
  /// plan(), remembered (thread-safe): routes revisit the same legs many times.
  [[nodiscard]] std::optional<geo::LineString> plan_cached(geo::Point2 a, geo::Point2 b) const;
  [[nodiscard]] static double length(const geo::LineString& path);

 private:
  [[nodiscard]] bool blocked_cell(int i, int j) const;
  [[nodiscard]] bool clear(geo::Point2 a, geo::Point2 b) const;
  const Area* area_;
  Aircraft aircraft_;
  const LinkMap* link_;
  FlightOptions options_;
  // work -> grid lattice
  double lx0_ = 0, ly0_ = 0, lstep_ = 1000.0;
  int lnx_ = 0, lny_ = 0;
  std::vector<terrain::GridPoint> lattice_;
  // fine flyable mask on the DEM grid, and the coarse planning grid
  geo::Raster<std::uint8_t> permitted_;
  geo::Raster<std::uint8_t> flyable_;
  double gx0_ = 0, gy0_ = 0;
  int gnx_ = 0, gny_ = 0;
  std::vector<std::uint8_t> blocked_;  ///< planning cells, inflated by the turn radius
  [[nodiscard]] std::optional<BaseManoeuvre> base_manoeuvre(geo::Point2 base, bool departing) const;
  [[nodiscard]] const std::optional<BaseManoeuvre>& manoeuvre_cached(geo::Point2 base,
                                                                    bool departing) const;
  mutable std::mutex cache_mutex_;
  mutable std::map<std::array<double, 3>, std::optional<BaseManoeuvre>> manoeuvres_;
  mutable std::map<std::array<double, 4>, std::optional<geo::LineString>> cache_;
};

struct Candidate;
/// The candidates an aircraft can circle at: the whole loiter orbit (within two turn
/// radii, any heading) over flyable, permitted ground (FlightSpace::orbit_room), in
/// parallel. `dropped`, when given, receives how many were left out. vigia select and
/// the mission planner offer the same points through this.
std::vector<Candidate> with_orbit_room(const std::vector<Candidate>& candidates,
                                       const FlightSpace& space, long long* dropped = nullptr,
                                       const Progress& progress = {});

/// A stop of a route: a base, or an observation point with its altitude and loiter.
struct Stop {
  geo::Point2 work;
  double altitude_m = 0.0;  ///< AMSL; for a base: the ground (take-off, landing)
  double loiter_s = 0.0;    ///< circling time (whole orbits of the turn radius)
  bool base = false;
  int node = -1;  ///< caller's id
};

/// Takeoff: the climb-out along the runway; Climb / Descent: the spirals over the
/// base; Landing: the final approach.
enum class LegKind { Takeoff, Transit, Loiter, Landing, Climb, Descent };
/// Samples of an orbit (observation loiter or spiral).
inline bool is_orbit(LegKind k) {
  return k == LegKind::Loiter || k == LegKind::Climb || k == LegKind::Descent;
}

/// A point of the flown path.
struct PathSample {
  geo::Point2 work;
  double altitude_m = 0.0;  ///< AMSL
  double terrain_m = 0.0;   ///< highest DEM post under it
  double floor_m = 0.0;     ///< lowest altitude allowed here (clearance, base ramp, link)
  double s = 0.0;           ///< metres flown
  double t = 0.0;           ///< seconds since take-off
  LegKind kind = LegKind::Transit;
  int stop = -1;  ///< index of the stop just reached or being orbited
};

/// An orbit: a loiter (whole counter-clockwise orbits of the turn radius, entered at
/// the stop, then on to the tangent toward the next point), or a climb or descent
/// spiral over a base.
struct Orbit {
  int stop = -1;
  LegKind role = LegKind::Loiter;
  geo::Point2 centre;
  double radius_m = 0.0;
  int dir = +1;  ///< +1 counter-clockwise, -1 clockwise
  int turns = 0;
  double exit_altitude_m = 0.0;  ///< spirals: the altitude they climb or descend to
  std::size_t first_sample = 0;  ///< the stop's sample; the orbit's samples follow it
  std::size_t last_sample = 0;
};

struct FlownRoute {
  std::vector<Stop> stops;
  std::vector<Orbit> orbits;
  std::vector<PathSample> samples;
  double length_m = 0.0;
  double duration_s = 0.0;            ///< flight time, climbing and descending orbits included
  double climb_orbit_s = 0.0;         ///< the climb spiral over the base after take-off
  double descent_orbit_s = 0.0;       ///< the descent spiral over the base before landing
  double min_clearance_m = INFINITY;  ///< outside the base zones
  double min_clearance_base_m = INFINITY;  ///< inside them, off the runway
  std::optional<BaseManoeuvre> departure, arrival;
  double max_altitude_m = 0.0;
  bool feasible = false;
  std::string problem;  ///< why not, when not feasible
};

/// Flies the stops in order: from a base the departure (climb-out along the runway,
/// climb spiral), legs planned through flyable space, Dubins curves through the legs'
/// corners (heading at each stop toward the next), loiter orbits left on the tangent
/// toward the next point, the arrival at a base (descent spiral, final approach), and
/// the altitude profile. Checks every sample: flyable, clearance, ceiling.
FlownRoute fly(const FlightSpace& space, const std::vector<Stop>& stops);

/// A base's lon/lat in the work CRS; throws Error when it lies outside the DEM or the
/// permitted airspace.
geo::Point2 base_position(const FlightSpace& space, geo::Point2 lonlat);

}  // namespace vigia::planner
