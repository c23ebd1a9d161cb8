// The fast viewshed: an O(r^2) sweep outward from the observer with an exact
// re-test of the doubtful cells, so that it agrees with R3 except on true ties.
//
// Each quadrant (north and south swept by rows; east and west by columns, on a
// transposed copy so that the inner loop always runs along memory) is processed row
// after row away from the observer. For a target T on row u:
//
//  * its R3 samples on the last two row intervals — the crossings with rows u-1 and
//    u-2 and with the column line between them — are evaluated exactly;
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
// The interior of each row runs eight cells at a time with AVX2 when the CPU has it
// (checked at run time); row edges and other CPUs take the scalar path, which is the
// same computation. Measured against R3 in tests/ and benchmarks/ (docs/visibility.md).

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "los.hpp"

namespace vigia::terrain::detail {

namespace {

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

/// A quadrant's view of the window: u runs away from the observer, v across.
struct KernelGrid {
  const float* z = nullptr;
  std::ptrdiff_t stride = 0;
  int nu = 0;
  int nv = 0;
  float ou = 0.0f;
  float ov = 0.0f;
  [[nodiscard]] const float* row(int u) const {
    return z + static_cast<std::ptrdiff_t>(u) * stride;
  }
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
  double min_sx = 0.0, min_ny = 0.0;  ///< smallest metric steps east and north (LosFrame)
  std::vector<float> sx_v, ny_v;      ///< transposed quadrants: distance terms per v
  std::vector<float> inv_x;           ///< per v: 1 / (v - ov)
  std::vector<float> inv_axm1;        ///< per v: 1 / (|v - ov| - 1)
  BlockMax* blocks = nullptr;         ///< shared by the four quadrants, for the re-tests
  std::vector<float> h_prev, h_cur;
  std::vector<std::int32_t> l_prev, l_cur;
  std::vector<std::uint8_t> code;
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
    const float* zr = g.row(k);
    z = zr[i] + w * (zr[i + 1] - zr[i]);
  } else if (line < 0) {
    const int m = -line - 1;
    const float mo = static_cast<float>(m) - g.ov;
    tau = mo / x;
    if (!(tau > 0.0f && tau < 1.0f)) return kNoH;
    inv_tau = x / mo;
    const float pos = std::clamp(g.ou + tau * row.u_off, 0.0f, static_cast<float>(g.nu - 1));
    const int i = std::min(static_cast<int>(pos), g.nu - 2);
    const float w = pos - static_cast<float>(i);
    const float a = g.row(i)[m];
    z = a + w * (g.row(i + 1)[m] - a);
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
#define VIGIA_AVX2 __attribute__((target("avx2,fma")))

VIGIA_AVX2 inline __m256 lerp8(__m256 a, __m256 b, __m256 w) {
  return _mm256_fmadd_ps(w, _mm256_sub_ps(b, a), a);
}

/// 1 / a to about 23 bits: the hardware estimate and one Newton-Raphson step
/// (dividers are the bottleneck of this kernel otherwise).
VIGIA_AVX2 inline __m256 rcp8(__m256 a) {
  const __m256 r = _mm256_rcp_ps(a);
  return _mm256_mul_ps(r, _mm256_fnmadd_ps(a, r, _mm256_set1_ps(2.0f)));
}

/// Takes the larger of (h, line) and (cand, cand_line) lane by lane; NaN candidates lose.
VIGIA_AVX2 inline void take_max(__m256& h, __m256i& line, __m256 cand, __m256i cand_line) {
  const __m256 gt = _mm256_cmp_ps(cand, h, _CMP_GT_OQ);
  h = _mm256_blendv_ps(h, cand, gt);
  line = _mm256_castps_si256(
      _mm256_blendv_ps(_mm256_castsi256_ps(line), _mm256_castsi256_ps(cand_line), gt));
}

/// Tracked lines, eight lanes at once: gathers the two interpolation points.
VIGIA_AVX2 inline __m256 line_slope8(const Sweep& s, const Row& row, __m256i line, __m256 x,
                                     __m256 inv_x, __m256 d, __m256 inv_d) {
  const KernelGrid& g = s.g;
  const __m256 zero = _mm256_setzero_ps();
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256i izero = _mm256_setzero_si256();
  const __m256i is_u = _mm256_cmpgt_epi32(line, izero);
  const __m256i is_v = _mm256_cmpgt_epi32(izero, line);
  // u-lines: k = line - 1.
  const __m256i k = _mm256_sub_epi32(line, _mm256_set1_epi32(1));
  const __m256 dk = _mm256_mul_ps(_mm256_set1_ps(static_cast<float>(s.q.dir)),
                                  _mm256_sub_ps(_mm256_cvtepi32_ps(k), _mm256_set1_ps(g.ou)));
  const __m256 du = _mm256_set1_ps(row.du);
  const __m256 tau_u = _mm256_mul_ps(dk, _mm256_set1_ps(row.inv_du));
  const __m256 inv_tau_u = _mm256_mul_ps(du, rcp8(dk));
  const __m256 ok_u = _mm256_and_ps(
      _mm256_castsi256_ps(is_u),
      _mm256_and_ps(_mm256_cmp_ps(dk, zero, _CMP_GT_OQ), _mm256_cmp_ps(dk, du, _CMP_LT_OQ)));
  const __m256 pos_u =
      _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(x, tau_u, _mm256_set1_ps(g.ov)), zero),
                    _mm256_set1_ps(static_cast<float>(g.nv - 1)));
  const __m256i iu = _mm256_min_epi32(_mm256_cvttps_epi32(pos_u), _mm256_set1_epi32(g.nv - 2));
  const __m256 wu = _mm256_sub_ps(pos_u, _mm256_cvtepi32_ps(iu));
  const __m256i stride = _mm256_set1_epi32(static_cast<int>(g.stride));
  const __m256i idx_u = _mm256_add_epi32(_mm256_mullo_epi32(k, stride), iu);
  // v-lines: m = -line - 1.
  const __m256i m = _mm256_sub_epi32(_mm256_sub_epi32(izero, line), _mm256_set1_epi32(1));
  const __m256 mo = _mm256_sub_ps(_mm256_cvtepi32_ps(m), _mm256_set1_ps(g.ov));
  const __m256 tau_v = _mm256_mul_ps(mo, inv_x);
  const __m256 inv_tau_v = _mm256_mul_ps(x, rcp8(mo));
  const __m256 ok_v = _mm256_and_ps(
      _mm256_castsi256_ps(is_v),
      _mm256_and_ps(_mm256_cmp_ps(tau_v, zero, _CMP_GT_OQ), _mm256_cmp_ps(tau_v, one, _CMP_LT_OQ)));
  const __m256 pos_v = _mm256_min_ps(
      _mm256_max_ps(_mm256_fmadd_ps(tau_v, _mm256_set1_ps(row.u_off), _mm256_set1_ps(g.ou)), zero),
      _mm256_set1_ps(static_cast<float>(g.nu - 1)));
  const __m256i iv = _mm256_min_epi32(_mm256_cvttps_epi32(pos_v), _mm256_set1_epi32(g.nu - 2));
  const __m256 wv = _mm256_sub_ps(pos_v, _mm256_cvtepi32_ps(iv));
  const __m256i idx_v = _mm256_add_epi32(_mm256_mullo_epi32(iv, stride), m);
  // Blend per lane, gather both points, interpolate.
  const __m256 ok = _mm256_or_ps(ok_u, ok_v);
  const __m256i use_u = _mm256_castps_si256(ok_u);
  const __m256i idx =
      _mm256_and_si256(_mm256_blendv_epi8(idx_v, idx_u, use_u), _mm256_castps_si256(ok));
  const __m256i step = _mm256_blendv_epi8(stride, _mm256_set1_epi32(1), use_u);
  const __m256 w = _mm256_blendv_ps(wv, wu, ok_u);
  const __m256 tau = _mm256_blendv_ps(tau_v, tau_u, ok_u);
  const __m256 inv_tau = _mm256_blendv_ps(inv_tau_v, inv_tau_u, ok_u);
  const __m256 za = _mm256_mask_i32gather_ps(zero, g.z, idx, ok, 4);
  const __m256 zb = _mm256_mask_i32gather_ps(zero, g.z, _mm256_add_epi32(idx, step), ok, 4);
  const __m256 z = lerp8(za, zb, w);
  const __m256 slope =
      _mm256_fmsub_ps(_mm256_mul_ps(_mm256_sub_ps(z, _mm256_set1_ps(s.z_eye)), inv_d), inv_tau,
                      _mm256_mul_ps(_mm256_set1_ps(s.dc), _mm256_mul_ps(tau, d)));
  return _mm256_blendv_ps(_mm256_set1_ps(kNoH), slope, ok);
}

/// Eight cells v .. v+7 of an interior block (see block_ok): the same computation as
/// cell_scalar. Returns false (doing nothing) when the block is not interior.
/// Eight targets' sightline samples on one row, a fraction t of the way out
/// (inv_t = 1 / t): the slope of each (per unit of distance, curvature applied) and
/// where it falls on the row (cell index from `base`, weight towards the next cell).
struct RowSample8 {
  __m256 slope;
  __m256 w;
  __m256i idx;
};
VIGIA_AVX2 inline RowSample8 row_sample8(const float* zrow, int base, float t, float inv_t,
                                         float ov, __m256 x, __m256 z_eye, __m256 inv_d, __m256 dc,
                                         __m256 d) {
  const __m256 pos = _mm256_fmadd_ps(x, _mm256_set1_ps(t), _mm256_set1_ps(ov));
  const __m256 fpos = _mm256_floor_ps(pos);
  RowSample8 r;
  r.w = _mm256_sub_ps(pos, fpos);
  r.idx = _mm256_sub_epi32(_mm256_cvtps_epi32(fpos), _mm256_set1_epi32(base));
  const __m256 za = _mm256_permutevar8x32_ps(_mm256_loadu_ps(zrow + base), r.idx);
  const __m256 zb = _mm256_permutevar8x32_ps(_mm256_loadu_ps(zrow + base + 1), r.idx);
  r.slope = _mm256_fmsub_ps(_mm256_mul_ps(_mm256_sub_ps(lerp8(za, zb, r.w), z_eye), inv_d),
                            _mm256_set1_ps(inv_t),
                            _mm256_mul_ps(dc, _mm256_mul_ps(_mm256_set1_ps(t), d)));
  return r;
}

VIGIA_AVX2 bool block_avx2(Sweep& s, const Row& row, int v) {
  const KernelGrid& g = s.g;
  const float x0 = static_cast<float>(v) - g.ov;
  const float x7 = x0 + 7.0f;
  if (!row.has_prev2 || (x0 < 0.0f && x7 > 0.0f)) return false;
  // P and the u-2 crossing: their cells must lie inside the previous rows' ranges so
  // that both can be read as one contiguous stretch and permuted into place.
  const float vp0 = g.ov + x0 * row.t1;
  const float vp7 = g.ov + x7 * row.t1;
  const int base = static_cast<int>(std::floor(vp0));
  if (base < row.prev_lo || static_cast<int>(std::floor(vp7)) + 1 > row.prev_hi || base + 9 > g.nv)
    return false;
  const float v20 = g.ov + x0 * row.t2;
  const int base2 = static_cast<int>(std::floor(v20));
  if (base2 < 0 || base2 + 9 > g.nv) return false;
  const int mshift = x0 > 0.0f ? -1 : 1;
  if (v + mshift < 0 || v + 7 + mshift >= g.nv) return false;

  const __m256 iota = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256 x = _mm256_add_ps(_mm256_set1_ps(x0), iota);
  const __m256 z_eye = _mm256_set1_ps(s.z_eye);
  const __m256 dc = _mm256_set1_ps(s.dc);
  __m256 e;
  __m256 n;
  if (s.q.transposed) {
    e = _mm256_mul_ps(_mm256_set1_ps(row.u_off),
                      _mm256_loadu_ps(&s.sx_v[static_cast<std::size_t>(v)]));
    n = _mm256_loadu_ps(&s.ny_v[static_cast<std::size_t>(v)]);
  } else {
    e = _mm256_mul_ps(x, _mm256_set1_ps(row.sx));
    n = _mm256_set1_ps(row.ny);
  }
  const __m256 d2 = _mm256_fmadd_ps(e, e, _mm256_mul_ps(n, n));
  // 1/d from the reciprocal square root estimate and one Newton-Raphson step.
  const __m256 r0 = _mm256_rsqrt_ps(d2);
  const __m256 inv_d =
      _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), r0),
                    _mm256_fnmadd_ps(_mm256_mul_ps(d2, r0), r0, _mm256_set1_ps(3.0f)));
  const __m256 d = _mm256_mul_ps(d2, inv_d);
  const __m256 inv_x = _mm256_loadu_ps(&s.inv_x[static_cast<std::size_t>(v)]);

  // P on row u-1, then row u-2.
  const RowSample8 p1 = row_sample8(row.z1, base, row.t1, row.inv_t1, g.ov, x, z_eye, inv_d, dc, d);
  const __m256 w = p1.w;
  const __m256i idx = p1.idx;
  __m256 h = _mm256_set1_ps(kNoH);
  __m256i line = _mm256_setzero_si256();
  take_max(h, line, p1.slope, _mm256_set1_epi32(u_line(row.u1)));
  const RowSample8 p2 =
      row_sample8(row.z2, base2, row.t2, row.inv_t2, g.ov, x, z_eye, inv_d, dc, d);
  take_max(h, line, p2.slope, _mm256_set1_epi32(u_line(row.u2)));
  // The column line m = v - sign(x) where |x| > du / 2.
  const __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
  const __m256 du = _mm256_set1_ps(row.du);
  const __m256 has_m = _mm256_cmp_ps(ax, _mm256_mul_ps(_mm256_set1_ps(0.5f), du), _CMP_GT_OQ);
  if (_mm256_movemask_ps(has_m) != 0) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 inv_ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), inv_x);
    const __m256 qd = _mm256_mul_ps(du, inv_ax);
    const __m256 far = _mm256_cmp_ps(qd, one, _CMP_GE_OQ);
    const __m256 wq = _mm256_blendv_ps(qd, _mm256_sub_ps(qd, one), far);
    const __m256 zcm = _mm256_loadu_ps(row.zc + v + mshift);
    const __m256 z1m = _mm256_loadu_ps(row.z1 + v + mshift);
    const __m256 z2m = _mm256_loadu_ps(row.z2 + v + mshift);
    const __m256 lower = _mm256_blendv_ps(zcm, z1m, far);
    const __m256 upper = _mm256_blendv_ps(z1m, z2m, far);
    const __m256 tau = _mm256_sub_ps(one, inv_ax);
    const __m256 inv_tau =
        _mm256_mul_ps(ax, _mm256_loadu_ps(&s.inv_axm1[static_cast<std::size_t>(v)]));
    const __m256 sm =
        _mm256_fmsub_ps(_mm256_mul_ps(_mm256_sub_ps(lerp8(lower, upper, wq), z_eye), inv_d),
                        inv_tau, _mm256_mul_ps(dc, _mm256_mul_ps(tau, d)));
    const __m256i mline = _mm256_sub_epi32(
        _mm256_setzero_si256(),
        _mm256_add_epi32(_mm256_add_epi32(_mm256_set1_epi32(v + mshift),
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)),
                         _mm256_set1_epi32(1)));
    take_max(h, line, _mm256_blendv_ps(_mm256_set1_ps(kNoH), sm, has_m), mline);
  }
  // The blocking lines of A and B.
  const __m256i la = _mm256_permutevar8x32_epi32(
      _mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(&s.l_prev[static_cast<std::size_t>(base)])),
      idx);
  const __m256i lb = _mm256_permutevar8x32_epi32(
      _mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(&s.l_prev[static_cast<std::size_t>(base) + 1])),
      idx);
  take_max(h, line, line_slope8(s, row, la, x, inv_x, d, inv_d), la);
  if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(la, lb)) != -1)
    take_max(h, line, line_slope8(s, row, lb, x, inv_x, d, inv_d), lb);
  const __m256 ha =
      _mm256_permutevar8x32_ps(_mm256_loadu_ps(&s.h_prev[static_cast<std::size_t>(base)]), idx);
  const __m256 hb =
      _mm256_permutevar8x32_ps(_mm256_loadu_ps(&s.h_prev[static_cast<std::size_t>(base) + 1]), idx);
  const __m256 hl = lerp8(ha, hb, w);
  _mm256_storeu_ps(&s.h_cur[static_cast<std::size_t>(v)], h);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(&s.l_cur[static_cast<std::size_t>(v)]), line);

  // Decision codes.
  const __m256 zt = _mm256_loadu_ps(row.zc + v);
  const __m256 owned =
      s.q.transposed ? _mm256_cmp_ps(ax, du, _CMP_LT_OQ) : _mm256_cmp_ps(ax, du, _CMP_LE_OQ);
  const __m256 in_range = _mm256_cmp_ps(d2, _mm256_set1_ps(s.range2), _CMP_LE_OQ);
  const __m256 valid =
      _mm256_and_ps(_mm256_and_ps(owned, in_range), _mm256_cmp_ps(zt, zt, _CMP_ORD_Q));
  const __m256 mu = _mm256_fmsub_ps(_mm256_sub_ps(_mm256_add_ps(zt, _mm256_set1_ps(s.th)), z_eye),
                                    inv_d, _mm256_mul_ps(dc, d));
  const __m256 abs_mask = _mm256_set1_ps(-0.0f);
  const __m256 guard =
      _mm256_mul_ps(_mm256_set1_ps(kTieGuard),
                    _mm256_add_ps(_mm256_andnot_ps(abs_mask, mu), _mm256_andnot_ps(abs_mask, h)));
  const __m256 hidden = _mm256_cmp_ps(mu, _mm256_sub_ps(h, guard), _CMP_LT_OQ);
  const __m256 visible = _mm256_cmp_ps(
      mu,
      _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(s.tie_margin), inv_d, _mm256_max_ps(h, hl)),
                    guard),
      _CMP_GE_OQ);
  __m256i c = _mm256_set1_epi32(kRetest);
  c = _mm256_blendv_epi8(c, _mm256_set1_epi32(kVisible), _mm256_castps_si256(visible));
  c = _mm256_blendv_epi8(c, _mm256_set1_epi32(kHidden), _mm256_castps_si256(hidden));
  c = _mm256_blendv_epi8(_mm256_set1_epi32(kSkip), c, _mm256_castps_si256(valid));
  const __m128i p16 = _mm_packus_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(&s.code[static_cast<std::size_t>(v)]),
                   _mm_packus_epi16(p16, p16));
  return true;
}
#endif

bool cpu_has_avx2() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

/// Where a quadrant's per-cell results go: the kernel's output (east and west
/// quadrants write their rows of u as columns of it).
struct Sink {
  geo::Raster<std::uint8_t>* los = nullptr;
  geo::Raster<float>* horizon = nullptr;  ///< when wanted
};

void sweep_quadrant(Sweep& s, Sink sink, bool use_avx2, long long& retested) {
  const LosFrame& f = s.f;
  const KernelGrid& g = s.g;
  const Quadrant q = s.q;
  const auto nv = static_cast<std::size_t>(g.nv) + 8;  // slack for the vector loads
  s.h_prev.assign(nv, kNoH);
  s.h_cur.assign(nv, kNoH);
  s.l_prev.assign(nv, 0);
  s.l_cur.assign(nv, 0);
  s.code.assign(nv, kSkip);
  std::vector<int> retest;
  BlockMax& blocks = *s.blocks;

  // Smallest metric steps along u and v, for the circle of the range.
  const double step_u = q.transposed ? s.min_sx : s.min_ny;
  const double step_v = q.transposed ? s.min_ny : s.min_sx;

  Row row;
  int u =
      q.dir > 0 ? static_cast<int>(std::floor(g.ou)) + 1 : static_cast<int>(std::ceil(g.ou)) - 1;
  for (; u >= 0 && u < g.nu; u += q.dir) {
    const double du = std::abs(u - static_cast<double>(g.ou));
    if ((du - 2.0) * step_u > f.range) break;
    // This row's cells: the cone plus one cell each side (support for the next row),
    // cut to the range circle (plus two cells) and to the window.
    double half = du + 1.0;
    if (std::isfinite(f.range)) {
      const double along = std::max(0.0, (du - 2.0) * step_u);
      half = std::min(half,
                      std::sqrt(std::max(0.0, f.range * f.range - along * along)) / step_v + 2.0);
    }
    const int v_lo = std::max(0, static_cast<int>(std::ceil(g.ov - half)));
    const int v_hi = std::min(g.nv - 1, static_cast<int>(std::floor(g.ov + half)));
    if (v_lo > v_hi) break;
    row.prev_lo = row.v_lo;
    row.prev_hi = row.v_hi;
    row.has_prev = du > 1.0 && row.prev_hi >= row.prev_lo;
    row.v_lo = v_lo;
    row.v_hi = v_hi;
    row.u = u;
    row.u1 = u - q.dir;
    row.u2 = u - 2 * q.dir;
    row.du = static_cast<float>(du);
    row.inv_du = static_cast<float>(1.0 / du);
    row.has_prev2 = row.has_prev && du > 2.0;
    row.t1 = row.has_prev ? static_cast<float>((du - 1.0) / du) : 0.0f;
    row.t2 = row.has_prev2 ? static_cast<float>((du - 2.0) / du) : 0.0f;
    row.inv_t1 = row.has_prev ? static_cast<float>(du / (du - 1.0)) : 0.0f;
    row.inv_t2 = row.has_prev2 ? static_cast<float>(du / (du - 2.0)) : 0.0f;
    row.zc = g.row(u);
    row.z1 = row.has_prev ? g.row(row.u1) : nullptr;
    row.z2 = row.has_prev2 ? g.row(row.u2) : nullptr;
    row.u_off = static_cast<float>(u - static_cast<double>(g.ou));
    if (!q.transposed) {
      row.sx = static_cast<float>(f.sx[static_cast<std::size_t>(u)]);
      row.ny = static_cast<float>(f.ny[static_cast<std::size_t>(u)]);
    }

    int v = v_lo;
#if defined(__x86_64__)
    if (use_avx2) {
      while (v <= v_hi) {
        if (v + 7 <= v_hi && block_avx2(s, row, v)) {
          v += 8;
        } else {
          cell_scalar(s, row, v);
          ++v;
        }
      }
    }
#endif
    for (; v <= v_hi; ++v) cell_scalar(s, row, v);

    // Exact re-test of the doubtful cells; their exact horizon and blocking line feed
    // the next row.
    const int own_lo = std::max(v_lo, static_cast<int>(std::ceil(g.ov - du)));
    const int own_hi = std::min(v_hi, static_cast<int>(std::floor(g.ov + du)));
    retest.clear();
    if (own_lo <= own_hi) {
      const std::uint8_t* first = &s.code[static_cast<std::size_t>(own_lo)];
      const std::uint8_t* end = first + (own_hi - own_lo + 1);
      for (const std::uint8_t* p = first;
           (p = static_cast<const std::uint8_t*>(std::memchr(p, kRetest, end - p))) != nullptr;
           ++p) {
        retest.push_back(own_lo + static_cast<int>(p - first));
      }
    }
    for (int vv : retest) {
      const int r = q.transposed ? vv : u;
      const int c = q.transposed ? u : vv;
      const double d = f.distance(r, c);
      const auto vi = static_cast<std::size_t>(vv);
      // The sweep's h is a real sample: start just below it, so the search only has
      // to look where something could be higher (and re-finds that sample exactly).
      const double seed = static_cast<double>(s.h_cur[vi]) * d;
      const double at_least =
          s.h_cur[vi] <= kNoH ? -INFINITY : seed - 1e-4 * (std::abs(seed) + 1.0);
      R3Result x = r3_horizon_line(f, r, c, d, blocks, at_least);
      if (x.row_line < 0 && x.col_line < 0) x = r3_horizon_line(f, r, c, d, blocks, -INFINITY);
      s.code[vi] = x.horizon <= f.target_mu(r, c, d) ? kVisible : kHidden;
      s.h_cur[vi] = static_cast<float>(std::max(x.horizon / d, static_cast<double>(kNoH)));
      if (x.row_line >= 0) {
        s.l_cur[vi] = q.transposed ? v_line(x.row_line) : u_line(x.row_line);
      } else if (x.col_line >= 0) {
        s.l_cur[vi] = q.transposed ? u_line(x.col_line) : v_line(x.col_line);
      }
    }
    retested += static_cast<long long>(retest.size());
    // Hand the owned cells to the sink (unowned and out-of-range cells carry kSkip).
    if (own_lo <= own_hi && !q.transposed) {
      // kSkip is also the output's "no data", so the owned stretch is copied as it is.
      std::memcpy(sink.los->row(u) + own_lo, &s.code[static_cast<std::size_t>(own_lo)],
                  static_cast<std::size_t>(own_hi - own_lo + 1));
    }
    if (own_lo <= own_hi && (q.transposed || sink.horizon)) {
      // A column of the output (the diagonal's cells belong to the north and south
      // quadrants: kSkip here, not written). Consecutive u reuse the same cache lines.
      const std::ptrdiff_t los_stride = sink.los->cols();
      std::uint8_t* los_col = sink.los->data().data() + u;
      for (int vv = own_lo; vv <= own_hi; ++vv) {
        const std::uint8_t c = s.code[static_cast<std::size_t>(vv)];
        if (c == kSkip) continue;
        if (q.transposed) los_col[vv * los_stride] = c;
        if (sink.horizon)
          (q.transposed ? (*sink.horizon)(vv, u) : (*sink.horizon)(u, vv)) =
              s.h_cur[static_cast<std::size_t>(vv)];
      }
    }
    std::swap(s.h_prev, s.h_cur);
    std::swap(s.l_prev, s.l_cur);
  }
}

/// out[c][r] = in[r][c] over the 8 x 8 tiles for which need(r0, r1, c0, c1) holds.
/// Tiles are visited so that the source and destination lines in flight stay few
/// (padded strides keep them out of each other's cache sets).
template <class Need>
void transpose_tiles(const float* in, std::ptrdiff_t in_stride, int rows, int cols, float* out,
                     std::ptrdiff_t out_stride, Need need) {
  constexpr int kT = 8;
  for (int r0 = 0; r0 < rows; r0 += kT) {
    const int r1 = std::min(r0 + kT, rows);
    for (int c0 = 0; c0 < cols; c0 += kT) {
      const int c1 = std::min(c0 + kT, cols);
      if (!need(r0, r1, c0, c1)) continue;
      for (int c = c0; c < c1; ++c)
        for (int r = r0; r < r1; ++r) out[c * out_stride + r] = in[r * in_stride + c];
    }
  }
}

#if defined(__x86_64__)
/// The same, a whole 8 x 8 tile at a time in AVX registers.
template <class Need>
VIGIA_AVX2 void transpose_tiles_avx2(const float* in, std::ptrdiff_t in_stride, int rows, int cols,
                                     float* out, std::ptrdiff_t out_stride, Need need) {
  for (int r0 = 0; r0 < rows; r0 += 8) {
    const int r1 = std::min(r0 + 8, rows);
    for (int c0 = 0; c0 < cols; c0 += 8) {
      const int c1 = std::min(c0 + 8, cols);
      if (!need(r0, r1, c0, c1)) continue;
      if (r1 - r0 < 8 || c1 - c0 < 8) {
        for (int c = c0; c < c1; ++c)
          for (int r = r0; r < r1; ++r) out[c * out_stride + r] = in[r * in_stride + c];
        continue;
      }
      __m256 m[8];
      for (int i = 0; i < 8; ++i) m[i] = _mm256_loadu_ps(in + (r0 + i) * in_stride + c0);
      // The classic three-stage 8 x 8 transpose: unpack, shuffle, swap 128-bit halves.
      const __m256 t0 = _mm256_unpacklo_ps(m[0], m[1]), t1 = _mm256_unpackhi_ps(m[0], m[1]);
      const __m256 t2 = _mm256_unpacklo_ps(m[2], m[3]), t3 = _mm256_unpackhi_ps(m[2], m[3]);
      const __m256 t4 = _mm256_unpacklo_ps(m[4], m[5]), t5 = _mm256_unpackhi_ps(m[4], m[5]);
      const __m256 t6 = _mm256_unpacklo_ps(m[6], m[7]), t7 = _mm256_unpackhi_ps(m[6], m[7]);
      const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      const __m256 o[8] = {
          _mm256_permute2f128_ps(s0, s4, 0x20), _mm256_permute2f128_ps(s1, s5, 0x20),
          _mm256_permute2f128_ps(s2, s6, 0x20), _mm256_permute2f128_ps(s3, s7, 0x20),
          _mm256_permute2f128_ps(s0, s4, 0x31), _mm256_permute2f128_ps(s1, s5, 0x31),
          _mm256_permute2f128_ps(s2, s6, 0x31), _mm256_permute2f128_ps(s3, s7, 0x31)};
      for (int i = 0; i < 8; ++i) _mm256_storeu_ps(out + (c0 + i) * out_stride + r0, o[i]);
    }
  }
}
#endif

/// A stride that is not a multiple of 4 KiB's worth of elements (see transpose_tiles).
std::ptrdiff_t padded_stride(int n) {
  return (n + 15) / 16 * 16 + 16;
}

}  // namespace

void sweep_kernel(const LosFrame& f, double tie_margin_m, LosResult& out, bool want_horizon) {
  const int rows = f.rows();
  const int cols = f.cols();
  // The east and west quadrants sweep a transposed copy (padded for vector loads).
  // Scratch reused by the thread across viewsheds (coverage runs thousands).
  // (OpenMP workers have thread_locals of their own: only pointers cross into the
  // parallel region below.)
  thread_local std::vector<float> zt_scratch;
  std::vector<float>& zt = zt_scratch;
  const std::ptrdiff_t ts = padded_stride(rows);
  zt.resize(static_cast<std::size_t>(cols) * ts + 16);
  // Smallest metric steps east and north; only the tiles the east and west quadrants
  // read: their cones plus a margin, within the range plus a margin.
  double min_sx = INFINITY;
  for (double v : f.sx) min_sx = std::min(min_sx, v);
  double min_ny = INFINITY;
  for (std::size_t i = 1; i < f.ny.size(); ++i)
    min_ny = std::min(min_ny, std::abs(f.ny[i] - f.ny[i - 1]));
  if (!std::isfinite(min_ny)) min_ny = min_sx;
  const double range2 = std::isfinite(f.range) ? f.range * f.range : 3.0e38;
  const auto need = [&](int r0, int r1, int c0, int c1) {
    const auto gap = [](double o, int lo, int hi) {  // distance from o to [lo, hi - 1]
      return o < lo ? lo - o : (o > hi - 1 ? o - (hi - 1) : 0.0);
    };
    const double max_dc = std::max(std::abs(c0 - f.oc), std::abs(c1 - 1 - f.oc));
    const double min_dr = gap(f.orow, r0, r1);
    if (max_dc + 3.0 < min_dr) return false;
    const double min_dc = gap(f.oc, c0, c1);
    const double e = std::max(0.0, min_dc - 3.0) * min_sx;
    const double n = std::max(0.0, min_dr - 3.0) * min_ny;
    return e * e + n * n <= range2;
  };
  const bool avx2 = cpu_has_avx2();
#if defined(__x86_64__)
  if (avx2) {
    transpose_tiles_avx2(f.z.row(0), f.z.stride(), rows, cols, zt.data(), ts, need);
  } else
#endif
  {
    transpose_tiles(f.z.row(0), f.z.stride(), rows, cols, zt.data(), ts, need);
  }
  // The north/south quadrants read the window in place (vector loads never cross a
  // row's end: block_avx2 checks).
  const KernelGrid rows_grid{
      f.z.row(0), f.z.stride(), rows, cols, static_cast<float>(f.orow), static_cast<float>(f.oc)};
  const KernelGrid cols_grid{
      zt.data(), ts, cols, rows, static_cast<float>(f.oc), static_cast<float>(f.orow)};
  const Quadrant quadrants[4] = {{false, +1}, {false, -1}, {true, +1}, {true, -1}};
  BlockMax blocks(f);
  long long retested[4] = {0, 0, 0, 0};
#pragma omp parallel for schedule(dynamic, 1) if (rows * static_cast <long long>(cols) > 40000)
  for (int i = 0; i < 4; ++i) {
    const Quadrant qd = quadrants[i];
    Sweep s(f, qd.transposed ? cols_grid : rows_grid, qd);
    s.tie_margin = static_cast<float>(tie_margin_m);
    s.range2 = static_cast<float>(range2);
    s.min_sx = min_sx;
    s.min_ny = min_ny;
    if (qd.transposed) {
      s.sx_v.assign(f.sx.begin(), f.sx.end());
      s.ny_v.assign(f.ny.begin(), f.ny.end());
      s.sx_v.resize(s.sx_v.size() + 8, 0.0f);
      s.ny_v.resize(s.ny_v.size() + 8, 0.0f);
    }
    s.blocks = &blocks;
    s.inv_x.resize(static_cast<std::size_t>(s.g.nv) + 8);
    s.inv_axm1.resize(static_cast<std::size_t>(s.g.nv) + 8);
    for (int v = 0; v < s.g.nv + 8; ++v) {
      const float x = static_cast<float>(v) - s.g.ov;
      s.inv_x[static_cast<std::size_t>(v)] = x != 0.0f ? 1.0f / x : 0.0f;
      s.inv_axm1[static_cast<std::size_t>(v)] =
          std::abs(x) != 1.0f ? 1.0f / (std::abs(x) - 1.0f) : 0.0f;
    }
    Sink sink;
    sink.los = &out.los;
    sink.horizon = want_horizon ? &out.horizon : nullptr;
    sweep_quadrant(s, sink, avx2, retested[i]);
  }
  // The observer's own cell, when the observer stands exactly on its centre.
  const int r0 = static_cast<int>(std::lround(f.orow));
  const int c0 = static_cast<int>(std::lround(f.oc));
  if (r0 == f.orow && c0 == f.oc && !std::isnan(f.z(r0, c0))) {
    out.los(r0, c0) = kVisible;
    if (want_horizon) out.horizon(r0, c0) = kNoH;
  }
  out.retested = retested[0] + retested[1] + retested[2] + retested[3];
}

}  // namespace vigia::terrain::detail
