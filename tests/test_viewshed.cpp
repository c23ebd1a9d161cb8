// The visibility engine: hand-computed grids with exact answers, the sensor limits,
// errors, fast-vs-exact differential tests on seeded fractal terrain, and the real
// DEMs. R3 (Franklin & Ray 1994) is the contract; see docs/visibility.md.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "support.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/terrain/coverage.hpp"
#include "vigia/terrain/dem_io.hpp"
#include "vigia/terrain/synthetic.hpp"
#include "vigia/terrain/viewshed.hpp"

using namespace vigia;
using namespace vigia::terrain;

namespace {

constexpr double kCell = 30.0;

ViewshedOptions with(LosAlgorithm algo) {
  ViewshedOptions o;
  o.algorithm = algo;
  return o;
}

ViewshedOptions flat_earth(LosAlgorithm algo) {
  ViewshedOptions o;
  o.refraction_k = 1.0;  // no curvature: hand computations stay simple
  o.algorithm = algo;
  return o;
}

std::uint8_t at(const Viewshed& vs, int row, int col) {
  return vs.visible(row - vs.window.row, col - vs.window.col);
}

struct Agreement {
  long long cells = 0;
  long long agree = 0;
  long long a = 0;
  long long b = 0;
  long long both = 0;
  [[nodiscard]] double fraction() const { return cells ? static_cast<double>(agree) / cells : 1.0; }
  [[nodiscard]] double dice() const {
    return a + b ? 2.0 * both / static_cast<double>(a + b) : 1.0;
  }
};

Agreement compare(const Viewshed& x, const Viewshed& y) {
  REQUIRE(x.window == y.window);
  Agreement g;
  for (std::size_t i = 0; i < x.visible.size(); ++i) {
    const auto p = x.visible.data()[i];
    const auto q = y.visible.data()[i];
    REQUIRE((p == 255) == (q == 255));
    if (p == 255) continue;
    ++g.cells;
    g.agree += p == q;
    g.a += p == 1;
    g.b += q == 1;
    g.both += p == 1 && q == 1;
  }
  return g;
}

}  // namespace

TEST_CASE("Flat ground without curvature: everything is visible", "[viewshed]") {
  const Dem dem = test::make_dem(61, 41, kCell, [](int, int) { return 500.0; });
  for (auto algo : {LosAlgorithm::Fast, LosAlgorithm::Exact}) {
    const Viewshed vs = compute_viewshed(dem, {{30.3, 20.6}, 2.0, AltitudeReference::AboveGround},
                                         flat_earth(algo));
    CHECK(vs.stats.visible == 61 * 41);
    CHECK(vs.stats.eye_m == Approx(502.0));
  }
}

TEST_CASE("Flat ground with curvature: the horizon formula", "[viewshed]") {
  // Observer 10 m above a flat plain; k = 0.13. Along the observer's own row the
  // sightline to a target n cells away has samples at t = j/n (j = 1 .. n-1); it is
  // blocked iff (n-1)/n > h / D, D = (1 - k) d^2 / 2R being the target's drop.
  const int n = 1001;
  const Dem dem = test::make_dem(n, 21, kCell, [](int, int) { return 0.0; });
  const double h = 10.0;
  const double horizon = std::sqrt(2.0 * kEarthRadius * h / (1.0 - 0.13));  // about 12.1 km
  CHECK(horizon / 1000.0 == Approx(3.83 * std::sqrt(h)).epsilon(3e-3));
  for (auto algo : {LosAlgorithm::Fast, LosAlgorithm::Exact}) {
    ViewshedOptions opt;
    opt.algorithm = algo;
    const Viewshed vs =
        compute_viewshed(dem, {{500.0, 10.0}, h, AltitudeReference::AboveGround}, opt);
    for (int c = 501; c < n; ++c) {
      const int cells = c - 500;
      const double d = cells * kCell;
      const double drop = curvature_drop(d, 0.13);
      const bool blocked = cells > 1 && static_cast<double>(cells - 1) / cells > h / drop;
      INFO("column " << c << " at " << d << " m");
      CHECK(at(vs, 10, c) == (blocked ? 0 : 1));
      CHECK(at(vs, 10, 1000 - c) == (blocked ? 0 : 1));  // westwards too
    }
    // In every direction: visible well inside the horizon, hidden well beyond it.
    for (int r = 0; r < 21; ++r) {
      for (int c = 0; c < n; ++c) {
        const double d = std::hypot((c - 500) * kCell, (r - 10) * kCell);
        if (d < 0.98 * horizon) CHECK(at(vs, r, c) == 1);
        if (d > 1.02 * horizon) CHECK(at(vs, r, c) == 0);
      }
    }
  }
}

TEST_CASE("A single wall hides the ground just behind it", "[viewshed]") {
  // Flat ground at 0, a wall 10 m high along column 10, observer 20 m above column 0.
  // The sightline to column c crosses the wall at t = 10 / c; it is blocked iff the
  // wall rises above it: 10 > 20 (1 - 10/c), i.e. 10 < c < 20 — on every row.
  const Dem dem = test::make_dem(60, 41, kCell, [](int, int c) { return c == 10 ? 10.0 : 0.0; });
  for (auto algo : {LosAlgorithm::Fast, LosAlgorithm::Exact}) {
    ViewshedOptions opt = flat_earth(algo);
    opt.required_rise = true;
    const Viewshed vs =
        compute_viewshed(dem, {{0.0, 20.0}, 20.0, AltitudeReference::AboveGround}, opt);
    for (int r = 0; r < 41; ++r) {
      for (int c = 11; c < 60; ++c) {
        INFO("row " << r << " column " << c);
        CHECK(at(vs, r, c) == (c < 20 ? 0 : 1));
      }
    }
    // A hidden target must rise until the wall top is on its sightline: to 20 - c metres.
    CHECK(vs.required_rise(20, 15) == Approx(5.0).margin(1e-3));
    CHECK(vs.required_rise(20, 12) == Approx(8.0).margin(1e-3));
    CHECK(vs.required_rise(20, 25) == 0.0f);
  }
}

TEST_CASE("A pit is seen only beyond its near rim's shadow", "[viewshed]") {
  // Ground at 0 with a pit 30 m deep over columns 20..40; observer 60 m above column 0.
  // A pit cell at column c is hidden iff the rim (column 19) rises above its
  // sightline: 0 > 60 - (19/c) (60 + 30), i.e. c < 19 * 90 / 60 = 28.5.
  const Dem dem =
      test::make_dem(60, 11, kCell, [](int, int c) { return c >= 20 && c <= 40 ? -30.0 : 0.0; });
  for (auto algo : {LosAlgorithm::Fast, LosAlgorithm::Exact}) {
    const Viewshed vs =
        compute_viewshed(dem, {{0.0, 5.0}, 60.0, AltitudeReference::AboveGround}, flat_earth(algo));
    for (int c = 20; c <= 40; ++c) {
      INFO("column " << c);
      CHECK(at(vs, 5, c) == (c < 28.5 ? 0 : 1));
    }
  }
}

TEST_CASE("A block on the diagonal: sightlines through cell centres", "[viewshed]") {
  // A single 40 m block at (10, 10) on flat ground; observer 30 m above the corner
  // cell (0, 0) — an observer on the edge of the DEM. On the diagonal the sightline to
  // (n, n) passes exactly through the block's centre at t = 10/n: hidden iff
  // 40 > 30 (1 - 10/n), i.e. always for n > 10 (the block is higher than the eye).
  // With a 21 m block instead:
  // hidden iff 21 > 30 (1 - 10/n) <=> n < 33.3 (no exact ties on whole cells).
  for (double block : {40.0, 21.0}) {
    const Dem dem = test::make_dem(45, 45, kCell,
                                   [&](int r, int c) { return r == 10 && c == 10 ? block : 0.0; });
    for (auto algo : {LosAlgorithm::Fast, LosAlgorithm::Exact}) {
      const Viewshed vs = compute_viewshed(dem, {{0.0, 0.0}, 30.0, AltitudeReference::AboveGround},
                                           flat_earth(algo));
      for (int n = 11; n < 45; ++n) {
        INFO("block " << block << " diagonal cell " << n);
        const bool hidden = block > 30.0 * (1.0 - 10.0 / n);
        CHECK(at(vs, n, n) == (hidden ? 0 : 1));
      }
      // Off the diagonal, beyond the block's reach, the ground is seen.
      CHECK(at(vs, 40, 20) == 1);
      CHECK(at(vs, 20, 40) == 1);
    }
  }
}

TEST_CASE("The observer need not stand on a cell centre", "[viewshed]") {
  // Observer between centres, over a slope: its ground is the bilinear elevation.
  const Dem dem = test::make_dem(50, 50, kCell, [](int r, int c) { return 10.0 * c + 3.0 * r; });
  const Viewshed vs =
      compute_viewshed(dem, {{20.25, 30.5}, 5.0, AltitudeReference::AboveGround}, {});
  CHECK(vs.stats.ground_m == Approx(10.0 * 20.25 + 3.0 * 30.5));
  CHECK(vs.stats.eye_m == Approx(10.0 * 20.25 + 3.0 * 30.5 + 5.0));
  const Viewshed ex = compute_viewshed(dem, {{20.25, 30.5}, 5.0, AltitudeReference::AboveGround},
                                       with(LosAlgorithm::Exact));
  CHECK(compare(vs, ex).agree == compare(vs, ex).cells);
}

TEST_CASE("Sensor limits", "[viewshed]") {
  const Dem dem = test::make_dem(201, 201, kCell, [](int, int) { return 1000.0; });
  const Observer obs{{100.0, 100.0}, 300.0, AltitudeReference::AboveGround};
  SECTION("maximum horizontal distance: beyond it is no data and the window shrinks") {
    ViewshedOptions o = flat_earth(LosAlgorithm::Fast);
    o.limits.max_distance_m = 1500.0;  // 50 cells
    const Viewshed vs = compute_viewshed(dem, obs, o);
    CHECK(vs.window.cols < 201);
    CHECK(at(vs, 100, 150) == 1);
    CHECK(at(vs, 100, 100 + 50) == 1);
    CHECK(at(vs, 136, 136) == 255);  // 50.9 cells away
    // The window lines up with the DEM's grid.
    CHECK(vs.visible.transform.origin_x ==
          dem.elevation.transform.origin_x + vs.window.col * kCell);
    CHECK(vs.visible.transform.origin_y ==
          dem.elevation.transform.origin_y - vs.window.row * kCell);
  }
  SECTION("slant range") {
    ViewshedOptions o = flat_earth(LosAlgorithm::Fast);
    o.limits.max_slant_range_m = 1000.0;  // horizontal reach sqrt(1000^2 - 300^2) = 954 m
    const Viewshed vs = compute_viewshed(dem, obs, o);
    CHECK(at(vs, 100, 131) == 1);    // 930 m
    CHECK(at(vs, 100, 133) == 255);  // 990 m
  }
  SECTION("minimum distance") {
    ViewshedOptions o = flat_earth(LosAlgorithm::Fast);
    o.limits.min_distance_m = 600.0;
    const Viewshed vs = compute_viewshed(dem, obs, o);
    CHECK(at(vs, 100, 119) == 0);
    CHECK(at(vs, 100, 121) == 1);
  }
  SECTION("minimum grazing angle") {
    ViewshedOptions o = flat_earth(LosAlgorithm::Fast);
    o.limits.min_grazing_deg = 20.0;  // flat earth: tan(20 deg) = 300 / d -> d = 824 m
    const Viewshed vs = compute_viewshed(dem, obs, o);
    CHECK(at(vs, 100, 127) == 1);  // 810 m
    CHECK(at(vs, 100, 128) == 0);  // 840 m
  }
  SECTION("minimum grazing angle over a curved earth, cell by cell against the formula") {
    // Rough terrain, a high observer; the angle at the target is
    // atan(dz/d + d/2Re) - d/Re (Re = R / (1 - k)), decided here with std::atan.
    TerrainShape shape;
    shape.seed = 9;
    shape.relief_m = 1500.0;
    const Dem rough = synthetic_dem(301, 301, 90.0, shape);
    const Observer high{{150.2, 149.7}, 3000.0, AltitudeReference::AboveGround};
    for (double k : {-1.0, 0.13, 1.0}) {
      for (double g : {-30.0, 0.0, 5.0, 45.0, 89.9, 90.0}) {
        ViewshedOptions o;
        o.refraction_k = k;
        const Viewshed base = compute_viewshed(rough, high, o);
        o.limits.min_grazing_deg = g;
        const Viewshed vs = compute_viewshed(rough, high, o);
        const double re = k < 1.0 ? kEarthRadius / (1.0 - k) : INFINITY;
        const double eye = base.stats.eye_m;
        const double sx = rough.metric.cell_width(150.0);
        long long differ = 0;
        long long kept = 0;
        for (int r = 0; r < rough.rows(); ++r) {
          for (int c = 0; c < rough.cols(); ++c) {
            if (at(base, r, c) != 1) continue;
            const double d = std::hypot((c - 150.2) * sx, (r - 149.7) * sx);
            if (d == 0.0) continue;
            const double dz = eye - rough.elevation(r, c);
            const bool steep = std::atan(dz / d + d / (2.0 * re)) - d / re >= g * M_PI / 180.0;
            differ += steep != (at(vs, r, c) == 1);
            kept += steep;
          }
        }
        INFO("k " << k << ", grazing " << g << " deg: " << kept << " cells steep enough");
        CHECK(differ == 0);
        // The sweep stops where no target can meet the angle; the required-rise
        // output, which needs every horizon, does not: both give the same cells.
        o.required_rise = true;
        const Viewshed full = compute_viewshed(rough, high, o);
        CHECK(full.visible.data() == vs.visible.data());
        CHECK(full.stats.cells_in_range == vs.stats.cells_in_range);
        CHECK(full.stats.visible == vs.stats.visible);
      }
    }
  }
  SECTION("minimum grazing angle far out, where tan(d/Re) leaves its series") {
    // k = -1 (Re = R/2): d/Re passes 0.02 rad at 64 km; the boundary of a 1 degree
    // grazing angle from 5 000 m lies near 131 km.
    const Dem flat = test::make_dem(1401, 11, 100.0, [](int, int) { return 0.0; });
    const Observer far_obs{{0.0, 5.0}, 5000.0, AltitudeReference::AboveSeaLevel};
    ViewshedOptions o;
    o.refraction_k = -1.0;
    o.limits.min_grazing_deg = 1.0;
    const Viewshed vs = compute_viewshed(flat, far_obs, o);
    const double re = kEarthRadius / 2.0;
    long long differ = 0, steep_far = 0, shallow = 0;
    for (int c = 1; c < flat.cols(); ++c) {
      const double d = c * 100.0;
      const bool steep = std::atan(5000.0 / d + d / (2.0 * re)) - d / re >= M_PI / 180.0;
      differ += steep != (at(vs, 5, c) == 1);
      steep_far += steep && d > 64000.0;
      shallow += !steep;
    }
    CHECK(differ == 0);
    CHECK(steep_far > 100);  // the far, re-checked cells include visible ones
    CHECK(shallow > 50);     // and the boundary is inside the DEM (near 131 km)
  }
  SECTION("azimuth sector") {
    ViewshedOptions o = flat_earth(LosAlgorithm::Fast);
    o.limits.azimuth_sector_deg = std::pair{45.0, 135.0};  // east
    const Viewshed vs = compute_viewshed(dem, obs, o);
    CHECK(at(vs, 100, 150) == 1);                          // east
    CHECK(at(vs, 50, 100) == 0);                           // north
    CHECK(at(vs, 100, 50) == 0);                           // west
    CHECK(at(vs, 60, 150) == 1);                           // azimuth 51 deg
    o.limits.azimuth_sector_deg = std::pair{315.0, 45.0};  // north, across 0
    const Viewshed n = compute_viewshed(dem, obs, o);
    CHECK(at(n, 50, 100) == 1);
    CHECK(at(n, 100, 150) == 0);
  }
  SECTION("target height lifts targets out of the shadow") {
    const Dem wall = test::make_dem(60, 41, kCell, [](int, int c) { return c == 10 ? 10.0 : 0.0; });
    ViewshedOptions o = flat_earth(LosAlgorithm::Exact);
    o.target_height_m = 5.0;  // hidden iff 10 > 20 - (10/c)(20 - 5): 10 < c < 15
    const Viewshed vs =
        compute_viewshed(wall, {{0.0, 20.0}, 20.0, AltitudeReference::AboveGround}, o);
    CHECK(at(vs, 20, 14) == 0);
    CHECK(at(vs, 20, 15) == 1);
  }
}

TEST_CASE("Cells asked for come out as in the whole viewshed, the others 255",
          "[viewshed]") {
  TerrainShape shape;
  shape.seed = 4;
  shape.relief_m = 1200.0;
  const Dem dem = synthetic_dem(241, 201, 90.0, shape);
  // A band of rows and a diagonal strip, some runs leaving the window on either side;
  // then sets that lie in part of the range only (the sweep then stops short in some
  // quadrants: the cells asked for must not change): a block north of the observer, a
  // block east of it with the cells around the observer, a corridor passing it by.
  const std::vector<CellRuns> sets = {
      CellRuns::where(dem.cols(), dem.rows(),
                      [](int r, int c) {
                        return (r > 90 && r < 120) || std::abs(r - c) < 7 ||
                               (c % 17 == 3 && r % 5 != 0);
                      }),
      CellRuns::where(dem.cols(), dem.rows(),
                      [](int r, int c) { return r >= 45 && r < 80 && c >= 100 && c < 140; }),
      CellRuns::where(dem.cols(), dem.rows(),
                      [](int r, int c) {
                        return (c >= 150 && c < 175 && r >= 90 && r < 115) ||
                               (std::abs(r - 100) <= 2 && std::abs(c - 120) <= 2);
                      }),
      CellRuns::where(dem.cols(), dem.rows(), [](int r, int c) {
        return std::abs((r - 100) - 0.5 * (c - 120) + 20.0) < 8.0;
      })};
  for (std::size_t set = 0; set < sets.size(); ++set) {
  const CellRuns& runs = sets[set];
  const auto in_runs = [&](int r, int c) {
    for (const auto& [c0, c1] : runs.row(r))
      if (c >= c0 && c < c1) return true;
    return false;
  };
  for (const auto algorithm : {LosAlgorithm::Fast, LosAlgorithm::Exact}) {
    for (int limits = 0; limits < 3; ++limits) {
      ViewshedOptions o;
      o.algorithm = algorithm;
      o.target_height_m = 2.0;
      o.limits.max_distance_m = 6000.0;
      if (limits >= 1) {  // per-cell limits: slant range, grazing cut, minimum distance
        o.limits.max_slant_range_m = 6500.0;
        o.limits.min_grazing_deg = 5.0;
        o.limits.min_distance_m = 300.0;
      }
      if (limits == 2) o.limits.azimuth_sector_deg = std::pair{300.0, 120.0};
      const Observer obs{{120.3, 100.6}, 2500.0, AltitudeReference::AboveGround};
      const Viewshed whole = compute_viewshed(dem, obs, o);
      o.only = &runs;
      const Viewshed part = compute_viewshed(dem, obs, o);
      REQUIRE(part.window.col == whole.window.col);
      REQUIRE(part.window.row == whole.window.row);
      long long in_range = 0;
      long long visible = 0;
      long long wrong = 0;
      for (int r = 0; r < whole.visible.rows(); ++r) {
        for (int c = 0; c < whole.visible.cols(); ++c) {
          const bool asked = in_runs(r + whole.window.row, c + whole.window.col);
          const std::uint8_t want = asked ? whole.visible(r, c) : 255;
          wrong += part.visible(r, c) != want;
          in_range += asked && want != 255;
          visible += asked && want == 1;
        }
      }
      INFO("set " << set << ", limits " << limits << ", exact "
                  << (algorithm == LosAlgorithm::Exact));
      CHECK(wrong == 0);
      CHECK(visible > 100);
      CHECK(part.stats.cells_in_range == in_range);
      CHECK(part.stats.visible == visible);
    }
  }
  }
  // Runs of another grid are refused.
  const CellRuns other = CellRuns::where(10, 10, [](int, int) { return true; });
  ViewshedOptions o;
  o.only = &other;
  CHECK_THROWS_WITH(compute_viewshed(dem, {{120.0, 100.0}, 100.0, AltitudeReference::AboveGround}, o),
                    Catch::Contains("another grid"));
}

TEST_CASE("Nodata cells are no data and never block", "[viewshed]") {
  const Dem dem = test::make_dem(40, 40, kCell, [](int r, int c) {
    return (c == 20 && r < 30) ? std::nan("") : (c == 10 ? 50.0 : 0.0);
  });
  const Viewshed vs = compute_viewshed(dem, {{0.0, 20.0}, 20.0, AltitudeReference::AboveGround},
                                       flat_earth(LosAlgorithm::Exact));
  CHECK(at(vs, 5, 20) == 255);
  CHECK(at(vs, 35, 20) != 255);
}

TEST_CASE("Observer errors are clear", "[viewshed][errors]") {
  const Dem dem =
      test::make_dem(20, 20, kCell, [](int r, int) { return r == 5 ? std::nan("") : 100.0; });
  CHECK_THROWS_WITH(compute_viewshed(dem, {{25.0, 5.0}, 10.0, AltitudeReference::AboveGround}, {}),
                    Catch::Contains("lies outside the DEM"));
  CHECK_THROWS_WITH(
      compute_viewshed(dem, {{5.0, 10.0}, 50.0, AltitudeReference::AboveSeaLevel}, {}),
      Catch::Contains("below the ground"));
  CHECK_THROWS_WITH(compute_viewshed(dem, {{5.0, 10.0}, -1.0, AltitudeReference::AboveGround}, {}),
                    Catch::Contains("negative"));
  CHECK_THROWS_WITH(compute_viewshed(dem, {{5.0, 5.0}, 10.0, AltitudeReference::AboveGround}, {}),
                    Catch::Contains("no data under the observer"));
  ViewshedOptions bad;
  bad.refraction_k = 3.0;
  CHECK_THROWS_WITH(compute_viewshed(dem, {{5.0, 10.0}, 10.0, AltitudeReference::AboveGround}, bad),
                    Catch::Contains("refraction"));
}

TEST_CASE("Fast agrees with exact R3 on seeded fractal terrain, 2 m to 3000 m",
          "[viewshed][property]") {
  // 24 seeded cases: rugged and smooth terrain, observers anywhere (not on centres).
  std::mt19937 rng(20261123);
  std::uniform_real_distribution<double> pos(80.0, 320.0);
  long long total_cells = 0;
  long long total_agree = 0;
  for (int seed = 1; seed <= 4; ++seed) {
    TerrainShape shape;
    shape.seed = static_cast<std::uint64_t>(seed);
    shape.ridged = seed % 2 ? 0.7 : 0.2;
    shape.relief_m = 1500.0 + 500.0 * seed;
    shape.wavelength_m = 8000.0;
    const Dem dem = synthetic_dem(401, 401, kCell, shape);
    for (double h : {2.0, 10.0, 150.0, 500.0, 1500.0, 3000.0}) {
      const Observer obs{{pos(rng), pos(rng)}, h, AltitudeReference::AboveGround};
      ViewshedOptions opt;
      opt.limits.max_distance_m = 5000.0;
      const Viewshed fast = compute_viewshed(dem, obs, opt);
      opt.algorithm = LosAlgorithm::Exact;
      const Viewshed exact = compute_viewshed(dem, obs, opt);
      const Agreement g = compare(fast, exact);
      INFO("seed " << seed << ", height " << h << " m: agreement " << g.fraction() << ", Dice "
                   << g.dice());
      CHECK(g.fraction() >= 0.999);
      CHECK(g.dice() >= 0.995);
      total_cells += g.cells;
      total_agree += g.agree;
    }
  }
  INFO("overall agreement " << static_cast<double>(total_agree) / total_cells);
  CHECK(static_cast<double>(total_agree) / total_cells >= 0.9995);
}

TEST_CASE("Every vector path of the fast sweep agrees with exact and with the scalar path",
          "[viewshed][property]") {
  // The sweep runs 16, 8 or 1 cells at a time depending on the CPU; each path is
  // forced here in turn (a path the CPU lacks is reported, and the narrower one runs).
  TerrainShape shape;
  shape.seed = 3;
  shape.ridged = 0.6;
  shape.relief_m = 2500.0;
  const Dem dem = synthetic_dem(401, 401, kCell, shape);
  const Simd before = simd_in_use();
  for (double h : {2.0, 300.0, 3000.0}) {
    const Observer obs{{200.4, 190.7}, h, AltitudeReference::AboveGround};
    ViewshedOptions opt;
    opt.limits.max_distance_m = 5500.0;
    opt.algorithm = LosAlgorithm::Exact;
    const Viewshed exact = compute_viewshed(dem, obs, opt);
    opt.algorithm = LosAlgorithm::Fast;
    set_simd_limit(Simd::Scalar);
    REQUIRE(simd_in_use() == Simd::Scalar);
    const Viewshed scalar = compute_viewshed(dem, obs, opt);
    for (Simd path : {Simd::Scalar, Simd::Avx2, Simd::Avx512}) {
      set_simd_limit(path);
      if (simd_in_use() != path)
        WARN("this CPU has no " << simd_name(path) << ": the " << simd_name(simd_in_use())
                                << " path ran instead");
      const Viewshed fast = compute_viewshed(dem, obs, opt);
      const Agreement g = compare(fast, exact);
      const Agreement s = compare(fast, scalar);
      INFO(simd_name(simd_in_use()) << ", height " << h << " m: agreement with exact "
                                    << g.fraction() << ", with the scalar path " << s.fraction());
      CHECK(g.fraction() >= 0.999);
      CHECK(g.dice() >= 0.995);
      // Paths differ only where float rounding decides a tie.
      CHECK(s.cells - s.agree <= 5);
    }
  }
  set_simd_limit(before);
}

TEST_CASE("Fast agrees with exact on a geographic grid", "[viewshed][property]") {
  // The same terrain laid on a lon/lat grid at 33 S: per-row metric spacing.
  TerrainShape shape;
  shape.seed = 11;
  const Dem utm = synthetic_dem(301, 301, kCell, shape);
  Dem geo = utm;
  const double d = 1.0 / 1200.0;
  geo.elevation.transform = {-70.5, d, 0.0, -32.9, 0.0, -d};
  geo.crs = geo::SpatialRef::wgs84();
  geo.elevation.crs_wkt = geo.crs.wkt();
  geo.metric = MetricFrame::geographic(geo.elevation.transform, geo::Ellipsoid::wgs84());
  for (double h : {20.0, 800.0}) {
    const Observer obs{{150.3, 149.6}, h, AltitudeReference::AboveGround};
    const Viewshed fast = compute_viewshed(geo, obs, {});
    const Viewshed exact = compute_viewshed(geo, obs, with(LosAlgorithm::Exact));
    const Agreement g = compare(fast, exact);
    INFO("height " << h << ": " << g.fraction());
    CHECK(g.fraction() >= 0.999);
  }
}

TEST_CASE("Fast agrees with exact on the real DEMs", "[viewshed][shared]") {
  for (const char* name :
       {"bolivia_cordillera_real_srtm3_1500.tif", "andes_chile_argentina_S33W071_srtm3.tif"}) {
    const Dem dem = load_dem({test::shared_data(name)});
    const GridPoint centre{dem.cols() / 2.0 + 0.37, dem.rows() / 2.0 - 0.21};
    for (auto [alt, ref] : {std::pair{2.0, AltitudeReference::AboveGround},
                            std::pair{1500.0, AltitudeReference::AboveGround},
                            std::pair{6500.0, AltitudeReference::AboveSeaLevel}}) {
      ViewshedOptions opt;
      opt.limits.max_distance_m = 15000.0;
      const Observer obs{centre, alt, ref};
      const Viewshed fast = compute_viewshed(dem, obs, opt);
      opt.algorithm = LosAlgorithm::Exact;
      const Viewshed exact = compute_viewshed(dem, obs, opt);
      const Agreement g = compare(fast, exact);
      INFO(name << " altitude " << alt << ": agreement " << g.fraction() << " Dice " << g.dice());
      CHECK(g.fraction() >= 0.999);
      CHECK(g.dice() >= 0.995);
      CHECK(fast.stats.visible > 0);
    }
  }
}

TEST_CASE("Coverage counts observers and keeps their visible sets", "[viewshed][coverage]") {
  TerrainShape shape;
  shape.seed = 5;
  const Dem dem = synthetic_dem(201, 201, kCell, shape);
  const std::vector<Observer> obs{{{50.2, 60.7}, 300.0, AltitudeReference::AboveGround},
                                  {{150.5, 140.1}, 800.0, AltitudeReference::AboveGround},
                                  {{100.0, 100.0}, 50.0, AltitudeReference::AboveGround}};
  CoverageOptions opt;
  opt.viewshed.limits.max_distance_m = 2400.0;
  opt.keep_visible_sets = true;
  const Coverage cov = compute_coverage(dem, obs, opt);
  REQUIRE(cov.visible_sets.size() == 3);
  // The count is the sum of the single viewsheds, cell by cell.
  geo::Raster<int> sum(dem.cols(), dem.rows(), 0);
  for (std::size_t i = 0; i < obs.size(); ++i) {
    const Viewshed vs = compute_viewshed(dem, obs[i], opt.viewshed);
    const VisibleSet set = encode_visible(vs);
    CHECK(set.cells() == vs.stats.visible);
    CHECK(cov.visible_sets[i].cells() == vs.stats.visible);
    for (const Run& r : set.runs)
      for (int c = r.col; c < r.col + r.length; ++c) ++sum(r.row, c);
  }
  for (int r = 0; r < cov.count.rows(); ++r)
    for (int c = 0; c < cov.count.cols(); ++c)
      REQUIRE(cov.count(r, c) == sum(r + cov.window.row, c + cov.window.col));
  CHECK(cov.stats.observers == 3);
  CHECK(cov.stats.accumulator_bytes > 0);

  test::TempDir tmp;
  write_visible_sets(tmp.file("sets.vvs"), cov.visible_sets, dem);
  const VisibleSetFile back = read_visible_sets(tmp.file("sets.vvs"));
  REQUIRE(back.sets.size() == 3);
  CHECK(back.cols == dem.cols());
  CHECK(back.transform == dem.elevation.transform);
  for (std::size_t i = 0; i < 3; ++i) CHECK(back.sets[i].cells() == cov.visible_sets[i].cells());
  CHECK_THROWS_WITH(
      compute_coverage(
          dem, std::vector<Observer>{{{500.0, 5.0}, 10.0, AltitudeReference::AboveGround}}, opt),
      Catch::Contains("observer 1") && Catch::Contains("outside the DEM"));
}

TEST_CASE("One horizontal-range rule bounds every window", "[terrain][viewshed]") {
  // The smaller of the horizontal limit and the slant range (a horizontal distance is
  // never longer than the slant range); 0 when neither is set.
  const auto range = [](double distance, double slant) {
    SensorLimits l;
    l.max_distance_m = distance;
    l.max_slant_range_m = slant;
    return horizontal_range(l);
  };
  CHECK(range(0, 0) == 0.0);
  CHECK(range(20000, 0) == 20000.0);
  CHECK(range(0, 5000) == 5000.0);
  CHECK(range(20000, 5000) == 5000.0);
  CHECK(range(3000, 5000) == 3000.0);
  // Coverage's grid is the union of the observers' windows under that rule.
  const Dem dem = test::make_dem(401, 401, 30.0, [](int r, int c) { return 1000.0 + (r + c) % 7; });
  const std::vector<Observer> obs{{{200.0, 200.0}, 100.0, AltitudeReference::AboveGround}};
  CoverageOptions both;
  both.viewshed.limits.max_distance_m = 6000.0;
  both.viewshed.limits.max_slant_range_m = 1500.0;
  CoverageOptions slant_only;
  slant_only.viewshed.limits.max_slant_range_m = 1500.0;
  const Coverage a = compute_coverage(dem, obs, both);
  const Coverage b = compute_coverage(dem, obs, slant_only);
  CHECK(a.count.cols() == b.count.cols());
  CHECK(a.count.rows() == b.count.rows());
  CHECK(a.count.cols() < 120);
}
