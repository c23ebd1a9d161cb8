#pragma once
// Many observers at once: how many of them see each cell, and, on request, each
// observer's visible cells in a compact run-length form the planner can reuse.
//
// Observers are spread over threads; each thread computes whole viewsheds and
// counts into its own sparse tiles (no lock, memory bounded by the area the
// observers' ranges cover, never observers x raster); the tiles are summed at the end.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/geo/raster.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::terrain {

/// A run of visible cells on one DEM row: columns [col, col + length).
struct Run {
  std::int32_t row = 0;
  std::int32_t col = 0;
  std::int32_t length = 0;
};

/// The cells one observer sees, as runs sorted by row then column (DEM grid).
struct VisibleSet {
  std::vector<Run> runs;
  [[nodiscard]] long long cells() const {
    long long n = 0;
    for (const Run& r : runs) n += r.length;
    return n;
  }
  [[nodiscard]] std::size_t bytes() const { return runs.capacity() * sizeof(Run); }
};

/// Run-length encodes the cells equal to 1 of a viewshed (DEM grid coordinates).
VisibleSet encode_visible(const Viewshed& vs);

struct CoverageOptions {
  ViewshedOptions viewshed;        ///< shared by every observer
  bool keep_visible_sets = false;  ///< also return each observer's visible cells
};

struct CoverageStats {
  long long observers = 0;
  long long cells_computed = 0;  ///< sum over observers of the cells in range
  long long visible_cells = 0;   ///< sum over observers of the visible cells
  long long retested = 0;
  std::size_t accumulator_bytes = 0;  ///< peak memory of the per-thread count tiles
  std::size_t visible_set_bytes = 0;
};

struct Coverage {
  geo::Window window;  ///< of the DEM covered by `count`
  geo::Raster<std::uint16_t>
      count;  ///< observers seeing each cell (saturates at 65534); 65535 = no data
  std::vector<VisibleSet> visible_sets;  ///< per observer, in input order, when asked
  CoverageStats stats;
};

/// Validates every observer first (Error naming the observer's index), then
/// computes. Honours cancellation through `progress`.
Coverage compute_coverage(const Dem& dem, std::span<const Observer> observers,
                          const CoverageOptions& options, const Progress& progress = {});

/// Writes visible sets to a compact binary file (format in docs/visibility.md):
/// "VIGIAVS1", the grid (size, geotransform, CRS) the runs index, then per observer
/// its runs. Written under a temporary name and moved into place when complete.
void write_visible_sets(const std::string& path, const std::vector<VisibleSet>& sets,
                        const Dem& grid);

/// Reads a file written by write_visible_sets. Throws Error on a malformed file.
struct VisibleSetFile {
  int cols = 0;
  int rows = 0;
  geo::GeoTransform transform;
  std::string crs_wkt;
  std::vector<VisibleSet> sets;
};
VisibleSetFile read_visible_sets(const std::string& path);

}  // namespace vigia::terrain
