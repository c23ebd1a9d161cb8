// Weighted maximum coverage: lazy greedy + local search against the exact integer
// optimum (GLPK), and the online upper bound.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "vigia/geo/error.hpp"
#include "vigia/planner/selection.hpp"

using namespace vigia;
using namespace vigia::planner;

namespace {

CoverageProblem from_sets(std::vector<double> weights,
                          const std::vector<std::vector<std::uint32_t>>& sets,
                          std::vector<double> costs = {}) {
  CoverageProblem p;
  p.weight = std::move(weights);
  for (std::size_t i = 0; i < sets.size(); ++i)
    p.add_candidate(sets[i], costs.empty() ? 1.0 : costs[i]);
  return p;
}

/// Candidates see disks of targets on a square grid, as observation points see ground:
/// overlapping, of different sizes, with weights higher near a "border" line.
CoverageProblem random_instance(std::mt19937& rng, int candidates, int side, int m, bool costs) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  CoverageProblem p;
  p.m = m;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      p.weight.push_back(0.25 + 0.75 * std::exp(-std::abs(y - side / 2.0) / 4.0) * (0.5 + u(rng)));
  for (int c = 0; c < candidates; ++c) {
    const double cx = u(rng) * side;
    const double cy = u(rng) * side;
    const double r = 1.5 + u(rng) * side / 5.0;
    std::vector<std::uint32_t> ids;
    for (int y = 0; y < side; ++y)
      for (int x = 0; x < side; ++x) {
        // A few shadows: drop ~20 % of the disk at random.
        if (std::hypot(x - cx, y - cy) <= r && u(rng) > 0.2)
          ids.push_back(static_cast<std::uint32_t>(y * side + x));
      }
    p.add_candidate(ids, costs ? 1.0 + std::floor(u(rng) * 4.0) : 1.0);
  }
  return p;
}

}  // namespace

TEST_CASE("Greedy's classic trap is escaped by local search", "[selection]") {
  // Targets a..f; S0 = {a,b,c,d}, S1 = {a,b,e}, S2 = {c,d,f}. Greedy takes S0 then one
  // of the others: 5. The optimum is S1 + S2: 6.
  const CoverageProblem p = from_sets({1, 1, 1, 1, 1, 1}, {{0, 1, 2, 3}, {0, 1, 4}, {2, 3, 5}});
  SelectOptions o;
  o.count = 2;
  const Selection s = select_points(p, o);
  CHECK(s.greedy_value == 5.0);
  CHECK(s.value == 6.0);
  CHECK(s.swaps >= 1);
  CHECK(s.upper_bound >= 6.0);
  CHECK(s.gap() == Approx(1.0 - 6.0 / s.upper_bound));
  const ExactResult ex = select_exact(p, o);
  CHECK(ex.optimal);
  CHECK(ex.value == 6.0);
  o.local_search = false;
  CHECK(select_points(p, o).value == 5.0);
}

TEST_CASE("Weights, ranks and marginal gains", "[selection]") {
  const CoverageProblem p = from_sets({5, 1, 1, 1, 2}, {{0}, {1, 2, 3}, {3, 4}, {0, 1}});
  SelectOptions o;
  o.count = 2;
  const Selection s = select_points(p, o);
  // Best pair: {0} + {3,4}... = 5 + 3 = 8; or {0,1} + {3,4} = 6 + 3 = 9: the optimum.
  CHECK(s.value == 9.0);
  REQUIRE(s.chosen.size() == 2);
  CHECK(s.gain[0] >= s.gain[1]);
  CHECK(s.gain[0] + s.gain[1] == Approx(9.0));
  CHECK(select_exact(p, o).value == 9.0);
}

TEST_CASE("Targets that need m views get partial credit", "[selection]") {
  // m = 2: a target counts fully only when two chosen points see it.
  CoverageProblem p = from_sets({1, 1, 1}, {{0, 1}, {0, 1}, {2}});
  p.m = 2;
  SelectOptions o;
  o.count = 2;
  const Selection s = select_points(p, o);
  CHECK(s.value == 2.0);  // both views on targets 0 and 1
  CHECK(select_exact(p, o).value == 2.0);
  CHECK(p.value({0, 2}) == 1.5);
}

TEST_CASE("A cost budget", "[selection]") {
  const CoverageProblem p =
      from_sets({1, 1, 1, 1, 1, 1, 1}, {{0, 1, 2, 3, 4}, {0, 1, 2}, {3, 4, 5}, {6}}, {4, 1, 1, 1});
  SelectOptions o;
  o.budget = 3;
  const Selection s = select_points(p, o);
  CHECK(s.value == 7.0);  // the three cheap ones
  CHECK(select_exact(p, o).value == 7.0);
  CHECK(s.upper_bound >= 7.0);
}

TEST_CASE("Greedy + local search against the integer optimum on 40 seeded instances",
          "[selection][property]") {
  std::mt19937 rng(20261123);
  double ratio_sum = 0.0;
  double worst = 1.0;
  int n = 0;
  for (int seed = 0; seed < 40; ++seed) {
    const int candidates = 60 + static_cast<int>(rng() % 141);  // 60 .. 200
    const int m = seed % 5 == 4 ? 2 : 1;
    const bool costs = seed % 7 == 6;
    const CoverageProblem p = random_instance(rng, candidates, 18, m, costs);
    SelectOptions o;
    if (costs) {
      o.budget = 6 + static_cast<double>(rng() % 6);
    } else {
      o.count = 3 + static_cast<int>(rng() % 8);
    }
    const Selection s = select_points(p, o);
    const ExactResult ex = select_exact(p, o, 120.0);
    INFO("instance " << seed << ": " << candidates << " candidates, m " << m
                     << (costs ? ", budget" : ", count") << ": heuristic " << s.value
                     << ", optimum " << ex.value << ", bound " << s.upper_bound);
    REQUIRE(ex.optimal);
    CHECK(s.value <= ex.value + 1e-6);
    CHECK(s.upper_bound >= ex.value - 1e-6);  // the reported bound is never below the optimum
    const double ratio = s.value / ex.value;
    CHECK(ratio >= 0.95);
    ratio_sum += ratio;
    worst = std::min(worst, ratio);
    ++n;
  }
  INFO("mean ratio " << ratio_sum / n << ", worst " << worst);
  WARN("greedy + local search / optimum over " << n << " instances: mean " << ratio_sum / n
                                               << ", worst " << worst);
  CHECK(ratio_sum / n >= 0.98);
}

TEST_CASE("Gains kept between swaps choose as gains counted afresh would", "[selection]") {
  // A long strip of targets numbered along it, seen by candidates at random places
  // along it: most candidates are far from each other, so the local search keeps most
  // gains between swaps. The same problem with its target ids scattered (a bijection)
  // makes every candidate a neighbour of every other, so every gain is counted afresh.
  // Weights are small integers: every sum is exact in either order.
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const int length = 2000;
  const int width = 12;
  const auto targets = static_cast<std::uint32_t>(length * width);
  for (int variant = 0; variant < 3; ++variant) {
  int swaps = 0;  // the search must have swapped, in some instance of each variant
  for (unsigned seed = 0; seed < 4; ++seed) {
    std::mt19937 rng(7 + 10 * seed + static_cast<unsigned>(variant));
    CoverageProblem local;
    CoverageProblem scattered;
    local.m = scattered.m = variant == 2 ? 2 : 1;
    for (std::uint32_t t = 0; t < targets; ++t) local.weight.push_back(1.0 + rng() % 4);
    scattered.weight.assign(targets, 0.0);
    const auto scatter = [&](std::uint32_t t) { return (t * 7919u) % targets; };
    for (std::uint32_t t = 0; t < targets; ++t) scattered.weight[scatter(t)] = local.weight[t];
    for (int c = 0; c < 300; ++c) {
      const double cx = u(rng) * length;
      const double cy = u(rng) * width;
      const double r = 5.0 + u(rng) * 45.0;
      std::vector<std::uint32_t> ids;
      std::vector<std::uint32_t> far;
      for (int x = std::max(0, static_cast<int>(cx - r)); x < std::min(length, static_cast<int>(cx + r) + 1); ++x)
        for (int y = 0; y < width; ++y)
          if (std::hypot(x - cx, y - cy) <= r && u(rng) > 0.2) {
            const auto t = static_cast<std::uint32_t>(x * width + y);
            ids.push_back(t);
            far.push_back(scatter(t));
          }
      const double cost = variant == 1 ? 1.0 + rng() % 3 : 1.0;
      local.add_candidate(ids, cost);
      scattered.add_candidate(far, cost);
    }
    SelectOptions o;
    if (variant == 1) {
      o.budget = 40;
    } else {
      o.count = 25;
    }
    const Selection a = select_points(local, o);
    const Selection b = select_points(scattered, o);
    INFO("variant " << variant << ", seed " << seed);
    swaps += a.swaps;
    CHECK(a.chosen == b.chosen);
    CHECK(a.gain == b.gain);
    CHECK(a.value == b.value);
    CHECK(a.value == local.value(a.chosen));
  }
  INFO("variant " << variant);
  CHECK(swaps > 0);
  }
}

TEST_CASE("Selection errors", "[selection][errors]") {
  CoverageProblem empty;
  CHECK_THROWS_WITH(select_points(empty, {}), Catch::Contains("no candidate"));
  const CoverageProblem p = from_sets({1}, {{0}});
  SelectOptions o;
  o.count = 0;
  CHECK_THROWS_WITH(select_points(p, o), Catch::Contains("at least 1"));
}
