#include "vigia/terrain/synthetic.hpp"

#include <cmath>

#include "vigia/geo/spatial_ref.hpp"

namespace vigia::terrain {

namespace {

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a well-mixed hash of a lattice point.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double lattice(std::int64_t ix, std::int64_t iy, std::uint64_t seed) {
  const std::uint64_t h = mix(seed ^ mix(static_cast<std::uint64_t>(ix) * 0x632be59bd9b4e019ULL ^
                                         mix(static_cast<std::uint64_t>(iy))));
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0) * 2.0 - 1.0;  // [-1, 1)
}

double fade(double t) {
  return t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
}

/// Value noise in [-1, 1] with quintic interpolation between lattice values.
double value_noise(double x, double y, std::uint64_t seed) {
  const double fx = std::floor(x);
  const double fy = std::floor(y);
  const auto ix = static_cast<std::int64_t>(fx);
  const auto iy = static_cast<std::int64_t>(fy);
  const double u = fade(x - fx);
  const double v = fade(y - fy);
  const double a = lattice(ix, iy, seed);
  const double b = lattice(ix + 1, iy, seed);
  const double c = lattice(ix, iy + 1, seed);
  const double d = lattice(ix + 1, iy + 1, seed);
  return (a + (b - a) * u) * (1.0 - v) + (c + (d - c) * u) * v;
}

}  // namespace

double synthetic_height(double x, double y, const TerrainShape& s, double finest_m) {
  double freq = 1.0 / s.wavelength_m;
  double amp = 1.0;
  double smooth = 0.0;
  double ridge = 0.0;
  double norm = 0.0;
  const double gain = std::pow(2.0, -s.roughness);
  for (int o = 0; o < 24 && 1.0 / freq >= 2.0 * finest_m; ++o) {
    const std::uint64_t seed = mix(s.seed + static_cast<std::uint64_t>(o) * 0x2545f4914f6cdd1dULL);
    const double n = value_noise(x * freq, y * freq, seed);
    smooth += amp * n;
    const double r = 1.0 - std::abs(n);  // crest where the noise crosses zero
    ridge += amp * (r * r * 2.0 - 1.0);
    norm += amp;
    amp *= gain;
    freq *= 2.0;
  }
  if (norm == 0.0) return s.base_m;
  const double h = ((1.0 - s.ridged) * smooth + s.ridged * ridge) / norm;  // about [-1, 1]
  return s.base_m + s.relief_m * 0.5 * (h + 1.0);
}

Dem synthetic_dem(int cols, int rows, double cell_m, const TerrainShape& shape, int epsg,
                  geo::Point2 origin) {
  Dem dem;
  dem.elevation = geo::Raster<float>(cols, rows);
  dem.elevation.transform = {origin.x, cell_m, 0.0, origin.y, 0.0, -cell_m};
  dem.crs = geo::SpatialRef::from_epsg(epsg);
  dem.elevation.crs_wkt = dem.crs.wkt();
  dem.elevation.nodata = std::nan("");
  dem.metric = MetricFrame::projected(dem.elevation.transform, dem.crs.linear_unit_m());
  dem.sources = {"synthetic"};
#pragma omp parallel for schedule(static)
  for (int r = 0; r < rows; ++r) {
    float* out = dem.elevation.row(r);
    const double y = (r + 0.5) * cell_m;
    for (int c = 0; c < cols; ++c) {
      out[c] = static_cast<float>(synthetic_height((c + 0.5) * cell_m, y, shape, cell_m));
    }
  }
  return dem;
}

}  // namespace vigia::terrain
