// The fast viewshed: an O(r^2) sweep outward from the observer with an exact
// re-test of the doubtful cells, so that it agrees with R3 except on true ties.
//
// Each quadrant (north and south swept by rows; east and west by columns, on a
// transposed copy so that the inner loop always runs along memory) is processed row
// after row away from the observer. For a target T on row u:
//
//  * its R3 samples on the last two row intervals — the crossings with rows u-1 and
//    u-2 and with the column lines between them — are evaluated exactly;
//  * its sightline passes between two cells A and B of row u-1; the grid line that
//    blocks A most and the one that blocks B most are re-evaluated exactly on T's own
//    sightline (the blocking feature of a sightline is, almost always, that of one
//    of its neighbours: this is what keeps XDraw-style sweeps from drifting);
//  * the best of these samples, h, is an exact lower bound of T's R3 horizon H, and
//    its grid line is passed on to the next row.
//
// A target below h is certainly hidden. A target above both h and the horizon
// interpolated between A and B (the XDraw estimate, Franklin & Ray 1994) plus the tie
// margin is taken as visible. Targets in between are re-tested with R3 and their
// exact horizon and blocking line are passed on.
//
// Measured against R3 in tests/test_viewshed.cpp and benchmarks/ (docs/visibility.md).

#include <algorithm>
#include <cmath>
#include <vector>

#include "los.hpp"

namespace vigia::terrain::detail {

namespace {

/// Grid lines in kernel coordinates: u-line k -> k + 1, v-line m -> -(m + 1), none -> 0.
constexpr int u_line(int k) {
  return k + 1;
}
constexpr int v_line(int m) {
  return -(m + 1);
}

struct Quadrant {
  bool transposed = false;  ///< east/west: u = column, v = row
  int dir = 1;              ///< +1: u increases away from the observer
};

/// A quadrant's view of the window: u runs away from the observer, v across.
struct KernelGrid {
  const float* z = nullptr;
  std::ptrdiff_t stride = 0;
  int nu = 0;
  int nv = 0;
  double ou = 0.0;
  double ov = 0.0;
  [[nodiscard]] const float* row(int u) const {
    return z + static_cast<std::ptrdiff_t>(u) * stride;
  }
};

/// Everything constant over a quadrant sweep.
struct SweepContext {
  const LosFrame& f;
  KernelGrid g;
  Quadrant q;
  std::vector<double> inv_du;  ///< per u-line: 1 / |k - ou|
  std::vector<double> inv_dv;  ///< per v-line: 1 / (m - ov)
};

/// Linear interpolation of a kernel row at fractional v (clamped to the row).
inline double row_at(const KernelGrid& g, int u, double v) {
  const float* z = g.row(u);
  if (v <= 0.0) return z[0];
  if (v >= g.nv - 1) return z[g.nv - 1];
  const int v0 = static_cast<int>(v);
  const double w = v - v0;
  return w == 0.0 ? z[v0] : z[v0] + w * (z[v0 + 1] - z[v0]);
}

/// Linear interpolation down a kernel column m at fractional u (clamped).
inline double col_at(const KernelGrid& g, double u, int m) {
  if (u <= 0.0) return g.row(0)[m];
  if (u >= g.nu - 1) return g.row(g.nu - 1)[m];
  const int u0 = static_cast<int>(u);
  const double w = u - u0;
  const double a = g.row(u0)[m];
  return w == 0.0 ? a : a + w * (g.row(u0 + 1)[m] - a);
}

/// Slope (m/m) of the sample of T's sightline on a grid line, or kNoHorizon when the
/// line is not crossed strictly between observer and T. T = (ut, vt) in kernel
/// coordinates at horizontal distance d (inv_d = 1 / d).
inline double line_slope(const SweepContext& s, int line, int ut, int vt, double d, double inv_d) {
  const KernelGrid& g = s.g;
  double z;
  double tau;
  if (line > 0) {
    const int k = line - 1;
    const double dk = std::abs(k - g.ou);
    const double du = std::abs(ut - g.ou);
    if (!(dk > 0.0 && dk < du)) return kNoHorizon;
    tau = dk * s.inv_du[static_cast<std::size_t>(ut)];
    z = row_at(g, k, g.ov + (vt - g.ov) * tau);
  } else if (line < 0) {
    const int m = -line - 1;
    const double x = vt - g.ov;
    tau = (m - g.ov) / x;
    if (!(tau > 0.0 && tau < 1.0)) return kNoHorizon;
    z = col_at(g, g.ou + tau * (ut - g.ou), m);
  } else {
    return kNoHorizon;
  }
  const double slope = (z - s.f.z_eye) * inv_d / tau - s.f.drop_coef * tau * d;
  return std::isnan(slope) ? kNoHorizon : slope;
}

void sweep_quadrant(SweepContext& s, double tie_margin, LosResult& out, bool want_horizon,
                    long long& retested) {
  const LosFrame& f = s.f;
  const KernelGrid& g = s.g;
  const Quadrant q = s.q;
  const auto nv = static_cast<std::size_t>(g.nv);
  std::vector<float> h_prev(nv, kNoHorizon);
  std::vector<float> h_cur(nv, kNoHorizon);
  std::vector<int> l_prev(nv, 0);
  std::vector<int> l_cur(nv, 0);
  std::vector<int> retest;
  retest.reserve(256);

  // Smallest metric steps along u and v, for the circle of the range.
  double min_sx = INFINITY;
  for (double v : f.sx) min_sx = std::min(min_sx, v);
  double min_ny = INFINITY;
  for (std::size_t i = 1; i < f.ny.size(); ++i)
    min_ny = std::min(min_ny, std::abs(f.ny[i] - f.ny[i - 1]));
  if (!std::isfinite(min_ny)) min_ny = min_sx;
  const double step_u = q.transposed ? min_sx : min_ny;
  const double step_v = q.transposed ? min_ny : min_sx;
  const double z_eye = f.z_eye;
  const double dc = f.drop_coef;
  const double th = f.target_height;

  int u =
      q.dir > 0 ? static_cast<int>(std::floor(g.ou)) + 1 : static_cast<int>(std::ceil(g.ou)) - 1;
  int prev_lo = 0;
  int prev_hi = -1;
  for (; u >= 0 && u < g.nu; u += q.dir) {
    const double du = std::abs(u - g.ou);
    if ((du - 2.0) * step_u > f.range) break;
    // This row's cells: the quadrant's cone plus one cell each side (support for the
    // next row), cut to the range circle (plus two cells) and to the window.
    double half = du + 1.0;
    if (std::isfinite(f.range)) {
      const double along = std::max(0.0, (du - 2.0) * step_u);
      half = std::min(half,
                      std::sqrt(std::max(0.0, f.range * f.range - along * along)) / step_v + 2.0);
    }
    const int v_lo = std::max(0, static_cast<int>(std::ceil(g.ov - half)));
    const int v_hi = std::min(g.nv - 1, static_cast<int>(std::floor(g.ov + half)));
    if (v_lo > v_hi) break;
    const float* zc = g.row(u);
    const bool has_prev = du > 1.0 && prev_hi >= prev_lo;
    const bool has_prev2 = du > 2.0;
    const double t1 = has_prev ? (du - 1.0) / du : 0.0;
    const double t2 = has_prev2 ? (du - 2.0) / du : 0.0;
    const double u_off = u - g.ou;
    const int u1 = u - q.dir;
    const int u2 = u - 2 * q.dir;
    retest.clear();

    for (int v = v_lo; v <= v_hi; ++v) {
      const double x = v - g.ov;
      const auto vi = static_cast<std::size_t>(v);
      const double e = q.transposed ? u_off * f.sx[vi] : x * f.sx[static_cast<std::size_t>(u)];
      const double n = q.transposed ? f.ny[vi] : f.ny[static_cast<std::size_t>(u)];
      const double d = std::sqrt(e * e + n * n);
      const double inv_d = 1.0 / d;
      double h = kNoHorizon;
      double hl = kNoHorizon;
      int line = 0;
      if (has_prev) {
        // P: the crossing with row u-1, between cells A = i0 and B = i0 + 1.
        const double vp = g.ov + x * t1;
        int i0 = static_cast<int>(std::floor(vp));
        double w = vp - i0;
        if (i0 < prev_lo) {
          i0 = prev_lo;
          w = 0.0;
        } else if (i0 >= prev_hi) {
          i0 = prev_hi;
          w = 0.0;
        }
        const int i1 = w > 0.0 ? i0 + 1 : i0;
        const double zp = row_at(g, u1, vp);
        const double sp = (zp - z_eye) * inv_d / t1 - dc * t1 * d;
        if (!std::isnan(sp)) {
          h = sp;
          line = u_line(u1);
        }
        // Row u-2 and the column lines crossed since it (or since the observer).
        double v_far = g.ov;
        if (has_prev2) {
          v_far = g.ov + x * t2;
          const double s2 = (row_at(g, u2, v_far) - z_eye) * inv_d / t2 - dc * t2 * d;
          if (s2 > h) {
            h = s2;
            line = u_line(u2);
          }
        }
        const int m_lo = static_cast<int>(std::floor(std::min(v_far, static_cast<double>(v)))) + 1;
        const int m_hi = static_cast<int>(std::ceil(std::max(v_far, static_cast<double>(v)))) - 1;
        for (int m = m_lo; m <= m_hi; ++m) {
          const double sm = line_slope(s, v_line(m), u, v, d, inv_d);
          if (sm > h) {
            h = sm;
            line = v_line(m);
          }
        }
        // The blocking lines of A and B, re-evaluated on T's own sightline.
        const auto local = [&](int l) {
          if (l > 0) return l == u_line(u1) || (has_prev2 && l == u_line(u2));
          return l < 0 && -l - 1 >= m_lo && -l - 1 <= m_hi;
        };
        const int la = l_prev[static_cast<std::size_t>(i0)];
        const int lb = l_prev[static_cast<std::size_t>(i1)];
        if (la != 0 && !local(la)) {
          const double sa = line_slope(s, la, u, v, d, inv_d);
          if (sa > h) {
            h = sa;
            line = la;
          }
        }
        if (lb != 0 && lb != la && !local(lb)) {
          const double sb = line_slope(s, lb, u, v, d, inv_d);
          if (sb > h) {
            h = sb;
            line = lb;
          }
        }
        const double h0 = h_prev[static_cast<std::size_t>(i0)];
        const double h1 = h_prev[static_cast<std::size_t>(i1)];
        hl = h0 + w * (h1 - h0);
      }
      h_cur[vi] = static_cast<float>(h);
      l_cur[vi] = line;

      const double dv = std::abs(x);
      const bool owned = q.transposed ? dv < du : dv <= du;
      if (!owned || d > f.range) continue;
      const float zt = zc[v];
      if (std::isnan(zt)) continue;
      const double mu = (zt + th - z_eye) * inv_d - dc * d;
      const int r = q.transposed ? v : u;
      const int c = q.transposed ? u : v;
      if (mu < h) {
        out.los(r, c) = 0;  // a real sample of its own sightline blocks it: certain
      } else if (mu >= std::max(h, hl) + tie_margin * inv_d) {
        out.los(r, c) = 1;
      } else {
        retest.push_back(v);
        continue;
      }
      if (want_horizon) out.horizon(r, c) = static_cast<float>(h);
    }

    // Exact re-test of the doubtful cells; their exact horizon and blocking line
    // feed the next row.
    for (int v : retest) {
      const int r = q.transposed ? v : u;
      const int c = q.transposed ? u : v;
      const double d = f.distance(r, c);
      const R3Result x = r3_horizon_line(f, r, c, d);
      out.los(r, c) = x.horizon <= f.target_mu(r, c, d) ? 1 : 0;
      const float slope =
          static_cast<float>(std::max(x.horizon / d, static_cast<double>(kNoHorizon)));
      const auto vi = static_cast<std::size_t>(v);
      h_cur[vi] = slope;
      // Original grid lines -> kernel lines.
      if (x.row_line >= 0) {
        l_cur[vi] = q.transposed ? v_line(x.row_line) : u_line(x.row_line);
      } else if (x.col_line >= 0) {
        l_cur[vi] = q.transposed ? u_line(x.col_line) : v_line(x.col_line);
      }
      if (want_horizon) out.horizon(r, c) = slope;
    }
    retested += static_cast<long long>(retest.size());
    std::swap(h_prev, h_cur);
    std::swap(l_prev, l_cur);
    prev_lo = v_lo;
    prev_hi = v_hi;
  }
}

void transpose(const geo::GridView<const float>& in, std::vector<float>& out) {
  const int rows = in.rows();
  const int cols = in.cols();
  out.resize(static_cast<std::size_t>(rows) * cols);
  constexpr int kB = 32;
  for (int r0 = 0; r0 < rows; r0 += kB) {
    for (int c0 = 0; c0 < cols; c0 += kB) {
      const int r1 = std::min(r0 + kB, rows);
      const int c1 = std::min(c0 + kB, cols);
      for (int r = r0; r < r1; ++r) {
        const float* src = in.row(r);
        for (int c = c0; c < c1; ++c) out[static_cast<std::size_t>(c) * rows + r] = src[c];
      }
    }
  }
}

}  // namespace

void sweep_kernel(const LosFrame& f, double tie_margin_m, LosResult& out, bool want_horizon) {
  std::vector<float> zt;
  transpose(f.z, zt);
  const KernelGrid rows_grid{f.z.row(0), f.z.stride(), f.rows(), f.cols(), f.orow, f.oc};
  const KernelGrid cols_grid{zt.data(), f.rows(), f.cols(), f.rows(), f.oc, f.orow};
  const Quadrant quadrants[4] = {{false, +1}, {false, -1}, {true, +1}, {true, -1}};
  long long retested[4] = {0, 0, 0, 0};
#pragma omp parallel for schedule(dynamic, \
                                  1) if (f.rows() * static_cast <long long>(f.cols()) > 40000)
  for (int i = 0; i < 4; ++i) {
    SweepContext s{f, quadrants[i].transposed ? cols_grid : rows_grid, quadrants[i], {}, {}};
    s.inv_du.resize(static_cast<std::size_t>(s.g.nu));
    for (int k = 0; k < s.g.nu; ++k)
      s.inv_du[static_cast<std::size_t>(k)] = 1.0 / std::abs(k - s.g.ou);
    sweep_quadrant(s, tie_margin_m, out, want_horizon, retested[i]);
  }
  // The observer's own cell, when the observer stands exactly on its centre.
  const int r0 = static_cast<int>(std::lround(f.orow));
  const int c0 = static_cast<int>(std::lround(f.oc));
  if (r0 == f.orow && c0 == f.oc && !std::isnan(f.z(r0, c0))) {
    out.los(r0, c0) = 1;
    if (want_horizon) out.horizon(r0, c0) = kNoHorizon;
  }
  out.retested = retested[0] + retested[1] + retested[2] + retested[3];
}

}  // namespace vigia::terrain::detail
