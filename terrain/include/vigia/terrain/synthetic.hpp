#pragma once
// Seeded synthetic terrain for tests and benchmarks: fractional Brownian motion of
// value noise (Perlin 1985; Musgrave's ridged multifractal for sharp crests), any
// size, deterministic for a seed, computed cell by cell in parallel.

#include <cstdint>

#include "vigia/terrain/dem.hpp"

namespace vigia::terrain {

struct TerrainShape {
  double relief_m = 2000.0;       ///< typical peak-to-valley height
  double base_m = 1000.0;         ///< elevation added everywhere
  double wavelength_m = 20000.0;  ///< size of the largest features
  double roughness = 0.85;  ///< Hurst-like exponent: amplitude falls by 2^-roughness per octave
  double ridged = 0.5;      ///< 0 = rounded hills, 1 = sharp ridges and cliffs
  std::uint64_t seed = 1;
};

/// Elevation (m) of the synthetic surface at metric position (x, y).
double synthetic_height(double x, double y, const TerrainShape& shape, double finest_m);

/// A synthetic DEM of cols x rows cells of cell_m metres in a projected CRS (UTM 19S
/// by default), north-up, whose first cell's corner is at `origin`.
Dem synthetic_dem(int cols, int rows, double cell_m, const TerrainShape& shape, int epsg = 32719,
                  geo::Point2 origin = {400000.0, 8300000.0});

}  // namespace vigia::terrain
