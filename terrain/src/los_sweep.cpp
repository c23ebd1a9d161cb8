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
#include "los_sweep_core.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::terrain::detail {

using namespace sweep;

namespace {

#if defined(__x86_64__)
#define VIGIA_AVX2 __attribute__((target("avx2,fma")))
#endif

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

/// Row u of a quadrant: its cells (the cone plus one cell each side, support for the
/// next row, cut to the range circle plus two cells and to the window) and what is
/// constant along it. False when the row lies beyond the range or the window.
bool start_row(Sweep& s, Row& row, int u) {
  const LosFrame& f = s.f;
  const KernelGrid& g = s.g;
  const Quadrant q = s.q;
  // Smallest metric steps along u and v, for the circle of the range.
  const double step_u = q.transposed ? s.min_sx : s.min_ny;
  const double step_v = q.transposed ? s.min_ny : s.min_sx;
  const double du = std::abs(u - static_cast<double>(g.ou));
  if ((du - 2.0) * step_u > f.range) return false;
  double half = du + 1.0;
  if (std::isfinite(f.range)) {
    const double along = std::max(0.0, (du - 2.0) * step_u);
    half = std::min(half,
                    std::sqrt(std::max(0.0, f.range * f.range - along * along)) / step_v + 2.0);
  }
  const int v_lo = std::max(0, static_cast<int>(std::ceil(g.ov - half)));
  const int v_hi = std::min(g.nv - 1, static_cast<int>(std::floor(g.ov + half)));
  if (v_lo > v_hi) return false;
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
  return true;
}

/// Exact re-test (R3) of the row's doubtful cells among v = own_lo .. own_hi; their
/// exact horizon and blocking line feed the next row. Returns how many there were.
std::size_t retest_doubtful(Sweep& s, const Row& row, int own_lo, int own_hi,
                            std::vector<int>& retest) {
  const LosFrame& f = s.f;
  const Quadrant q = s.q;
  const int u = row.u;
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
    R3Result x = r3_horizon_line(f, r, c, d, *s.blocks, at_least);
    if (x.row_line < 0 && x.col_line < 0) x = r3_horizon_line(f, r, c, d, *s.blocks, -INFINITY);
    s.code[vi] = x.horizon <= f.target_mu(r, c, d) ? kVisible : kHidden;
    s.h_cur[vi] = static_cast<float>(std::max(x.horizon / d, static_cast<double>(kNoH)));
    if (x.row_line >= 0) {
      s.l_cur[vi] = q.transposed ? v_line(x.row_line) : u_line(x.row_line);
    } else if (x.col_line >= 0) {
      s.l_cur[vi] = q.transposed ? u_line(x.col_line) : v_line(x.col_line);
    }
  }
  return retest.size();
}

void sweep_quadrant(Sweep& s, Sink sink, Simd isa, long long& retested) {
  const KernelGrid& g = s.g;
  const Quadrant q = s.q;
  const auto nv = static_cast<std::size_t>(g.nv) + 16;  // slack for the vector loads
  s.h_prev.assign(nv, kNoH);
  s.h_cur.assign(nv, kNoH);
  s.l_prev.assign(nv, 0);
  s.l_cur.assign(nv, 0);
  s.code.assign(nv, kSkip);
  std::vector<int> retest;
  std::optional<ColumnBand> columns;
  if (q.transposed) columns.emplace(*sink.los, g.nv);

  Row row;
  int u =
      q.dir > 0 ? static_cast<int>(std::floor(g.ou)) + 1 : static_cast<int>(std::ceil(g.ou)) - 1;
  for (; u >= 0 && u < g.nu && std::abs(u - static_cast<double>(g.ou)) <= s.reach &&
         start_row(s, row, u);
       u += q.dir) {
    const int v_lo = row.v_lo, v_hi = row.v_hi;
    const double du = std::abs(u - static_cast<double>(g.ou));
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

    // Exact re-test of the doubtful cells of the cells this row owns.
    const int own_lo = std::max(v_lo, static_cast<int>(std::ceil(g.ov - du)));
    const int own_hi = std::min(v_hi, static_cast<int>(std::floor(g.ov + du)));
    retested += static_cast<long long>(retest_doubtful(s, row, own_lo, own_hi, retest));
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
    s.reach = f.reach[i];
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
