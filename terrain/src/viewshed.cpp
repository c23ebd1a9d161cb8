// Viewshed orchestration: decides the window, resolves the observer, runs a kernel
// and turns its per-cell line of sight into the 1 / 0 / 255 product with the sensor
// limits applied.

#include "vigia/terrain/viewshed.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <sstream>

#include "los.hpp"
#include "vigia/geo/error.hpp"

namespace vigia::terrain {

namespace {

std::string where(GridPoint p) {
  std::ostringstream s;
  s.precision(6);
  s << "(col " << p.col << ", row " << p.row << ")";
  return s.str();
}

double deg2rad(double d) {
  return d * std::numbers::pi / 180.0;
}

/// Whether a sightline meets its target below the minimum grazing (depression) angle
/// g: atan(dz/d + d/2re) − d/re < g over an earth of effective radius re, dz the
/// eye's height over the target and d the horizontal distance. Decided without
/// trigonometry per cell: with b = d/re the test is atan(a) < g + b, true whenever
/// g + b ≥ π/2 (1 − tan g tan b ≤ 0) and otherwise a < tan(g + b) = (tan g + tan b) /
/// (1 − tan g tan b), multiplied out by d and that positive denominator.
class GrazingTest {
 public:
  GrazingTest(double min_grazing_rad, double re)
      : tan_g(std::tan(min_grazing_rad)), inv_re(1.0 / re) {}
  [[nodiscard]] bool below(double d, double dz) const {
    const double b = d * inv_re;
    return below(d, dz, b > kSeriesLimit ? std::tan(b) : tan_series(b));
  }
  /// The test with tan(d / re) given.
  [[nodiscard]] bool below(double d, double dz, double tan_b) const {
    const double den = 1.0 - tan_g * tan_b;
    return den <= 0.0 || (dz + 0.5 * d * d * inv_re) * den < (tan_g + tan_b) * d;
  }
  /// tan b to double precision for b <= kSeriesLimit: the series to b^9 (the next term
  /// is 1e-19 of it there). b = d/re stays below the limit within 146 km at k = 0.13
  /// (64 km at k = -1); farther cells are decided with std::tan.
  static constexpr double kSeriesLimit = 0.02;
  static double tan_series(double b) {
    const double b2 = b * b;
    return b * (1.0 + b2 * (1.0 / 3.0 + b2 * (2.0 / 15.0 + b2 * (17.0 / 315.0 + b2 * (62.0 / 2835.0)))));
  }
  double tan_g;
  double inv_re;  ///< 0 for a flat earth (k = 1)
};

/// What limit_flags says of a cell.
enum : std::uint8_t {
  kBeyondSlant = 1,  ///< beyond the slant range
  kReject = 2,       ///< nearer than the minimum distance, or below the grazing angle
  kRecheck = 4,      ///< outside the series' range: decide kReject per cell instead
  kWithinRange = 8,  ///< within the horizontal range
};

/// The sensor limits of one row of the window, constant along it.
struct RowLimits {
  double oc = 0.0, sx = 0.0, north = 0.0;
  double z_eye = 0.0, target_height = 0.0;
  bool slant = false;
  double slant2 = 0.0;
  double min_distance = 0.0;
  double range2 = INFINITY;  ///< horizontal range, squared
  bool grazing = false;
  GrazingTest test{0.0, INFINITY};
};

/// The limits' verdict for every cell of a row, without branches so that the compiler
/// turns the loop into vector code (one clone per instruction set, chosen at load
/// time). Every cell is tested; the caller uses the verdicts of the cells that count.
#if defined(__x86_64__)
#define VIGIA_VECTOR_CLONES [[gnu::target_clones("avx512f", "avx2", "default")]]
#else
#define VIGIA_VECTOR_CLONES
#endif
/// Columns [c0, c1) of a row: z and flags are the row's own (indexed by column).
VIGIA_VECTOR_CLONES void limit_flags(const RowLimits& l, const float* z, int c0, int c1,
                                     std::uint8_t* flags) {
  const double inv_2r = 0.5 / kEarthRadius;  // the geometric drop d^2 / 2R
  const double tan_g = l.test.tan_g;
  const double inv_re = l.test.inv_re;
  // Bitwise & and | on the tests, not && and ||: no branch in the loop.
  const int slant = l.slant ? 1 : 0;
  const int grazing = l.grazing ? 1 : 0;
  for (int c = c0; c < c1; ++c) {
    const double east = (c - l.oc) * l.sx;
    const double d2 = east * east + l.north * l.north;
    const double dz = l.z_eye - (static_cast<double>(z[c]) + l.target_height);
    const double dz_geom = dz + d2 * inv_2r;
    const int beyond = slant & (d2 + dz_geom * dz_geom > l.slant2);
    const double d = std::sqrt(d2);
    const double b = d * inv_re;
    const double t = GrazingTest::tan_series(b);
    const double den = 1.0 - tan_g * t;
    const int below = grazing & (d > 0.0) &
                      ((den <= 0.0) | ((dz + 0.5 * d2 * inv_re) * den < (tan_g + t) * d));
    const int near = d < l.min_distance;
    const int recheck = grazing & (b > GrazingTest::kSeriesLimit);
    const int within = d2 <= l.range2;
    flags[c] = static_cast<std::uint8_t>(beyond * kBeyondSlant + (near | below) * kReject +
                                         recheck * kRecheck + within * kWithinRange);
  }
}

/// The lowest elevation of a window (NaN never wins; +inf when all is NaN), four
/// columns at a time in a vector (the compiler does not vectorise a NaN-aware minimum).
float window_min(const geo::GridView<const float>& z) {
  using v4 = float __attribute__((vector_size(16)));
  const float inf = std::numeric_limits<float>::infinity();
  v4 m = {inf, inf, inf, inf};
  float rest = inf;
  for (int r = 0; r < z.rows(); ++r) {
    const float* row = z.row(r);
    int c = 0;
    for (; c + 4 <= z.cols(); c += 4) {
      v4 x;
      std::memcpy(&x, row + c, sizeof x);
      m = x < m ? x : m;
    }
    for (; c < z.cols(); ++c) rest = row[c] < rest ? row[c] : rest;
  }
  return std::min({m[0], m[1], m[2], m[3], rest});
}

bool in_sector(double az, const std::pair<double, double>& sector) {
  const double span = std::fmod(std::fmod(sector.second - sector.first, 360.0) + 360.0, 360.0);
  if (span == 0.0) return true;
  const double rel = std::fmod(std::fmod(az - sector.first, 360.0) + 360.0, 360.0);
  return rel <= span;
}

}  // namespace

double horizontal_range(const SensorLimits& l) {
  double r = INFINITY;
  if (l.max_distance_m > 0.0) r = l.max_distance_m;
  if (l.max_slant_range_m > 0.0) r = std::min(r, l.max_slant_range_m);
  return std::isfinite(r) ? r : 0.0;
}

double eye_altitude(const Dem& dem, const Observer& observer) {
  if (!dem.covers(observer.position)) {
    throw Error("the observer at " + where(observer.position) +
                " lies outside the DEM (allowed: a position within its extent)");
  }
  const double ground = dem.elevation_at(observer.position);
  if (std::isnan(ground)) {
    throw Error("the DEM has no data under the observer");
  }
  if (observer.reference == AltitudeReference::AboveGround) {
    if (observer.altitude_m < 0.0) {
      throw Error("observer height above ground is negative (" +
                  std::to_string(observer.altitude_m) + " m; allowed: >= 0)");
    }
    return ground + observer.altitude_m;
  }
  if (observer.altitude_m < ground) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(1);
    s << "the observer altitude " << observer.altitude_m << " m AMSL is below the ground there ("
      << ground << " m)";
    throw Error(s.str());
  }
  return observer.altitude_m;
}

geo::Window range_window(const MetricFrame& metric, int cols, int rows, GridPoint p,
                         double range_m) {
  const geo::Window all{0, 0, cols, rows};
  if (!(range_m > 0.0) || !std::isfinite(range_m)) return all;
  // Row extent from the meridional spacing, column extent from the narrowest row
  // spacing within it (cells are narrowest towards the pole).
  const double h = metric.cell_height(p.row);
  const int dr = static_cast<int>(std::ceil(range_m / h)) + 1;
  const int r0 = std::max(0, static_cast<int>(std::floor(p.row)) - dr);
  const int r1 = std::min(rows - 1, static_cast<int>(std::ceil(p.row)) + dr);
  const double w =
      std::min({metric.cell_width(r0), metric.cell_width(r1), metric.cell_width(p.row)});
  const int dc = static_cast<int>(std::ceil(range_m / w)) + 1;
  const int c0 = std::max(0, static_cast<int>(std::floor(p.col)) - dc);
  const int c1 = std::min(cols - 1, static_cast<int>(std::ceil(p.col)) + dc);
  return geo::Window{c0, r0, c1 - c0 + 1, r1 - r0 + 1}.intersect(all);
}

void set_thread_count(int threads) {
  omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
}

ThreadCount::ThreadCount(int threads) : before_(omp_get_max_threads()) {
  set_thread_count(threads);
}

ThreadCount::~ThreadCount() { omp_set_num_threads(before_); }

int thread_count() {
  return omp_get_max_threads();
}

namespace detail {

LosFrame make_frame(const Dem& dem, const geo::Window& w, GridPoint position, double z_eye,
                    double target_height, double refraction_k, double range_m) {
  LosFrame f;
  f.z = dem.elevation.view(w);
  f.oc = position.col - w.col;
  f.orow = position.row - w.row;
  f.z_eye = z_eye;
  f.target_height = target_height;
  f.drop_coef = (1.0 - refraction_k) / (2.0 * kEarthRadius);
  f.range = range_m > 0.0 ? range_m : INFINITY;
  f.sx.resize(static_cast<std::size_t>(w.rows));
  f.ny.resize(static_cast<std::size_t>(w.rows));
  for (int r = 0; r < w.rows; ++r) {
    const Offset o =
        dem.metric.offset(position, GridPoint{position.col + 1.0, static_cast<double>(w.row + r)});
    f.sx[static_cast<std::size_t>(r)] = std::abs(o.east);
    f.ny[static_cast<std::size_t>(r)] = o.north;
  }
  return f;
}

}  // namespace detail

void check_options(const ViewshedOptions& options) {
  const SensorLimits& lim = options.limits;
  if (!(options.refraction_k >= -1.0 && options.refraction_k <= 1.0)) {
    throw Error("refraction coefficient k = " + std::to_string(options.refraction_k) +
                " is out of range (allowed: -1 .. 1; 0.13 light, 0.25 radio, 1 = flat earth)");
  }
  if (!(lim.max_distance_m >= 0.0 && lim.max_slant_range_m >= 0.0 && lim.min_distance_m >= 0.0)) {
    throw Error("distances must not be negative (max distance, slant range, min distance)");
  }
  if (!(lim.min_grazing_deg >= -90.0 && lim.min_grazing_deg <= 90.0)) {
    throw Error("minimum grazing angle " + std::to_string(lim.min_grazing_deg) +
                " deg is out of range (allowed: -90 .. 90)");
  }
  if (!(options.target_height_m >= 0.0)) throw Error("target height must not be negative");
}

namespace {

/// The product's limits, applied to the kernel's 1/0/255 codes (vs.visible): slant
/// range, minimum distance, grazing angle, azimuth sector, the cells past a grazing
/// cut, and the required rise; counts the cells in range and the visible ones.
void apply_limits(Viewshed& vs, const detail::LosFrame& f, const detail::LosResult& res,
                  const ViewshedOptions& options, double range, bool grazing_cut) {
  const SensorLimits& lim = options.limits;
  const double re =
      options.refraction_k < 1.0 ? kEarthRadius / (1.0 - options.refraction_k) : INFINITY;
  const double min_grazing = deg2rad(lim.min_grazing_deg);
  const bool per_cell = lim.max_slant_range_m > 0.0 || lim.min_distance_m > 0.0 ||
                        lim.min_grazing_deg > -90.0 || lim.azimuth_sector_deg.has_value() ||
                        options.required_rise;
  long long in_range = 0;
  long long visible = 0;
  const GrazingTest grazing(min_grazing, re);
  RowLimits lr;
  lr.z_eye = f.z_eye;
  lr.target_height = f.target_height;
  lr.slant = lim.max_slant_range_m > 0.0;
  lr.slant2 = lim.max_slant_range_m * lim.max_slant_range_m;
  lr.min_distance = lim.min_distance_m;
  lr.range2 = range * range;
  lr.grazing = lim.min_grazing_deg > -90.0;
  lr.test = grazing;
  lr.oc = f.oc;
  std::vector<std::uint8_t> flags(per_cell ? static_cast<std::size_t>(f.cols()) : 0);
  // Columns [c0, c1) of row r: counted, or (per_cell) the limits applied.
  const auto segment = [&](int r, int c0, int c1) {
    std::uint8_t* row = vs.visible.row(r);
    if (!per_cell) {
      // Only the horizontal range applies, and the kernels left 255 beyond it. Counted
      // in 32-bit sums, which the compiler turns into vector code.
      std::uint32_t n = 0;
      std::uint32_t v1 = 0;
      for (int c = c0; c < c1; ++c) {
        n += row[c] != 255;
        v1 += row[c] == 1;
      }
      in_range += n;
      visible += v1;
      return;
    }
    lr.sx = f.sx[static_cast<std::size_t>(r)];
    lr.north = f.ny[static_cast<std::size_t>(r)];
    limit_flags(lr, f.z.row(r), c0, c1, flags.data());
    for (int c = c0; c < c1; ++c) {
      std::uint8_t& v = row[c];
      const std::uint8_t fl = flags[static_cast<std::size_t>(c)];
      if (v == 255) {
        // No data or beyond the horizontal range; or past the grazing cut, not visible.
        if (!grazing_cut || !(fl & kWithinRange) || std::isnan(f.z(r, c))) continue;
        v = 0;
      }
      if (fl & kBeyondSlant) {
        v = 255;
        continue;
      }
      ++in_range;
      if (v == 1 && !(fl & kRecheck) && !options.required_rise && !lim.azimuth_sector_deg) {
        // The common case, decided by the flags alone.
        if (fl & kReject) {
          v = 0;
        } else {
          ++visible;
        }
        continue;
      }
      if (v == 0 && !options.required_rise) continue;
      const double east = (c - f.oc) * lr.sx;
      const double d = std::sqrt(east * east + lr.north * lr.north);
      const double dz = f.z_eye - (f.z(r, c) + f.target_height);
      if (options.required_rise) {
        // The target must rise until its sightline clears the horizon slope.
        const double hz = res.horizon(r, c);
        const double need = hz <= detail::kNoHorizon ? 0.0
                                                     : f.z_eye + f.drop_coef * d * d + hz * d -
                                                           (f.z(r, c) + f.target_height);
        vs.required_rise(r, c) = v == 1 ? 0.0f : static_cast<float>(std::max(need, 0.0));
      }
      if (v == 0) continue;
      const bool reject = (fl & kRecheck) ? d < lim.min_distance_m ||
                                                (lr.grazing && d > 0.0 && grazing.below(d, dz))
                                          : (fl & kReject) != 0;
      if (reject) {
        v = 0;
      } else if (lim.azimuth_sector_deg && d > 0.0) {
        double az = std::atan2(east, lr.north) * 180.0 / std::numbers::pi;
        if (az < 0.0) az += 360.0;
        if (!in_sector(az, *lim.azimuth_sector_deg)) v = 0;
      }
      if (v == 1) ++visible;
    }
  };
  const int cols = f.cols();
  for (int r = 0; r < f.rows(); ++r) {
    if (!options.only) {
      segment(r, 0, cols);
      continue;
    }
    // Only the cells asked for: the others become 255.
    std::uint8_t* row = vs.visible.row(r);
    int done = 0;
    for (const auto& [g0, g1] : options.only->row(vs.window.row + r)) {
      const int c0 = std::max(g0 - vs.window.col, done);
      const int c1 = std::min(g1 - vs.window.col, cols);
      if (c1 <= c0) continue;
      std::memset(row + done, 255, static_cast<std::size_t>(c0 - done));
      segment(r, c0, c1);
      done = c1;
    }
    std::memset(row + done, 255, static_cast<std::size_t>(cols - done));
  }
  vs.stats.cells_in_range = in_range;
  vs.stats.visible = visible;
}

/// With only some cells asked for, each quadrant of the sweep needs its lines out to
/// the farthest cell asked for that it owns (and no farther: a line feeds only the
/// lines beyond it). A cell (r, c) is owned by the row quadrant on its side when
/// |c - oc| <= |r - orow| and by the column quadrant on its side when |r - orow| <=
/// |c - oc|; counted here with a cell of slack either way, and two lines more.
void sweep_reach(const CellRuns& only, const geo::Window& window, detail::LosFrame& f) {
  double reach[4] = {-1.0, -1.0, -1.0, -1.0};
  const int cols = f.cols();
  for (int r = 0; r < f.rows(); ++r) {
    const double dr = r - f.orow;
    const double adr = std::abs(dr);
    for (const auto& [g0, g1] : only.row(window.row + r)) {
      const int c0 = std::max(g0 - window.col, 0);
      const int c1 = std::min(g1 - window.col, cols) - 1;  // inclusive
      if (c1 < c0) continue;
      // Rows: some cell of the run within |c - oc| <= |dr| + 1.
      if (c0 <= f.oc + adr + 1.0 && c1 >= f.oc - adr - 1.0) {
        if (dr >= -1.0) reach[0] = std::max(reach[0], adr);
        if (dr <= 1.0) reach[1] = std::max(reach[1], adr);
      }
      // Columns: the run's farthest cell each side, when |r - orow| <= |c - oc| + 1.
      if (c1 - f.oc >= adr - 1.0) reach[2] = std::max(reach[2], c1 - f.oc);
      if (f.oc - c0 >= adr - 1.0) reach[3] = std::max(reach[3], f.oc - c0);
    }
  }
  for (int i = 0; i < 4; ++i) f.reach[i] = reach[i] < 0.0 ? 0.0 : reach[i] + 2.0;
}

}  // namespace

Viewshed compute_viewshed(const Dem& dem, const Observer& observer, const ViewshedOptions& options,
                          const Progress& progress) {
  const SensorLimits& lim = options.limits;
  check_options(options);

  if (options.only && options.only->rows() != dem.rows())
    throw Error("the cells asked for are on another grid than the DEM (" +
                    std::to_string(options.only->rows()) + " rows, the DEM " +
                    std::to_string(dem.rows()) + ")",
                Error::Kind::Runtime);
  Viewshed vs;
  vs.stats.eye_m = eye_altitude(dem, observer);
  vs.stats.ground_m = dem.elevation_at(observer.position);
  const double range = horizontal_range(lim) > 0.0 ? horizontal_range(lim) : INFINITY;
  vs.window = range_window(dem, observer.position, range);

  detail::LosFrame f = detail::make_frame(dem, vs.window, observer.position, vs.stats.eye_m,
                                          options.target_height_m, options.refraction_k, range);
  // With a positive minimum grazing angle g, no target farther than dz_max / tan g
  // meets it (dz_max: the eye over the window's lowest target; the curvature terms
  // only lower the angle, atan's slope being at most 1). The sweep stops there, two
  // cells on; the cells beyond are not visible, set below. Not with required_rise,
  // which needs every cell's horizon.
  bool grazing_cut = false;
  if (lim.min_grazing_deg > 0.0 && !options.required_rise) {
    const float z_min = window_min(f.z);
    const double dz_max = vs.stats.eye_m - (static_cast<double>(z_min) + options.target_height_m);
    const double cut = dz_max > 0.0 ? dz_max / std::tan(deg2rad(lim.min_grazing_deg)) : 0.0;
    const double margin = 2.0 * std::max(dem.metric.cell_width(observer.position.row),
                                         dem.metric.cell_height(observer.position.row));
    if (cut + margin < range) {
      f.range = cut + margin;
      grazing_cut = true;
    }
  }
  if (options.only && !options.required_rise) sweep_reach(*options.only, vs.window, f);
  detail::LosResult res;
  res.los = geo::Raster<std::uint8_t>(vs.window.cols, vs.window.rows, 255);
  if (options.required_rise) {
    res.horizon = geo::Raster<float>(vs.window.cols, vs.window.rows, detail::kNoHorizon);
  }
  progress.report("viewshed", 0.0);
  if (options.algorithm == LosAlgorithm::Exact) {
    detail::exact_kernel(f, res, options.required_rise);
  } else {
    detail::sweep_kernel(f, options.tie_margin_m, res, options.required_rise);
  }
  progress.report("viewshed", 1.0);
  progress.throw_if_cancelled();

  // The product: limits applied, georeferenced on the window.
  vs.visible = std::move(res.los);
  vs.visible.transform = dem.elevation.transform.shifted(vs.window.col, vs.window.row);
  vs.visible.crs_wkt = dem.elevation.crs_wkt;
  vs.visible.nodata = 255.0;
  if (options.required_rise) {
    vs.required_rise = vs.visible.like<float>(std::numeric_limits<float>::quiet_NaN());
    vs.required_rise.nodata = std::numeric_limits<double>::quiet_NaN();
  }
  apply_limits(vs, f, res, options, range, grazing_cut);
  vs.stats.retested = res.retested;
  return vs;
}

}  // namespace vigia::terrain
