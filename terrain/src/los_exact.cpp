// R3 line of sight (Franklin & Ray, "Higher isn't necessarily better: visibility
// algorithms and experiments", 1994): the terrain is sampled by linear interpolation
// at every crossing of the sightline with the grid lines through cell centres.

#include <algorithm>
#include <cmath>
#include <limits>

#include "los.hpp"

namespace vigia::terrain::detail {

namespace {

/// The R3 samples of the sightline from the observer to cell (tr, tc) on one family
/// of grid lines (Rows: the lines through row centres, else through column
/// centres), in chunks of 64 crossings and within them of 16; a chunk is skipped when
/// skip(t_min, t_max, zmax) says that no sample in it (t in [t_min, t_max], elevations
/// at most zmax) can matter. fn(t, z, row_line, col_line) gets each other sample, t the fraction
/// of the way; returns false when fn stopped the walk.
template <bool Rows, class Skip, class Fn>
bool walk_lines(const LosFrame& f, int tr, int tc, BlockMax& blocks, Skip& skip, Fn& fn) {
  constexpr int kChunk = BlockMax::kB;
  constexpr int kCoarseChunk = BlockMax::kB * BlockMax::kCoarse;
  // k: the crossed line's index along the sightline's d_line; p: the position across.
  const double o_line = Rows ? f.orow : f.oc;
  const double o_across = Rows ? f.oc : f.orow;
  const double d_line = Rows ? tr - f.orow : tc - f.oc;
  const double d_across = Rows ? tc - f.oc : tr - f.orow;
  const int target = Rows ? tr : tc;
  const int last = (Rows ? f.cols() : f.rows()) - 1;
  if (d_line == 0.0) return true;
  const auto z_at = [&](int k, int p) { return Rows ? f.z(k, p) : f.z(p, k); };
  const int lo = d_line > 0 ? static_cast<int>(std::floor(o_line)) + 1 : target + 1;
  const int hi = d_line > 0 ? target - 1 : static_cast<int>(std::ceil(o_line)) - 1;
  // Whether the crossings a..b can be skipped, from the blocks (fine or coarse) their
  // bounding box touches.
  const auto skippable = [&](int a, int b, bool coarse) {
    const double ta = (a - o_line) / d_line;
    const double tb = (b - o_line) / d_line;
    const double pa = o_across + ta * d_across;
    const double pb = o_across + tb * d_across;
    const int p0 = static_cast<int>(std::floor(std::min(pa, pb)));
    const int p1 = static_cast<int>(std::ceil(std::max(pa, pb)));
    const float zmax = Rows ? blocks.box(a, b, p0, p1, coarse) : blocks.box(p0, p1, a, b, coarse);
    return skip(std::min(ta, tb), std::max(ta, tb), zmax);
  };
  for (int ca = lo; ca <= hi; ca += kCoarseChunk) {
    const int cb = std::min(ca + kCoarseChunk - 1, hi);
    if (cb - ca >= kChunk && skippable(ca, cb, true)) continue;
    for (int a = ca; a <= cb; a += kChunk) {
      const int b = std::min(a + kChunk - 1, cb);
      if (skippable(a, b, false)) continue;
      for (int k = a; k <= b; ++k) {
        const double t = (k - o_line) / d_line;
        const double pos = o_across + t * d_across;
        double z;
        if (pos <= 0.0) {
          z = z_at(k, 0);
        } else if (pos >= last) {
          z = z_at(k, last);
        } else {
          const int p = static_cast<int>(pos);
          const double w = pos - p;
          const double za = z_at(k, p);
          z = w == 0.0 ? za : za + w * (z_at(k, p + 1) - za);
        }
        if (!(Rows ? fn(t, z, k, -1) : fn(t, z, -1, k))) return false;
      }
    }
  }
  return true;
}

/// Every R3 sample of the sightline to (tr, tc) that skip() does not rule out:
/// the crossings with the column lines, then with the row lines.
template <class Skip, class Fn>
void for_each_sample_pruned(const LosFrame& f, int tr, int tc, BlockMax& blocks, Skip&& skip,
                            Fn&& fn) {
  if (walk_lines<false>(f, tr, tc, blocks, skip, fn)) walk_lines<true>(f, tr, tc, blocks, skip, fn);
}

/// The largest (z - k t^2 - z_eye) / t over t in [ta, tb] for z <= zmax (k >= 0):
/// decreasing in t when zmax >= z_eye, else largest at t = sqrt((z_eye - zmax) / k).
double bound_per_t(double zmax, double z_eye, double k, double ta, double tb) {
  const double a = zmax - z_eye;
  double t = ta;
  if (a < 0.0 && k > 0.0) t = std::clamp(std::sqrt(-a / k), ta, tb);
  if (a < 0.0 && k <= 0.0) t = tb;
  return (a - k * t * t) / t;
}

}  // namespace

BlockMax::BlockMax(const LosFrame& f)
    : f_(&f),
      nbr_((f.rows() + kB - 1) / kB),
      nbc_((f.cols() + kB - 1) / kB),
      ncr_((nbr_ + kCoarse - 1) / kCoarse),
      ncc_((nbc_ + kCoarse - 1) / kCoarse) {}

void BlockMax::fill() {
  constexpr float kNone = -std::numeric_limits<float>::infinity();
  const int rows = f_->rows();
  const int cols = f_->cols();
  fine_.assign(static_cast<std::size_t>(nbr_) * nbc_, kNone);
  std::vector<float> colmax(static_cast<std::size_t>(cols));
  for (int br = 0; br < nbr_; ++br) {
    // Column maxima over the block row's rows (and the next block's first), then the
    // maximum of each block's columns: two passes that run along memory.
    std::fill(colmax.begin(), colmax.end(), kNone);
    const int r1 = std::min(br * kB + kB, rows - 1);
    for (int r = br * kB; r <= r1; ++r) {
      const float* z = f_->z.row(r);
      for (int c = 0; c < cols; ++c) colmax[c] = z[c] > colmax[c] ? z[c] : colmax[c];  // NaN never wins
    }
    for (int bc = 0; bc < nbc_; ++bc) {
      const int c1 = std::min(bc * kB + kB, cols - 1);
      float mx = kNone;
      for (int c = bc * kB; c <= c1; ++c) mx = std::max(mx, colmax[c]);
      fine_[static_cast<std::size_t>(br) * nbc_ + bc] = mx;
    }
  }
  // A coarse block covers its fine blocks, whose widened extents reach one cell past it.
  coarse_.assign(static_cast<std::size_t>(ncr_) * ncc_, kNone);
  for (int br = 0; br < nbr_; ++br) {
    for (int bc = 0; bc < nbc_; ++bc) {
      float& m = coarse_[static_cast<std::size_t>(br / kCoarse) * ncc_ + bc / kCoarse];
      m = std::max(m, fine_[static_cast<std::size_t>(br) * nbc_ + bc]);
    }
  }
}

float BlockMax::box(int r0, int r1, int c0, int c1, bool coarse) {
  std::call_once(filled_, [this] { fill(); });
  r0 = std::clamp(r0, 0, f_->rows() - 1);
  r1 = std::clamp(r1, 0, f_->rows() - 1);
  c0 = std::clamp(c0, 0, f_->cols() - 1);
  c1 = std::clamp(c1, 0, f_->cols() - 1);
  // Blocks cover [b*side, b*side + side] inclusive, so the block of the first cell
  // suffices for a cell on the boundary.
  const int side = coarse ? kB * kCoarse : kB;
  const int stride = coarse ? ncc_ : nbc_;
  const float* m = coarse ? coarse_.data() : fine_.data();
  float mx = -std::numeric_limits<float>::infinity();
  for (int br = r0 / side; br <= r1 / side; ++br)
    for (int bc = c0 / side; bc <= c1 / side; ++bc)
      mx = std::max(mx, m[static_cast<std::size_t>(br) * stride + bc]);
  return mx;
}

R3Result r3_horizon_line(const LosFrame& f, int r, int c, double d, BlockMax& blocks,
                         double at_least) {
  R3Result best;
  best.horizon = at_least;
  const double k = f.drop_coef * d * d;
  for_each_sample_pruned(
      f, r, c, blocks,
      [&](double ta, double tb, float zmax) {
        return bound_per_t(zmax, f.z_eye, k, ta, tb) <= best.horizon;
      },
      [&](double t, double z, int row_line, int col_line) {
        const double v = (z - k * t * t - f.z_eye) / t;
        if (v > best.horizon) best = {v, row_line, col_line};
        return true;
      });
  return best;
}

bool r3_visible(const LosFrame& f, int r, int c, double d, double mu, BlockMax& blocks) {
  bool visible = true;
  const double k = f.drop_coef * d * d;
  for_each_sample_pruned(
      f, r, c, blocks,
      [&](double ta, double tb, float zmax) { return bound_per_t(zmax, f.z_eye, k, ta, tb) <= mu; },
      [&](double t, double z, int, int) {
        if (z - k * t * t - f.z_eye > t * mu) visible = false;
        return visible;
      });
  return visible;
}

void exact_kernel(const LosFrame& f, LosResult& out, bool want_horizon) {
  const int rows = f.rows();
  const int cols = f.cols();
  BlockMax blocks(f);  // shared: safe between threads (los.hpp)
#pragma omp parallel
  {
#pragma omp for schedule(dynamic, 1)
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        if (std::isnan(f.z(r, c))) continue;
        const double d = f.distance(r, c);
        if (d > f.range) continue;
        const double mu = f.target_mu(r, c, d);
        if (want_horizon) {
          const double h = r3_horizon_line(f, r, c, d, blocks, -INFINITY).horizon;
          out.los(r, c) = h <= mu ? 1 : 0;
          out.horizon(r, c) = d > 0.0 ? static_cast<float>(std::max(h, -1e30) / d) : kNoHorizon;
        } else {
          out.los(r, c) = r3_visible(f, r, c, d, mu, blocks) ? 1 : 0;
        }
      }
    }
  }
}

}  // namespace vigia::terrain::detail
