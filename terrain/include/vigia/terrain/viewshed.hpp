#pragma once
// Airborne viewsheds: which cells of a DEM a sensor at a 3-D position can see.
//
// The contract (docs/visibility.md):
//  * Observer: a horizontal position anywhere in the DEM (not snapped to a cell),
//    altitude above ground (added to the bilinear DEM elevation there) or above sea
//    level (an observer below the terrain is an error).
//  * Targets: every cell centre, at DEM elevation + target height.
//  * Curvature and refraction: a point at horizontal distance d is lowered by
//    (1 - k) d^2 / 2R (R = 6 371 000 m).
//  * Exact line of sight (R3, Franklin & Ray 1994): a cell is visible iff no terrain
//    sample strictly between observer and target rises above the sightline, terrain
//    being sampled by linear interpolation at every crossing of the sightline with
//    the grid lines through cell centres. Along a sightline, the horizontal distance
//    of a sample is its fraction of the way times the target's distance.
//  * Sensor limits: range (horizontal distance or slant range), minimum distance,
//    minimum grazing angle at the target, azimuth sector.
//  * Output on the DEM's grid (the window the range covers): 1 visible, 0 not
//    visible (blocked or outside the sensor limits), 255 no data (outside the range,
//    or DEM nodata).

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/geo/raster.hpp"
#include "vigia/terrain/dem.hpp"

namespace vigia::terrain {

enum class AltitudeReference {
  AboveGround,    ///< metres above the DEM surface at the observer's position (AGL)
  AboveSeaLevel,  ///< metres above sea level, i.e. in the DEM's vertical datum (AMSL)
};

enum class LosAlgorithm {
  Fast,   ///< O(r^2) sweep plus exact re-test of near-ties: agrees with Exact but for true ties
  Exact,  ///< R3 for every cell, O(r^3): the reference
};

struct Observer {
  GridPoint position;  ///< in the DEM's grid (see DemLocator for lon/lat)
  double altitude_m = 0.0;
  AltitudeReference reference = AltitudeReference::AboveGround;
};

struct SensorLimits {
  double max_distance_m = 0.0;     ///< horizontal range; 0 = unlimited
  double max_slant_range_m = 0.0;  ///< 3-D range; 0 = unlimited
  double min_distance_m = 0.0;     ///< horizontal
  double min_grazing_deg = -90.0;  ///< minimum depression angle of the sightline at the target
  /// Optional azimuth sector, degrees clockwise from grid north, from -> to (clockwise).
  std::optional<std::pair<double, double>> azimuth_sector_deg;
};

/// Some cells of a grid, as runs of columns row by row (ascending, disjoint).
class CellRuns {
 public:
  using Run = std::pair<int, int>;  ///< columns [first, second)
  CellRuns() = default;
  /// The cells of a cols x rows grid where keep(row, col) holds.
  template <class Keep>
  static CellRuns where(int cols, int rows, Keep keep) {
    CellRuns out;
    out.start_.reserve(static_cast<std::size_t>(rows) + 1);
    for (int r = 0; r < rows; ++r) {
      out.start_.push_back(out.runs_.size());
      for (int c = 0; c < cols;) {
        if (!keep(r, c)) {
          ++c;
          continue;
        }
        const int c0 = c;
        while (c < cols && keep(r, c)) ++c;
        out.runs_.emplace_back(c0, c);
      }
    }
    out.start_.push_back(out.runs_.size());
    return out;
  }
  [[nodiscard]] int rows() const { return start_.empty() ? 0 : static_cast<int>(start_.size()) - 1; }
  /// The runs of row r.
  [[nodiscard]] std::span<const Run> row(int r) const {
    const auto b = start_[static_cast<std::size_t>(r)];
    const auto e = start_[static_cast<std::size_t>(r) + 1];
    return {runs_.data() + b, e - b};
  }

 private:
  std::vector<std::size_t> start_;  ///< per row, its first run; then the count
  std::vector<Run> runs_;
};

struct ViewshedOptions {
  double target_height_m = 0.0;
  double refraction_k = 0.13;  ///< 0.13 light, 0.25 radio, 1 = no curvature correction
  SensorLimits limits;
  LosAlgorithm algorithm = LosAlgorithm::Fast;
  /// Fast: a target is re-tested exactly when it lies between the exact lower bound of
  /// its horizon and the interpolated horizon, or within this many metres above them
  /// (0 by default: the band itself plus float rounding; larger values re-test more).
  double tie_margin_m = 0.0;
  /// Also produce, per cell, how many metres the target would have to rise to be seen.
  bool required_rise = false;
  /// When set (on the DEM's grid), the only cells the caller reads: the sensor limits
  /// are applied and the stats counted there alone, and every other cell of the output
  /// is 255. Lines of sight still pass over every cell, so these cells come out as
  /// they would without it. Saves the per-cell limits where nothing is looked at.
  const CellRuns* only = nullptr;
};

struct ViewshedStats {
  double ground_m = 0.0;         ///< DEM elevation under the observer (bilinear)
  double eye_m = 0.0;            ///< observer altitude AMSL
  long long cells_in_range = 0;  ///< cells with data within the range
  long long visible = 0;
  long long retested = 0;  ///< Fast: cells re-tested exactly
};

struct Viewshed {
  geo::Window window;                 ///< of the DEM grid covered by the outputs
  geo::Raster<std::uint8_t> visible;  ///< 1 / 0 / 255, georeferenced on the window
  geo::Raster<float>
      required_rise;  ///< metres (0 where visible), NaN = no data; empty unless asked
  ViewshedStats stats;
};

/// The observer's eye altitude AMSL. Throws Error if the position lies outside the
/// DEM or on nodata, or an AMSL altitude is below the ground.
double eye_altitude(const Dem& dem, const Observer& observer);

/// The horizontal range the limits bound a viewshed to, metres: the horizontal limit
/// or the slant range, whichever is smaller (a horizontal distance is never longer
/// than the slant range); 0 when neither is set. The one rule for every window.
double horizontal_range(const SensorLimits& limits);

/// The window of a grid that holds every cell within `range_m` (horizontal) of
/// `position`; the whole grid when range_m is 0 (or not finite).
geo::Window range_window(const MetricFrame& metric, int cols, int rows, GridPoint position,
                         double range_m);
inline geo::Window range_window(const Dem& dem, GridPoint position, double range_m) {
  return range_window(dem.metric, dem.cols(), dem.rows(), position, range_m);
}

/// Sets the number of threads parallel work started from this thread uses (0 = all
/// cores): for programs (the CLI, benchmarks), which own their process.
void set_thread_count(int threads);
/// The number of threads parallel work will use.
int thread_count();

/// A thread count for the calls made while it lives (0 = all cores): library calls
/// that take a thread count as an option (run_mission's `threads`) hold one, and the
/// count before comes back when it ends, so no setting is left behind. OpenMP keeps
/// the count per calling thread: other threads of the program are not affected.
class ThreadCount {
 public:
  explicit ThreadCount(int threads);
  ~ThreadCount();
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  int before_;
};

/// Vector instruction sets for the fast sweep's inner loop. By default the widest the
/// CPU has; a lower limit (set_simd_limit, or the environment variable VIGIA_SIMD =
/// scalar | avx2 | avx512 read at the first viewshed) lets one machine run and compare
/// every path. Results agree across paths except on float-rounding ties.
enum class Simd { Scalar, Avx2, Avx512 };
void set_simd_limit(Simd limit);
/// The instruction set the fast sweep uses now (the limit, capped by the CPU).
Simd simd_in_use();
/// "scalar", "AVX2" or "AVX-512".
const char* simd_name(Simd simd);

/// Throws Error (one line: what, the value, what is allowed) when an option is out
/// of range. compute_viewshed checks too; parallel callers check once before their
/// loop, since an exception must not leave an OpenMP region.
void check_options(const ViewshedOptions& options);

/// Computes one viewshed. Runs on the calling thread plus OpenMP threads as set by
/// omp_set_num_threads (the four sweep quadrants, or rows for Exact, in parallel).
Viewshed compute_viewshed(const Dem& dem, const Observer& observer, const ViewshedOptions& options,
                          const Progress& progress = {});

}  // namespace vigia::terrain
