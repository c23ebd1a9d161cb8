// The orienteering solver core: small instances with known optima, the benchmark
// file format, team routes within their budgets.

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "support.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/planner/orienteering.hpp"

using namespace vigia;
using namespace vigia::planner;

namespace {
OrienteeringInstance line_instance() {
  // Start (0,0), end (0,0)... points on a line at x = 1..5 with scores; the budget
  // allows going out to x = 3 and back: the best is the three nearest (score 6), not
  // the far prize at x = 5 (score 5).
  OrienteeringInstance in;
  in.budget = 6.0;
  in.x = {0, 0, 1, 2, 3, 5};
  in.y = {0, 0, 0, 0, 0, 0};
  in.score = {0, 0, 1, 2, 3, 5};
  return in;
}
}  // namespace

TEST_CASE("Orienteering: a hand-solved instance", "[orienteering]") {
  const OrienteeringInstance in = line_instance();
  const OrienteeringProblem p = to_problem(in);
  ScoreObjective obj(in.score);
  OrienteeringOptions o;
  o.max_iterations = 200;
  const OrienteeringSolution s = solve_orienteering(p, obj, o);
  CHECK(s.value == 6.0);
  CHECK(s.route_time[0] <= 6.0 + 1e-9);
  // With a budget of 10 the far prize fits too: everything, 11.
  OrienteeringInstance big = in;
  big.budget = 10.0;
  ScoreObjective obj2(big.score);
  CHECK(solve_orienteering(to_problem(big), obj2, o).value == 11.0);
}

TEST_CASE("Orienteering: two vehicles share the work within their budgets", "[orienteering]") {
  OrienteeringInstance in;
  in.budget = 4.5;
  in.paths = 2;
  in.x = {0, 0, 2, -2, 0, 0};
  in.y = {0, 0, 0, 0, 2, -2};
  in.score = {0, 0, 10, 10, 10, 10};
  const OrienteeringProblem p = to_problem(in);
  ScoreObjective obj(in.score);
  OrienteeringOptions o;
  o.max_iterations = 300;
  const OrienteeringSolution s = solve_orienteering(p, obj, o);
  // Each vehicle can reach one point and come back (4), not two (2 + 2.83 + 2 > 4.5).
  CHECK(s.value == 20.0);
  for (std::size_t r = 0; r < s.routes.size(); ++r) CHECK(p.route_time(s.routes[r]) <= 4.5 + 1e-9);
  // More vehicles never do worse.
  OrienteeringInstance three = in;
  three.paths = 3;
  ScoreObjective obj3(three.score);
  CHECK(solve_orienteering(to_problem(three), obj3, o).value >= s.value);
}

TEST_CASE("Orienteering: the benchmark format and real instances", "[orienteering][shared]") {
  test::TempDir tmp;
  // Tabs, CRLF, no final newline, as in the Tsiligirides files.
  std::ofstream(tmp.file("tiny.txt"), std::ios::binary)
      << "6\t1\r\n0\t0\t0\r\n0\t0\t0\r\n1\t0\t1\r\n2\t0\t2\r\n3\t0\t3";
  const OrienteeringInstance t = read_orienteering_instance(tmp.file("tiny.txt"));
  CHECK(t.budget == 6.0);
  CHECK(t.x.size() == 5);
  CHECK(t.score[4] == 3.0);
  std::ofstream(tmp.file("bad.txt")) << "6 1\n0 0 0\n0 0\n";
  CHECK_THROWS_WITH(read_orienteering_instance(tmp.file("bad.txt")),
                    Catch::Contains("bad.txt line 3"));
  // Two real instances, reached with a fixed number of rounds (deterministic).
  for (auto [file, best] :
       {std::pair{"op/tsiligirides_2/tsiligirides_problem_2_budget_23.txt", 210.0},
        std::pair{"op/tsiligirides_1/tsiligirides_problem_1_budget_20.txt", 65.0}}) {
    const OrienteeringInstance in = read_orienteering_instance(test::shared_data(file));
    ScoreObjective obj(in.score);
    OrienteeringOptions o;
    o.max_iterations = 3000;
    o.time_limit_s = 60.0;
    const OrienteeringSolution s = solve_orienteering(to_problem(in), obj, o);
    INFO(file);
    CHECK(s.value == best);
    CHECK(to_problem(in).route_time(s.routes[0]) <= in.budget + 1e-9);
  }
}

TEST_CASE("Orienteering: a budget too small to reach the end is refused",
          "[orienteering][errors]") {
  OrienteeringInstance in = line_instance();
  in.x[1] = 10.0;
  ScoreObjective obj(in.score);
  CHECK_THROWS_WITH(solve_orienteering(to_problem(in), obj, {}), Catch::Contains("budget"));
}
