// Candidate observation points, corridor targets and visible sets.

#include <catch2/catch.hpp>
#include <cmath>

#include "support.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/sensor.hpp"
#include "vigia/planner/corridor.hpp"
#include "vigia/terrain/synthetic.hpp"
#include "vigia/terrain/viewshed.hpp"

using namespace vigia;
using namespace vigia::planner;

namespace {
const geo::SpatialRef& utm() {
  static const geo::SpatialRef s = geo::SpatialRef::from_epsg(32719);
  return s;
}
struct Setup {
  terrain::Dem dem;
  BorderFrame frame;
  Corridor corridor;
  Airspace air;
};
Setup setup(const terrain::Dem& dem) {
  OwnSide own;
  own.territory = {geo::Polygon{{{{300000, 8200000},
                                  {420000, 8200000},
                                  {420000, 8400000},
                                  {300000, 8400000},
                                  {300000, 8200000}}}}};
  Setup s{dem, {}, {}, {}};
  s.frame = make_border_frame(s.dem, utm(), {{{420000.0, 8250000.0}, {420000.0, 8310000.0}}}, own,
                              12000.0);
  s.corridor = build_corridor(s.dem, s.frame, {});
  s.air = build_airspace(s.dem, s.frame, {});
  return s;
}
}  // namespace

TEST_CASE("Sensor tasks from REFERENCE.md", "[candidates]") {
  CHECK(sensor_task("vehicle-detect").range_m == 21000.0);
  CHECK(sensor_task("person-recognise").range_m == 1700.0);
  CHECK(sensor_task("person-detect").target_height_m == 1.8);
  CHECK_THROWS_WITH(sensor_task("cat-detect"), Catch::Contains("allowed: person-detect"));
}

TEST_CASE("A candidate lattice over the permitted airspace, between floor and ceiling",
          "[candidates]") {
  // Flat 40 x 40 km at 3800 m; own side west of x = 420 km less a 2 km standoff.
  const Setup s = setup(test::make_dem(400, 400, 100.0, [](int, int) { return 3800.0; }));
  CandidateOptions o;
  o.spacing_m = 2000.0;
  o.tiers = 3;
  const auto c = make_candidates(s.dem, utm(), s.air, nullptr, o);
  // Lattice points every 2 km strictly inside the DEM and west of the 418 km standoff
  // line: x 402 .. 416 km (8 columns), y 8262 .. 8298 km (19 rows); 3 tiers each.
  REQUIRE(!c.empty());
  CHECK(c.size() % 3 == 0);
  CHECK(c.size() / 3 == 8 * 19);
  for (const auto& k : c) {
    CHECK(k.work_xy.x <= 418000.0 + 1e-6);
    CHECK(k.floor_m == Approx(4100.0));  // 3800 + 300 clearance
    CHECK(k.altitude_m >= k.floor_m - 1e-9);
    CHECK(k.altitude_m <= 5400.0 + 1e-9);
  }
  CHECK(c[0].altitude_m == Approx(4100.0));
  CHECK(c[1].altitude_m == Approx(4750.0));
  CHECK(c[2].altitude_m == Approx(5400.0));
}

TEST_CASE("High ground lifts the floor; ground above the ceiling has no candidates",
          "[candidates]") {
  // A plateau at 5000 m: floor 5300 m under a 5400 m ceiling; a peak at 5200 m: none.
  const Setup s = setup(test::make_dem(400, 400, 100.0, [](int r, int c) {
    if (c < 100) return r < 200 ? 5000.0 : 5200.0;
    return 3800.0;
  }));
  CandidateOptions o;
  o.tiers = 2;
  for (const auto& k : make_candidates(s.dem, utm(), s.air, nullptr, o)) {
    const int col = static_cast<int>(std::lround(k.pos.col));
    const int row = static_cast<int>(std::lround(k.pos.row));
    if (col < 97 && row < 197) CHECK(k.floor_m == Approx(5300.0));
    CHECK_FALSE((col < 97 && row > 203));  // 5200 + 300 > 5400
  }
}

TEST_CASE("Visible sets are the corridor cells each candidate's viewshed sees", "[candidates]") {
  terrain::TerrainShape shape;
  shape.seed = 3;
  shape.base_m = 3000.0;
  shape.relief_m = 1200.0;
  const terrain::Dem dem =
      terrain::synthetic_dem(400, 400, 100.0, shape, 32719, {400000.0, 8300000.0});
  const Setup s = setup(dem);
  CandidateOptions o;
  o.spacing_m = 6000.0;
  o.tiers = 2;
  const auto cands = make_candidates(s.dem, utm(), s.air, nullptr, o);
  REQUIRE(cands.size() > 10);
  const Targets targets = make_targets(s.dem, s.corridor.weight, 1);
  CHECK(targets.weight.size() == static_cast<std::size_t>(s.corridor.cells));
  Sensor vo;
  vo.task = sensor_task("vehicle-recognise");
  VisibleSetStats st;
  const CoverageProblem p = visible_sets(s.dem, cands, targets, vo, &st);
  REQUIRE(p.candidates() == static_cast<int>(cands.size()));
  CHECK(st.bytes > 0);
  // Check three candidates against a direct viewshed.
  terrain::ViewshedOptions v;
  v.target_height_m = 2.5;
  v.limits.max_slant_range_m = 5300.0;
  v.limits.min_grazing_deg = 5.0;
  for (std::size_t i : {std::size_t{0}, cands.size() / 2, cands.size() - 1}) {
    const terrain::Viewshed vs = terrain::compute_viewshed(
        s.dem, {cands[i].pos, cands[i].altitude_m, terrain::AltitudeReference::AboveSeaLevel}, v);
    long long expected = 0;
    for (int r = 0; r < vs.visible.rows(); ++r)
      for (int c = 0; c < vs.visible.cols(); ++c)
        if (vs.visible(r, c) == 1 && targets.id(r + vs.window.row, c + vs.window.col) >= 0)
          ++expected;
    long long got = 0;
    for (auto q = p.offset[i]; q < p.offset[i + 1]; ++q) got += p.runs[q].count;
    CHECK(got == expected);
  }
  // Aggregated 3 x 3: fewer targets, weights summed.
  const Targets agg = make_targets(s.dem, s.corridor.weight, 3);
  CHECK(agg.weight.size() < targets.weight.size() / 5);
  CHECK(agg.total_weight() == Approx(targets.total_weight()));
  CHECK(agg.total_area() == Approx(targets.total_area()));
}
