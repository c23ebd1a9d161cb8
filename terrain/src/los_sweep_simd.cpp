// The fast sweep's vector blocks (los_sweep_block.inc) compiled once per
// instruction set, and which of them the CPU and the user allow.

#include <immintrin.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "los_sweep_core.hpp"

namespace vigia::terrain::detail::sweep {

#if defined(__x86_64__)
// The vector block (los_sweep_block.inc), once per instruction set. Everything the
// file defines lives in these namespaces and is compiled for their target only;
// which one runs is chosen at run time (Isa below).

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace simd_avx2 {
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

#endif

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

namespace {

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

}  // namespace vigia::terrain::detail::sweep

namespace vigia::terrain {

void set_simd_limit(Simd limit) {
  detail::sweep::g_simd_limit.store(static_cast<int>(limit), std::memory_order_relaxed);
}

Simd simd_in_use() {
  return std::min(detail::sweep::simd_limit(), detail::sweep::cpu_simd());
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
