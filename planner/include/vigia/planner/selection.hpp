#pragma once
// Weighted maximum coverage with a proven gap: choose observation points so that the
// corridor's targets, weighted, are seen as much as possible.
//
//   f(S) = sum over targets t of w_t * min(c_t(S), m) / m
//
// where c_t(S) is how many chosen points see t and m how many views a target needs
// (m = 1: plain weighted coverage). f is monotone submodular, so lazy greedy (CELF,
// Leskovec et al., KDD 2007; Minoux 1978) is within (1 - 1/e) of the optimum, and
// for any selection S, OPT <= f(S) + the best sum of marginal gains that fits the
// budget (their "online bound"): every result carries that bound and the gap.

#include <cstdint>
#include <vector>

namespace vigia::planner {

/// A run of consecutive target ids [first, first + count).
struct IdRun {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

struct CoverageProblem {
  std::vector<double> weight;         ///< per target, >= 0
  std::vector<double> cost;           ///< per candidate, > 0 (all 1 when choosing a count)
  std::vector<std::uint64_t> offset;  ///< candidate i covers runs [offset[i], offset[i + 1])
  std::vector<IdRun> runs;            ///< sorted by first within a candidate, not overlapping
  int m = 1;                          ///< views a target needs
  /// Optional, per candidate: a box [x0, x1) x [y0, y1) on some grid such that two
  /// candidates whose boxes do not meet see no target in common (the planner gives
  /// each viewshed's window, in target blocks). Lets the local search keep the gains
  /// of the candidates far from a change. Empty: none given.
  struct Box {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    [[nodiscard]] bool meets(const Box& b) const {
      return x0 < b.x1 && b.x0 < x1 && y0 < b.y1 && b.y0 < y1;
    }
  };
  std::vector<Box> extent;

  [[nodiscard]] int candidates() const { return static_cast<int>(cost.size()); }
  [[nodiscard]] int targets() const { return static_cast<int>(weight.size()); }
  /// Adds a candidate covering the given target ids (any order, duplicates allowed).
  void add_candidate(std::vector<std::uint32_t> ids, double cost = 1.0);
  /// f(S) for a set of candidates.
  [[nodiscard]] double value(const std::vector<int>& chosen) const;
  [[nodiscard]] double total_weight() const;
  [[nodiscard]] std::size_t bytes() const;
};

struct SelectOptions {
  int count = 10;            ///< choose this many (when budget is 0)
  double budget = 0.0;       ///< else: total cost at most this
  bool local_search = true;  ///< swap/replace after greedy, then iterated local search
  int restarts = 30;         ///< iterated local search rounds (perturb, refill, swap)
  unsigned seed = 1;         ///< for the perturbations: results are deterministic
  double time_limit_s = 60.0;
};

struct Selection {
  std::vector<int> chosen;    ///< in order of rank (greedy order, then swaps)
  std::vector<double> gain;   ///< marginal gain of each chosen point at its rank
  double value = 0.0;         ///< f(chosen)
  double greedy_value = 0.0;  ///< before local search
  double upper_bound = 0.0;   ///< OPT <= upper_bound (online bound, tightest seen)
  [[nodiscard]] double gap() const { return upper_bound > 0.0 ? 1.0 - value / upper_bound : 0.0; }
  int swaps = 0;
  double seconds = 0.0;
};

/// Lazy greedy (CELF: uniform-cost and, with a budget, cost-benefit; the better of
/// the two), then swap/replace local search, with the online upper bound.
Selection select_points(const CoverageProblem& p, const SelectOptions& o);

struct ExactResult {
  std::vector<int> chosen;
  double value = 0.0;
  bool optimal = false;  ///< false if the time limit stopped the search
};

/// The optimum by integer programming (GLPK branch and cut): maximise
/// sum w_t y_t with m y_t <= sum_{i covers t} x_i, 0 <= y_t <= 1, x binary, and the
/// count or budget constraint. For small instances (tests, gap measurements).
ExactResult select_exact(const CoverageProblem& p, const SelectOptions& o,
                         double time_limit_s = 60.0);

}  // namespace vigia::planner
