#include "area_options.hpp"

#include <cstdlib>

#include "console.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/sensor.hpp"

namespace vigia::cli {

namespace {
/// "FILE:WEIGHT[:BUFFER_M]", split from the right so that paths may hold colons.
std::vector<std::string> split_spec(const std::string& spec, std::size_t max_numbers) {
  std::vector<std::string> parts;
  std::string rest = spec;
  for (std::size_t i = 0; i < max_numbers; ++i) {
    const auto c = rest.rfind(':');
    if (c == std::string::npos) break;
    const std::string tail = rest.substr(c + 1);
    char* end = nullptr;
    std::strtod(tail.c_str(), &end);
    if (tail.empty() || *end != '\0') break;
    parts.insert(parts.begin(), tail);
    rest = rest.substr(0, c);
  }
  parts.insert(parts.begin(), rest);
  return parts;
}
}  // namespace

void add_area_options(CLI::App* cmd, AreaArgs& a) {
  cmd->add_option("dem", a.dem, "DEM: any GDAL raster, a VRT, or a quoted glob of tiles")
      ->required();
  cmd->add_option("--border", a.border, "Border line layer (any OGR format and CRS)")->required();
  cmd->add_option("--border-layer", a.border_layer, "Layer of the border file");
  cmd->add_option("--border-where", a.border_where, "OGR SQL filter on the border features");
  auto* terr = cmd->add_option("--own-territory", a.own_territory, "Own territory polygons");
  cmd->add_option("--own-layer", a.own_layer, "Layer of the own-territory file");
  cmd->add_option("--own-where", a.own_where,
                  "OGR SQL filter on the own-territory features, e.g. \"A3 = 'BOL'\"");
  auto* pt = cmd->add_option("--own-point", a.own_point,
                             "A point LON,LAT on one's own side (instead of polygons)");
  terr->excludes(pt);
  cmd->add_option("--own-width-km", a.own_km, "Corridor depth on the own side, km (default 10)");
  cmd->add_option("--far-width-km", a.far_km, "Corridor depth across the border, km (default 5)");
  cmd->add_option("--edge-weight", a.edge_weight,
                  "Target weight at the corridor's edges (default 0.25)");
  cmd->add_option("--weight-lines", a.weight_lines,
                  "Extra weight near lines: FILE:WEIGHT[:BUFFER_M] (repeatable)");
  cmd->add_option("--weight-polygons", a.weight_polygons,
                  "Extra weight inside polygons: FILE:WEIGHT (repeatable)");
  cmd->add_option("--standoff-km", a.standoff_km,
                  "Distance the aircraft keeps from the border, km (default 2)");
  cmd->add_option("--no-fly", a.no_fly, "No-fly polygons (repeatable)");
  cmd->add_option("--aircraft", a.aircraft, "Aircraft preset (default mohajer6)");
  cmd->add_option("--clearance", a.clearance,
                  "Minimum height above terrain, m (default: the aircraft's)");
  cmd->add_option("--ceiling", a.ceiling, "Ceiling AMSL, m (default: the aircraft's)");
}

void add_sensor_options(CLI::App* cmd, SensorArgs& a) {
  cmd->add_option("--stations", a.stations,
                  "Ground stations for the datalink (see vigia link); select keeps points in link");
  cmd->add_option("--link-range-km", a.link_range_km, "Default station range, km (default 200)");
  cmd->add_option("--spacing-km", a.spacing_km, "Candidate lattice spacing, km (default 2)");
  cmd->add_option("--tiers", a.tiers, "Altitude tiers per lattice point (default 3)");
  cmd->add_option("--task", a.task,
                  "person-detect, person-recognise, person-identify, vehicle-detect (default), "
                  "vehicle-recognise, vehicle-identify");
  cmd->add_option("--sensor-range-km", a.sensor_range_km, "Override the task's sensor range, km");
  cmd->add_option("--min-grazing", a.min_grazing,
                  "Minimum grazing angle at the target, degrees (default 5)");
  cmd->add_option("--k", a.k, "Refraction coefficient (default 0.13)");
  cmd->add_option("--aggregate", a.aggregate,
                  "Optimise over blocks of N x N cells (default 1: every cell)");
}

planner::SensorTask sensor_task_of(const SensorArgs& a) {
  planner::SensorTask task = planner::sensor_task(a.task);
  if (a.sensor_range_km > 0.0) task.range_m = a.sensor_range_km * 1000.0;
  return task;
}

void apply_sensor_args(const SensorArgs& a, planner::MissionConfig& c) {
  c.stations = a.stations;
  c.station_range_m = a.link_range_km * 1000.0;
  c.sensor.task = sensor_task_of(a);
  c.sensor.min_grazing_deg = a.min_grazing;
  c.sensor.refraction_k = a.k;
  c.spacing_m = a.spacing_km * 1000.0;
  c.tiers = a.tiers;
  c.aggregate = a.aggregate;
}

void add_aircraft_options(CLI::App* cmd, AircraftArgs& a) {
  cmd->add_option("--cruise-kmh", a.cruise_kmh, "Cruise speed, km/h (default: the preset's)");
  cmd->add_option("--endurance-h", a.endurance_h, "Endurance, hours (default: the preset's)");
  cmd->add_option("--reserve", a.reserve,
                  "Fraction of endurance kept in reserve, 0-1 (default: the preset's)");
  cmd->add_option("--turn-radius-m", a.turn_radius_m, "Turn radius, m (default: the preset's)");
  cmd->add_option("--climb-ms", a.climb_ms, "Climb rate, m/s (default: the preset's)");
  cmd->add_option("--descent-ms", a.descent_ms, "Descent rate, m/s (default: the preset's)");
}

void apply_aircraft_options(const AircraftArgs& a, planner::Aircraft& ac) {
  if (!std::isnan(a.cruise_kmh)) ac.cruise_speed_kmh = a.cruise_kmh;
  if (!std::isnan(a.endurance_h)) ac.endurance_h = a.endurance_h;
  if (!std::isnan(a.reserve)) ac.reserve_fraction = a.reserve;
  if (!std::isnan(a.turn_radius_m)) ac.turn_radius_m = a.turn_radius_m;
  if (!std::isnan(a.climb_ms)) ac.climb_rate_ms = a.climb_ms;
  if (!std::isnan(a.descent_ms)) ac.descent_rate_ms = a.descent_ms;
}

planner::Aircraft aircraft_of(const AreaArgs& a) {
  planner::Aircraft ac;
  try {
    ac = planner::aircraft_preset(a.aircraft);
  } catch (const Error& e) {
    throw Error(std::string("--aircraft: ") + e.what());
  }
  if (a.clearance >= 0.0) ac.min_clearance_m = a.clearance;
  if (a.ceiling >= 0.0) ac.ceiling_m = a.ceiling;
  return ac;
}

planner::AreaInputs area_inputs(const AreaArgs& a, const planner::Aircraft& ac) {
  planner::AreaInputs in;
  in.dem = {a.dem};
  in.border = a.border;
  in.border_layer = a.border_layer;
  in.border_where = a.border_where;
  in.own_territory = a.own_territory;
  in.own_layer = a.own_layer;
  in.own_where = a.own_where;
  if (a.own_territory.empty() && a.own_point.empty()) {
    throw Error("give the own side: --own-territory FILE or --own-point LON,LAT");
  }
  if (!a.own_point.empty()) {
    const auto [lon, lat] = parse_pair(a.own_point, "--own-point", "LON,LAT in degrees");
    in.own_point = geo::Point2{lon, lat};
  }
  in.corridor.own_width_m = a.own_km * 1000.0;
  in.corridor.far_width_m = a.far_km * 1000.0;
  in.corridor.edge_weight = a.edge_weight;
  for (const auto& spec : a.weight_lines) {
    const auto p = split_spec(spec, 2);
    if (p.size() < 2) throw Error("--weight-lines: '" + spec + "' is not FILE:WEIGHT[:BUFFER_M]");
    const double w = std::stod(p[1]), b = p.size() > 2 ? std::stod(p[2]) : 1000.0;
    if (!(w >= 0.0 && w <= 1000.0) || !(b > 0.0 && b <= 100000.0))
      throw Error("--weight-lines: '" + spec +
                  "' is not allowed (FILE:WEIGHT[:BUFFER_M]; weight 0 to 1000, buffer above 0 up "
                  "to 100000 m)");
    in.weights.push_back({p[0], w, b, true});
  }
  for (const auto& spec : a.weight_polygons) {
    const auto p = split_spec(spec, 1);
    if (p.size() < 2) throw Error("--weight-polygons: '" + spec + "' is not FILE:WEIGHT");
    const double w = std::stod(p[1]);
    if (!(w >= 0.0 && w <= 1000.0))
      throw Error("--weight-polygons: '" + spec + "' is not allowed (FILE:WEIGHT; weight 0 to 1000)");
    in.weights.push_back({p[0], w, 0.0, false});
  }
  in.no_fly = a.no_fly;
  in.airspace.standoff_m = a.standoff_km * 1000.0;
  in.airspace.clearance_m = ac.min_clearance_m;
  in.airspace.ceiling_m = ac.ceiling_m;
  return in;
}

}  // namespace vigia::cli
