// vigia coverage DEM OUT.tif --observers FILE: how many observers see each cell.

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "console.hpp"
#include "los_options.hpp"
#include "outputs.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/vector_io.hpp"
#include "vigia/terrain/coverage.hpp"
#include "vigia/terrain/dem_io.hpp"

namespace vigia::cli {

namespace {

struct CoverageArgs {
  std::string dem;
  std::string out;
  std::string observers;
  std::string altitude_field;
  LosArgs los;
  std::string visible_sets;
  int threads = 0;
  bool cog = false;
  bool json = false;
  bool quiet = false;
};

int run(const CoverageArgs& a) {
  terrain::set_thread_count(a.threads);
  geo::OutputFiles files;
  refuse_input_as_output(a.out, {a.dem, a.observers}, "OUT");
  if (!a.visible_sets.empty())
    refuse_input_as_output(a.visible_sets, {a.dem, a.observers, a.out}, "--visible-sets");
  const std::string tmp_out = files.stage(a.out);

  const auto points =
      geo::read_altitude_points(a.observers, geo::SpatialRef::wgs84(), a.altitude_field);
  std::vector<geo::Point2> lonlat;
  lonlat.reserve(points.size());
  for (const auto& p : points) lonlat.push_back(p.xy);
  terrain::CoverageOptions opt;
  opt.viewshed = los_options(a.los);
  opt.keep_visible_sets = !a.visible_sets.empty();
  const double range = terrain::horizontal_range(opt.viewshed.limits);
  terrain::Dem dem;
  try {
    dem = terrain::load_dem_around({a.dem}, lonlat, range);
  } catch (const Error& e) {
    // Name the observer that lies outside.
    const terrain::DemHeader h = terrain::read_dem_header({a.dem});
    const geo::Transformer to_dem(geo::SpatialRef::wgs84(), h.crs);
    for (const auto& p : points) {
      const geo::Point2 px = h.transform.to_pixel(to_dem(p.xy));
      if (px.x < 0 || px.y < 0 || px.x > h.cols || px.y > h.rows) {
        throw Error(p.where + ": the observer lies outside the DEM " + a.dem);
      }
    }
    throw;
  }
  const terrain::DemLocator locator(dem);
  std::vector<terrain::Observer> observers;
  for (const auto& p : points) {
    terrain::Observer o;
    o.position = locator.to_grid(p.xy);
    o.altitude_m = p.altitude;
    o.reference = a.los.reference();
    try {
      (void)terrain::eye_altitude(dem, o);
    } catch (const Error& e) {
      throw Error(p.where + ": " + e.what());
    }
    observers.push_back(o);
  }

  auto progress = make_progress(a.quiet || a.json);
  const auto t0 = std::chrono::steady_clock::now();
  const terrain::Coverage cov = terrain::compute_coverage(dem, observers, opt, *progress);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  geo::RasterWriteOptions wo;
  wo.format = a.cog ? geo::RasterFormat::COG : geo::RasterFormat::GTiff;
  wo.metadata = geo::provenance(command_line());
  wo.band_description = "number of observers seeing the cell (65535 = no data)";
  geo::write_raster(cov.count, tmp_out, wo);
  if (!a.visible_sets.empty()) terrain::write_visible_sets(a.visible_sets, cov.visible_sets, dem);
  files.commit();

  long long seen = 0;
  long long cells = 0;
  for (std::uint16_t c : cov.count.data()) {
    if (c == 65535) continue;
    ++cells;
    seen += c > 0;
  }
  const double pct = cells ? 100.0 * seen / cells : 0.0;
  if (a.json) {
    nlohmann::json j;
    j["observers"] = cov.stats.observers;
    j["cells"] = cells;
    j["cells_seen"] = seen;
    j["seen_percent"] = pct;
    j["cells_computed"] = cov.stats.cells_computed;
    j["retested_cells"] = cov.stats.retested;
    j["accumulator_bytes"] = cov.stats.accumulator_bytes;
    j["visible_set_bytes"] = cov.stats.visible_set_bytes;
    j["seconds"] = seconds;
    j["threads"] = terrain::thread_count();
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << "coverage of " << grouped(cov.stats.observers) << " observers: " << fixed(pct, 2)
              << " % of " << grouped(cells) << " cells seen by at least one (" << fixed(seconds, 2)
              << " s, " << terrain::thread_count() << " threads, "
              << fixed(cov.stats.cells_computed / seconds / 1e6, 1) << " M cells/s)\n  wrote "
              << a.out
              << (a.visible_sets.empty()
                      ? ""
                      : " and " + a.visible_sets + " (" +
                            fixed(cov.stats.visible_set_bytes / 1048576.0, 1) + " MiB of runs)")
              << '\n';
  }
  return 0;
}

}  // namespace

void add_coverage_command(CLI::App& app, Runner& runner) {
  auto a = std::make_shared<CoverageArgs>();
  CLI::App* cmd =
      app.add_subcommand("coverage", "How many observers see each cell: a UInt16 GeoTIFF");
  cmd->add_option("dem", a->dem, "DEM: any GDAL raster, a VRT, or a quoted glob of tiles")
      ->required();
  cmd->add_option("out", a->out, "Output GeoTIFF (count of observers; 65535 = no data)")
      ->required();
  cmd->add_option(
         "--observers", a->observers,
         "Observers: CSV lon,lat,alt or a point layer (GeoJSON, GeoPackage...) with an altitude")
      ->required();
  cmd->add_option(
      "--altitude-field", a->altitude_field,
      "Attribute holding the altitude (default: alt, altitude, height, z or the Z coordinate)");
  add_los_options(cmd, a->los, "Altitudes");
  cmd->add_option("--visible-sets", a->visible_sets,
                  "Also write every observer's visible cells (.vvs, see docs)");
  cmd->add_option("--threads", a->threads, "Threads (default: all cores)");
  cmd->add_flag("--cog", a->cog, "Write a Cloud-Optimized GeoTIFF");
  cmd->add_flag("--json", a->json, "Print the figures as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->callback([a, &runner] { runner = [a] { return run(*a); }; });
}

}  // namespace vigia::cli
