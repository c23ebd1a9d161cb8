// The sensor stage (sensor.hpp): one sensor, one seen-rule, whether the sensor sits
// at a candidate point (visible sets) or on a flown path (coverage along routes).

#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <vector>

#include "support.hpp"
#include "vigia/planner/area.hpp"
#include "vigia/planner/candidates.hpp"
#include "vigia/planner/flight.hpp"
#include "vigia/planner/sensor.hpp"

using namespace vigia;
using namespace vigia::planner;

namespace {

/// An area on a rugged UTM DEM (ridges that hide valleys) whose own side lies west
/// of a north-south border at x = 425 km.
Area rugged_area() {
  const terrain::Dem dem = test::make_dem(300, 300, 100.0, [](int r, int c) {
    return 3000.0 + 450.0 * std::sin(c / 9.0) * std::cos(r / 13.0) + 6.0 * ((r * 7 + c * 3) % 11);
  });
  Area a;
  a.dem = dem;
  a.work_crs = dem.crs;
  OwnSide own;
  own.territory = {geo::Polygon{{{{300000.0, 8200000.0},
                                  {425000.0, 8200000.0},
                                  {425000.0, 8400000.0},
                                  {300000.0, 8400000.0},
                                  {300000.0, 8200000.0}}}}};
  a.frame =
      make_border_frame(a.dem, a.work_crs, {{{425000.0, 8250000.0}, {425000.0, 8310000.0}}}, own, 12000.0);
  a.corridor = build_corridor(a.dem, a.frame, {});
  a.airspace = build_airspace(a.dem, a.frame, {});
  return a;
}

/// The targets candidate i sees, from the visible sets' runs.
std::vector<std::uint32_t> set_of(const CoverageProblem& p, std::size_t i) {
  std::vector<std::uint32_t> out;
  for (auto q = p.offset[i]; q < p.offset[i + 1]; ++q)
    for (std::uint32_t t = p.runs[q].first; t < p.runs[q].first + p.runs[q].count; ++t)
      out.push_back(t);
  return out;
}

}  // namespace

TEST_CASE("A route that only circles over one candidate sees exactly that candidate's visible set",
          "[sensor]") {
  const Area a = rugged_area();
  const Aircraft ac = aircraft_preset("mohajer6");
  const FlightSpace space(a, ac, nullptr, {});
  CandidateOptions co;
  co.spacing_m = 4000.0;
  co.tiers = 2;
  const std::vector<Candidate> cands = make_candidates(a.dem, a.work_crs, a.airspace, nullptr, co);
  REQUIRE(cands.size() > 10);
  Sensor sensor;
  sensor.task = sensor_task("vehicle-recognise");
  sensor.sample_spacing_m = 200.0;
  // Blocks of 2 x 2 cells: the half-of-a-block rule decides, not only single cells.
  for (int aggregate : {1, 2}) {
    const Targets targets = make_targets(a.dem, a.corridor.weight, aggregate);
    const CoverageProblem sets = visible_sets(a.dem, cands, targets, sensor);
    int checked = 0;
    for (std::size_t i = 0; i < cands.size(); i += 3) {
      const std::vector<std::uint32_t> expected = set_of(sets, i);
      if (expected.empty()) continue;
      const Candidate& k = cands[i];
      // One observation point, circled for two orbits with the sensor held on it: every
      // sample at the candidate, only the metres flown and the time going on.
      FlownRoute route;
      route.stops = {{k.work_xy, k.altitude_m, 600.0, false, 0}};
      const double orbit = 2.0 * std::numbers::pi * ac.turn_radius_m;
      for (int j = 0; j <= 40; ++j) {
        PathSample q;
        q.work = k.work_xy;
        q.altitude_m = k.altitude_m;
        q.s = 2.0 * orbit * j / 40.0;
        q.t = q.s / ac.cruise_ms();
        q.kind = LegKind::Loiter;
        q.stop = 0;
        route.samples.push_back(q);
      }
      route.feasible = true;
      const PathCoverage cov = measure_coverage(space, {route}, targets, sensor);
      const long long looks = static_cast<long long>(sensor_samples(route, sensor, true).size());
      REQUIRE(cov.viewsheds == looks);
      std::vector<std::uint32_t> seen;
      for (std::size_t t = 0; t < cov.count.size(); ++t) {
        if (cov.count[t] == 0) continue;
        seen.push_back(static_cast<std::uint32_t>(t));
        // Every look sees it, from the first (at take-off time 0).
        CHECK(cov.count[t] == looks);
        CHECK(cov.first_seen_s[t] == 0.0f);
      }
      INFO("candidate " << i << ", aggregate " << aggregate);
      CHECK(seen == expected);
      double w = 0.0;
      for (std::uint32_t t : expected) w += targets.weight[t];
      CHECK(cov.weight == Approx(w));
      ++checked;
    }
    CHECK(checked >= 5);
  }
}

TEST_CASE("The seen-rule: a block counts when at least half of its corridor cells are visible",
          "[sensor]") {
  // A 4 x 4 DEM of 2 x 2 blocks; the corridor leaves one cell of block 0 out.
  const terrain::Dem dem = test::make_dem(4, 4, 100.0, [](int, int) { return 100.0; });
  geo::Raster<float> weight = dem.elevation.like<float>(1.0f, NAN);
  weight(0, 0) = NAN;
  const Targets t = make_targets(dem, weight, 2);
  REQUIRE(t.cells == std::vector<int>{3, 4, 4, 4});
  terrain::Viewshed vs;
  vs.window = {0, 0, 4, 4};
  vs.visible = geo::Raster<std::uint8_t>(4, 4);
  // Block 0 (3 corridor cells): 2 visible -> seen. Block 1: 2 of 4 -> seen.
  // Block 2: 1 of 4 -> not. Block 3: none.
  vs.visible(0, 1) = vs.visible(1, 1) = 1;
  vs.visible(0, 2) = vs.visible(1, 3) = 1;
  vs.visible(2, 0) = 1;
  SeenCounter counter(t);
  CHECK(counter.seen(vs) == std::vector<std::uint32_t>{0, 1});
  // The counter starts afresh with every viewshed.
  vs.visible(1, 1) = 0;
  vs.visible(3, 0) = 1;
  CHECK(counter.seen(vs) == std::vector<std::uint32_t>{1, 2});
}
