// The orienteering solver core: small instances with known optima, the benchmark
// file format, team routes within their budgets.

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "support.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/planner/orienteering.hpp"
#include "vigia/terrain/viewshed.hpp"

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

namespace {
/// Forty points scattered by a fixed recurrence, two vehicles, a budget for about a
/// third of them.
OrienteeringInstance scattered_instance() {
  OrienteeringInstance in;
  in.budget = 60.0;
  in.paths = 2;
  in.x = {0, 0};
  in.y = {0, 0};
  in.score = {0, 0};
  unsigned s = 12345;
  const auto next = [&] {
    s = s * 1103515245u + 12345u;
    return static_cast<double>((s >> 8) % 2001) / 100.0 - 10.0;
  };
  for (int k = 0; k < 40; ++k) {
    in.x.push_back(next());
    in.y.push_back(next());
    in.score.push_back(1.0 + std::fmod(std::abs(in.x.back() * in.y.back()), 9.0));
  }
  return in;
}

/// The classic score, taken for a costly objective (the sorties' coverage is): its
/// moves would be valued in blocks on all threads.
class CostlyScore : public ScoreObjective {
 public:
  using ScoreObjective::ScoreObjective;
  [[nodiscard]] bool costly() const override { return true; }
};

/// A check that refuses about a quarter of the routes (by a hash of the visits, as a
/// terrain check refuses routes no budget foresees), and notes what it was asked.
struct PickyCheck {
  std::mutex m;
  std::set<std::vector<int>> asked;
  int asked_twice = 0, refused = 0;
  bool operator()(const std::vector<int>& route) {
    std::size_t h = 7;
    for (int v : route) h = h * 31 + static_cast<std::size_t>(v);
    const bool ok = (h >> 3) % 4 != 0 || route.size() <= 3;
    std::lock_guard lock(m);
    if (!asked.insert(route).second) ++asked_twice;
    if (!ok) ++refused;
    return ok;
  }
};
}  // namespace

TEST_CASE("Orienteering: an exact check that refuses routes gives the same routes on any thread count",
          "[orienteering][threads]") {
  // With several threads the checks run beside the search, which goes on as if each
  // route flew and runs a round again when one did not: the result must be the one
  // thread's, every route in it must pass, and no route is asked twice.
  const OrienteeringInstance in = scattered_instance();
  const OrienteeringProblem p = to_problem(in);
  const bool costly = GENERATE(false, true);
  INFO((costly ? "costly" : "cheap") << " objective");
  std::vector<OrienteeringSolution> sols;
  std::set<std::vector<int>> asked_by_one;
  for (int threads : {1, 2, 3}) {
    const vigia::terrain::ThreadCount tc(threads);
    ScoreObjective cheap(in.score);
    CostlyScore dear(in.score);
    RouteObjective& obj = costly ? static_cast<RouteObjective&>(dear) : cheap;
    PickyCheck check;
    OrienteeringOptions o;
    o.max_iterations = 60;
    o.time_limit_s = 86400;
    o.feasible = [&](const std::vector<int>& route) { return check(route); };
    sols.push_back(solve_orienteering(p, obj, o));
    INFO("threads " << threads);
    CHECK(check.refused > 10);  // the search met refusals and went round them
    CHECK(check.asked_twice == 0);
    // Every route one thread asks about is asked on more (speculation asks more).
    if (threads == 1) asked_by_one = check.asked;
    CHECK(std::includes(check.asked.begin(), check.asked.end(), asked_by_one.begin(),
                        asked_by_one.end()));
    for (std::size_t r = 0; r < sols.back().routes.size(); ++r) {
      CHECK(check(sols.back().routes[r]));
      CHECK(sols.back().route_time[r] <= in.budget + 1e-9);
    }
  }
  CHECK(sols[0].value > 0.0);
  for (std::size_t k = 1; k < sols.size(); ++k) {
    CHECK(sols[k].routes == sols[0].routes);
    CHECK(sols[k].value == sols[0].value);
    CHECK(sols[k].iterations == sols[0].iterations);
    // The same moves valued: the same search, not only the same answer.
    CHECK(sols[k].moves_valued == sols[0].moves_valued);
  }
}

TEST_CASE("Orienteering: an error in the exact check ends the search on any thread count",
          "[orienteering][threads]") {
  // The check refuses some routes and fails on the first of five visits it is asked
  // about, naming it: the error must be the one one thread meets, not one met on a
  // path a speculating search threw away.
  const OrienteeringInstance in = scattered_instance();
  const OrienteeringProblem p = to_problem(in);
  std::vector<std::string> errors;
  for (int threads : {1, 2, 3}) {
    const vigia::terrain::ThreadCount tc(threads);
    ScoreObjective obj(in.score);
    PickyCheck check;
    OrienteeringOptions o;
    o.max_iterations = 20;
    o.time_limit_s = 86400;
    o.feasible = [&](const std::vector<int>& route) {
      if (route.size() > 6) {
        std::string what = "the check failed on route";
        for (int v : route) what += " " + std::to_string(v);
        throw Error(what);
      }
      return check(route);
    };
    INFO("threads " << threads);
    try {
      solve_orienteering(p, obj, o);
      FAIL("no error");
    } catch (const Error& e) {
      errors.push_back(e.what());
    }
  }
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].rfind("the check failed on route", 0) == 0);
  CHECK(errors[1] == errors[0]);
  CHECK(errors[2] == errors[0]);
}

TEST_CASE("Orienteering: a stop ends a search whose checks are slow at once",
          "[orienteering][threads]") {
  // Each check takes 100 ms (a long route flown over fine terrain); the stop comes after
  // 0.2 s. Without it the 1 000 rounds would take minutes.
  const OrienteeringInstance in = scattered_instance();
  const OrienteeringProblem p = to_problem(in);
  for (int threads : {1, 2}) {
    const vigia::terrain::ThreadCount tc(threads);
    ScoreObjective obj(in.score);
    OrienteeringOptions o;
    o.max_iterations = 1000;
    o.time_limit_s = 86400;
    o.feasible = [](const std::vector<int>&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return true;
    };
    const auto t0 = std::chrono::steady_clock::now();
    o.stop = [&] { return std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(200); };
    const OrienteeringSolution s = solve_orienteering(p, obj, o);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO("threads " << threads);
    CHECK(s.stopped);
    // The best checked so far (a round whose checks the stop cut short is undone).
    for (std::size_t r = 0; r < s.routes.size(); ++r) CHECK(s.route_time[r] <= in.budget + 1e-9);
    CHECK(took < 1.5);     // about a second at most, as Ctrl-C promises
  }
}
