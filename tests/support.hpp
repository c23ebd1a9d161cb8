#pragma once
// Helpers shared by the tests: temporary folders, small GDAL rasters made on the
// fly, paths to the team data and the vigia executable, running the CLI.

#include <array>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vigia/terrain/dem.hpp"

namespace vigia::test {

/// A fresh folder under the system temp dir, removed with everything in it at scope end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// A file of ../shared/data (the team's real DEMs and borders). Fails the test, never
/// skips it, when the folder is missing.
std::string shared_data(const std::string& name);
/// A file of the project's data/ folder.
std::string project_data(const std::string& name);

struct GridSpec {
  int cols = 0;
  int rows = 0;
  std::array<double, 6> geotransform{0, 1, 0, 0, 0, -1};
  std::string crs = "EPSG:4326";  ///< empty: no CRS
  std::optional<double> nodata;
  std::string driver = "GTiff";
  std::string unit;  ///< band unit type, e.g. "ft"
  double scale = 1.0;
  double offset = 0.0;
};

/// Writes a one-band Float32 raster (Int16 for the SRTMHGT/DTED drivers is done by
/// converting a GeoTIFF copy with GDAL).
void write_raster(const std::string& path, const GridSpec& spec, const std::vector<float>& values);
/// Copies a raster to another GDAL format (e.g. "SRTMHGT", "DTED", "VRT").
void convert_raster(const std::string& src, const std::string& dst, const std::string& driver);

/// An in-memory DEM in UTM 19S with square cells of `cell_m` metres and elevations
/// z(row, col) (NaN for no data).
terrain::Dem make_dem(int cols, int rows, double cell_m, const std::function<double(int, int)>& z);

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};
/// The path of the vigia executable under test.
std::string vigia_exe();

/// Runs the vigia executable with the given arguments (each passed as one word).
CliResult run_vigia(const std::vector<std::string>& args);

/// Number of lines in a text (a final newline does not start a new line).
int line_count(const std::string& text);

}  // namespace vigia::test
