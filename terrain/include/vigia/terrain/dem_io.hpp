#pragma once
// Reading DEMs through GDAL: any raster format GDAL reads (GeoTIFF, SRTM .hgt,
// DTED, VRT, ...), one file or several tiles mosaicked through an in-memory VRT.

#include <optional>
#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/geo/spatial_ref.hpp"
#include "vigia/terrain/dem.hpp"

namespace vigia::terrain {

/// Expands glob patterns (quoted on the command line) into sorted file names; plain
/// names pass through. Throws Error if a pattern matches nothing.
std::vector<std::string> expand_dem_inputs(const std::vector<std::string>& inputs);

struct DemLoadOptions {
  /// Read only this window of the (mosaicked) grid; the whole grid when empty.
  std::optional<geo::Window> window;
};

/// Loads elevations as metres (scale and offset applied, nodata as NaN). Throws Error
/// naming the file for: missing or non-raster files, no CRS, no or rotated
/// geotransform, tiles that differ in CRS, cell size or alignment, and DEMs with no
/// valid cell.
Dem load_dem(const std::vector<std::string>& inputs, const DemLoadOptions& options = {});

/// A DEM's grid without its elevations: enough to place points and choose windows
/// before reading (whole-border mosaics need not be read whole for one viewshed).
struct DemHeader {
  int cols = 0;
  int rows = 0;
  geo::GeoTransform transform;
  geo::SpatialRef crs;
  MetricFrame metric;
  std::vector<std::string> sources;
};
DemHeader read_dem_header(const std::vector<std::string>& inputs);

/// Loads the part of a DEM within `range_m` (horizontal) of any of the lon/lat
/// points (the whole DEM when range_m is 0). Throws Error naming the point when one
/// lies outside the DEM (by labels[i], "observer 3" or "station X", when given).
Dem load_dem_around(const std::vector<std::string>& inputs, const std::vector<geo::Point2>& lonlat,
                    double range_m, const std::vector<std::string>& labels = {});

/// Everything `vigia info` reports about a DEM.
struct DemInfo {
  std::vector<std::string> sources;
  std::string driver;       ///< GDAL short name, e.g. "GTiff"; "VRT" for mosaics
  std::string driver_long;  ///< e.g. "GeoTIFF"
  int tiles = 1;
  std::string crs_name;
  std::string crs_label;  ///< e.g. "EPSG:4326"
  bool geographic = false;
  int cols = 0;
  int rows = 0;
  double native_cell_x = 0.0;  ///< in CRS units
  double native_cell_y = 0.0;
  std::string native_units;   ///< "degree", "metre", ...
  double cell_width_m = 0.0;  ///< at the centre row
  double cell_height_m = 0.0;
  double cell_width_min_m = 0.0, cell_width_max_m = 0.0;
  double cell_height_min_m = 0.0, cell_height_max_m = 0.0;
  double west = 0.0, east = 0.0, south = 0.0, north = 0.0;  ///< lon/lat extent (WGS 84)
  std::string metric_method;     ///< "per-row ellipsoidal spacing" or "projected grid"
  std::string vector_crs_label;  ///< metric CRS for vector geometry
  std::string vector_crs_name;
  std::string area_or_point;  ///< "Area", "Point" or ""
  std::optional<double> nodata_value;
  double scale = 1.0;
  double offset = 0.0;
  double min = 0.0, max = 0.0, mean = 0.0;  ///< metres, over valid cells
  long long valid_cells = 0;
  double nodata_fraction = 0.0;
};

/// Reads the DEM block by block (memory stays small for any size) and reports it.
DemInfo describe_dem(const std::vector<std::string>& inputs, const Progress& progress = {});

/// The metric CRS vigia uses for vector geometry (buffers, areas) over a DEM: the
/// DEM's own CRS when it is projected in metres, else the UTM zone of `centre_lonlat`.
geo::SpatialRef vector_work_crs(const geo::SpatialRef& dem_crs, geo::Point2 centre_lonlat);

}  // namespace vigia::terrain
