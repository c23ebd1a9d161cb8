#include "vigia/planner/mission.hpp"

#include "vigia/planner/mission_check.hpp"

#include <chrono>
#include <cmath>

#include "vigia/geo/error.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/terrain/dem.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::planner {

namespace {

void positive(double v, const std::string& what, const std::string& unit) {
  if (!(v > 0.0) || !std::isfinite(v))
    throw Error(what + ": must be a positive number of " + unit + " (got " + std::to_string(v) +
                ")");
}

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

void validate_ground(const MissionConfig& c) {
  const Aircraft& a = c.aircraft;
  positive(a.endurance_h, "aircraft endurance", "hours");
  positive(a.cruise_speed_kmh, "aircraft cruise speed", "km/h");
  positive(a.turn_radius_m, "aircraft turn radius", "metres");
  positive(a.climb_rate_ms, "aircraft climb rate", "m/s");
  positive(a.descent_rate_ms, "aircraft descent rate", "m/s");
  positive(a.ceiling_m, "aircraft ceiling", "metres AMSL");
  if (!(a.reserve_fraction >= 0.0 && a.reserve_fraction < 1.0))
    throw Error("aircraft reserve: must be a fraction in [0, 1) (got " +
                std::to_string(a.reserve_fraction) + ")");
  if (!(a.min_clearance_m >= 0.0)) throw Error("aircraft clearance: must be 0 m or more");
  positive(c.sensor.task.range_m, "sensor range", "metres");
  if (!(c.sensor.min_grazing_deg >= 0.0 && c.sensor.min_grazing_deg < 90.0))
    throw Error("minimum grazing angle: must be in [0, 90) degrees");
  if (!(c.sensor.refraction_k >= -1.0 && c.sensor.refraction_k <= 1.0))
    throw Error("refraction coefficient k: must be in [-1, 1] (0.13 light, 1 = flat earth)");
  positive(c.spacing_m, "candidate spacing", "metres");
  if (c.tiers < 1) throw Error("altitude tiers: must be at least 1");
  if (c.aggregate < 1) throw Error("aggregate: must be at least 1");
  positive(c.planning_cell_m, "planning cell", "metres");
  positive(c.station_range_m / 1000.0, "datalink range of the stations", "km");
  if (c.link_mandatory && c.stations.empty() && c.station_list.empty())
    throw Error("a mandatory datalink needs ground stations (give the stations file)");
}

void validate(const MissionConfig& c) {
  validate_ground(c);
  if (c.points < 1) throw Error("points: must be at least 1");
  if (c.bases.empty()) throw Error("no base airfield given (give at least one LON,LAT)");
  if (c.aircraft_count < 1) throw Error("aircraft count: must be at least 1");
  if (c.persistent < 0) throw Error("persistent: must be 0 (sorties) or the aircraft on the cycle");
  if (c.persistent == 0 && c.bases.size() != 1 &&
      static_cast<int>(c.bases.size()) != c.aircraft_count) {
    throw Error("give one base for all aircraft or one per aircraft (" +
                std::to_string(c.bases.size()) + " bases for " + std::to_string(c.aircraft_count) +
                " aircraft)");
  }
  if (c.loiter_s < 0.0) throw Error("loiter time: must be 0 or more");
  positive(c.route_time_limit_s, "route time limit", "seconds");
  if (c.route_rounds < 1 || c.route_rounds > 1000000)
    throw Error("route rounds: " + std::to_string(c.route_rounds) +
                " is out of range (whole number, 1 to 1 000 000)");
  positive(c.sensor.sample_spacing_m, "coverage sample spacing", "metres");
  for (const auto& b : c.bases) {
    if (!(b.x >= -180.0 && b.x <= 180.0 && b.y >= -90.0 && b.y <= 90.0))
      throw Error("base " + std::to_string(b.x) + "," + std::to_string(b.y) +
                  ": not a longitude, latitude in degrees");
  }
}

namespace {

/// A base needs ground that is level at the DEM's resolution: home is taken at the
/// highest DEM post within a cell of it (FlightSpace::runway_elevation), and the
/// flight check of every exported mission holds home within
/// CheckLimits::runway_tolerance_m of the ground there. Refused here, before any
/// routing, naming the base.
void check_base_ground(const MissionConfig& config, const FlightSpace& space) {
  const terrain::DemLocator loc(space.area().dem);
  const geo::Transformer to_work(geo::SpatialRef::wgs84(), space.area().work_crs);
  const double tolerance = CheckLimits{}.runway_tolerance_m;
  for (std::size_t i = 0; i < config.bases.size(); ++i) {
    const geo::Point2 b = config.bases[i];
    const geo::Point2 w = to_work(b);
    if (!space.permitted(w)) continue;  // base_position names it, as outside the airspace
    const double home = space.runway_elevation(w);
    const double ground = loc.elevation_at(b);
    if (!std::isfinite(home) || !std::isfinite(ground) || home - ground <= tolerance) continue;
    throw Error((i < config.base_labels.size() ? config.base_labels[i] : std::string("--base")) +
                ": the base at lon " + geo::fixed(b.x, 5) + ", lat " + geo::fixed(b.y, 5) +
                " is on a slope: the DEM's posts within one cell of it reach " +
                geo::fixed(home, 0) + " m, " + geo::fixed(home - ground, 0) +
                " m above the ground there (" + geo::fixed(ground, 0) +
                " m), and a runway needs them within " + geo::fixed(tolerance, 0) +
                " m (allowed: a base on level ground)");
  }
}

}  // namespace

std::unique_ptr<MissionResult> prepare_ground(const MissionConfig& config,
                                              const Progress& progress) {
  validate_ground(config);
  const terrain::ThreadCount threads(config.threads);
  auto r = std::make_unique<MissionResult>();
  r->config = config;
  AreaInputs in = config.area;
  in.airspace.clearance_m = config.aircraft.min_clearance_m;
  in.airspace.ceiling_m = config.aircraft.ceiling_m;

  auto t = std::chrono::steady_clock::now();
  r->area = build_area(in, progress);
  // The DEM's reading is a stage of its own; "area" is the rest (corridor, airspace).
  r->seconds["load_dem"] = r->area.load_dem_seconds;
  r->seconds["area"] = since(t) - r->area.load_dem_seconds;
  const terrain::Dem& dem = r->area.dem;

  if (!config.stations.empty())
    r->stations = read_stations(config.stations, config.station_antenna_m, config.station_range_m);
  r->stations.insert(r->stations.end(), config.station_list.begin(), config.station_list.end());
  // Bases and stations on the DEM, named where they were given, before any heavy work.
  {
    const terrain::DemLocator loc(r->area.dem);
    const auto off = [&](geo::Point2 ll) { return !r->area.dem.covers(loc.to_grid(ll)); };
    const std::string dem_name = config.area.dem.empty() ? "the DEM" : config.area.dem.front();
    for (std::size_t i = 0; i < config.bases.size(); ++i)
      if (off(config.bases[i]))
        throw Error((i < config.base_labels.size() ? config.base_labels[i] : std::string("--base")) +
                    ": the base at lon " + geo::fixed(config.bases[i].x, 5) + ", lat " +
                    geo::fixed(config.bases[i].y, 5) + " lies outside the DEM (" + dem_name + ")");
    for (const auto& s : r->stations)
      if (off(s.lonlat))
        throw Error((s.where.empty() ? "station " + s.name : s.where + " (station " + s.name + ")") +
                    ": lon " + geo::fixed(s.lonlat.x, 5) + ", lat " + geo::fixed(s.lonlat.y, 5) +
                    " lies outside the DEM (" + dem_name + ")");
  }
  if (!r->stations.empty()) {
    t = std::chrono::steady_clock::now();
    LinkOptions lo = config.link;
    lo.ceiling_m = config.aircraft.ceiling_m;
    r->link = compute_link_map(dem, r->stations, lo, progress);
    r->seconds["link"] = since(t);
  }

  t = std::chrono::steady_clock::now();
  CandidateOptions co;
  co.spacing_m = config.spacing_m;
  co.tiers = config.tiers;
  co.clearance_m = config.aircraft.min_clearance_m;
  co.ceiling_m = config.aircraft.ceiling_m;
  co.loiter_radius_m = config.aircraft.turn_radius_m;
  co.require_link = config.link_mandatory;
  r->candidates =
      make_candidates(dem, r->area.work_crs, r->area.airspace, r->link ? &*r->link : nullptr, co);
  if (r->candidates.empty())
    throw Error(
        "no candidate point: the permitted airspace holds no flyable lattice point (try a smaller "
        "candidate spacing)");
  r->seconds["candidates"] = since(t);

  t = std::chrono::steady_clock::now();
  FlightOptions fo;
  fo.planning_cell_m = config.planning_cell_m;
  fo.link_mandatory = config.link_mandatory;
  {
    const geo::Transformer to_work(geo::SpatialRef::wgs84(), r->area.work_crs);
    for (std::size_t i = 0; i < config.bases.size() && i < config.runway_headings_deg.size(); ++i)
      if (std::isfinite(config.runway_headings_deg[i]))
        fo.runways.push_back({to_work(config.bases[i]), config.runway_headings_deg[i]});
  }
  progress.report("preparing the airspace for flight", 0.0);
  progress.throw_if_cancelled();
  r->space =
      std::make_unique<FlightSpace>(r->area, config.aircraft, r->link ? &*r->link : nullptr, fo);
  progress.report("preparing the airspace for flight", 1.0);
  progress.throw_if_cancelled();
  r->seconds["flight_space"] = since(t);
  check_base_ground(config, *r->space);

  // Only points the aircraft can circle at. Points hard against the standoff line see
  // the most, but no route could fly them.
  r->candidates =
      with_orbit_room(r->candidates, *r->space, &r->candidates_without_room, progress);
  if (r->candidates.empty())
    throw Error(
        "no candidate point with room to circle (two turn radii of flyable, permitted airspace "
        "around it): the permitted airspace is too narrow for this aircraft");
  r->targets = make_targets(dem, r->area.corridor.weight, config.aggregate);

  r->sets = visible_sets(dem, r->candidates, r->targets, config.sensor, &r->sets_stats, progress);
  r->seconds["visible_sets"] = r->sets_stats.seconds;
  return r;
}

std::unique_ptr<MissionResult> run_mission(const MissionConfig& config, const Progress& progress) {
  validate(config);
  const terrain::ThreadCount threads(config.threads);
  std::unique_ptr<MissionResult> r = prepare_ground(config, progress);

  auto t = std::chrono::steady_clock::now();
  SelectOptions so;
  so.count = std::min(config.points, r->sets.candidates());
  so.time_limit_s = config.select_time_limit_s;
  so.seed = config.seed;
  progress.report("selecting observation points", 0.0);
  r->selection = select_points(r->sets, so);
  progress.report("selecting observation points", 1.0);
  for (int i : r->selection.chosen) r->points.push_back(r->candidates[static_cast<std::size_t>(i)]);
  r->seconds["selection"] = since(t);

  const Sensor& sensing = config.sensor;
  t = std::chrono::steady_clock::now();
  if (config.persistent > 0) {
    PatrolOptions po;
    po.base = config.bases.front();
    po.aircraft = config.persistent;
    po.loiter_s = config.loiter_s;
    po.time_limit_s = config.route_time_limit_s;
    po.max_iterations = config.route_rounds;
    po.seed = config.seed;
    r->patrol = plan_patrol(*r->space, r->points, r->targets, sensing, po, progress);
  } else {
    SortieOptions so2;
    so2.bases = config.bases;
    so2.aircraft = config.aircraft_count;
    so2.loiter_s = config.loiter_s;
    so2.time_limit_s = config.route_time_limit_s;
    so2.max_iterations = config.route_rounds;
    so2.seed = config.seed;
    so2.fleet_tolerance = config.fleet_tolerance;
    const CoverageModel model{&r->candidates, &r->sets, &r->targets, config.spacing_m};
    r->fleet = plan_fleet(*r->space, r->points, model, sensing, so2, progress);
  }
  r->seconds["routes"] = since(t);
  return r;
}

}  // namespace vigia::planner
