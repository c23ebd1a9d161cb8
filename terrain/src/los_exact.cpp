// R3 line of sight (Franklin & Ray, "Higher isn't necessarily better: visibility
// algorithms and experiments", 1994): the terrain is sampled by linear interpolation
// at every crossing of the sightline with the grid lines through cell centres.

#include <algorithm>
#include <cmath>
#include <limits>

#include "los.hpp"

namespace vigia::terrain::detail {

namespace {

/// Visits every R3 sample of the sightline from the observer to cell (tr, tc):
/// fn(t, z, row_line, col_line) with t the fraction of the way; stops early when fn
/// returns false.
template <class Fn>
void for_each_sample(const LosFrame& f, int tr, int tc, Fn&& fn) {
  const double dc = tc - f.oc;
  const double dr = tr - f.orow;
  const int last_row = f.rows() - 1;
  const int last_col = f.cols() - 1;
  // Crossings with the column lines x = i, i strictly between observer and target.
  if (dc != 0.0) {
    const int lo = dc > 0 ? static_cast<int>(std::floor(f.oc)) + 1 : tc + 1;
    const int hi = dc > 0 ? tc - 1 : static_cast<int>(std::ceil(f.oc)) - 1;
    for (int i = lo; i <= hi; ++i) {
      const double t = (i - f.oc) / dc;
      const double row = f.orow + t * dr;
      double z;
      if (row <= 0.0) {
        z = f.z(0, i);
      } else if (row >= last_row) {
        z = f.z(last_row, i);
      } else {
        const int r0 = static_cast<int>(row);
        const double w = row - r0;
        const double a = f.z(r0, i);
        z = w == 0.0 ? a : a + w * (f.z(r0 + 1, i) - a);
      }
      if (!fn(t, z, -1, i)) return;
    }
  }
  // Crossings with the row lines y = j.
  if (dr != 0.0) {
    const int lo = dr > 0 ? static_cast<int>(std::floor(f.orow)) + 1 : tr + 1;
    const int hi = dr > 0 ? tr - 1 : static_cast<int>(std::ceil(f.orow)) - 1;
    for (int j = lo; j <= hi; ++j) {
      const double t = (j - f.orow) / dr;
      const double col = f.oc + t * dc;
      double z;
      if (col <= 0.0) {
        z = f.z(j, 0);
      } else if (col >= last_col) {
        z = f.z(j, last_col);
      } else {
        const int c0 = static_cast<int>(col);
        const double w = col - c0;
        const double a = f.z(j, c0);
        z = w == 0.0 ? a : a + w * (f.z(j, c0 + 1) - a);
      }
      if (!fn(t, z, j, -1)) return;
    }
  }
}

/// Like for_each_sample, in chunks of 16 crossings of each family of grid lines; a
/// chunk is skipped when skip(t_min, t_max, zmax) says that no sample in it (t in
/// [t_min, t_max], elevations at most zmax) can matter.
template <class Skip, class Fn>
void for_each_sample_pruned(const LosFrame& f, int tr, int tc, BlockMax& blocks, Skip&& skip,
                            Fn&& fn) {
  constexpr int kChunk = 16;
  const double dc = tc - f.oc;
  const double dr = tr - f.orow;
  const int last_row = f.rows() - 1;
  const int last_col = f.cols() - 1;
  const auto row_at = [&](double t) { return f.orow + t * dr; };
  const auto col_at = [&](double t) { return f.oc + t * dc; };
  if (dc != 0.0) {
    const int lo = dc > 0 ? static_cast<int>(std::floor(f.oc)) + 1 : tc + 1;
    const int hi = dc > 0 ? tc - 1 : static_cast<int>(std::ceil(f.oc)) - 1;
    for (int a = lo; a <= hi; a += kChunk) {
      const int b = std::min(a + kChunk - 1, hi);
      const double ta = (a - f.oc) / dc;
      const double tb = (b - f.oc) / dc;
      const double ra = row_at(ta);
      const double rb = row_at(tb);
      const float zmax = blocks.box(static_cast<int>(std::floor(std::min(ra, rb))),
                                    static_cast<int>(std::ceil(std::max(ra, rb))), a, b);
      if (skip(std::min(ta, tb), std::max(ta, tb), zmax)) continue;
      for (int i = a; i <= b; ++i) {
        const double t = (i - f.oc) / dc;
        const double row = row_at(t);
        double z;
        if (row <= 0.0) {
          z = f.z(0, i);
        } else if (row >= last_row) {
          z = f.z(last_row, i);
        } else {
          const int r0 = static_cast<int>(row);
          const double w = row - r0;
          const double za = f.z(r0, i);
          z = w == 0.0 ? za : za + w * (f.z(r0 + 1, i) - za);
        }
        if (!fn(t, z, -1, i)) return;
      }
    }
  }
  if (dr != 0.0) {
    const int lo = dr > 0 ? static_cast<int>(std::floor(f.orow)) + 1 : tr + 1;
    const int hi = dr > 0 ? tr - 1 : static_cast<int>(std::ceil(f.orow)) - 1;
    for (int a = lo; a <= hi; a += kChunk) {
      const int b = std::min(a + kChunk - 1, hi);
      const double ta = (a - f.orow) / dr;
      const double tb = (b - f.orow) / dr;
      const double ca = col_at(ta);
      const double cb = col_at(tb);
      const float zmax = blocks.box(a, b, static_cast<int>(std::floor(std::min(ca, cb))),
                                    static_cast<int>(std::ceil(std::max(ca, cb))));
      if (skip(std::min(ta, tb), std::max(ta, tb), zmax)) continue;
      for (int j = a; j <= b; ++j) {
        const double t = (j - f.orow) / dr;
        const double col = col_at(t);
        double z;
        if (col <= 0.0) {
          z = f.z(j, 0);
        } else if (col >= last_col) {
          z = f.z(j, last_col);
        } else {
          const int c0 = static_cast<int>(col);
          const double w = col - c0;
          const double za = f.z(j, c0);
          z = w == 0.0 ? za : za + w * (f.z(j, c0 + 1) - za);
        }
        if (!fn(t, z, j, -1)) return;
      }
    }
  }
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
      m_(std::make_unique<std::atomic<float>[]>(static_cast<std::size_t>(nbr_) * nbc_)) {
  for (std::size_t i = 0; i < static_cast<std::size_t>(nbr_) * nbc_; ++i) {
    m_[i].store(std::numeric_limits<float>::quiet_NaN(), std::memory_order_relaxed);
  }
}

float BlockMax::block(int br, int bc) {
  std::atomic<float>& slot = m_[static_cast<std::size_t>(br) * nbc_ + bc];
  const float cached = slot.load(std::memory_order_relaxed);
  if (!std::isnan(cached)) return cached;
  float mx = -std::numeric_limits<float>::infinity();
  const int r1 = std::min(br * kB + kB, f_->rows() - 1);
  const int c1 = std::min(bc * kB + kB, f_->cols() - 1);
  for (int r = br * kB; r <= r1; ++r) {
    const float* z = f_->z.row(r);
    for (int c = bc * kB; c <= c1; ++c) mx = z[c] > mx ? z[c] : mx;  // NaN never wins
  }
  slot.store(mx, std::memory_order_relaxed);
  return mx;
}

float BlockMax::box(int r0, int r1, int c0, int c1) {
  r0 = std::clamp(r0, 0, f_->rows() - 1);
  r1 = std::clamp(r1, 0, f_->rows() - 1);
  c0 = std::clamp(c0, 0, f_->cols() - 1);
  c1 = std::clamp(c1, 0, f_->cols() - 1);
  float mx = -std::numeric_limits<float>::infinity();
  // Blocks cover [b*kB, b*kB + kB] inclusive, so the block of the first cell suffices
  // for a cell on the boundary.
  for (int br = r0 / kB; br <= r1 / kB; ++br)
    for (int bc = c0 / kB; bc <= c1 / kB; ++bc) mx = std::max(mx, block(br, bc));
  return mx;
}

double r3_horizon(const LosFrame& f, int r, int c, double d) {
  double best = -std::numeric_limits<double>::infinity();
  const double k = f.drop_coef * d * d;
  for_each_sample(f, r, c, [&](double t, double z, int, int) {
    // NaN (no data) never blocks: the comparison is false.
    const double v = (z - k * t * t - f.z_eye) / t;
    if (v > best) best = v;
    return true;
  });
  return best;
}

R3Result r3_horizon_line(const LosFrame& f, int r, int c, double d) {
  R3Result best;
  const double k = f.drop_coef * d * d;
  for_each_sample(f, r, c, [&](double t, double z, int row_line, int col_line) {
    const double v = (z - k * t * t - f.z_eye) / t;
    if (v > best.horizon) best = {v, row_line, col_line};
    return true;
  });
  return best;
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

bool r3_visible(const LosFrame& f, int r, int c, double d, double mu) {
  bool visible = true;
  const double k = f.drop_coef * d * d;
  for_each_sample(f, r, c, [&](double t, double z, int, int) {
    if (z - k * t * t - f.z_eye > t * mu) visible = false;
    return visible;
  });
  return visible;
}

void exact_kernel(const LosFrame& f, LosResult& out, bool want_horizon) {
  const int rows = f.rows();
  const int cols = f.cols();
#pragma omp parallel
  {
    BlockMax blocks(f);
#pragma omp for schedule(dynamic, 1)
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        if (std::isnan(f.z(r, c))) continue;
        const double d = f.distance(r, c);
        if (d > f.range) continue;
        const double mu = f.target_mu(r, c, d);
        if (want_horizon) {
          const double h = r3_horizon(f, r, c, d);
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
