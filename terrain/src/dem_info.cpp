// `vigia info`'s description of a DEM: what GDAL says of it, its metric cells and
// its elevations (read once, by blocks).

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "dem_source.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/terrain/dem_io.hpp"

namespace vigia::terrain {

using namespace detail;

DemInfo describe_dem(const std::vector<std::string>& inputs, const Progress& progress) {
  OpenedDem opened = open_dem(inputs);
  DemInfo info;
  info.sources = opened.sources;
  info.tiles = static_cast<int>(opened.sources.size());
  info.driver = opened.driver;
  info.driver_long = opened.driver_long;
  info.crs_name = opened.crs.name();
  info.crs_label = opened.crs.label();
  info.geographic = opened.crs.is_geographic();
  info.cols = opened.ds->GetRasterXSize();
  info.rows = opened.ds->GetRasterYSize();
  info.native_cell_x = std::abs(opened.gt.pixel_width);
  info.native_cell_y = std::abs(opened.gt.pixel_height);
  {
    const auto* srs = opened.ds->GetSpatialRef();
    const char* unit = nullptr;
    if (info.geographic) {
      srs->GetAngularUnits(&unit);
    } else {
      srs->GetLinearUnits(&unit);
    }
    info.native_units = unit ? unit : "";
  }
  info.area_or_point = opened.area_or_point;
  info.nodata_value = opened.nodata;
  info.scale = opened.scale;
  info.offset = opened.offset;

  const double centre_row = (info.rows - 1) / 2.0;
  info.cell_width_m = opened.metric.cell_width(centre_row);
  info.cell_height_m = opened.metric.cell_height(centre_row);
  info.cell_width_min_m = info.cell_height_min_m = std::numeric_limits<double>::infinity();
  info.cell_width_max_m = info.cell_height_max_m = 0.0;
  for (int r = 0; r < info.rows; ++r) {
    const double w = opened.metric.cell_width(r);
    const double h = opened.metric.cell_height(r);
    info.cell_width_min_m = std::min(info.cell_width_min_m, w);
    info.cell_width_max_m = std::max(info.cell_width_max_m, w);
    info.cell_height_min_m = std::min(info.cell_height_min_m, h);
    info.cell_height_max_m = std::max(info.cell_height_max_m, h);
  }

  // Lon/lat extent from the densified outline of the grid (exact for lon/lat grids).
  {
    geo::Transformer to_ll(opened.crs, geo::SpatialRef::wgs84());
    std::vector<geo::Point2> outline;
    constexpr int kSteps = 32;
    for (int i = 0; i <= kSteps; ++i) {
      const double t = static_cast<double>(i) / kSteps;
      outline.push_back(opened.gt.to_crs(t * info.cols, 0));
      outline.push_back(opened.gt.to_crs(t * info.cols, info.rows));
      outline.push_back(opened.gt.to_crs(0, t * info.rows));
      outline.push_back(opened.gt.to_crs(info.cols, t * info.rows));
    }
    to_ll.transform(outline);
    info.west = info.south = std::numeric_limits<double>::infinity();
    info.east = info.north = -std::numeric_limits<double>::infinity();
    for (const auto& p : outline) {
      info.west = std::min(info.west, p.x);
      info.east = std::max(info.east, p.x);
      info.south = std::min(info.south, p.y);
      info.north = std::max(info.north, p.y);
    }
  }

  const geo::Point2 centre{(info.west + info.east) / 2.0, (info.south + info.north) / 2.0};
  const geo::SpatialRef vcrs = vector_work_crs(opened.crs, centre);
  info.vector_crs_label = vcrs.label();
  info.vector_crs_name = vcrs.name();
  info.metric_method = info.geographic ? "per-row ellipsoidal spacing on the native grid"
                                       : "projected grid, constant cell size";

  // Statistics, block by block, so memory stays small whatever the DEM's size.
  // Chunks never of more rows than the DEM has. Read block by block: about 2 MiB of
  // whole block rows (no block is read twice). Through RasterIO (VRTs, remote files,
  // a row of blocks that is itself large: a single strip, DTED's whole columns): 8 M
  // cells, GDAL's cache keeping a block between chunks; few chunks, because a
  // resampling VRT's cells depend on the request's window.
  int block_cols = 0, block_rows = 0;
  opened.ds->GetRasterBand(1)->GetBlockSize(&block_cols, &block_rows);
  block_rows = std::max(block_rows, 1);
  const bool by_blocks = reads_blocks(opened) &&
                         static_cast<double>(block_rows) * info.cols * sizeof(float) <= 16e6;
  const long long chunk_cells = by_blocks ? (512LL << 10) : (8LL << 20);
  if (!by_blocks) block_rows = 1;
  const int chunk_rows = std::min(
      info.rows,
      std::max(1, static_cast<int>(chunk_cells / std::max(info.cols, 1)) / block_rows) *
          block_rows);
  std::vector<float> buffer(static_cast<std::size_t>(chunk_rows) * info.cols);
  double sum = 0.0;
  double mn = std::numeric_limits<double>::infinity();
  double mx = -std::numeric_limits<double>::infinity();
  ToMetres convert(opened);
  ProgressCounter counter(progress, "reading DEM", info.rows);
  for (int r0 = 0; r0 < info.rows; r0 += chunk_rows) {
    const int n = std::min(chunk_rows, info.rows - r0);
    read_rows(opened, {0, r0, info.cols, n}, buffer.data(), convert, by_blocks);
    const std::size_t cells = static_cast<std::size_t>(n) * info.cols;
    for (std::size_t i = 0; i < cells; ++i) {
      const float v = buffer[i];
      if (std::isnan(v)) continue;
      sum += v;
      mn = std::min(mn, static_cast<double>(v));
      mx = std::max(mx, static_cast<double>(v));
    }
    if (!counter.add(n)) progress.throw_if_cancelled();
  }
  counter.finish();
  const long long valid = convert.finish();
  if (valid == 0) throw Error(opened.label + ": has no valid elevation (every cell is nodata)");
  info.valid_cells = valid;
  info.min = mn;
  info.max = mx;
  info.mean = sum / static_cast<double>(valid);
  const double total = static_cast<double>(info.cols) * info.rows;
  info.nodata_fraction = (total - static_cast<double>(valid)) / total;
  return info;
}

}  // namespace vigia::terrain
