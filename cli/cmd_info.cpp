// vigia info DEM [DEM...]: what vigia sees in a DEM.

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "console.hpp"
#include "vigia/terrain/dem_io.hpp"

namespace vigia::cli {

namespace {

struct InfoOptions {
  std::vector<std::string> dems;
  bool json = false;
  bool quiet = false;
};

nlohmann::json to_json(const terrain::DemInfo& i) {
  nlohmann::json j;
  j["sources"] = i.sources;
  j["tiles"] = i.tiles;
  j["driver"] = i.driver;
  j["driver_long"] = i.driver_long;
  j["crs"] = {{"name", i.crs_name}, {"id", i.crs_label}, {"geographic", i.geographic}};
  j["size"] = {{"cols", i.cols}, {"rows", i.rows}};
  j["native_cell_size"] = {
      {"x", i.native_cell_x}, {"y", i.native_cell_y}, {"units", i.native_units}};
  j["cell_size_m"] = {{"x", i.cell_width_m},          {"y", i.cell_height_m},
                      {"x_min", i.cell_width_min_m},  {"x_max", i.cell_width_max_m},
                      {"y_min", i.cell_height_min_m}, {"y_max", i.cell_height_max_m}};
  j["extent_lonlat"] = {{"west", i.west}, {"east", i.east}, {"south", i.south}, {"north", i.north}};
  j["metric"] = {{"method", i.metric_method},
                 {"vector_crs", i.vector_crs_label},
                 {"vector_crs_name", i.vector_crs_name}};
  j["area_or_point"] = i.area_or_point;
  j["nodata_value"] = i.nodata_value ? nlohmann::json(*i.nodata_value) : nlohmann::json(nullptr);
  j["scale"] = i.scale;
  j["offset"] = i.offset;
  j["elevation_m"] = {{"min", i.min}, {"max", i.max}, {"mean", i.mean}};
  j["valid_cells"] = i.valid_cells;
  j["nodata_fraction"] = i.nodata_fraction;
  return j;
}

void print_text(const terrain::DemInfo& i) {
  auto line = [](const char* label, const std::string& value) {
    std::cout << "  " << label << std::string(14 - std::string(label).size(), ' ') << value << '\n';
  };
  std::string src = i.sources.front();
  if (i.tiles > 1) src += " and " + std::to_string(i.tiles - 1) + " more tile(s)";
  std::cout << "DEM " << src << '\n';
  line("driver", i.driver + " (" + i.driver_long + ")");
  line("CRS",
       i.crs_name + " (" + i.crs_label + "), " + (i.geographic ? "geographic" : "projected"));
  line("size", std::to_string(i.cols) + " x " + std::to_string(i.rows) + " cells");
  std::string cell =
      fixed(i.cell_width_m, 2) + " m x " + fixed(i.cell_height_m, 2) + " m at the centre";
  if (i.geographic) {
    cell += " (x " + fixed(i.cell_width_min_m, 2) + " .. " + fixed(i.cell_width_max_m, 2) +
            " m by row)";
  }
  line("cell size", cell);
  line("extent", "lon " + fixed(i.west, 5) + " .. " + fixed(i.east, 5) + ", lat " +
                     fixed(i.south, 5) + " .. " + fixed(i.north, 5));
  line("metric frame", i.metric_method + "; vector geometry in " + i.vector_crs_name + " (" +
                           i.vector_crs_label + ")");
  if (!i.area_or_point.empty()) line("registration", "pixel is " + i.area_or_point);
  line("elevation", "min " + fixed(i.min, 1) + " m, max " + fixed(i.max, 1) + " m, mean " +
                        fixed(i.mean, 1) + " m");
  line("nodata", fixed(i.nodata_fraction * 100.0, 3) + " % of cells" +
                     (i.nodata_value ? " (value " + fixed(*i.nodata_value, 0) + ")" : ""));
}

}  // namespace

void add_info_command(CLI::App& app, Runner& runner) {
  auto opts = std::make_shared<InfoOptions>();
  CLI::App* cmd =
      app.add_subcommand("info", "Describe a DEM (or a mosaic of tiles) as vigia sees it");
  cmd->add_option("dem", opts->dems,
                  "DEM file(s): any GDAL raster; several tiles or a quoted glob make a mosaic")
      ->required();
  cmd->add_flag("--json", opts->json, "Print JSON instead of text");
  cmd->add_flag("-q,--quiet", opts->quiet, "No progress display");
  cmd->callback([opts, &runner] {
    runner = [opts] {
      auto progress = make_progress(opts->quiet || opts->json);
      const terrain::DemInfo info = terrain::describe_dem(opts->dems, *progress);
      if (opts->json) {
        std::cout << to_json(info).dump(2) << '\n';
      } else {
        print_text(info);
      }
      return 0;
    };
  });
}

}  // namespace vigia::cli
