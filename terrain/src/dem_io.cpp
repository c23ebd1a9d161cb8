#include "vigia/terrain/dem_io.hpp"

#include <gdal_priv.h>
#include <gdal_utils.h>
#include <glob.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <numbers>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/gdal_session.hpp"
#include "vigia/terrain/viewshed.hpp"
#include "dem_source.hpp"

namespace vigia::terrain {

namespace fs = std::filesystem;
using namespace detail;

namespace {

DatasetPtr open_raster(const std::string& path) {
  if (!fs::exists(path)) throw Error(path + ": no such file");
  if (fs::is_directory(path)) {
    throw Error(path + ": is a directory (allowed: DEM files, or a glob such as 'tiles/*.hgt')");
  }
  DatasetPtr ds(GDALDataset::FromHandle(
      GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
  if (!ds) {
    throw Error(path +
                ": not a raster GDAL can read (allowed: GeoTIFF, SRTM .hgt, DTED, VRT or "
                "any GDAL raster format)");
  }
  if (ds->GetRasterCount() < 1) throw Error(path + ": has no raster band");
  if (ds->GetRasterCount() > 1)
    throw Error(path + ": has " + std::to_string(ds->GetRasterCount()) +
                " bands, and a DEM is one band of elevations (allowed: a single-band raster; "
                "take the elevation band with gdal_translate -b N)");
  int has_scale = 0;
  const double scale = ds->GetRasterBand(1)->GetScale(&has_scale);
  if (has_scale && (scale == 0.0 || !std::isfinite(scale)))
    throw Error(path + ": the band's scale is " + std::to_string(scale) +
                ", which makes every elevation the same (allowed: a non-zero scale; fix it with "
                "gdal_edit.py -scale 1)");
  return ds;
}

geo::SpatialRef crs_of(GDALDataset& ds, const std::string& path) {
  const OGRSpatialReference* srs = ds.GetSpatialRef();
  if (!srs || srs->IsEmpty()) {
    throw Error(path +
                ": has no CRS (allowed: a georeferenced DEM; assign one with "
                "gdal_edit.py -a_srs EPSG:4326)");
  }
  char* wkt = nullptr;
  srs->exportToWkt(&wkt);
  geo::SpatialRef crs = geo::SpatialRef::from_wkt(wkt ? wkt : "");
  CPLFree(wkt);
  if (!crs.is_geographic() && !crs.is_projected()) {
    throw Error(path + ": CRS '" + crs.name() +
                "' is neither geographic nor projected (allowed: lon/lat or a map projection)");
  }
  return crs;
}

geo::GeoTransform transform_of(GDALDataset& ds, const std::string& path) {
  std::array<double, 6> g{};
  if (ds.GetGeoTransform(g.data()) != CE_None) {
    throw Error(path + ": has no geotransform (the raster is not georeferenced)");
  }
  const auto gt = geo::GeoTransform::from_gdal(g);
  if (gt.is_rotated()) {
    throw Error(path +
                ": has a rotated geotransform (allowed: north-up grids; warp it first "
                "with gdalwarp)");
  }
  if (gt.pixel_width == 0.0 || gt.pixel_height == 0.0) {
    throw Error(path + ": has a zero cell size in its geotransform");
  }
  return gt;
}

double vertical_unit_m(GDALRasterBand& band, const std::string& path) {
  std::string unit = band.GetUnitType() ? band.GetUnitType() : "";
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (unit.empty() || unit == "m" || unit == "metre" || unit == "meter" || unit == "metres" ||
      unit == "meters") {
    return 1.0;
  }
  if (unit == "ft" || unit == "foot" || unit == "feet") return 0.3048;
  if (unit == "us-ft" || unit == "us survey foot" || unit == "ftus") return 1200.0 / 3937.0;
  throw Error(path + ": elevation unit '" + unit + "' is not supported (allowed: metre, foot)");
}

bool close_rel(double a, double b, double tol) {
  return std::abs(a - b) <= tol * std::max(std::abs(a), std::abs(b));
}

/// Several tiles as one VRT, after checking that they share one CRS, grid and
/// scale (GDAL would resample silently otherwise).
void open_mosaic(const std::vector<std::string>& inputs, OpenedDem& out) {
  out.label = "mosaic of " + std::to_string(inputs.size()) + " tiles";
  geo::GeoTransform first_gt;
  double first_scale = 1.0;
  double first_offset = 0.0;
  std::optional<double> first_nodata;
  GDALDataType first_type = GDT_Unknown;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    DatasetPtr tile = open_raster(inputs[i]);
    const geo::SpatialRef crs = crs_of(*tile, inputs[i]);
    const geo::GeoTransform gt = transform_of(*tile, inputs[i]);
    GDALRasterBand* band = tile->GetRasterBand(1);
    int has = 0;
    const double scale = band->GetScale(&has);
    const double offset = band->GetOffset(&has);
    if (i == 0) {
      out.crs = crs;
      first_gt = gt;
      first_scale = scale;
      first_offset = offset;
      int has_nodata = 0;
      const double nd = band->GetNoDataValue(&has_nodata);
      if (has_nodata) first_nodata = nd;
      first_type = band->GetRasterDataType();
      continue;
    }
    if (!crs.same_as(out.crs)) {
      throw Error(inputs[i] + ": its CRS (" + crs.label() + ") differs from that of " +
                  inputs[0] + " (" + out.crs.label() +
                  "); all tiles of a mosaic must share one CRS");
    }
    if (!close_rel(gt.pixel_width, first_gt.pixel_width, 1e-6) ||
        !close_rel(gt.pixel_height, first_gt.pixel_height, 1e-6)) {
      throw Error(inputs[i] + ": its cell size (" + fmt(gt.pixel_width) + " x " +
                  fmt(std::abs(gt.pixel_height)) + ") differs from that of " + inputs[0] + " (" +
                  fmt(first_gt.pixel_width) + " x " + fmt(std::abs(first_gt.pixel_height)) +
                  "); all tiles of a mosaic must share one grid");
    }
    const double sx = (gt.origin_x - first_gt.origin_x) / first_gt.pixel_width;
    const double sy = (gt.origin_y - first_gt.origin_y) / first_gt.pixel_height;
    if (std::abs(sx - std::round(sx)) > 1e-3 || std::abs(sy - std::round(sy)) > 1e-3) {
      throw Error(inputs[i] + ": is not aligned with the grid of " + inputs[0] +
                  " (offset by a fraction of a cell); all tiles of a mosaic must share one grid");
    }
    if (scale != first_scale || offset != first_offset) {
      throw Error(inputs[i] + ": its scale/offset differ from those of " + inputs[0] +
                  "; all tiles of a mosaic must share them");
    }
  }
  // The VRT's own nodata fills the gaps between tiles.
  double vrt_nodata = -32768.0;
  if (first_nodata) {
    vrt_nodata = *first_nodata;
  } else if (first_type == GDT_Byte) {
    vrt_nodata = 255.0;
  } else if (first_type == GDT_UInt16 || first_type == GDT_UInt32) {
    vrt_nodata = 65535.0;
  }
  const std::string nodata_text = fmt(vrt_nodata, 17);
  std::vector<const char*> argv = {"-b", "1", "-vrtnodata", nodata_text.c_str(), nullptr};
  GDALBuildVRTOptions* opts = GDALBuildVRTOptionsNew(const_cast<char**>(argv.data()), nullptr);
  std::vector<const char*> names;
  for (const auto& s : inputs) names.push_back(s.c_str());
  names.push_back(nullptr);
  int usage_error = 0;
  GDALDatasetH vrt = GDALBuildVRT("", static_cast<int>(inputs.size()), nullptr, names.data(),
                                  opts, &usage_error);
  GDALBuildVRTOptionsFree(opts);
  if (!vrt)
    throw Error(out.label + ": could not be mosaicked: " + geo::gdal_last_error("unknown"));
  out.ds.reset(GDALDataset::FromHandle(vrt));
  out.gt = transform_of(*out.ds, out.label);
}

}  // namespace

namespace detail {

OpenedDem open_dem(const std::vector<std::string>& raw_inputs) {
  geo::gdal_init();
  const std::vector<std::string> inputs = expand_dem_inputs(raw_inputs);
  if (inputs.empty()) throw Error("no DEM given (allowed: one or more DEM files or globs)");

  OpenedDem out;
  out.sources = inputs;
  if (inputs.size() == 1) {
    out.ds = open_raster(inputs[0]);
    out.label = inputs[0];
    out.crs = crs_of(*out.ds, inputs[0]);
    out.gt = transform_of(*out.ds, inputs[0]);
  } else {
    open_mosaic(inputs, out);
  }

  GDALRasterBand* band = out.ds->GetRasterBand(1);
  out.driver = out.ds->GetDriver() ? out.ds->GetDriver()->GetDescription() : "unknown";
  const char* longname =
      out.ds->GetDriver() ? out.ds->GetDriver()->GetMetadataItem(GDAL_DMD_LONGNAME) : nullptr;
  out.driver_long = longname ? longname : out.driver;
  int has = 0;
  const double nd = band->GetNoDataValue(&has);
  if (has) out.nodata = nd;
  out.scale = band->GetScale(&has);
  if (!has) out.scale = 1.0;
  out.offset = band->GetOffset(&has);
  if (!has) out.offset = 0.0;
  out.z_unit_m = vertical_unit_m(*band, out.label);
  const char* aop = out.ds->GetMetadataItem(GDALMD_AREA_OR_POINT);
  if (!aop && inputs.size() > 1) {
    DatasetPtr first = open_raster(inputs[0]);
    aop = first->GetMetadataItem(GDALMD_AREA_OR_POINT);
    out.area_or_point = aop ? aop : "";
  } else {
    out.area_or_point = aop ? aop : "";
  }

  if (out.crs.is_geographic()) {
    const double invf = out.crs.inverse_flattening();
    const geo::Ellipsoid ell{out.crs.semi_major_m(), invf > 0.0 ? 1.0 / invf : 0.0};
    const auto* srs = out.ds->GetSpatialRef();
    const double unit_deg = srs->GetAngularUnits() * 180.0 / std::numbers::pi;
    const double lat_a = out.gt.origin_y * unit_deg;
    const double lat_b =
        (out.gt.origin_y + out.ds->GetRasterYSize() * out.gt.pixel_height) * unit_deg;
    if (std::abs(lat_a) > 90.0 + 1e-9 || std::abs(lat_b) > 90.0 + 1e-9) {
      throw Error(out.label + ": its latitudes run past the poles (" + fmt(lat_a) + " .. " +
                  fmt(lat_b) + "); is the CRS right?");
    }
    out.metric = MetricFrame::geographic(out.gt, ell, unit_deg);
  } else {
    out.metric = MetricFrame::projected(out.gt, out.crs.linear_unit_m());
  }
  return out;
}

[[noreturn]] void damaged(const OpenedDem& dem) {
  throw Error(dem.label + ": is damaged or incomplete, GDAL cannot read its cells (" +
              geo::gdal_last_error("unknown GDAL error") +
              "; allowed: a complete raster, and for a VRT every source file present)");
}

/// Whether read_rows reads this DEM block by block straight from the driver: local
/// files of a driver whose blocks are its stored cells, with blocks of at most 4 MiB
/// (then a window never costs more than its blocks, read once). A VRT's blocks can
/// differ from what RasterIO gives over a window (resampled sources are averaged per
/// request, scaled sources rounded to the VRT's type), and RasterIO on a VRT does not
/// go through the block cache anyway; remote files fetch many blocks in one request
/// through RasterIO; very large blocks are better cached by GDAL.
bool reads_blocks(const OpenedDem& dem) {
  GDALRasterBand* band = dem.ds->GetRasterBand(1);
  int bx = 0, by = 0;
  band->GetBlockSize(&bx, &by);
  const GDALDataType type = band->GetRasterDataType();
  const int tsize = GDALGetDataTypeSizeBytes(type);
  if (bx <= 0 || by <= 0 || tsize <= 0 || GDALDataTypeIsComplex(type)) return false;
  if (static_cast<std::size_t>(bx) * by * tsize > (std::size_t{4} << 20)) return false;
  if (dem.driver == "VRT" || dem.sources.size() != 1) return false;
  return dem.sources.front().rfind("/vsi", 0) != 0;
}

/// Reads window w of the DEM as float metres into buffer (w.cols per row). Where
/// reads_blocks (and by_blocks), block by block straight from the driver (ReadBlock),
/// not through GDAL's block cache: the cache would hold a second copy of the whole
/// window and the copy out of it (for a 8192 x 8192 DEM, 256 MiB and about a second
/// of a whole viewshed command); each block's rows are converted while they are in
/// the processor's cache. Otherwise one RasterIO.
void read_rows(const OpenedDem& dem, const geo::Window& w, float* buffer, ToMetres& convert,
               bool by_blocks) {
  GDALRasterBand* band = dem.ds->GetRasterBand(1);
  if (!by_blocks || !reads_blocks(dem)) {
    if (band->RasterIO(GF_Read, w.col, w.row, w.cols, w.rows, buffer, w.cols, w.rows, GDT_Float32,
                       0, 0, nullptr) != CE_None)
      damaged(dem);
    for (int r = 0; r < w.rows; ++r) convert(buffer + static_cast<std::size_t>(r) * w.cols, w.cols);
    return;
  }
  int bx = 0, by = 0;
  band->GetBlockSize(&bx, &by);
  const GDALDataType type = band->GetRasterDataType();
  const int tsize = GDALGetDataTypeSizeBytes(type);
  const std::size_t block_bytes = static_cast<std::size_t>(bx) * by * tsize;
  std::vector<std::byte> block(block_bytes);
  for (int yb = w.row / by; yb * by < w.row + w.rows; ++yb) {
    const int r0 = std::max(w.row, yb * by);
    const int r1 = std::min(w.row + w.rows, (yb + 1) * by);
    for (int xb = w.col / bx; xb * bx < w.col + w.cols; ++xb) {
      const int c0 = std::max(w.col, xb * bx);
      const int c1 = std::min(w.col + w.cols, (xb + 1) * bx);
      if (band->ReadBlock(xb, yb, block.data()) != CE_None) damaged(dem);
      for (int r = r0; r < r1; ++r) {
        const std::byte* from =
            block.data() + (static_cast<std::size_t>(r - yb * by) * bx + (c0 - xb * bx)) * tsize;
        float* to = buffer + static_cast<std::size_t>(r - w.row) * w.cols + (c0 - w.col);
        GDALCopyWords64(from, type, tsize, to, GDT_Float32, sizeof(float), c1 - c0);
        convert(to, static_cast<std::size_t>(c1 - c0));
      }
    }
  }
}

}  // namespace detail

std::vector<std::string> expand_dem_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    const bool pattern = in.find_first_of("*?[") != std::string::npos;
    if (!pattern || fs::exists(in)) {
      out.push_back(in);
      continue;
    }
    glob_t g{};
    const int rc = glob(in.c_str(), 0, nullptr, &g);
    if (rc != 0 || g.gl_pathc == 0) {
      globfree(&g);
      throw Error(in + ": the pattern matches no file");
    }
    std::vector<std::string> matches(g.gl_pathv, g.gl_pathv + g.gl_pathc);
    globfree(&g);
    std::sort(matches.begin(), matches.end());
    out.insert(out.end(), matches.begin(), matches.end());
  }
  return out;
}

Dem load_dem(const std::vector<std::string>& inputs, const DemLoadOptions& options) {
  OpenedDem opened = open_dem(inputs);
  const geo::Window full{0, 0, opened.ds->GetRasterXSize(), opened.ds->GetRasterYSize()};
  const geo::Window w = options.window ? full.intersect(*options.window) : full;
  if (w.empty()) throw Error(opened.label + ": the requested window lies outside the DEM");

  Dem dem;
  dem.crs = opened.crs;
  dem.sources = opened.sources;
  dem.metric = opened.metric.shifted(w.col, w.row);
  dem.elevation = geo::Raster<float>(w.cols, w.rows, geo::Uninitialised{});
  dem.elevation.transform = opened.gt.shifted(w.col, w.row);
  dem.elevation.crs_wkt = opened.crs.wkt();
  dem.elevation.nodata = std::numeric_limits<double>::quiet_NaN();
  ToMetres convert(opened);
  read_rows(opened, w, dem.elevation.data().data(), convert);
  const long long valid = convert.finish();
  if (valid == 0) {
    throw Error(opened.label + ": has no valid elevation" +
                (options.window ? std::string(" in the requested window") : std::string()) +
                " (every cell is nodata)");
  }
  return dem;
}

DemHeader read_dem_header(const std::vector<std::string>& inputs) {
  const OpenedDem opened = open_dem(inputs);
  return {opened.ds->GetRasterXSize(),
          opened.ds->GetRasterYSize(),
          opened.gt,
          opened.crs,
          opened.metric,
          opened.sources};
}

Dem load_dem_around(const std::vector<std::string>& inputs, const std::vector<geo::Point2>& lonlat,
                    double range_m, const std::vector<std::string>& labels) {
  const DemHeader h = read_dem_header(inputs);
  const geo::Transformer to_dem(geo::SpatialRef::wgs84(), h.crs);
  std::optional<geo::Window> window;
  for (std::size_t i = 0; i < lonlat.size(); ++i) {
    const geo::Point2 p = lonlat[i];
    const geo::Point2 px = h.transform.to_pixel(to_dem(p));
    const GridPoint g{px.x - 0.5, px.y - 0.5};
    if (!(g.col >= -0.5 && g.row >= -0.5 && g.col <= h.cols - 0.5 && g.row <= h.rows - 0.5)) {
      std::ostringstream msg;
      msg.precision(8);
      if (i < labels.size()) msg << labels[i] << ": ";
      msg << "the point lon " << p.x << ", lat " << p.y << " lies outside the DEM ("
          << (h.sources.size() == 1 ? h.sources.front()
                                    : std::to_string(h.sources.size()) + " tiles")
          << ")";
      throw Error(msg.str());
    }
    const geo::Window w = range_window(h.metric, h.cols, h.rows, g, range_m);
    if (!window) {
      window = w;
    } else {
      const int c0 = std::min(window->col, w.col);
      const int r0 = std::min(window->row, w.row);
      const int c1 = std::max(window->col + window->cols, w.col + w.cols);
      const int r1 = std::max(window->row + window->rows, w.row + w.rows);
      window = geo::Window{c0, r0, c1 - c0, r1 - r0};
    }
  }
  DemLoadOptions opts;
  opts.window = window;
  return load_dem(inputs, opts);
}

geo::SpatialRef vector_work_crs(const geo::SpatialRef& dem_crs, geo::Point2 centre_lonlat) {
  if (dem_crs.is_projected() && std::abs(dem_crs.linear_unit_m() - 1.0) < 1e-12) return dem_crs;
  return geo::SpatialRef::from_epsg(geo::utm_epsg(centre_lonlat.x, centre_lonlat.y));
}

}  // namespace vigia::terrain
