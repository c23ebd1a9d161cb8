// Dubins paths: hand-computed cases, and endpoints reached on random poses.

#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <random>

#include "vigia/planner/dubins.hpp"

using namespace vigia::planner;
constexpr double kPi = std::numbers::pi;

TEST_CASE("Dubins: hand-computed lengths", "[dubins]") {
  // Straight ahead.
  CHECK(dubins({0, 0, 0}, {10, 0, 0}, 1.0).length() == Approx(10.0));
  // A quarter turn to the left: a quarter circle.
  CHECK(dubins({0, 0, 0}, {1, 1, kPi / 2}, 1.0).length() == Approx(kPi / 2));
  // A U-turn onto the parallel lane 2r to the left: a half circle.
  CHECK(dubins({0, 0, 0}, {0, 2, kPi}, 1.0).length() == Approx(kPi));
  // A U-turn onto a lane 4r away: half circles with 2r of straight between.
  CHECK(dubins({0, 0, 0}, {0, 4, kPi}, 1.0).length() == Approx(kPi + 2.0));
  // Right turn of 90 degrees with radius 300 m, then 1 km straight.
  CHECK(dubins({0, 0, kPi / 2}, {1300, 300, 0}, 300.0).length() ==
        Approx(300.0 * kPi / 2 + 1000.0));
  // Heading reversed on the spot: RLR with arcs pi/3, 5 pi/3, pi/3 (d = 0,
  // alpha = 0, beta = pi in Shkel & Lumelsky's RLR formula): 7 pi / 3.
  CHECK(dubins({0, 0, 0}, {0, 0, kPi}, 1.0).length() == Approx(7 * kPi / 3));
}

TEST_CASE("Dubins: the path ends at the goal pose, never shorter than the straight line",
          "[dubins]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-2000.0, 2000.0), h(0.0, 2 * kPi);
  for (int i = 0; i < 600; ++i) {
    Pose a{u(rng), u(rng), h(rng)};
    Pose b{u(rng), u(rng), h(rng)};
    if (i >= 500) {
      // Leaving straight toward the goal (an empty first arc), half of them arriving
      // on the same line too (a straight path): the flight legs' usual case.
      a.heading = std::atan2(b.y - a.y, b.x - a.x);
      if (i % 2 == 0) b.heading = a.heading;
    }
    const DubinsPath p = dubins(a, b, 300.0);
    const Pose e = p.at(p.length());
    INFO("case " << i);
    CHECK(e.x == Approx(b.x).margin(1e-6));
    CHECK(e.y == Approx(b.y).margin(1e-6));
    CHECK(std::remainder(e.heading - b.heading, 2 * kPi) == Approx(0.0).margin(1e-9));
    CHECK(p.length() >= std::hypot(b.x - a.x, b.y - a.y) - 1e-6);
    // Samples are at most the step apart.
    const auto s = p.sample(50.0);
    for (std::size_t k = 1; k < s.size(); ++k)
      CHECK(std::hypot(s[k].x - s[k - 1].x, s[k].y - s[k - 1].y) <= 50.0 + 1e-6);
  }
}
