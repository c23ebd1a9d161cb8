// Patrol routes: flown paths checked independently of the planner against the
// DEM (every post under the path), the ceiling, the climb and descent rates, the
// standoff line, no-fly zones and the endurance; fleets; persistent-patrol revisits.

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <memory>

#include "support.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/geometry_ops.hpp"
#include "vigia/planner/patrol.hpp"
#include "vigia/planner/routes.hpp"
#include "vigia/terrain/dem_io.hpp"
#include "vigia/terrain/synthetic.hpp"

using namespace vigia;
using namespace vigia::planner;

namespace {

struct Box {
  double x0, y0, x1, y1;
  [[nodiscard]] bool contains(geo::Point2 p) const {
    return p.x > x0 && p.x < x1 && p.y > y0 && p.y < y1;
  }
  [[nodiscard]] geo::Polygon polygon() const {
    return geo::Polygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}};
  }
};

/// A border running north-south at x = border_x of the work CRS, own side west,
/// a standoff, one no-fly box, a base, and the candidates and targets of a
/// corridor along the border.
struct Scenario {
  Area area;
  Aircraft aircraft;
  double border_x = 0.0;
  double standoff_m = 1500.0;
  Box no_fly{};
  geo::Point2 base_lonlat;
  std::vector<Candidate> candidates;
  Targets targets;
  CoverageProblem sets;
  std::vector<Candidate> points;  ///< the best few candidates
  CoverageModel model;
  Sensor sensing;
};

terrain::Dem geographic_dem(const test::TempDir& tmp, const terrain::TerrainShape& shape) {
  // 3 arc-second cells (about 86 m x 93 m at 22 S), 280 x 280.
  const int n = 280;
  const double cell = 1.0 / 1200.0;
  test::GridSpec spec;
  spec.cols = spec.rows = n;
  spec.geotransform = {-65.9, cell, 0.0, -22.0, 0.0, -cell};
  std::vector<float> z(static_cast<std::size_t>(n) * n);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c)
      z[static_cast<std::size_t>(r) * n + c] =
          static_cast<float>(terrain::synthetic_height(c * 86.0, -r * 93.0, shape, 86.0));
  const std::string path = tmp.file("geo.tif");
  test::write_raster(path, spec, z);
  return terrain::load_dem({path});
}

std::unique_ptr<Scenario> make_scenario(unsigned seed, bool geographic, double endurance_h = 0.6) {
  auto s = std::make_unique<Scenario>();
  terrain::TerrainShape shape;
  shape.seed = seed;
  shape.base_m = 3300.0;
  shape.relief_m = 1800.0;
  shape.wavelength_m = 12000.0;
  const test::TempDir tmp;
  Area& a = s->area;
  if (geographic) {
    a.dem = geographic_dem(tmp, shape);
    a.work_crs = terrain::vector_work_crs(a.dem.crs, {-65.78, -22.12});
  } else {
    a.dem = terrain::synthetic_dem(260, 260, 100.0, shape);
    a.work_crs = a.dem.crs;
  }
  // The DEM's inner extent in the work CRS.
  const geo::Transformer to_work(a.dem.crs, a.work_crs);
  double x0 = -INFINITY, x1 = INFINITY, y0 = -INFINITY, y1 = INFINITY;
  const double w = a.dem.cols() - 0.5, h = a.dem.rows() - 0.5;
  for (const auto& [c, r] : std::vector<std::pair<double, double>>{{-0.5, -0.5}, {-0.5, h}}) {
    const auto p = to_work(a.dem.to_crs({c, r}));
    x0 = std::max(x0, p.x);
  }
  for (const auto& [c, r] : std::vector<std::pair<double, double>>{{w, -0.5}, {w, h}}) {
    const auto p = to_work(a.dem.to_crs({c, r}));
    x1 = std::min(x1, p.x);
  }
  for (const auto& [c, r] : std::vector<std::pair<double, double>>{{-0.5, h}, {w, h}}) {
    const auto p = to_work(a.dem.to_crs({c, r}));
    y0 = std::max(y0, p.y);
  }
  for (const auto& [c, r] : std::vector<std::pair<double, double>>{{-0.5, -0.5}, {w, -0.5}}) {
    const auto p = to_work(a.dem.to_crs({c, r}));
    y1 = std::min(y1, p.y);
  }
  const double W = x1 - x0, H = y1 - y0;
  s->border_x = x0 + 0.8 * W;
  OwnSide own;
  own.territory = {Box{x0 - 50000.0, y0 - 50000.0, s->border_x, y1 + 50000.0}.polygon()};
  a.frame = make_border_frame(
      a.dem, a.work_crs, {{{s->border_x, y0 - 5000.0}, {s->border_x, y1 + 5000.0}}}, own, 12000.0);
  CorridorOptions co;
  co.own_width_m = 6000.0;
  co.far_width_m = 3000.0;
  a.corridor = build_corridor(a.dem, a.frame, co);
  s->no_fly = {x0 + 0.45 * W - 1500.0, y0 + 0.5 * H - 1500.0, x0 + 0.45 * W + 1500.0,
               y0 + 0.5 * H + 1500.0};
  AirspaceOptions ao;
  ao.standoff_m = s->standoff_m;
  ao.no_fly = {s->no_fly.polygon()};
  a.no_fly = ao.no_fly;
  a.airspace = build_airspace(a.dem, a.frame, ao);

  s->aircraft = aircraft_preset("mohajer6");
  s->aircraft.endurance_h = endurance_h;
  // The base: the lowest ground of the western strip that an airfield could use: a
  // runway with a climb-out and an approach that keep the clearance (a pit between
  // ridges has none).
  std::vector<std::pair<double, geo::Point2>> low;
  for (double x = x0 + 2000.0; x < x0 + 0.3 * W; x += 500.0)
    for (double y = y0 + 2000.0; y < y1 - 2000.0; y += 500.0) {
      const double z = a.dem.elevation_at(
          a.dem.to_grid(geo::Transformer(a.work_crs, a.dem.crs)(geo::Point2{x, y})));
      low.push_back({z, {x, y}});
    }
  std::sort(low.begin(), low.end(), [](const auto& p, const auto& q) { return p.first < q.first; });
  geo::Point2 base = low.front().second;
  {
    const FlightSpace space(a, s->aircraft, nullptr, {});
    for (const auto& [z, p] : low)
      if (space.permitted(p) && space.departure(p) && space.arrival(p)) {
        base = p;
        break;
      }
  }
  s->base_lonlat = geo::Transformer(a.work_crs, geo::SpatialRef::wgs84())(base);

  CandidateOptions cand;
  cand.spacing_m = 2500.0;
  cand.tiers = 2;
  s->candidates = make_candidates(a.dem, a.work_crs, a.airspace, nullptr, cand);
  s->targets = make_targets(a.dem, a.corridor.weight, 2);
  Sensor vo;
  vo.task = sensor_task("vehicle-recognise");
  s->sets = visible_sets(a.dem, s->candidates, s->targets, vo);
  SelectOptions so;
  so.count = 12;
  so.restarts = 2;
  for (int i : select_points(s->sets, so).chosen)
    s->points.push_back(s->candidates[static_cast<std::size_t>(i)]);
  s->model = {&s->candidates, &s->sets, &s->targets, cand.spacing_m};
  s->sensing.task = vo.task;
  return s;
}

/// An area on a UTM DEM whose own side lies west of a north-south border at x, with
/// the default corridor and airspace.
Area area_west_of(const terrain::Dem& dem, double x) {
  Area a;
  a.dem = dem;
  a.work_crs = dem.crs;
  OwnSide own;
  own.territory = {Box{300000, 8200000, x, 8400000}.polygon()};
  a.frame = make_border_frame(a.dem, a.work_crs, {{{x, 8250000.0}, {x, 8310000.0}}}, own, 12000.0);
  a.corridor = build_corridor(a.dem, a.frame, {});
  a.airspace = build_airspace(a.dem, a.frame, {});
  return a;
}

/// The checks, made from the DEM and the scenario's geometry without the planner's
/// masks, lattice or floors.
void check_route(const Scenario& s, const FlightSpace& space, const FlownRoute& route) {
  if (route.samples.empty()) return;  // stays on the ground
  INFO(route.problem);
  REQUIRE(route.feasible);
  const Aircraft& ac = s.aircraft;
  const double v = ac.cruise_speed_kmh / 3.6;
  const auto& smp = route.samples;
  // Endurance: the path's length at cruise speed (the climb and descent spirals over
  // the bases are part of the path).
  double length = 0.0;
  for (std::size_t i = 1; i < smp.size(); ++i)
    length += std::hypot(smp[i].work.x - smp[i - 1].work.x, smp[i].work.y - smp[i - 1].work.y);
  CHECK(length == Approx(route.length_m).epsilon(1e-9));
  CHECK(route.duration_s == Approx(length / v).epsilon(1e-9));
  CHECK(route.duration_s <= ac.endurance_h * 3600.0 * (1.0 - ac.reserve_fraction) + 1e-6);
  CHECK(route.stops.front().base);
  CHECK(route.stops.back().base);

  const terrain::Dem& dem = s.area.dem;
  const geo::Transformer to_dem(s.area.work_crs, dem.crs);
  const double zone = space.options().base_zone_m;
  long long posts_checked = 0;
  double worst_clearance = INFINITY;
  for (std::size_t i = 0; i < smp.size(); ++i) {
    CHECK(smp[i].altitude_m <= ac.ceiling_m + 1e-6);
    if (i == 0) continue;
    const PathSample& a = smp[i - 1];
    const PathSample& b = smp[i];
    // Climb and descent rates.
    const double dt = (b.s - a.s) / v;
    if (dt > 0.0) {
      CHECK((b.altitude_m - a.altitude_m) / dt <= ac.climb_rate_ms + 1e-6);
      CHECK((a.altitude_m - b.altitude_m) / dt <= ac.descent_rate_ms + 1e-6);
    }
    // Every point of the segment: own side past the standoff, outside the no-fly box,
    // and above every DEM post of the cell it is over (the four corners).
    for (int k = 0; k <= 8; ++k) {
      const double f = k / 8.0;
      const geo::Point2 p{a.work.x + f * (b.work.x - a.work.x),
                          a.work.y + f * (b.work.y - a.work.y)};
      const double alt = a.altitude_m + f * (b.altitude_m - a.altitude_m);
      const double s_here = a.s + f * (b.s - a.s);
      CHECK(p.x <= s.border_x - s.standoff_m + 1e-6);
      CHECK_FALSE(s.no_fly.contains(p));
      const terrain::GridPoint g = dem.to_grid(to_dem(p));
      REQUIRE(dem.covers(g));
      const int c0 = static_cast<int>(std::floor(g.col)), r0 = static_cast<int>(std::floor(g.row));
      double post = -INFINITY;
      for (int r = r0; r <= r0 + 1; ++r)
        for (int c = c0; c <= c0 + 1; ++c) {
          REQUIRE((c >= 0 && r >= 0 && c < dem.cols() && r < dem.rows()));
          post = std::max(post, static_cast<double>(dem.elevation(r, c)));
          ++posts_checked;
        }
      // Within the base zone (horizontal distance from the base) the clearance ramps
      // from 0 at the runway to the full value at its edge.
      const double from_base = std::min(std::hypot(p.x - route.stops.front().work.x,
                                                   p.y - route.stops.front().work.y),
                                        std::hypot(p.x - route.stops.back().work.x,
                                                   p.y - route.stops.back().work.y));
      const bool near_base = from_base < zone;
      const double need =
          ac.min_clearance_m * std::min(1.0, from_base <= space.options().runway_m ? 0.0 : from_base / zone);
      if (alt - post < need - 1e-6) {
        FAIL_CHECK("clearance " << alt - post << " m < " << need << " m at " << s_here
                                << " m along the path");
      }
      if (!near_base) worst_clearance = std::min(worst_clearance, alt - post);
    }
  }
  CHECK(posts_checked > 0);
  if (std::isfinite(worst_clearance)) CHECK(worst_clearance >= route.min_clearance_m - 1e-6);
}

}  // namespace

TEST_CASE("Sortie routes keep endurance, clearance at every post, ceiling, standoff and no-fly",
          "[routes]") {
  struct Case {
    unsigned seed;
    bool geographic;
  };
  for (const Case c : {Case{1, false}, Case{2, false}, Case{3, true}}) {
    INFO("seed " << c.seed << (c.geographic ? " (geographic DEM)" : ""));
    const auto s = make_scenario(c.seed, c.geographic);
    REQUIRE(s->points.size() >= 8);
    const FlightSpace space(s->area, s->aircraft, nullptr, {});
    SortieOptions o;
    o.bases = {s->base_lonlat};
    o.aircraft = 2;
    o.loiter_s = 120.0;
    o.max_iterations = 15;
    o.seed = c.seed;
    const SortiePlan plan = plan_sorties(space, s->points, s->model, s->sensing, o);
    REQUIRE(plan.routes.size() == 2);
    std::size_t visits = 0;
    for (std::size_t k = 0; k < plan.routes.size(); ++k) {
      check_route(*s, space, plan.routes[k]);
      visits += plan.nodes[k].size();
      CHECK(plan.routes[k].stops.size() == plan.nodes[k].size() + 2);
    }
    CHECK(visits >= 2);
    CHECK(plan.coverage.weight > 0.0);
    CHECK(plan.coverage.weight <= plan.total_weight + 1e-9);
    CHECK(plan.transit_fraction > 0.0);
    CHECK(plan.transit_fraction < 1.0);
    CHECK(plan.min_clearance_m >= s->aircraft.min_clearance_m - 1e-6);
  }
}

/// A short plan for two aircraft on scenario 4, and its routes that fly.
static SortiePlan two_aircraft_plan(const Scenario& s, const FlightSpace& space,
                                    std::vector<FlownRoute>& flown) {
  SortieOptions o;
  o.bases = {s.base_lonlat};
  o.aircraft = 2;
  o.max_iterations = 10;
  SortiePlan plan = plan_sorties(space, s.points, s.model, s.sensing, o);
  for (const auto& r : plan.routes)
    if (!r.samples.empty()) flown.push_back(r);
  return plan;
}

TEST_CASE("Coverage along the path counts every target once, whoever sees it", "[routes]") {
  const auto s = make_scenario(4, false);
  const FlightSpace space(s->area, s->aircraft, nullptr, {});
  std::vector<FlownRoute> flown;
  const SortiePlan plan = two_aircraft_plan(*s, space, flown);
  REQUIRE(!flown.empty());
  // Each route alone sees no more than both together, and together no more than the sum.
  double sum = 0.0;
  for (const auto& r : flown) {
    const PathCoverage one = measure_coverage(space, {r}, s->targets, s->sensing);
    CHECK(one.weight <= plan.coverage.weight + 1e-9);
    sum += one.weight;
  }
  CHECK(plan.coverage.weight <= sum + 1e-9);
  // Seen targets carry the time they were first seen, within the flight.
  for (std::size_t t = 0; t < s->targets.weight.size(); ++t) {
    if (plan.coverage.count[t] == 0) {
      CHECK(std::isnan(plan.coverage.first_seen_s[t]));
    } else {
      CHECK(plan.coverage.first_seen_s[t] >= 0.0f);
    }
  }
}

TEST_CASE("Routes measured before are taken from the cache, with the same result",
          "[routes]") {
  const auto s = make_scenario(4, false);
  const FlightSpace space(s->area, s->aircraft, nullptr, {});
  std::vector<FlownRoute> flown;
  two_aircraft_plan(*s, space, flown);
  REQUIRE(flown.size() == 2);
  const PathCoverage plain = measure_coverage(space, flown, s->targets, s->sensing);
  REQUIRE(plain.viewsheds > 0);
  CHECK(plain.viewsheds_reused == 0);
  RouteSightCache cache;
  // The first route alone fills the cache; then both: the first is reused, the
  // second measured; then both again: all reused. Every time the same figures.
  const PathCoverage first = measure_coverage(space, {flown[0]}, s->targets, s->sensing, {}, &cache);
  const PathCoverage mixed = measure_coverage(space, flown, s->targets, s->sensing, {}, &cache);
  const PathCoverage again = measure_coverage(space, flown, s->targets, s->sensing, {}, &cache);
  CHECK(mixed.viewsheds_reused == first.viewsheds);
  CHECK(mixed.viewsheds + mixed.viewsheds_reused == plain.viewsheds);
  CHECK(again.viewsheds == 0);
  CHECK(again.viewsheds_reused == plain.viewsheds);
  for (const PathCoverage* c : {&mixed, &again}) {
    CHECK(c->weight == plain.weight);
    CHECK(c->area_m2 == plain.area_m2);
    CHECK(c->count == plain.count);
    CHECK(c->aircraft == plain.aircraft);
    for (std::size_t t = 0; t < plain.first_seen_s.size(); ++t) {
      const float a = c->first_seen_s[t];
      const float b = plain.first_seen_s[t];
      if (!((std::isnan(a) && std::isnan(b)) || a == b)) FAIL("target " << t << ": " << a << " vs " << b);
    }
  }
  // The route order decides the aircraft bits, not the cache.
  const PathCoverage swapped =
      measure_coverage(space, {flown[1], flown[0]}, s->targets, s->sensing, {}, &cache);
  CHECK(swapped.viewsheds == 0);
  CHECK(swapped.weight == plain.weight);
  for (std::size_t t = 0; t < plain.aircraft.size(); ++t) {
    const std::uint32_t b = plain.aircraft[t];
    if (swapped.aircraft[t] != (((b & 1u) << 1) | ((b & 2u) >> 1))) FAIL("target " << t);
  }
}

TEST_CASE("More aircraft never lower the covered weight", "[routes]") {
  const auto s = make_scenario(5, false, 0.4);
  const FlightSpace space(s->area, s->aircraft, nullptr, {});
  SortieOptions o;
  o.bases = {s->base_lonlat};
  o.aircraft = 3;
  o.loiter_s = 120.0;
  o.max_iterations = 10;
  const auto plans = plan_fleet(space, s->points, s->model, s->sensing, o);
  REQUIRE(plans.size() == 3);
  for (std::size_t k = 0; k < plans.size(); ++k) {
    CHECK(plans[k].routes.size() == k + 1);
    for (const auto& r : plans[k].routes) check_route(*s, space, r);
    if (k > 0) CHECK(plans[k].coverage.weight >= plans[k - 1].coverage.weight - 1e-9);
  }
  CHECK(plans.back().coverage.weight > plans.front().coverage.weight);
}

TEST_CASE("A larger fleet that could not add the tolerance is not optimised", "[routes]") {
  // Two points and a long endurance: one aircraft visits them all, so every visit
  // and leg a second aircraft could fly sees nothing the first does not.
  auto s = make_scenario(5, false, 4.0);
  REQUIRE(s->points.size() >= 2);
  s->points.resize(2);
  const FlightSpace space(s->area, s->aircraft, nullptr, {});
  SortieOptions o;
  o.bases = {s->base_lonlat};
  o.aircraft = 2;
  o.loiter_s = 120.0;
  o.max_iterations = 10;
  const auto plans = plan_fleet(space, s->points, s->model, s->sensing, o);
  REQUIRE(plans.size() == 2);
  REQUIRE(plans[0].nodes[0].size() == 2);
  CHECK(plans[0].optimised);
  CHECK_FALSE(plans[1].optimised);
  CHECK(plans[1].optimiser_rounds == 0);
  CHECK(plans[1].kept_smaller_fleet);
  CHECK(plans[1].added_fraction >= 0.0);
  CHECK(plans[1].added_fraction < o.fleet_tolerance);
  CHECK(plans[1].routes[1].samples.empty());
  CHECK(plans[1].coverage.weight == plans[0].coverage.weight);
  // With no tolerance, the optimiser runs (and keeps the second aircraft on the
  // ground only if its measure adds nothing).
  o.fleet_tolerance = 0.0;
  const auto exact = plan_fleet(space, s->points, s->model, s->sensing, o);
  CHECK(exact[1].optimised);
  CHECK(exact[1].optimiser_rounds > 0);
  CHECK(exact[1].coverage.weight >= plans[1].coverage.weight - 1e-9);
}

TEST_CASE("Candidates keep only points with room to circle, as select and plan offer them",
          "[routes]") {
  // Flat 30 x 30 km at 3000 m, own side west of 428 km: the lattice reaches the
  // standoff line and the DEM's edges, an orbit (two turn radii) must not.
  const terrain::Dem dem = test::make_dem(300, 300, 100.0, [](int, int) { return 3000.0; });
  const Area a = area_west_of(dem, 428000.0);
  const Aircraft ac = aircraft_preset("mohajer6");
  const FlightSpace space(a, ac, nullptr, {});
  CandidateOptions o;
  o.spacing_m = 500.0;
  o.tiers = 1;
  const auto all = make_candidates(a.dem, a.work_crs, a.airspace, nullptr, o);
  long long dropped = -1;
  const auto kept = with_orbit_room(all, space, &dropped);
  REQUIRE(!kept.empty());
  CHECK(dropped > 0);
  CHECK(dropped == static_cast<long long>(all.size() - kept.size()));
  double east = -INFINITY;  // the permitted airspace's east edge, as the lattice sees it
  for (const auto& k : all) east = std::max(east, k.work_xy.x);
  const double reach = 2.0 * ac.turn_radius_m;
  const auto inside = [&](const Candidate& k, double margin) {
    return k.work_xy.x - reach - margin >= 400000.0 && k.work_xy.x + reach + margin <= east &&
           k.work_xy.y - reach - margin >= 8270000.0 && k.work_xy.y + reach + margin <= 8300000.0;
  };
  for (const auto& k : kept) CHECK(inside(k, -250.0));  // within the lattice's step
  long long deep = 0;
  for (const auto& k : all) {
    if (!inside(k, 300.0)) continue;
    ++deep;
    CHECK(std::any_of(kept.begin(), kept.end(), [&](const Candidate& c) {
      return c.work_xy.x == k.work_xy.x && c.work_xy.y == k.work_xy.y;
    }));
  }
  CHECK(deep > 100);
}

TEST_CASE("A route climbs over a ridge at the climb rate and goes round ground above the ceiling",
          "[routes]") {
  // Flat at 3000 m; a ridge at 4500 m across the middle (x 410-411 km) with a peak at
  // 5300 m (above ceiling - clearance) from y 8275 km to 8290 km.
  const terrain::Dem dem = test::make_dem(300, 300, 100.0, [](int r, int c) {
    if (c >= 100 && c < 110) return r >= 100 && r < 250 ? 5300.0 : 4500.0;
    return 3000.0;
  });
  const Area a = area_west_of(dem, 428000.0);
  Aircraft ac = aircraft_preset("mohajer6");
  const FlightSpace space(a, ac, nullptr, {});
  // From (405, 8285) to (418, 8285) km: straight across would cross the peak.
  const FlownRoute r = fly(space, {{{405000.0, 8285000.0}, 3500.0, 0.0, false, 0},
                                   {{418000.0, 8285000.0}, 3500.0, 0.0, false, 1}});
  INFO(r.problem);
  REQUIRE(r.feasible);
  double over_ridge = INFINITY;
  for (const auto& q : r.samples) {
    const double x = q.work.x, y = q.work.y;
    // Never over the peak band (cells 100-249 are y 8290 - 8275 km).
    CHECK_FALSE((x > 410000.0 && x < 411000.0 && y > 8275000.0 && y < 8290000.0));
    if (x > 410000.0 && x < 411000.0) over_ridge = std::min(over_ridge, q.altitude_m);
    CHECK(q.altitude_m <= ac.ceiling_m + 1e-6);
  }
  CHECK(over_ridge >= 4500.0 + ac.min_clearance_m - 1e-6);
  // The detour: longer than the straight 13 km, and the climb starts early enough.
  CHECK(r.length_m > 13000.0);
  CHECK(r.min_clearance_m >= ac.min_clearance_m - 1e-6);
}

TEST_CASE("Unreachable and misplaced inputs are refused with a reason", "[routes]") {
  const auto s = make_scenario(1, false);
  const FlightSpace space(s->area, s->aircraft, nullptr, {});
  SortieOptions o;
  o.bases = {geo::Point2{0.0, 0.0}};
  CHECK_THROWS_WITH(plan_sorties(space, s->points, s->model, s->sensing, o),
                    Catch::Contains("outside the DEM"));
  // A base across the border.
  const geo::Point2 far = geo::Transformer(
      s->area.work_crs, geo::SpatialRef::wgs84())(geo::Point2{s->border_x + 1000.0, s->no_fly.y0});
  o.bases = {far};
  CHECK_THROWS_WITH(plan_sorties(space, s->points, s->model, s->sensing, o),
                    Catch::Contains("outside the permitted airspace"));
  o.bases = {s->base_lonlat, s->base_lonlat};
  o.aircraft = 3;
  CHECK_THROWS_WITH(plan_sorties(space, s->points, s->model, s->sensing, o),
                    Catch::Contains("one base for all aircraft or one per aircraft"));
}

TEST_CASE("Revisit on a straight fence patrolled back and forth matches 2 L / (k v)", "[routes]") {
  // One lap: out along a fence of length L and back, period 2 L / v. A point at x is
  // passed at x / v and (2 L - x) / v. With k aircraft evenly spaced, the worst gap
  // over the fence is 2 L / (k v), at its ends (Czyzowicz et al., ESA 2011).
  const double L = 60000.0, v = 150.0 / 3.6, period = 2.0 * L / v;
  for (int k = 1; k <= 4; ++k) {
    double worst = 0.0;
    for (double x = 0.0; x <= L; x += L / 20.0) {
      const Revisit r = revisit({{x / v, x / v}, {(2 * L - x) / v, (2 * L - x) / v}}, period, k);
      worst = std::max(worst, r.worst_s);
      if (k == 1 && x > 0.0 && x < L) {
        // Two gaps a lap: 2 x / v and 2 (L - x) / v.
        CHECK(r.worst_s == Approx(2.0 * std::max(x, L - x) / v));
        CHECK(r.mean_s == Approx(L / v));
      }
      CHECK(r.watched_fraction == Approx(0.0).margin(1e-12));
      CHECK(r.aircraft_for_continuous == 0);
    }
    CHECK(worst == Approx(2.0 * L / (k * v)));
  }
  // A sensor footprint of half-width w watches a point for 2 w / v on each pass.
  const double w = 3000.0;
  const Revisit end = revisit({{0.0, 2 * w / v}}, period, 1);
  CHECK(end.worst_s == Approx(period - 2 * w / v));
  CHECK(end.watched_fraction == Approx(2 * w / v / period));
  // Continuous watch needs ceil(period / watch) evenly spaced aircraft.
  CHECK(end.aircraft_for_continuous == static_cast<int>(std::ceil(period / (2 * w / v))));
  const Revisit full = revisit({{0.0, 2 * w / v}}, period, end.aircraft_for_continuous);
  CHECK(full.worst_s == 0.0);
  CHECK(full.watched_fraction == Approx(1.0));
}

TEST_CASE("A persistent patrol along a straight fence", "[routes]") {
  // Flat ground, a straight 30 km border; points along the corridor.
  const terrain::Dem dem = test::make_dem(300, 400, 100.0, [](int, int) { return 3000.0; });
  const Area a = area_west_of(dem, 425000.0);
  const Targets targets = make_targets(a.dem, a.corridor.weight, 4);
  Aircraft ac = aircraft_preset("mohajer6");
  const FlightSpace space(a, ac, nullptr, {});
  std::vector<Candidate> pts;
  for (double y : {8265000.0, 8295000.0}) {
    Candidate c;
    c.work_xy = {421000.0, y};
    c.altitude_m = 4500.0;
    pts.push_back(c);
  }
  Sensor sensing;
  sensing.task = sensor_task("vehicle-recognise");
  PatrolOptions o;
  o.base = geo::Transformer(a.work_crs, geo::SpatialRef::wgs84())(geo::Point2{405000.0, 8280000.0});
  o.time_limit_s = 1.0;
  PatrolPlan one, two;
  o.aircraft = 1;
  one = plan_patrol(space, pts, targets, sensing, o);
  o.aircraft = 2;
  two = plan_patrol(space, pts, targets, sensing, o);
  const double v = ac.cruise_speed_kmh / 3.6;
  // Out 30 km and back, with the turns at the ends.
  CHECK(one.period_s > 60000.0 / v);
  CHECK(one.period_s < 60000.0 / v + 2 * (2.0 * 3.1416 * ac.turn_radius_m + 2000.0) / v);
  CHECK(one.fence_length_m == Approx(40000.0).epsilon(0.01));
  CHECK(one.lower_bound_s == Approx(2.0 * one.fence_length_m / v));
  CHECK(two.lower_bound_s == Approx(one.lower_bound_s / 2.0));
  // Two aircraft halve the gaps a target sees once a lap.
  CHECK(two.worst_revisit_s < one.worst_revisit_s);
  CHECK(two.worst_revisit_s <= one.period_s / 2.0 + 1e-6);
  CHECK(one.worst_revisit_s <= one.period_s + 1e-6);
  CHECK(one.mean_revisit_s <= one.worst_revisit_s + 1e-6);
  CHECK(one.p95_revisit_s <= one.worst_revisit_s + 1e-6);
  CHECK(one.watched_fraction > 0.0);
  CHECK(two.watched_fraction >= one.watched_fraction - 1e-9);
  CHECK(one.seen_weight_fraction > 0.3);
  // Continuous watch of 90 % of the seen weight takes several aircraft; of all of it
  // (targets glimpsed once a lap) more, or more than the 64 tried (0).
  CHECK(one.aircraft_for_continuous_90 >= 2);
  CHECK((one.aircraft_for_continuous == 0 ||
         one.aircraft_for_continuous >= one.aircraft_for_continuous_90));
  CHECK(one.laps_per_sortie > 1.0);
  CHECK(one.fleet_for_rotation >= 2);
  for (const auto& q : one.cycle.samples) CHECK(q.altitude_m <= ac.ceiling_m + 1e-6);
}
