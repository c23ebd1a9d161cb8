#pragma once
// Team orienteering: vehicles leave a start node and reach an end node within a
// time budget, visiting optional nodes at most once, so as to maximise an
// objective of the routes. The objective is pluggable: additive scores for the
// classic benchmark instances (Tsiligirides 1984; Chao, Golden & Wasil 1996), or
// weighted coverage along the flown path for patrols (routes.hpp).
//
// The solver: greedy insertion by value gained per time spent, then local search
// (2-opt, or-opt, insert, replace, move and swap between vehicles), then iterated
// local search (remove a few visits at random, reinsert with a randomised greedy,
// search again), deterministic for a seed, within a round or time limit.
//
// In parallel, the same search, two ways. With an exact check (`feasible`, e.g.
// flying the route over the terrain), one thread searches and the checks run as tasks
// on the others: the search goes on as if each new route passed, and when one did not
// the round runs again from its start knowing that answer, until every answer it used
// was the true one (speculation; each route is checked once). Without one, each
// neighbourhood's moves are listed in a fixed order and valued in blocks on all
// threads against the committed solution (the objective's delta is read-only and
// thread-safe); the move taken is the first improving, feasible one in that order.
// Either way the moves taken are those one thread takes: the same problem, options
// and seed give the same routes on any thread count.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vigia::planner {

struct OrienteeringProblem {
  struct Vehicle {
    int start = 0;
    int end = 0;
    double budget = 0.0;
  };
  int nodes = 0;
  std::vector<double> travel;   ///< nodes x nodes, row-major: travel[i * nodes + j]
  std::vector<double> service;  ///< time spent at a node when visited (0 if empty)
  std::vector<char> visitable;  ///< 1 for optional nodes (depots are not)
  std::vector<Vehicle> vehicles;

  [[nodiscard]] double t(int i, int j) const {
    return travel[static_cast<std::size_t>(i) * nodes + j];
  }
  [[nodiscard]] double s(int i) const {
    return service.empty() ? 0.0 : service[static_cast<std::size_t>(i)];
  }
  /// Total time of a route [start, ..., end].
  [[nodiscard]] double route_time(const std::vector<int>& route) const;
};

using Routes = std::vector<std::vector<int>>;

/// What the routes are worth. The solver keeps the objective in step with the
/// solution it holds (commit) and asks for the change that moves would bring.
class RouteObjective {
 public:
  virtual ~RouteObjective() = default;
  /// The value of complete routes (does not change the committed state).
  [[nodiscard]] virtual double value(const Routes& routes) const = 0;
  /// Makes `routes` the committed solution.
  virtual void commit(const Routes& routes) = 0;
  /// Value change if the routes numbered in `which` took the new forms in `changed`
  /// (changed[i] for which[i]; entries past which.size() are not read), relative to
  /// the committed solution. Called from several threads at once between
  /// commits: it must not change shared state.
  [[nodiscard]] virtual double delta(const std::vector<int>& which, const Routes& changed) const = 0;
  /// Whether valuing a move costs enough (microseconds, not nanoseconds) for blocks of
  /// moves to be worth valuing on several threads. Only the speed depends on it.
  [[nodiscard]] virtual bool costly() const { return false; }
};

/// Additive scores: the value of a solution is the sum of its visited nodes' scores.
class ScoreObjective : public RouteObjective {
 public:
  explicit ScoreObjective(std::vector<double> score) : score_(std::move(score)) {}
  [[nodiscard]] double value(const Routes& routes) const override;
  void commit(const Routes& routes) override { committed_ = routes; }
  [[nodiscard]] double delta(const std::vector<int>& which, const Routes& changed) const override;

 private:
  [[nodiscard]] double route_value(const std::vector<int>& r) const;
  std::vector<double> score_;
  Routes committed_;
};

struct OrienteeringOptions {
  double time_limit_s = 10.0;
  long long max_iterations = 0;  ///< iterated local search rounds; 0 = until the time limit
  long long stall_limit = 0;     ///< stop after this many rounds without improvement; 0 = never
  unsigned seed = 1;
  /// Exact feasibility of a route, checked on every accepted move (besides the
  /// budget): e.g. the flown geometry's clearance and endurance. Empty = budget only.
  /// A function of the route alone (a route names its vehicle's start and end; the
  /// solver checks each vehicle's budget itself), so each route is asked at most once.
  /// With several threads it is called from any of them, several routes at once: it
  /// must be thread-safe (its own parallel regions then run on one thread, at OpenMP's
  /// default of one active level).
  std::function<bool(const std::vector<int>& route)> feasible;
  /// A feasible solution to start from (one route per vehicle, start to end); the
  /// result is never worse than it. Empty = start from empty routes.
  std::vector<std::vector<int>> initial;
  /// Called every round with the fraction of the time (or round) limit used; return
  /// false to stop early with the best found so far. Empty = never called.
  std::function<bool(double fraction)> progress;
  /// Asked between blocks of moves (a few times a second at least): true stops the
  /// search at once, keeping the best found so far (Ctrl-C). Empty = never.
  std::function<bool()> stop;
};

struct OrienteeringSolution {
  Routes routes;
  double value = 0.0;
  std::vector<double> route_time;
  long long iterations = 0;
  double seconds = 0.0;
  /// The time limit ended the search before its rounds (max_iterations) or its stall
  /// limit: the result then depends on the machine's speed and load.
  bool time_capped = false;
  /// `stop` ended the search.
  bool stopped = false;
  /// Moves valued by the local search (in blocks, without an exact check, also those
  /// of a block past the one taken; with one, the same on any thread count).
  long long moves_valued = 0;
};

OrienteeringSolution solve_orienteering(const OrienteeringProblem& p, RouteObjective& objective,
                                        const OrienteeringOptions& options);

/// A classic orienteering instance file: `Tmax P` then `x y score` per point, the
/// first point the start and the second the end (the format of the classic
/// Tsiligirides and Chao benchmark sets).
struct OrienteeringInstance {
  std::string name;
  double budget = 0.0;
  int paths = 1;
  std::vector<double> x, y, score;
};
OrienteeringInstance read_orienteering_instance(const std::string& path);
/// Euclidean team orienteering problem of an instance (all paths start at point 0
/// and end at point 1).
OrienteeringProblem to_problem(const OrienteeringInstance& instance);

}  // namespace vigia::planner
