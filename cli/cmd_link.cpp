// vigia link DEM --stations FILE --out DIR: where the datalink to a ground station
// holds, and from what altitude.

#include <algorithm>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "console.hpp"
#include "outputs.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/vector_write.hpp"
#include "vigia/planner/aircraft.hpp"
#include "vigia/planner/link.hpp"
#include "vigia/terrain/dem_io.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::cli {

namespace {

struct LinkArgs {
  std::string dem;
  std::string stations;
  double range_km = 200.0;
  double antenna = 10.0;
  double k = 0.25;
  double fresnel = 0.0;
  double frequency_ghz = 5.0;
  std::string aircraft = "mohajer6";
  double ceiling = -1.0;
  std::vector<double> at_altitude;
  int threads = 0;
  std::string out;
  bool overwrite = false;
  bool json = false;
  bool quiet = false;
};

/// An altitude as written in file names and descriptions: whole metres, or one
/// decimal when it has a fraction.
std::string mask_name(double alt) {
  return alt == std::round(alt) ? fixed(alt, 0) : fixed(alt, 1);
}

int run(const LinkArgs& a) {
  terrain::set_thread_count(a.threads);
  const planner::Aircraft ac = planner::aircraft_preset(a.aircraft);
  std::vector<std::string> mask_names;
  for (double alt : a.at_altitude) {
    const std::string name = "link_at_" + mask_name(alt) + "m.tif";
    if (std::find(mask_names.begin(), mask_names.end(), name) != mask_names.end())
      throw Error("--at-altitude " + mask_name(alt) +
                  ": given twice (allowed: distinct altitudes, to 0.1 m)");
    mask_names.push_back(name);
  }
  OutputDir out(a.out, a.overwrite, {a.dem, a.stations});
  const std::string lowest_path = out.stage("link_lowest_altitude.tif");
  const std::string station_path = out.stage("link_station.tif");
  const std::string gpkg = out.stage("link_stations.gpkg");
  std::vector<std::string> mask_paths;
  for (const std::string& name : mask_names) mask_paths.push_back(out.stage(name));

  const auto stations = planner::read_stations(a.stations, a.antenna, a.range_km * 1000.0);
  std::vector<geo::Point2> where;
  std::vector<std::string> labels;
  double max_range = 0.0;
  for (const auto& s : stations) {
    where.push_back(s.lonlat);
    labels.push_back(s.where.empty() ? a.stations + ": station " + s.name
                                     : s.where + " (station " + s.name + ")");
    max_range = std::max(max_range, s.range_m);
  }
  const terrain::Dem dem = terrain::load_dem_around({a.dem}, where, max_range, labels);
  planner::LinkOptions lo;
  lo.refraction_k = a.k;
  lo.fresnel_fraction = a.fresnel;
  lo.frequency_hz = a.frequency_ghz * 1e9;
  lo.ceiling_m = a.ceiling >= 0.0 ? a.ceiling : ac.ceiling_m;
  auto progress = make_progress(a.quiet || a.json);
  const planner::LinkMap map = planner::compute_link_map(dem, stations, lo, *progress);

  geo::RasterWriteOptions wo;
  wo.metadata = geo::provenance(command_line());
  wo.overview_resampling = "AVERAGE";
  wo.band_description =
      "lowest altitude AMSL with radio line of sight to a station (no data: none under the "
      "ceiling)";
  geo::write_raster(map.lowest, lowest_path, wo);
  wo.overview_resampling = "NEAREST";
  wo.band_description = "station giving the lowest link altitude (1-based, 0 = none)";
  geo::write_raster(map.station, station_path, wo);
  for (std::size_t i = 0; i < a.at_altitude.size(); ++i) {
    wo.band_description = "link at " + mask_name(a.at_altitude[i]) + " m AMSL: 1 yes, 0 no";
    geo::write_raster(planner::link_mask(map, dem, a.at_altitude[i]), mask_paths[i], wo);
  }
  geo::OutLayer layer{"stations", geo::SpatialRef::wgs84(), {}, "ground control stations", ""};
  for (std::size_t i = 0; i < stations.size(); ++i) {
    const auto& s = stations[i];
    layer.features.push_back({s.lonlat,
                              {{"index", static_cast<long long>(i + 1)},
                               {"name", s.name},
                               {"antenna_agl_m", s.antenna_agl_m},
                               {"range_km", s.range_m / 1000.0},
                               {"cells_served", map.cells_served[i]}}});
  }
  geo::write_gpkg(gpkg, {layer});
  out.commit();

  const double pct = map.cells ? 100.0 * map.cells_with_link / map.cells : 0.0;
  if (a.json) {
    nlohmann::json j;
    j["stations"] = stations.size();
    j["cells"] = map.cells;
    j["cells_with_link_under_ceiling"] = map.cells_with_link;
    j["percent_with_link_under_ceiling"] = pct;
    j["ceiling_m"] = lo.ceiling_m;
    j["k"] = a.k;
    j["fresnel_fraction"] = a.fresnel;
    j["cells_served"] = map.cells_served;
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << "datalink from " << stations.size()
              << " station(s): link possible under the ceiling (" << lo.ceiling_m << " m) over "
              << fixed(pct, 1) << " % of " << grouped(map.cells) << " cells\n"
              << "  wrote " << out.path("link_lowest_altitude.tif")
              << ", link_station.tif, link_stations.gpkg";
    for (double alt : a.at_altitude) std::cout << ", link_at_" << mask_name(alt) << "m.tif";
    std::cout << '\n';
  }
  return 0;
}

}  // namespace

void add_link_command(CLI::App& app, Runner& runner) {
  auto a = std::make_shared<LinkArgs>();
  CLI::App* cmd = app.add_subcommand(
      "link", "Where the datalink to ground stations holds, and from what altitude");
  cmd->add_option("dem", a->dem, "DEM: any GDAL raster, a VRT, or a quoted glob of tiles")
      ->required();
  cmd->add_option("--stations", a->stations,
                  "Stations: CSV lon,lat[,antenna_agl_m[,range_km[,name]]] or a point layer")
      ->required();
  cmd->add_option("--range-km", a->range_km, "Default link range, km (default 200)");
  cmd->add_option("--antenna", a->antenna, "Default antenna height above ground, m (default 10)");
  cmd->add_option("--k", a->k, "Refraction coefficient for radio (default 0.25)");
  cmd->add_option("--fresnel", a->fresnel,
                  "Keep this fraction of the first Fresnel zone clear (e.g. 0.6)");
  cmd->add_option("--frequency-ghz", a->frequency_ghz,
                  "Link frequency for --fresnel, GHz (default 5)");
  cmd->add_option("--aircraft", a->aircraft, "Aircraft preset for the ceiling (default mohajer6)");
  cmd->add_option("--ceiling", a->ceiling, "Ceiling AMSL, m (default: the aircraft's, 5400)");
  cmd->add_option("--at-altitude", a->at_altitude,
                  "Also write the link mask at these altitudes AMSL (repeatable)");
  cmd->add_option("--threads", a->threads, "Threads (default: all cores)");
  cmd->add_option("--out", a->out, "Output folder")->required();
  cmd->add_flag("--overwrite", a->overwrite, "Replace existing outputs");
  cmd->add_flag("--json", a->json, "Print the figures as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->callback([a, &runner] { runner = [a] { return run(*a); }; });
}

}  // namespace vigia::cli
