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

}  // namespace

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
#pragma omp parallel for schedule(dynamic, 1)
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
        out.los(r, c) = r3_visible(f, r, c, d, mu) ? 1 : 0;
      }
    }
  }
}

}  // namespace vigia::terrain::detail
