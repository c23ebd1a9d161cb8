#include "vigia/geo/raster_io.hpp"

#include <gdal_priv.h>
#include <gdal_utils.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/progress.hpp"
#include "vigia/geo/gdal_session.hpp"
#include "vigia/geo/version.hpp"

namespace vigia::geo {

namespace fs = std::filesystem;

namespace {

template <class T>
constexpr GDALDataType gdal_type() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return GDT_Byte;
  if constexpr (std::is_same_v<T, std::uint16_t>) return GDT_UInt16;
  if constexpr (std::is_same_v<T, std::int16_t>) return GDT_Int16;
  if constexpr (std::is_same_v<T, std::int32_t>) return GDT_Int32;
  if constexpr (std::is_same_v<T, float>) return GDT_Float32;
  if constexpr (std::is_same_v<T, double>) return GDT_Float64;
}

struct DatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};

/// A one-band tiled GeoTIFF written tile by tile straight to the driver (WriteBlock),
/// not through GDAL's block cache as CreateCopy does: the same bytes (the tiles in the
/// same order, the same tags from `like`), in an eighth of the time for a 64 MiB
/// viewshed (26 ms against 221 ms on the 2-core host) and without a cached copy.
template <class T>
void write_tiles(const Raster<T>& raster, GDALDataset& like, const std::string& path,
                 GDALDriver& driver, const std::vector<const char*>& creation_options) {
  std::unique_ptr<GDALDataset, DatasetCloser> out(
      driver.Create(path.c_str(), raster.cols(), raster.rows(), 1, gdal_type<T>(),
                    const_cast<char**>(creation_options.data())));
  if (!out)
    throw Error(path + ": cannot write: " + gdal_last_error("GDAL failed"), Error::Kind::Runtime);
  std::array<double, 6> gt{};
  if (like.GetGeoTransform(gt.data()) == CE_None) out->SetGeoTransform(gt.data());
  if (const OGRSpatialReference* srs = like.GetSpatialRef()) out->SetSpatialRef(srs);
  out->SetMetadata(like.GetMetadata());
  GDALRasterBand* from = like.GetRasterBand(1);
  GDALRasterBand* band = out->GetRasterBand(1);
  int has_nodata = 0;
  const double nodata = from->GetNoDataValue(&has_nodata);
  if (has_nodata) band->SetNoDataValue(nodata);
  band->SetDescription(from->GetDescription());
  int bx = 0, by = 0;
  band->GetBlockSize(&bx, &by);
  // Cells of edge tiles beyond the raster hold zeros, as CreateCopy writes them.
  std::vector<T> tile(static_cast<std::size_t>(bx) * by);
  for (int yb = 0; yb * by < raster.rows(); ++yb) {
    const int nr = std::min(by, raster.rows() - yb * by);
    for (int xb = 0; xb * bx < raster.cols(); ++xb) {
      const int nc = std::min(bx, raster.cols() - xb * bx);
      if (nr < by || nc < bx) std::fill(tile.begin(), tile.end(), T{});
      for (int r = 0; r < nr; ++r) {
        const T* row = raster.row(yb * by + r) + static_cast<std::ptrdiff_t>(xb) * bx;
        std::copy(row, row + nc, tile.begin() + static_cast<std::ptrdiff_t>(r) * bx);
      }
      if (band->WriteBlock(xb, yb, tile.data()) != CE_None)
        throw Error(path + ": write failed: " + gdal_last_error(), Error::Kind::Runtime);
    }
  }
  out.reset();  // flush and close
}

}  // namespace

template <class T>
void write_raster(const Raster<T>& raster, const std::string& path,
                  const RasterWriteOptions& options) {
  write_raster_bands<T>({&raster}, {options.band_description}, path, options);
}

template <class T>
void write_raster_bands(const std::vector<const Raster<T>*>& bands,
                        const std::vector<std::string>& descriptions, const std::string& path,
                        const RasterWriteOptions& options) {
  gdal_init();
  const Raster<T>& raster = *bands.front();
  // A MEM dataset over the rasters' own buffers (no copy), then CreateCopy.
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  std::unique_ptr<GDALDataset, DatasetCloser> src(
      mem->Create("", raster.cols(), raster.rows(), 0, gdal_type<T>(), nullptr));
  if (!src)
    throw Error(path + ": cannot prepare the raster: " + gdal_last_error(), Error::Kind::Runtime);
  for (std::size_t b = 0; b < bands.size(); ++b) {
    if (bands[b]->cols() != raster.cols() || bands[b]->rows() != raster.rows()) {
      throw Error(path + ": bands of different sizes", Error::Kind::Runtime);
    }
    char pointer[64];
    std::snprintf(pointer, sizeof pointer, "DATAPOINTER=%p",
                  static_cast<const void*>(bands[b]->data().data()));
    const char* band_options[] = {pointer, nullptr};
    if (src->AddBand(gdal_type<T>(), const_cast<char**>(band_options)) != CE_None) {
      throw Error(path + ": cannot prepare the raster: " + gdal_last_error(), Error::Kind::Runtime);
    }
    GDALRasterBand* band = src->GetRasterBand(static_cast<int>(b) + 1);
    if (bands[b]->nodata) band->SetNoDataValue(*bands[b]->nodata);
    if (b < descriptions.size() && !descriptions[b].empty()) {
      band->SetDescription(descriptions[b].c_str());
    }
  }
  auto gt = raster.transform.to_gdal();
  src->SetGeoTransform(gt.data());
  if (!raster.crs_wkt.empty()) src->SetProjection(raster.crs_wkt.c_str());
  for (const auto& [k, v] : options.metadata) src->SetMetadataItem(k.c_str(), v.c_str());

  std::vector<std::string> co;
  const bool cog = options.format == RasterFormat::COG;
  co.push_back("COMPRESS=" + options.compress);
  if (cog) {
    co.push_back("BLOCKSIZE=512");
    co.push_back("OVERVIEWS=AUTO");
    co.push_back("RESAMPLING=" + options.overview_resampling);
    co.push_back("NUM_THREADS=ALL_CPUS");
  } else {
    co.push_back("TILED=YES");
    co.push_back("BIGTIFF=IF_SAFER");
  }
  if (options.compress != "NONE" && (std::is_floating_point_v<T>)) co.push_back("PREDICTOR=3");
  if (options.compress != "NONE" && !(std::is_floating_point_v<T>)) co.push_back("PREDICTOR=2");
  std::vector<const char*> co_ptrs;
  for (const auto& s : co) co_ptrs.push_back(s.c_str());
  co_ptrs.push_back(nullptr);

  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(cog ? "COG" : "GTiff");
  if (!cog && bands.size() == 1) {
    write_tiles(raster, *src, path, *drv, co_ptrs);
  } else {
    std::unique_ptr<GDALDataset, DatasetCloser> out(drv->CreateCopy(
        path.c_str(), src.get(), FALSE, const_cast<char**>(co_ptrs.data()), nullptr, nullptr));
    if (!out)
      throw Error(path + ": cannot write: " + gdal_last_error("GDAL failed"), Error::Kind::Runtime);
    out.reset();  // flush and close
  }
  if (CPLGetLastErrorType() == CE_Failure) {
    throw Error(path + ": write failed: " + gdal_last_error(), Error::Kind::Runtime);
  }
}

void write_zip(const std::string& path,
               const std::vector<std::pair<std::string, std::string>>& files) {
  gdal_init();
  void* zip = CPLCreateZip(path.c_str(), nullptr);
  if (!zip) throw Error(path + ": cannot create the archive", Error::Kind::Runtime);
  bool ok = true;
  for (const auto& [name, file] : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string bytes = buf.str();
    ok = ok && in && !bytes.empty();
    ok = ok && CPLCreateFileInZip(zip, name.c_str(), nullptr) == CE_None;
    ok = ok && CPLWriteFileInZip(zip, bytes.data(), static_cast<int>(bytes.size())) == CE_None;
    ok = ok && CPLCloseFileInZip(zip) == CE_None;
  }
  ok = CPLCloseZip(zip) == CE_None && ok;
  if (!ok)
    throw Error(path + ": cannot write the archive: " + gdal_last_error(), Error::Kind::Runtime);
}

Raster<std::uint8_t> hillshade(const Raster<float>& dem, double xy_scale) {
  gdal_init();
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  std::unique_ptr<GDALDataset, DatasetCloser> src(
      mem->Create("", dem.cols(), dem.rows(), 0, GDT_Float32, nullptr));
  char pointer[64];
  std::snprintf(pointer, sizeof pointer, "DATAPOINTER=%p",
                static_cast<const void*>(dem.data().data()));
  const char* band_options[] = {pointer, nullptr};
  if (!src || src->AddBand(GDT_Float32, const_cast<char**>(band_options)) != CE_None)
    throw Error("hillshade: cannot prepare the DEM: " + gdal_last_error(), Error::Kind::Runtime);
  src->GetRasterBand(1)->SetNoDataValue(dem.nodata ? *dem.nodata : NAN);
  auto gt = dem.transform.to_gdal();
  src->SetGeoTransform(gt.data());
  const std::string scale = std::to_string(xy_scale);
  const char* argv[] = {"-of", "MEM", "-compute_edges", "-az",  "315", "-alt",
                        "45",  "-s",  scale.c_str(),    nullptr};
  GDALDEMProcessingOptions* opts = GDALDEMProcessingOptionsNew(const_cast<char**>(argv), nullptr);
  int usage_error = 0;
  std::unique_ptr<GDALDataset, DatasetCloser> out(GDALDataset::FromHandle(GDALDEMProcessing(
      "", GDALDataset::ToHandle(src.get()), "hillshade", nullptr, opts, &usage_error)));
  GDALDEMProcessingOptionsFree(opts);
  if (!out) throw Error("hillshade: " + gdal_last_error("GDAL failed"), Error::Kind::Runtime);
  Raster<std::uint8_t> shade = dem.like<std::uint8_t>(0, 0.0);
  if (out->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, dem.cols(), dem.rows(), shade.data().data(),
                                      dem.cols(), dem.rows(), GDT_Byte, 0, 0) != CE_None)
    throw Error("hillshade: " + gdal_last_error("read failed"), Error::Kind::Runtime);
  return shade;
}

template void write_raster(const Raster<std::uint8_t>&, const std::string&,
                           const RasterWriteOptions&);
template void write_raster(const Raster<std::uint16_t>&, const std::string&,
                           const RasterWriteOptions&);
template void write_raster(const Raster<std::int16_t>&, const std::string&,
                           const RasterWriteOptions&);
template void write_raster(const Raster<std::int32_t>&, const std::string&,
                           const RasterWriteOptions&);
template void write_raster(const Raster<float>&, const std::string&, const RasterWriteOptions&);
template void write_raster(const Raster<double>&, const std::string&, const RasterWriteOptions&);
template void write_raster_bands(const std::vector<const Raster<float>*>&,
                                 const std::vector<std::string>&, const std::string&,
                                 const RasterWriteOptions&);
template void write_raster_bands(const std::vector<const Raster<std::uint16_t>*>&,
                                 const std::vector<std::string>&, const std::string&,
                                 const RasterWriteOptions&);
template void write_raster_bands(const std::vector<const Raster<std::uint8_t>*>&,
                                 const std::vector<std::string>&, const std::string&,
                                 const RasterWriteOptions&);

OutputFiles::~OutputFiles() {
  for (const auto& [tmp, dst] : staged_) unregister_unfinished_output(tmp);
  if (committed_) return;
  for (const auto& [tmp, dst] : staged_) {
    std::error_code ec;
    fs::remove(tmp, ec);
    // GDAL may leave side files (.aux.xml, .ovr) next to a temporary.
    fs::remove(tmp + ".aux.xml", ec);
    fs::remove(tmp + ".ovr", ec);
  }
}

std::string OutputFiles::stage(const std::string& destination) {
  const fs::path dst(destination);
  const fs::path dir = dst.has_parent_path() ? dst.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) {
    throw Error(destination + ": the folder " + dir.string() + " does not exist");
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw Error(destination + ": the folder " + dir.string() + " is not writable");
  }
  if (fs::is_directory(dst)) throw Error(destination + ": is a directory, not a file name");
  std::random_device rd;
  const std::string tmp =
      (dir / ("." + dst.filename().string() + ".vigia-" + std::to_string(getpid()) + "-" +
              std::to_string(rd() % 1000000) + dst.extension().string()))
          .string();
  staged_.emplace_back(tmp, destination);
  register_unfinished_output(tmp);
  return tmp;
}

void OutputFiles::commit() {
  for (const auto& [tmp, dst] : staged_) {
    std::error_code ec;
    fs::rename(tmp, dst, ec);
    if (ec)
      throw Error(dst + ": cannot move the finished file into place: " + ec.message(),
                  Error::Kind::Runtime);
    fs::remove(tmp + ".aux.xml", ec);
  }
  committed_ = true;
}

std::map<std::string, std::string> provenance(const std::string& command_line,
                                              const std::string& scenario_hash) {
  std::map<std::string, std::string> m{{"VIGIA_VERSION", std::string(version())},
                                       {"VIGIA_GIT_HASH", std::string(git_hash())}};
  if (!command_line.empty()) m["VIGIA_COMMAND"] = command_line;
  if (!scenario_hash.empty()) m["VIGIA_SCENARIO_SHA256"] = scenario_hash;
  return m;
}

}  // namespace vigia::geo
