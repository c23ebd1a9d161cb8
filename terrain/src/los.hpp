#pragma once
// Private to vigia::terrain: the line-of-sight kernels. The orchestration
// (viewshed.cpp) decides the window and the outputs; the kernels only sweep.

#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "vigia/geo/raster.hpp"
#include "vigia/terrain/dem.hpp"

namespace vigia::terrain::detail {

/// "No horizon yet": below any real slope, finite so that interpolation stays finite.
inline constexpr float kNoHorizon = -1.0e30f;

/// One line-of-sight problem on a window of a DEM, in window grid coordinates.
struct LosFrame {
  geo::GridView<const float> z;  ///< elevations (NaN = no data; never blocks)
  double oc = 0.0;               ///< observer column
  double orow = 0.0;             ///< observer row
  double z_eye = 0.0;            ///< observer altitude AMSL
  double target_height = 0.0;
  double drop_coef = 0.0;   ///< (1 - k) / (2 R): drop = drop_coef * d^2
  std::vector<double> sx;   ///< per row: metres per column step (between the row and the observer)
  std::vector<double> ny;   ///< per row: metres north of the observer
  double range = INFINITY;  ///< horizontal range, m: cells beyond are not computed
  /// Per quadrant of the sweep (rows south, rows north, columns east, columns west of
  /// the observer, in that order): the farthest line, in lines from the observer, that
  /// holds a cell anyone reads. Lines beyond are not swept (they feed no nearer line).
  double reach[4] = {INFINITY, INFINITY, INFINITY, INFINITY};

  [[nodiscard]] int rows() const { return z.rows(); }
  [[nodiscard]] int cols() const { return z.cols(); }
  /// Horizontal distance from the observer to the centre of cell (r, c), m.
  [[nodiscard]] double distance(int r, int c) const {
    const double e = (c - oc) * sx[static_cast<std::size_t>(r)];
    const double n = ny[static_cast<std::size_t>(r)];
    return std::sqrt(e * e + n * n);
  }
  /// Target elevation relative to the eye, curvature applied ("mu"): the target is
  /// visible iff mu >= the R3 horizon of its sightline, both per unit of the way.
  [[nodiscard]] double target_mu(int r, int c, double d) const {
    return z(r, c) + target_height - drop_coef * d * d - z_eye;
  }
};

/// Builds the frame for an observer at `position` (DEM grid) with eye altitude z_eye.
LosFrame make_frame(const Dem& dem, const geo::Window& window, GridPoint position, double z_eye,
                    double target_height, double refraction_k, double range_m);

/// Maximum elevation over 16 x 16 blocks of a frame and over 64 x 64 blocks (each
/// block widened by one cell so that interpolation neighbours are covered). Lets R3
/// skip stretches of a sightline that cannot beat the best sample found so far.
/// Filled in one pass over the frame on first use (a fast viewshed that re-tests
/// nothing never pays for it); safe to share between threads.
class BlockMax {
 public:
  static constexpr int kB = 16;      ///< fine block side
  static constexpr int kCoarse = 4;  ///< fine blocks per coarse block side
  explicit BlockMax(const LosFrame& f);
  /// Max elevation over rows [r0, r1] x cols [c0, c1] (inclusive, clamped): fine
  /// blocks, or coarse ones (64 x 64) when `coarse`; -inf if no data.
  float box(int r0, int r1, int c0, int c1, bool coarse = false);

 private:
  void fill();
  const LosFrame* f_;
  int nbr_;
  int nbc_;
  int ncr_;
  int ncc_;
  std::once_flag filled_;
  std::vector<float> fine_;
  std::vector<float> coarse_;
};

/// R3 horizon of the sightline to (r, c) at distance d — the maximum over all
/// samples strictly between observer and target of (z_s - drop(t d) - z_eye) / t,
/// t being the sample's fraction of the way — and the grid line of its highest
/// sample: row_line = j for the line through the centres of row j, col_line = i for
/// column i (the other is -1).
struct R3Result {
  double horizon = -INFINITY;
  int row_line = -1;
  int col_line = -1;
};
/// Skips (through `blocks`) the stretches that cannot exceed `at_least` (a value per
/// unit of the way known not to exceed the horizon; -INFINITY for none); if nothing
/// exceeds it the result has horizon = at_least and no line.
R3Result r3_horizon_line(const LosFrame& f, int r, int c, double d, BlockMax& blocks,
                         double at_least);

/// R3 visibility of cell (r, c) with target value mu (see LosFrame::target_mu);
/// stops at the first sample that blocks.
bool r3_visible(const LosFrame& f, int r, int c, double d, double mu, BlockMax& blocks);

/// Per-cell results of a kernel over the window: los (1 visible / 0 blocked, only
/// for cells within range with data) and, optionally, the horizon as a slope
/// (m per m of horizontal distance) for the required-rise output.
struct LosResult {
  geo::Raster<std::uint8_t> los;  ///< 255 where not computed (out of range / no data)
  geo::Raster<float> horizon;     ///< slope; empty unless asked
  long long retested = 0;
};

/// Exact R3 for every cell in range. Parallel over rows (OpenMP).
void exact_kernel(const LosFrame& f, LosResult& out, bool want_horizon);

/// The fast sweep: four quadrant sweeps outward from the observer (rows for the north
/// and south quadrants, columns for east and west), each cell's horizon interpolated
/// from the two cells its sightline passes between on the previous row, plus the
/// sample there; cells whose target lies within `tie_margin_m` of the interval the two
/// neighbours allow are re-tested with R3, and their exact horizon is passed on.
/// The quadrants run in parallel (OpenMP tasks) when threads are available.
void sweep_kernel(const LosFrame& f, double tie_margin_m, LosResult& out, bool want_horizon);

}  // namespace vigia::terrain::detail
