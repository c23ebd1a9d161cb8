// vigia corridor DEM --border FILE (--own-territory FILE | --own-point LON,LAT) --out DIR:
// the border corridor to watch, its target weights, and the permitted airspace.

#include <iostream>
#include <nlohmann/json.hpp>

#include "area_options.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "outputs.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/vector_write.hpp"
#include "vigia/planner/area.hpp"

namespace vigia::cli {

namespace {

struct CorridorArgs {
  AreaArgs area;
  std::string out;
  bool overwrite = false;
  bool json = false;
  bool quiet = false;
};

int run(const CorridorArgs& a) {
  const planner::AreaInputs in = area_inputs(a.area, aircraft_of(a.area));
  std::vector<std::string> inputs{a.area.dem, a.area.border, a.area.own_territory};
  inputs.insert(inputs.end(), a.area.no_fly.begin(), a.area.no_fly.end());
  OutputDir out(a.out, a.overwrite, inputs);
  const std::string gpkg = out.stage("corridor.gpkg");
  const std::string weights = out.stage("corridor_weights.tif");
  const std::string band = out.stage("airspace_band.tif");

  auto progress = make_progress(a.quiet || a.json);
  const planner::Area area = planner::build_area(in, *progress);
  for (const auto& w : area.warnings) std::cerr << "vigia: warning: " << w << '\n';
  const planner::Corridor& c = area.corridor;
  const planner::Airspace& air = area.airspace;

  geo::RasterWriteOptions wo;
  wo.metadata = geo::provenance(command_line());
  wo.overview_resampling = "AVERAGE";
  wo.band_description =
      "target weight (1 at the border, falling to the edge weight; extra layers added)";
  geo::write_raster(c.weight, weights, wo);
  geo::write_raster_bands<float>(
      {&air.min_alt, &air.max_alt},
      {"lowest allowed altitude AMSL (terrain + clearance)", "ceiling AMSL"}, band, wo);
  const auto km2 = [](double m2) { return m2 / 1e6; };
  const geo::SpatialRef& work = area.work_crs;
  std::vector<geo::OutLayer> layers;
  layers.push_back({"border",
                    work,
                    {{area.frame.border, {{"length_km", area.frame.border_length_m / 1000.0}}}},
                    "the border inside the DEM",
                    ""});
  layers.push_back({"corridor",
                    work,
                    {{c.own_side,
                      {{"side", std::string("own")},
                       {"width_km", in.corridor.own_width_m / 1000.0},
                       {"area_km2", km2(c.own_area_m2)}}},
                     {c.far_side,
                      {{"side", std::string("far")},
                       {"width_km", in.corridor.far_width_m / 1000.0},
                       {"area_km2", km2(c.far_area_m2)}}}},
                    "ground to watch on each side of the border",
                    ""});
  layers.push_back({"airspace",
                    work,
                    {{air.permitted,
                      {{"standoff_km", in.airspace.standoff_m / 1000.0},
                       {"area_km2", km2(air.permitted_area_m2)},
                       {"clearance_m", in.airspace.clearance_m},
                       {"ceiling_m", in.airspace.ceiling_m}}}},
                    "own airspace less the standoff and no-fly zones",
                    ""});
  if (!area.no_fly.empty()) {
    layers.push_back({"no_fly",
                      work,
                      {{area.no_fly, {{"source", std::string("--no-fly")}}}},
                      "no-fly zones",
                      ""});
  }
  geo::write_gpkg(gpkg, layers);
  out.commit();

  const terrain::Dem& dem = area.dem;
  const double cell_km2 =
      dem.metric.cell_width(dem.rows() / 2.0) * dem.metric.cell_height(dem.rows() / 2.0) / 1e6;
  if (a.json) {
    nlohmann::json j;
    j["work_crs"] = work.label();
    j["border_length_km"] = area.frame.border_length_m / 1000.0;
    j["corridor"] = {{"own_area_km2", km2(c.own_area_m2)},
                     {"far_area_km2", km2(c.far_area_m2)},
                     {"cells", c.cells},
                     {"weight_sum", c.weight_sum}};
    j["airspace"] = {{"permitted_area_km2", km2(air.permitted_area_m2)},
                     {"cells_permitted", air.cells_permitted},
                     {"cells_flyable", air.cells_flyable},
                     {"clearance_m", in.airspace.clearance_m},
                     {"ceiling_m", in.airspace.ceiling_m},
                     {"standoff_km", in.airspace.standoff_m / 1000.0}};
    j["warnings"] = area.warnings;
    j["outputs"] = {out.path("corridor.gpkg"), out.path("corridor_weights.tif"),
                    out.path("airspace_band.tif")};
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << "border inside the DEM: " << fixed(area.frame.border_length_m / 1000.0, 1)
              << " km (geodesic)\n"
              << "corridor: " << fixed(km2(c.own_area_m2), 1) << " km² own side ("
              << in.corridor.own_width_m / 1000.0 << " km deep) + " << fixed(km2(c.far_area_m2), 1)
              << " km² across (" << in.corridor.far_width_m / 1000.0 << " km), " << grouped(c.cells)
              << " cells, total weight " << fixed(c.weight_sum, 0) << "\n"
              << "airspace: " << fixed(km2(air.permitted_area_m2), 1) << " km² permitted (standoff "
              << in.airspace.standoff_m / 1000.0 << " km); flyable between terrain + "
              << in.airspace.clearance_m << " m and " << in.airspace.ceiling_m << " m over "
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
  add_area_options(cmd, a->area);
  cmd->add_option("--out", a->out,
                  "Output folder (corridor.gpkg, corridor_weights.tif, airspace_band.tif)")
      ->required();
  cmd->add_flag("--overwrite", a->overwrite, "Replace existing outputs");
  cmd->add_flag("--json", a->json, "Print the figures as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->callback([a, &runner] { runner = [a] { return run(*a); }; });
}

}  // namespace vigia::cli
