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
#include "vigia/planner/aircraft.hpp"
#include "vigia/planner/area.hpp"
#include "vigia/planner/link.hpp"

namespace vigia::planner {

struct FlightOptions {
  double planning_cell_m = 250.0;  ///< A* grid spacing in the work CRS
  double sample_step_m = 0.0;      ///< path sampling; 0 = half the DEM cell (every post is met)
  bool link_mandatory = false;     ///< the datalink must hold along the whole route
  double base_zone_m = 4000.0;     ///< around a base the clearance ramps from 0 (take-off, landing)
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
  mutable std::mutex cache_mutex_;
  mutable std::map<std::array<double, 4>, std::optional<geo::LineString>> cache_;
};

struct Candidate;
/// The candidates an aircraft can circle at: the whole loiter orbit (within two turn
/// radii, any heading) over flyable, permitted ground (FlightSpace::orbit_room), in
/// parallel. `dropped`, when given, receives how many were left out. vigia select and
/// the mission planner offer the same points through this.
std::vector<Candidate> with_orbit_room(const std::vector<Candidate>& candidates,
                                       const FlightSpace& space, long long* dropped = nullptr);

/// A stop of a route: a base, or an observation point with its altitude and loiter.
struct Stop {
  geo::Point2 work;
  double altitude_m = 0.0;  ///< AMSL; for a base: the ground (take-off, landing)
  double loiter_s = 0.0;    ///< circling time (whole orbits of the turn radius)
  bool base = false;
  int node = -1;  ///< caller's id
};

enum class LegKind { Takeoff, Transit, Loiter, Landing };

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

/// A loiter: whole counter-clockwise orbits of the turn radius, entered at the stop.
struct Orbit {
  int stop = -1;
  geo::Point2 centre;
  double radius_m = 0.0;
  int turns = 0;
  std::size_t first_sample = 0;  ///< the stop's sample; the orbit's samples follow it
  std::size_t last_sample = 0;
};

struct FlownRoute {
  std::vector<Stop> stops;
  std::vector<Orbit> orbits;
  std::vector<PathSample> samples;
  double length_m = 0.0;
  double duration_s = 0.0;            ///< flight time, climbing and descending orbits included
  double climb_orbit_s = 0.0;         ///< circling over the base after take-off to gain height
  double descent_orbit_s = 0.0;       ///< circling over the base before landing to lose it
  double min_clearance_m = INFINITY;  ///< outside the base zones
  double max_altitude_m = 0.0;
  bool feasible = false;
  std::string problem;  ///< why not, when not feasible
};

/// Flies the stops in order: legs planned through flyable space, Dubins curves
/// through the legs' corners (heading at each stop toward the next), loiter orbits,
/// and the altitude profile. Checks every sample: flyable, clearance, ceiling.
FlownRoute fly(const FlightSpace& space, const std::vector<Stop>& stops);

}  // namespace vigia::planner
