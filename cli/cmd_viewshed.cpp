// vigia viewshed DEM OUT.tif --observer LON,LAT --altitude H ...: one airborne viewshed.

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "console.hpp"
#include "los_options.hpp"
#include "outputs.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/terrain/dem_io.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::cli {

namespace {

struct ViewshedArgs {
  std::string dem;
  std::string out;
  std::string observer;
  bool dem_crs = false;
  double altitude = 0.0;
  LosArgs los;
  std::string rise;
  int threads = 0;
  bool cog = false;
  std::string compress = "DEFLATE";
  bool json = false;
  bool quiet = false;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int run(const ViewshedArgs& a) {
  terrain::set_thread_count(a.threads);
  const auto [ox, oy] = parse_pair(a.observer, "--observer",
                                   a.dem_crs ? "X,Y in the DEM's CRS" : "LON,LAT in degrees");
  terrain::ViewshedOptions opt = los_options(a.los);
  opt.required_rise = !a.rise.empty();

  // Stage the outputs first: a bad output path fails before any work.
  geo::OutputFiles files;
  refuse_input_as_output(a.out, {a.dem}, "OUT");
  if (!a.rise.empty()) refuse_input_as_output(a.rise, {a.dem, a.out}, "--rise");
  const std::string tmp_out = files.stage(a.out);
  const std::string tmp_rise = a.rise.empty() ? "" : files.stage(a.rise);

  // Read only the part of the DEM the range covers.
  geo::Point2 lonlat{ox, oy};
  if (a.dem_crs) {
    const terrain::DemHeader h = terrain::read_dem_header({a.dem});
    lonlat = geo::Transformer(h.crs, geo::SpatialRef::wgs84())({ox, oy});
  }
  const double range = terrain::horizontal_range(opt.limits);
  const auto t_load = std::chrono::steady_clock::now();
  terrain::Viewshed vs;
  double seconds = 0.0, load_seconds = 0.0;
  {
    const terrain::Dem dem =
        terrain::load_dem_around({a.dem}, {lonlat}, range, {"--observer"});
    const terrain::DemLocator locator(dem);
    terrain::Observer obs;
    obs.position = locator.to_grid(lonlat);
    obs.altitude_m = a.altitude;
    obs.reference = a.los.reference();
    try {
      (void)terrain::eye_altitude(dem, obs);
    } catch (const Error& e) {
      throw Error("--observer " + a.observer + ": " + e.what());
    }
    auto progress = make_progress(a.quiet || a.json);
    const auto t0 = std::chrono::steady_clock::now();
    load_seconds = std::chrono::duration<double>(t0 - t_load).count();
    vs = terrain::compute_viewshed(dem, obs, opt, *progress);
    seconds = seconds_since(t0);
  }  // the DEM is released before the writing: the peak memory is one DEM, not more
  const auto t_write = std::chrono::steady_clock::now();

  geo::RasterWriteOptions wo;
  wo.format = a.cog ? geo::RasterFormat::COG : geo::RasterFormat::GTiff;
  wo.compress = a.compress;
  wo.metadata = geo::provenance(command_line());
  wo.band_description = "visibility: 1 visible, 0 not visible, 255 no data";
  geo::write_raster(vs.visible, tmp_out, wo);
  if (!a.rise.empty()) {
    wo.band_description = "metres a target must rise to be seen (0 = visible)";
    wo.overview_resampling = "AVERAGE";
    geo::write_raster(vs.required_rise, tmp_rise, wo);
  }
  files.commit();
  const double write_seconds = seconds_since(t_write);

  const double pct =
      vs.stats.cells_in_range ? 100.0 * vs.stats.visible / vs.stats.cells_in_range : 0.0;
  if (a.json) {
    nlohmann::json j;
    j["observer"] = {{"lon", lonlat.x},
                     {"lat", lonlat.y},
                     {"ground_m", vs.stats.ground_m},
                     {"eye_m", vs.stats.eye_m}};
    j["window"] = {{"cols", vs.window.cols}, {"rows", vs.window.rows}};
    j["cells_in_range"] = vs.stats.cells_in_range;
    j["visible_cells"] = vs.stats.visible;
    j["visible_percent"] = pct;
    j["retested_cells"] = vs.stats.retested;
    j["algorithm"] = a.los.algorithm;
    j["seconds"] = seconds;
    j["stage_seconds"] = {{"load_dem", load_seconds}, {"viewshed", seconds}, {"write", write_seconds}};
    j["outputs"] =
        a.rise.empty() ? nlohmann::json::array({a.out}) : nlohmann::json::array({a.out, a.rise});
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << "viewshed from lon " << fixed(lonlat.x, 6) << ", lat " << fixed(lonlat.y, 6)
              << ": eye " << fixed(vs.stats.eye_m, 1) << " m AMSL ("
              << fixed(vs.stats.eye_m - vs.stats.ground_m, 1) << " m above ground)\n"
              << "  " << fixed(pct, 2) << " % of " << grouped(vs.stats.cells_in_range)
              << " cells in range visible (" << a.los.algorithm << ", " << fixed(seconds, 3) << " s";
    if (opt.algorithm == terrain::LosAlgorithm::Fast)
      std::cout << ", " << grouped(vs.stats.retested) << " re-tested";
    std::cout << ")\n  wrote " << a.out << (a.rise.empty() ? "" : " and " + a.rise) << '\n';
  }
  return 0;
}

}  // namespace

void add_viewshed_command(CLI::App& app, Runner& runner) {
  auto a = std::make_shared<ViewshedArgs>();
  CLI::App* cmd =
      app.add_subcommand("viewshed", "What a sensor at one 3-D position sees: a 1/0/255 GeoTIFF");
  cmd->add_option("dem", a->dem, "DEM: any GDAL raster, a VRT, or a quoted glob of tiles")
      ->required();
  cmd->add_option("out", a->out, "Output GeoTIFF (1 visible, 0 not visible, 255 no data)")
      ->required();
  cmd->add_option("--observer", a->observer, "Observer position LON,LAT (WGS 84 degrees)")
      ->required();
  cmd->add_flag("--dem-crs", a->dem_crs, "--observer is X,Y in the DEM's CRS instead of lon/lat");
  cmd->add_option("--altitude", a->altitude, "Observer altitude, m (above ground unless --amsl)")
      ->required();
  add_los_options(cmd, a->los, "Altitude");
  cmd->add_option("--rise", a->rise,
                  "Also write a Float32 GeoTIFF: metres a target must rise to be seen");
  cmd->add_option("--threads", a->threads, "Threads (default: all cores)");
  cmd->add_flag("--cog", a->cog, "Write Cloud-Optimized GeoTIFFs");
  cmd->add_option("--compress", a->compress, "GeoTIFF compression (default DEFLATE)")
      ->check(CLI::IsMember({"DEFLATE", "ZSTD", "LZW", "NONE"}));
  cmd->add_flag("--json", a->json, "Print the figures as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->callback([a, &runner] { runner = [a] { return run(*a); }; });
}

}  // namespace vigia::cli
