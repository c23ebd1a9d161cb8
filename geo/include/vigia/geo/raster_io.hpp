#pragma once
// Writing rasters through GDAL: GeoTIFF or Cloud-Optimized GeoTIFF, georeferenced,
// with nodata and provenance metadata. Files are staged under a temporary name and
// only renamed into place when complete (see OutputFiles).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vigia/geo/raster.hpp"

namespace vigia::geo {

enum class RasterFormat {
  GTiff,  ///< tiled GeoTIFF
  COG,    ///< Cloud-Optimized GeoTIFF (overviews, 512 blocks)
};

struct RasterWriteOptions {
  RasterFormat format = RasterFormat::GTiff;
  std::string compress = "DEFLATE";  ///< DEFLATE, ZSTD, LZW or NONE
  std::string band_description;
  std::map<std::string, std::string> metadata;  ///< dataset metadata (provenance, units)
  /// Overview resampling for COG: "NEAREST" for classes and counts, "AVERAGE" for
  /// continuous values.
  std::string overview_resampling = "NEAREST";
};

/// Writes a raster to `path` (any existing file is replaced). Throws Error (Runtime)
/// naming the file when GDAL cannot write it. Instantiated for uint8, uint16, int16,
/// int32, float and double.
template <class T>
void write_raster(const Raster<T>& raster, const std::string& path,
                  const RasterWriteOptions& options);

/// Writes several rasters on one grid as the bands of one file, with a description
/// per band (band_description of the options is ignored). Instantiated for float,
/// uint16 and uint8.
template <class T>
void write_raster_bands(const std::vector<const Raster<T>*>& bands,
                        const std::vector<std::string>& descriptions, const std::string& path,
                        const RasterWriteOptions& options);

/// A shaded relief (GDAL's hillshade: sun from the north-west at 45°), 1-255, 0 where
/// there is no data. `xy_scale`: metres per CRS unit (1 for projected DEMs, about
/// 111 120 for degrees).
Raster<std::uint8_t> hillshade(const Raster<float>& dem, double xy_scale);

/// Writes a zip archive at `path` holding the given files (name in the archive,
/// file on disk), through GDAL's zip writer. Used for KMZ.
void write_zip(const std::string& path,
               const std::vector<std::pair<std::string, std::string>>& files);

/// A set of output files written as one: each file is first written under a
/// temporary name next to its destination; commit() renames them all into place;
/// if commit() is never reached (error, Ctrl-C), the destructor removes the
/// temporaries, so nothing half-written is left behind.
class OutputFiles {
 public:
  OutputFiles() = default;
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  /// Registers `destination` and returns the temporary path to write it to.
  /// Throws Error if the destination's folder does not exist or is not writable.
  std::string stage(const std::string& destination);
  /// Moves every staged file into place.
  void commit();

 private:
  std::vector<std::pair<std::string, std::string>> staged_;  ///< temp, destination
  bool committed_ = false;
};

/// The standard provenance entries: VIGIA_VERSION, VIGIA_GIT_HASH and, when given,
/// VIGIA_COMMAND (the command line) and VIGIA_SCENARIO_SHA256.
std::map<std::string, std::string> provenance(const std::string& command_line = "",
                                              const std::string& scenario_hash = "");

}  // namespace vigia::geo
