#pragma once
// The fast sweep's types and its scalar cell, shared by the sweep (los_sweep.cpp)
// and its vector blocks (los_sweep_simd.cpp): internal to vigia::terrain.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "los.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::terrain::detail::sweep {


/// Grid lines in kernel coordinates: u-line k -> k + 1, v-line m -> -(m + 1), none -> 0.
constexpr std::int32_t u_line(int k) {
  return k + 1;
}
constexpr std::int32_t v_line(int m) {
  return -(m + 1);
}

enum Code : std::uint8_t { kHidden = 0, kVisible = 1, kRetest = 2, kSkip = 255 };

struct Quadrant {
  bool transposed = false;  ///< east/west: u = column, v = row
  int dir = 1;              ///< +1: u increases away from the observer
};

/// A quadrant's view of the window: u runs away from the observer, v across. The
/// cell (u, v) lies at z[u * su + v * sv]: the window's rows for the north and south
/// quadrants (sv = 1), its columns for the east and west ones (su = 1), whose whole
/// lines the sweep reads from a transposed band (Sweep::line).
struct KernelGrid {
  const float* z = nullptr;
  std::ptrdiff_t su = 0;
  std::ptrdiff_t sv = 0;
  int nu = 0;
  int nv = 0;
  float ou = 0.0f;
  float ov = 0.0f;
  [[nodiscard]] float at(int u, int v) const { return z[u * su + v * sv]; }
};

/// What is constant along one kernel row.
struct Row {
  int u = 0, u1 = 0, u2 = 0;
  float du = 0, t1 = 0, t2 = 0, inv_t1 = 0, inv_t2 = 0, inv_du = 0;
  bool has_prev = false;   ///< du > 1: row u-1 lies strictly between
  bool has_prev2 = false;  ///< du > 2: row u-2 too
  int prev_lo = 0, prev_hi = -1;
  int v_lo = 0, v_hi = -1;
  const float* zc = nullptr;
  const float* z1 = nullptr;
  const float* z2 = nullptr;
  float sx = 0, ny = 0;  ///< distance terms of a non-transposed row
  float u_off = 0;       ///< u - ou
};

struct Sweep {
  Sweep(const LosFrame& frame, KernelGrid grid, Quadrant quadrant)
      : f(frame),
        g(grid),
        q(quadrant),
        z_eye(static_cast<float>(frame.z_eye)),
        dc(static_cast<float>(frame.drop_coef)),
        th(static_cast<float>(frame.target_height)) {}
  const LosFrame& f;
  KernelGrid g;
  Quadrant q;
  float tie_margin = 0.0f;
  float z_eye, dc, th;
  float range2 = 0.0f;
  double reach = INFINITY;  ///< LosFrame::reach of this quadrant
  double min_sx = 0.0, min_ny = 0.0;  ///< smallest metric steps east and north (LosFrame)
  std::vector<float> sx_v, ny_v;      ///< transposed quadrants: distance terms per v
  std::vector<float> inv_x;           ///< per v: 1 / (v - ov)
  std::vector<float> inv_axm1;        ///< per v: 1 / (|v - ov| - 1)
  BlockMax* blocks = nullptr;         ///< shared by the four quadrants, for the re-tests
  std::vector<float> h_prev, h_cur;
  std::vector<std::int32_t> l_prev, l_cur;
  std::vector<std::uint8_t> code;

  /// Line u of the grid, contiguous along v. The east and west quadrants read lines
  /// of a transposed copy made a band of kBand lines at a time (two bands suffice:
  /// a kernel row reads lines u, u - 1 and u - 2 only), so no transposed copy of the
  /// whole window exists: for a 8192 x 8192 DEM that saved 128 MiB or more.
  static constexpr int kBand = 8;
  float* ring = nullptr;             ///< 2 bands of kBand lines of ring_stride floats
  std::ptrdiff_t ring_stride = 0;
  int ring_band[2] = {-1, -1};      ///< which band each half of the ring holds
  std::function<void(int band, float* out)> fill_band;  ///< transposes one band
  const float* line(int u) {
    if (!q.transposed) return g.z + u * g.su;
    const int band = u / kBand;
    const int slot = band & 1;
    float* base = ring + slot * kBand * ring_stride;
    if (ring_band[slot] != band) {
      fill_band(band, base);
      ring_band[slot] = band;
    }
    return base + (u % kBand) * ring_stride;
  }
};

constexpr float kNoH = kNoHorizon;
/// Relative width of the band around a tie that float rounding could flip.
constexpr float kTieGuard = 4.0e-6f;

/// Slope of the sample of T's sightline (T = (row.u, v), x = v - ov) on a grid line;
/// kNoH when the line is not crossed strictly between observer and target.
inline float line_slope(const Sweep& s, const Row& row, std::int32_t line, float x, float d,
                        float inv_d) {
  const KernelGrid& g = s.g;
  float z, tau, inv_tau;
  if (line > 0) {
    const int k = line - 1;
    const float dk = static_cast<float>(s.q.dir) * (static_cast<float>(k) - g.ou);
    if (!(dk > 0.0f && dk < row.du)) return kNoH;
    tau = dk * row.inv_du;
    inv_tau = row.du / dk;
    const float pos = std::clamp(g.ov + x * tau, 0.0f, static_cast<float>(g.nv - 1));
    const int i = std::min(static_cast<int>(pos), g.nv - 2);
    const float w = pos - static_cast<float>(i);
    const float a = g.at(k, i);
    z = a + w * (g.at(k, i + 1) - a);
  } else if (line < 0) {
    const int m = -line - 1;
    const float mo = static_cast<float>(m) - g.ov;
    tau = mo / x;
    if (!(tau > 0.0f && tau < 1.0f)) return kNoH;
    inv_tau = x / mo;
    const float pos = std::clamp(g.ou + tau * row.u_off, 0.0f, static_cast<float>(g.nu - 1));
    const int i = std::min(static_cast<int>(pos), g.nu - 2);
    const float w = pos - static_cast<float>(i);
    const float a = g.at(i, m);
    z = a + w * (g.at(i + 1, m) - a);
  } else {
    return kNoH;
  }
  return (z - s.z_eye) * inv_d * inv_tau - s.dc * tau * d;
}

/// One cell, scalar: the reference for the vector path and the path for row edges.
inline void cell_scalar(Sweep& s, const Row& row, int v) {
  const KernelGrid& g = s.g;
  const float x = static_cast<float>(v) - g.ov;
  const auto vi = static_cast<std::size_t>(v);
  const float e = s.q.transposed ? row.u_off * s.sx_v[vi] : x * row.sx;
  const float n = s.q.transposed ? s.ny_v[vi] : row.ny;
  const float d2 = e * e + n * n;
  const float d = std::sqrt(d2);
  const float inv_d = 1.0f / d;
  float h = kNoH;
  float hl = kNoH;
  std::int32_t line = 0;
  if (row.has_prev) {
    // P: the crossing with row u-1, between cells A = i0 and B = i1.
    const float vp = g.ov + x * row.t1;
    int i0 = static_cast<int>(std::floor(vp));
    float w = vp - static_cast<float>(i0);
    if (i0 < row.prev_lo) {
      i0 = row.prev_lo;
      w = 0.0f;
    } else if (i0 >= row.prev_hi) {
      i0 = row.prev_hi;
      w = 0.0f;
    }
    const int i1 = std::min(i0 + 1, row.prev_hi);
    const float zp = row.z1[i0] + w * (row.z1[i1] - row.z1[i0]);
    const float sp = (zp - s.z_eye) * inv_d * row.inv_t1 - s.dc * row.t1 * d;
    if (sp > h) {
      h = sp;
      line = u_line(row.u1);
    }
    if (row.has_prev2) {
      const float v2 = std::clamp(g.ov + x * row.t2, 0.0f, static_cast<float>(g.nv - 1));
      const int j0 = std::min(static_cast<int>(v2), g.nv - 2);
      const float w2 = v2 - static_cast<float>(j0);
      const float z2 = row.z2[j0] + w2 * (row.z2[j0 + 1] - row.z2[j0]);
      const float s2 = (z2 - s.z_eye) * inv_d * row.inv_t2 - s.dc * row.t2 * d;
      if (s2 > h) {
        h = s2;
        line = u_line(row.u2);
      }
      // The column line crossed since row u-2: m = v - sign(x), when |x| > du / 2.
      const float ax = std::abs(x);
      if (ax > 0.5f * row.du) {
        const int m = x > 0 ? v - 1 : v + 1;
        const float qd = row.du / ax;  // rows back from u where the sightline crosses m
        const bool far = qd >= 1.0f;
        const float wq = far ? qd - 1.0f : qd;
        const float lower = far ? row.z1[m] : row.zc[m];
        const float upper = far ? row.z2[m] : row.z1[m];
        const float zm = lower + wq * (upper - lower);
        const float tau = 1.0f - 1.0f / ax;
        const float sm = (zm - s.z_eye) * inv_d / tau - s.dc * tau * d;
        if (sm > h) {
          h = sm;
          line = v_line(m);
        }
      }
    } else {
      // Close to the observer: the column lines crossed since the observer.
      const int m_lo = static_cast<int>(std::floor(std::min(g.ov, static_cast<float>(v)))) + 1;
      const int m_hi = static_cast<int>(std::ceil(std::max(g.ov, static_cast<float>(v)))) - 1;
      for (int m = m_lo; m <= m_hi; ++m) {
        const float sm = line_slope(s, row, v_line(m), x, d, inv_d);
        if (sm > h) {
          h = sm;
          line = v_line(m);
        }
      }
    }
    // The blocking lines of A and B, re-evaluated on T's own sightline.
    const std::int32_t la = s.l_prev[static_cast<std::size_t>(i0)];
    const std::int32_t lb = s.l_prev[static_cast<std::size_t>(i1)];
    const float sa = line_slope(s, row, la, x, d, inv_d);
    if (sa > h) {
      h = sa;
      line = la;
    }
    if (lb != la) {
      const float sb = line_slope(s, row, lb, x, d, inv_d);
      if (sb > h) {
        h = sb;
        line = lb;
      }
    }
    const float h0 = s.h_prev[static_cast<std::size_t>(i0)];
    hl = h0 + w * (s.h_prev[static_cast<std::size_t>(i1)] - h0);
  }
  s.h_cur[vi] = h;
  s.l_cur[vi] = line;

  const float ax = std::abs(x);
  const bool owned = s.q.transposed ? ax < row.du : ax <= row.du;
  const float zt = row.zc[v];
  std::uint8_t c = kSkip;
  if (owned && d2 <= s.range2 && !std::isnan(zt)) {
    const float mu = (zt + s.th - s.z_eye) * inv_d - s.dc * d;
    // Within float rounding of a tie, the exact re-test decides.
    const float guard = kTieGuard * (std::abs(mu) + std::abs(h));
    if (mu < h - guard) {
      c = kHidden;  // a real sample of its own sightline blocks it: certain
    } else if (mu >= std::max(h, hl) + s.tie_margin * inv_d + guard) {
      c = kVisible;
    } else {
      c = kRetest;
    }
  }
  s.code[vi] = c;
}

#if defined(__x86_64__)
// The vector blocks (los_sweep_simd.cpp): W cells v .. v+W-1 of one row, the same
// computation as cell_scalar; false (nothing done) when the block is not interior.
namespace simd_avx2 {
constexpr int W = 8;
bool block(Sweep& s, const Row& row, int v);
}  // namespace simd_avx2
namespace simd_avx512 {
constexpr int W = 16;
bool block(Sweep& s, const Row& row, int v);
}  // namespace simd_avx512
#endif

/// The widest vector block this CPU runs (checked once, at run time).
Simd cpu_simd();

}  // namespace vigia::terrain::detail::sweep
