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
// The interior of each row runs sixteen cells at a time with AVX-512 or eight with
// AVX2, whichever the CPU has (checked at run time; los_sweep_block.inc, written once
// for both); row edges and other CPUs take the scalar path, which is the same
// computation. Measured against R3 in tests/ and benchmarks/ (docs/visibility.md).

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "los.hpp"
#include "vigia/terrain/viewshed.hpp"

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
// The vector block (los_sweep_block.inc), once per instruction set. Everything the
// file defines lives in these namespaces and is compiled for their target only;
// which one runs is chosen at run time (Isa below).

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace simd_avx2 {
constexpr int W = 8;
using vf = float __attribute__((vector_size(32)));
using vi = std::int32_t __attribute__((vector_size(32)));
inline vf splat(float a) {
  return vf{} + a;
}
inline vi splat(int a) {
  return vi{} + a;
}
inline vf fma(vf a, vf b, vf c) {
  return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
}
inline vf floor_(vf a) {
  return (vf)_mm256_floor_ps((__m256)a);
}
/// The hardware estimates and one Newton-Raphson step each (dividers are the
/// bottleneck of this kernel otherwise).
inline vf inv_sqrt(vf a) {
  const vf r = (vf)_mm256_rsqrt_ps((__m256)a);
  return (0.5f * r) * fma(-(a * r), r, splat(3.0f));
}
inline vf inv(vf a) {
  const vf r = (vf)_mm256_rcp_ps((__m256)a);
  return r * fma(-a, r, splat(2.0f));
}
inline vf permute(vf v, vi idx) {
  return (vf)_mm256_permutevar8x32_ps((__m256)v, (__m256i)idx);
}
inline vi permute(vi v, vi idx) {
  return (vi)_mm256_permutevar8x32_epi32((__m256i)v, (__m256i)idx);
}
inline vf gather(vf src, const float* base, vi idx, vi m) {
  return (vf)_mm256_mask_i32gather_ps((__m256)src, base, (__m256i)idx, (__m256)m, 4);
}
inline bool any(vi m) {
  return _mm256_movemask_ps((__m256)m) != 0;
}
inline bool all(vi m) {
  return _mm256_movemask_ps((__m256)m) == 0xFF;
}
inline void store_codes(std::uint8_t* p, vi c) {
  const __m128i p16 = _mm_packus_epi32(_mm256_castsi256_si128((__m256i)c),
                                       _mm256_extracti128_si256((__m256i)c, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(p16, p16));
}
#include "los_sweep_block.inc"
}  // namespace simd_avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_ps(), which it then
// reports as (maybe) uninitialized.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
namespace simd_avx512 {
constexpr int W = 16;
using vf = float __attribute__((vector_size(64)));
using vi = std::int32_t __attribute__((vector_size(64)));
inline vf splat(float a) {
  return vf{} + a;
}
inline vi splat(int a) {
  return vi{} + a;
}
inline vf fma(vf a, vf b, vf c) {
  return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
}
inline vf floor_(vf a) {
  return (vf)_mm512_roundscale_ps((__m512)a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
inline vf inv_sqrt(vf a) {
  const vf r = (vf)_mm512_rsqrt14_ps((__m512)a);
  return (0.5f * r) * fma(-(a * r), r, splat(3.0f));
}
inline vf inv(vf a) {
  const vf r = (vf)_mm512_rcp14_ps((__m512)a);
  return r * fma(-a, r, splat(2.0f));
}
inline vf permute(vf v, vi idx) {
  return (vf)_mm512_permutexvar_ps((__m512i)idx, (__m512)v);
}
inline vi permute(vi v, vi idx) {
  return (vi)_mm512_permutexvar_epi32((__m512i)idx, (__m512i)v);
}
inline vf gather(vf src, const float* base, vi idx, vi m) {
  return (vf)_mm512_mask_i32gather_ps((__m512)src, _mm512_movepi32_mask((__m512i)m),
                                      (__m512i)idx, base, 4);
}
inline bool any(vi m) {
  return _mm512_movepi32_mask((__m512i)m) != 0;
}
inline bool all(vi m) {
  return _mm512_movepi32_mask((__m512i)m) == 0xFFFF;
}
inline void store_codes(std::uint8_t* p, vi c) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8((__m512i)c));
}
#include "los_sweep_block.inc"
}  // namespace simd_avx512
#pragma GCC diagnostic pop
#pragma GCC pop_options

#define VIGIA_AVX2 __attribute__((target("avx2,fma")))
#endif

/// The widest vector block this CPU runs (checked once, at run time).
Simd cpu_simd() {
#if defined(__x86_64__)
  static const Simd best = [] {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return Simd::Scalar;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
      return Simd::Avx512;
    return Simd::Avx2;
  }();
  return best;
#else
  return Simd::Scalar;
#endif
}

/// The limit from set_simd_limit, or else from VIGIA_SIMD (an unknown value is
/// reported once on stderr and ignored).
std::atomic<int> g_simd_limit{-1};
Simd simd_limit() {
  const int set = g_simd_limit.load(std::memory_order_relaxed);
  if (set >= 0) return static_cast<Simd>(set);
  static const Simd from_env = [] {
    const char* e = std::getenv("VIGIA_SIMD");
    if (e == nullptr || *e == '\0') return Simd::Avx512;
    const std::string v = e;
    if (v == "scalar") return Simd::Scalar;
    if (v == "avx2") return Simd::Avx2;
    if (v == "avx512") return Simd::Avx512;
    std::fprintf(stderr, "vigia: VIGIA_SIMD=%s ignored (allowed: scalar, avx2, avx512)\n", e);
    return Simd::Avx512;
  }();
  return from_env;
}

}  // namespace
}  // namespace vigia::terrain::detail

namespace vigia::terrain {

void set_simd_limit(Simd limit) {
  detail::g_simd_limit.store(static_cast<int>(limit), std::memory_order_relaxed);
}

Simd simd_in_use() {
  return std::min(detail::simd_limit(), detail::cpu_simd());
}

const char* simd_name(Simd simd) {
  switch (simd) {
    case Simd::Avx512:
      return "AVX-512";
    case Simd::Avx2:
      return "AVX2";
    case Simd::Scalar:
      break;
  }
  return "scalar";
}

}  // namespace vigia::terrain

namespace vigia::terrain::detail {
namespace {

/// Where a quadrant's per-cell results go: the kernel's output (east and west
/// quadrants write their rows of u as columns of it).
struct Sink {
  geo::Raster<std::uint8_t>* los = nullptr;
  geo::Raster<float>* horizon = nullptr;  ///< when wanted
};

/// The east and west quadrants' codes for a band of Sweep::kBand lines u, written to
/// the output a row at a time: line by line, each code of a line would land in a
/// cache line of its own (for a 8192-row window that store loop was a fifth of a
/// whole viewshed command). Byte stores only: the neighbouring bytes of a row may
/// belong to the north or south quadrant, swept at the same time by another thread.
class ColumnBand {
 public:
  ColumnBand(geo::Raster<std::uint8_t>& los, int nv) : los_(los), nv_(nv) {
    thread_local std::vector<std::uint8_t> scratch;
    scratch.resize(static_cast<std::size_t>(Sweep::kBand) * nv);
    codes_ = scratch.data();
    clear();
  }
  ~ColumnBand() { flush(); }
  ColumnBand(const ColumnBand&) = delete;
  ColumnBand& operator=(const ColumnBand&) = delete;

  /// Line u's owned stretch [lo, hi] of codes.
  void put(int u, int lo, int hi, const std::uint8_t* code) {
    if (u / Sweep::kBand != band_) {
      flush();
      band_ = u / Sweep::kBand;
    }
    const int k = u % Sweep::kBand;
    std::memcpy(codes_ + static_cast<std::size_t>(k) * nv_ + lo, code + lo,
                static_cast<std::size_t>(hi - lo + 1));
    lo_[k] = lo;
    hi_[k] = hi;
  }

 private:
  void clear() {
    for (int k = 0; k < Sweep::kBand; ++k) {
      lo_[k] = nv_;
      hi_[k] = -1;
    }
  }
  void flush() {
    if (band_ < 0) return;
    const int lo = *std::min_element(lo_, lo_ + Sweep::kBand);
    const int hi = *std::max_element(hi_, hi_ + Sweep::kBand);
    const int u0 = band_ * Sweep::kBand;
    for (int vv = lo; vv <= hi; ++vv) {
      std::uint8_t* out = los_.row(vv) + u0;
      for (int k = 0; k < Sweep::kBand; ++k) {
        if (vv < lo_[k] || vv > hi_[k]) continue;
        const std::uint8_t c = codes_[static_cast<std::size_t>(k) * nv_ + vv];
        if (c != kSkip) out[k] = c;
      }
    }
    clear();
    band_ = -1;
  }
  geo::Raster<std::uint8_t>& los_;
  int nv_;
  std::uint8_t* codes_ = nullptr;
  int band_ = -1;
  int lo_[Sweep::kBand];
  int hi_[Sweep::kBand];
};

void sweep_quadrant(Sweep& s, Sink sink, Simd isa, long long& retested) {
  const LosFrame& f = s.f;
  const KernelGrid& g = s.g;
  const Quadrant q = s.q;
  const auto nv = static_cast<std::size_t>(g.nv) + 16;  // slack for the vector loads
  s.h_prev.assign(nv, kNoH);
  s.h_cur.assign(nv, kNoH);
  s.l_prev.assign(nv, 0);
  s.l_cur.assign(nv, 0);
  s.code.assign(nv, kSkip);
  std::vector<int> retest;
  BlockMax& blocks = *s.blocks;
  std::optional<ColumnBand> columns;
  if (q.transposed) columns.emplace(*sink.los, g.nv);

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
    row.zc = s.line(u);
    row.z1 = row.has_prev ? s.line(row.u1) : nullptr;
    row.z2 = row.has_prev2 ? s.line(row.u2) : nullptr;
    row.u_off = static_cast<float>(u - static_cast<double>(g.ou));
    if (!q.transposed) {
      row.sx = static_cast<float>(f.sx[static_cast<std::size_t>(u)]);
      row.ny = static_cast<float>(f.ny[static_cast<std::size_t>(u)]);
    }

    // The widest block that fits, then narrower ones, then single cells (row edges,
    // the observer's column).
    for (int v = v_lo; v <= v_hi;) {
#if defined(__x86_64__)
      if (isa == Simd::Avx512 && v + simd_avx512::W - 1 <= v_hi && simd_avx512::block(s, row, v)) {
        v += simd_avx512::W;
        continue;
      }
      if (isa != Simd::Scalar && v + simd_avx2::W - 1 <= v_hi && simd_avx2::block(s, row, v)) {
        v += simd_avx2::W;
        continue;
      }
#endif
      cell_scalar(s, row, v);
      ++v;
    }

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
    // A column of the output for the east and west quadrants (the diagonal's cells
    // belong to the north and south quadrants: kSkip here, not written).
    if (own_lo <= own_hi && q.transposed) columns->put(u, own_lo, own_hi, s.code.data());
    if (own_lo <= own_hi && sink.horizon) {
      for (int vv = own_lo; vv <= own_hi; ++vv) {
        if (s.code[static_cast<std::size_t>(vv)] == kSkip) continue;
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
  // The east and west quadrants sweep lines of a transposed copy, a band at a time
  // (Sweep::line), padded for vector loads.
  const std::ptrdiff_t ts = padded_stride(rows);
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
  const Simd isa = simd_in_use();
  // Band b of the transposed copy: columns kBand b .. kBand (b + 1) - 1 of the window,
  // the tiles the quadrants read.
  const auto fill_band = [&f, &need, isa, rows, cols, ts](int band, float* band_out) {
    const int c0 = band * Sweep::kBand;
    const int n = std::min(Sweep::kBand, cols - c0);
    const auto need_here = [&need, c0](int r0, int r1, int a, int b) {
      return need(r0, r1, c0 + a, c0 + b);
    };
#if defined(__x86_64__)
    if (isa != Simd::Scalar) {
      transpose_tiles_avx2(f.z.row(0) + c0, f.z.stride(), rows, n, band_out, ts, need_here);
      return;
    }
#endif
    transpose_tiles(f.z.row(0) + c0, f.z.stride(), rows, n, band_out, ts, need_here);
  };
  // The north/south quadrants read the window in place (vector loads never cross a
  // row's end: block() checks).
  const KernelGrid rows_grid{f.z.row(0), f.z.stride(), 1,   rows, cols,
                             static_cast<float>(f.orow), static_cast<float>(f.oc)};
  const KernelGrid cols_grid{f.z.row(0), 1,    f.z.stride(), cols, rows,
                             static_cast<float>(f.oc),   static_cast<float>(f.orow)};
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
      // Scratch reused by the thread across viewsheds (coverage runs thousands); left
      // uninitialised: the sweep reads only the tiles fill_band copies (vector loads
      // may also pick up neighbours of those, into lanes that are then discarded).
      thread_local std::unique_ptr<float[]> ring;
      thread_local std::size_t ring_capacity = 0;
      const std::size_t ring_size = static_cast<std::size_t>(2 * Sweep::kBand) * ts + 16;
      if (ring_capacity < ring_size) {
        ring.reset(new float[ring_size]);
        ring_capacity = ring_size;
      }
      s.ring = ring.get();
      s.ring_stride = ts;
      s.fill_band = fill_band;
      s.sx_v.assign(f.sx.begin(), f.sx.end());
      s.ny_v.assign(f.ny.begin(), f.ny.end());
      s.sx_v.resize(s.sx_v.size() + 16, 0.0f);
      s.ny_v.resize(s.ny_v.size() + 16, 0.0f);
    }
    s.blocks = &blocks;
    s.inv_x.resize(static_cast<std::size_t>(s.g.nv) + 16);
    s.inv_axm1.resize(static_cast<std::size_t>(s.g.nv) + 16);
    for (int v = 0; v < s.g.nv + 16; ++v) {
      const float x = static_cast<float>(v) - s.g.ov;
      s.inv_x[static_cast<std::size_t>(v)] = x != 0.0f ? 1.0f / x : 0.0f;
      s.inv_axm1[static_cast<std::size_t>(v)] =
          std::abs(x) != 1.0f ? 1.0f / (std::abs(x) - 1.0f) : 0.0f;
    }
    Sink sink;
    sink.los = &out.los;
    sink.horizon = want_horizon ? &out.horizon : nullptr;
    sweep_quadrant(s, sink, isa, retested[i]);
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
