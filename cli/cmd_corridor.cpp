// vigia corridor DEM --border FILE (--own-territory FILE | --own-point LON,LAT) --out DIR:
// the border corridor to watch, its target weights, and the permitted airspace.

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "console.hpp"
#include "outputs.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/vector_io.hpp"
#include "vigia/geo/vector_write.hpp"
#include "vigia/planner/aircraft.hpp"
#include "vigia/planner/corridor.hpp"
#include "vigia/terrain/dem_io.hpp"

namespace vigia::cli {

namespace {

struct CorridorArgs {
  std::string dem;
  std::string border;
  std::string border_layer;
  std::string border_where;
  std::string own_territory;
  std::string own_layer;
  std::string own_where;
  std::string own_point;
  double own_km = 10.0;
  double far_km = 5.0;
  double edge_weight = 0.25;
  std::vector<std::string> weight_lines;
  std::vector<std::string> weight_polygons;
  double standoff_km = 2.0;
  std::vector<std::string> no_fly;
  std::string aircraft = "mohajer6";
  double clearance = -1.0;
  double ceiling = -1.0;
  std::string out;
  bool overwrite = false;
  bool json = false;
  bool quiet = false;
};

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

int run(const CorridorArgs& a) {
  const planner::Aircraft ac = planner::aircraft_preset(a.aircraft);
  OutputDir out(a.out, a.overwrite);
  const std::string gpkg = out.stage("corridor.gpkg");
  const std::string weights = out.stage("corridor_weights.tif");
  const std::string band = out.stage("airspace_band.tif");

  auto progress = make_progress(a.quiet || a.json);
  progress->report("reading inputs", 0.0);
  const terrain::Dem dem = terrain::load_dem({a.dem});
  const terrain::DemLocator loc(dem);
  const geo::SpatialRef work =
      terrain::vector_work_crs(dem.crs, loc.to_lonlat({dem.cols() / 2.0, dem.rows() / 2.0}));
  geo::VectorReadOptions bo{a.border_layer, a.border_where};
  const auto border = geo::read_vector(a.border, work, bo).lines();
  planner::OwnSide own;
  if (!a.own_territory.empty()) {
    geo::VectorReadOptions oo{a.own_layer, a.own_where};
    own.territory = geo::read_vector(a.own_territory, work, oo).polygons();
    if (own.territory.empty())
      throw Error(a.own_territory + ": holds no polygon" +
                  (a.own_where.empty() ? "" : " matching '" + a.own_where + "'"));
  } else {
    const auto [lon, lat] = parse_pair(a.own_point, "--own-point", "LON,LAT in degrees");
    own.point = geo::Transformer(geo::SpatialRef::wgs84(), work)({lon, lat});
  }
  planner::CorridorOptions co;
  co.own_width_m = a.own_km * 1000.0;
  co.far_width_m = a.far_km * 1000.0;
  co.edge_weight = a.edge_weight;
  for (const auto& spec : a.weight_lines) {
    const auto p = split_spec(spec, 2);
    if (p.size() < 2) throw Error("--weight-lines: '" + spec + "' is not FILE:WEIGHT[:BUFFER_M]");
    planner::WeightLayer w;
    w.name = p[0];
    w.lines = geo::read_vector(p[0], work).lines();
    w.weight = std::stod(p[1]);
    w.buffer_m = p.size() > 2 ? std::stod(p[2]) : 1000.0;
    co.extra.push_back(w);
  }
  for (const auto& spec : a.weight_polygons) {
    const auto p = split_spec(spec, 1);
    if (p.size() < 2) throw Error("--weight-polygons: '" + spec + "' is not FILE:WEIGHT");
    planner::WeightLayer w;
    w.name = p[0];
    w.polygons = geo::read_vector(p[0], work).polygons();
    w.weight = std::stod(p[1]);
    co.extra.push_back(w);
  }
  planner::AirspaceOptions ao;
  ao.standoff_m = a.standoff_km * 1000.0;
  ao.clearance_m = a.clearance >= 0.0 ? a.clearance : ac.min_clearance_m;
  ao.ceiling_m = a.ceiling >= 0.0 ? a.ceiling : ac.ceiling_m;
  for (const auto& f : a.no_fly) {
    const auto polys = geo::read_vector(f, work).polygons();
    ao.no_fly.insert(ao.no_fly.end(), polys.begin(), polys.end());
  }

  progress->report("corridor", 0.3);
  const double reach = std::max({co.own_width_m, co.far_width_m, ao.standoff_m});
  const planner::BorderFrame frame = planner::make_border_frame(dem, work, border, own, reach);
  for (const auto& w : frame.warnings) std::cerr << "vigia: warning: " << w << '\n';
  const planner::Corridor c = planner::build_corridor(dem, frame, co);
  progress->report("airspace", 0.6);
  const planner::Airspace air = planner::build_airspace(dem, frame, ao);
  progress->report("writing", 0.9);

  geo::RasterWriteOptions wo;
  wo.metadata = geo::provenance(command_line());
  wo.overview_resampling = "AVERAGE";
  wo.band_description =
      "target weight (1 at the border, falling to the edge weight; extra layers added)";
  geo::write_raster(c.weight, weights, wo);
  geo::write_raster_bands<float>(
      {&air.min_alt, &air.max_alt},
      {"lowest allowed altitude AMSL (terrain + clearance)", "ceiling AMSL"}, band, wo);
  const auto area_km2 = [](double m2) { return m2 / 1e6; };
  std::vector<geo::OutLayer> layers;
  layers.push_back({"border",
                    work,
                    {{frame.border, {{"length_km", frame.border_length_m / 1000.0}}}},
                    "the border inside the DEM",
                    ""});
  layers.push_back({"corridor",
                    work,
                    {{c.own_side,
                      {{"side", std::string("own")},
                       {"width_km", a.own_km},
                       {"area_km2", area_km2(c.own_area_m2)}}},
                     {c.far_side,
                      {{"side", std::string("far")},
                       {"width_km", a.far_km},
                       {"area_km2", area_km2(c.far_area_m2)}}}},
                    "ground to watch on each side of the border",
                    ""});
  layers.push_back({"airspace",
                    work,
                    {{air.permitted,
                      {{"standoff_km", a.standoff_km},
                       {"area_km2", area_km2(air.permitted_area_m2)},
                       {"clearance_m", ao.clearance_m},
                       {"ceiling_m", ao.ceiling_m}}}},
                    "own airspace less the standoff and no-fly zones",
                    ""});
  if (!ao.no_fly.empty())
    layers.push_back(
        {"no_fly", work, {{ao.no_fly, {{"source", std::string("user")}}}}, "no-fly zones", ""});
  geo::write_gpkg(gpkg, layers);
  out.commit();
  progress->report("writing", 1.0);

  const double cell_km2 =
      dem.metric.cell_width(dem.rows() / 2.0) * dem.metric.cell_height(dem.rows() / 2.0) / 1e6;
  if (a.json) {
    nlohmann::json j;
    j["work_crs"] = work.label();
    j["border_length_km"] = frame.border_length_m / 1000.0;
    j["corridor"] = {{"own_area_km2", area_km2(c.own_area_m2)},
                     {"far_area_km2", area_km2(c.far_area_m2)},
                     {"cells", c.cells},
                     {"weight_sum", c.weight_sum}};
    j["airspace"] = {{"permitted_area_km2", area_km2(air.permitted_area_m2)},
                     {"cells_permitted", air.cells_permitted},
                     {"cells_flyable", air.cells_flyable},
                     {"clearance_m", ao.clearance_m},
                     {"ceiling_m", ao.ceiling_m},
                     {"standoff_km", a.standoff_km}};
    j["warnings"] = frame.warnings;
    j["outputs"] = {out.path("corridor.gpkg"), out.path("corridor_weights.tif"),
                    out.path("airspace_band.tif")};
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << "border inside the DEM: " << fixed(frame.border_length_m / 1000.0, 1)
              << " km (geodesic)\n"
              << "corridor: " << fixed(area_km2(c.own_area_m2), 1) << " km² own side (" << a.own_km
              << " km deep) + " << fixed(area_km2(c.far_area_m2), 1) << " km² across (" << a.far_km
              << " km), " << grouped(c.cells) << " cells, total weight " << fixed(c.weight_sum, 0)
              << "\n"
              << "airspace: " << fixed(area_km2(air.permitted_area_m2), 1)
              << " km² permitted (standoff " << a.standoff_km << " km); flyable between terrain + "
              << ao.clearance_m << " m and " << ao.ceiling_m << " m over "
              << fixed(air.cells_flyable * cell_km2, 0) << " km² ("
              << fixed(air.cells_permitted ? 100.0 * air.cells_flyable / air.cells_permitted : 0.0,
                       1)
              << " % of it)\n  wrote " << out.path("corridor.gpkg")
              << ", corridor_weights.tif, airspace_band.tif\n";
  }
  return 0;
}

}  // namespace

void add_corridor_command(CLI::App& app, Runner& runner) {
  auto a = std::make_shared<CorridorArgs>();
  CLI::App* cmd = app.add_subcommand(
      "corridor", "The border corridor to watch, its target weights, and the permitted airspace");
  cmd->add_option("dem", a->dem, "DEM: any GDAL raster, a VRT, or a quoted glob of tiles")
      ->required();
  cmd->add_option("--border", a->border, "Border line layer (any OGR format and CRS)")->required();
  cmd->add_option("--border-layer", a->border_layer, "Layer of the border file");
  cmd->add_option("--border-where", a->border_where, "OGR SQL filter on the border features");
  auto* terr =
      cmd->add_option("--own-territory", a->own_territory,
                      "Own territory polygons (e.g. countries with --own-where \"A3 = 'BOL'\")");
  cmd->add_option("--own-layer", a->own_layer, "Layer of the own-territory file");
  cmd->add_option("--own-where", a->own_where, "OGR SQL filter on the own-territory features");
  auto* pt = cmd->add_option("--own-point", a->own_point,
                             "A point LON,LAT on one's own side (instead of polygons)");
  terr->excludes(pt);
  cmd->add_option("--own-width-km", a->own_km, "Corridor depth on the own side, km (default 10)");
  cmd->add_option("--far-width-km", a->far_km, "Corridor depth across the border, km (default 5)");
  cmd->add_option("--edge-weight", a->edge_weight,
                  "Target weight at the corridor's edges (1 at the border; default 0.25)");
  cmd->add_option("--weight-lines", a->weight_lines,
                  "Extra weight near lines: FILE:WEIGHT[:BUFFER_M] (repeatable)");
  cmd->add_option("--weight-polygons", a->weight_polygons,
                  "Extra weight inside polygons: FILE:WEIGHT (repeatable)");
  cmd->add_option("--standoff-km", a->standoff_km,
                  "Distance the aircraft keeps from the border, km (default 2)");
  cmd->add_option("--no-fly", a->no_fly, "No-fly polygons (repeatable)");
  cmd->add_option("--aircraft", a->aircraft,
                  "Aircraft preset for clearance and ceiling (default mohajer6)");
  cmd->add_option("--clearance", a->clearance,
                  "Minimum height above terrain, m (default: the aircraft's, 300)");
  cmd->add_option("--ceiling", a->ceiling, "Ceiling AMSL, m (default: the aircraft's, 5400)");
  cmd->add_option("--out", a->out,
                  "Output folder (corridor.gpkg, corridor_weights.tif, airspace_band.tif)")
      ->required();
  cmd->add_flag("--overwrite", a->overwrite, "Replace existing outputs");
  cmd->add_flag("--json", a->json, "Print the figures as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->callback([a, &runner] {
    runner = [a] {
      if (a->own_territory.empty() && a->own_point.empty()) {
        throw Error("give the own side: --own-territory FILE or --own-point LON,LAT");
      }
      return run(*a);
    };
  });
}

}  // namespace vigia::cli
