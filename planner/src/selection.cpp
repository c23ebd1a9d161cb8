#include "vigia/planner/selection.hpp"

#include <glpk.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>
#include <random>
#include <string>

#include "vigia/geo/error.hpp"

namespace vigia::planner {

void CoverageProblem::add_candidate(std::vector<std::uint32_t> ids, double c) {
  if (offset.empty()) offset.push_back(0);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i + 1;
    while (j < ids.size() && ids[j] == ids[j - 1] + 1) ++j;
    runs.push_back({ids[i], static_cast<std::uint32_t>(j - i)});
    i = j;
  }
  offset.push_back(runs.size());
  cost.push_back(c);
}

double CoverageProblem::total_weight() const {
  return std::accumulate(weight.begin(), weight.end(), 0.0);
}

std::size_t CoverageProblem::bytes() const {
  return weight.capacity() * sizeof(double) + cost.capacity() * sizeof(double) +
         offset.capacity() * sizeof(std::uint64_t) + runs.capacity() * sizeof(IdRun);
}

double CoverageProblem::value(const std::vector<int>& chosen) const {
  std::vector<int> count(weight.size(), 0);
  for (int i : chosen) {
    for (std::uint64_t r = offset[static_cast<std::size_t>(i)];
         r < offset[static_cast<std::size_t>(i) + 1]; ++r) {
      for (std::uint32_t t = runs[r].first; t < runs[r].first + runs[r].count; ++t) ++count[t];
    }
  }
  double v = 0.0;
  for (std::size_t t = 0; t < weight.size(); ++t) v += weight[t] * std::min(count[t], m) / m;
  return v;
}

namespace {

/// The coverage state of a selection: how many chosen points see each target.
class State {
 public:
  explicit State(const CoverageProblem& p) : p_(&p), count_(p.weight.size(), 0) {}

  /// Gain of adding candidate j.
  [[nodiscard]] double gain(int j) const {
    double g = 0.0;
    for_each(j, [&](std::uint32_t t) {
      if (count_[t] < p_->m) g += p_->weight[t];
    });
    return g / p_->m;
  }
  /// Loss of removing chosen candidate i.
  [[nodiscard]] double loss(int i) const {
    double l = 0.0;
    for_each(i, [&](std::uint32_t t) {
      if (count_[t] <= p_->m) l += p_->weight[t];
    });
    return l / p_->m;
  }
  void add(int j) {
    for_each(j, [&](std::uint32_t t) { ++count_[t]; });
  }
  void remove(int j) {
    for_each(j, [&](std::uint32_t t) { --count_[t]; });
  }

 private:
  template <class Fn>
  void for_each(int j, Fn&& fn) const {
    const auto b = p_->offset[static_cast<std::size_t>(j)];
    const auto e = p_->offset[static_cast<std::size_t>(j) + 1];
    for (auto r = b; r < e; ++r) {
      const IdRun run = p_->runs[r];
      for (std::uint32_t t = run.first; t < run.first + run.count; ++t) fn(t);
    }
  }
  const CoverageProblem* p_;
  std::vector<int> count_;
};

/// The best total of marginal gains that fits the budget (fractional knapsack; the
/// k largest when choosing a count). An upper bound on what adding any feasible set
/// could still bring (submodularity), hence OPT <= f(S) + this.
double best_gains(std::vector<std::pair<double, double>> gain_cost, const SelectOptions& o) {
  double total = 0.0;
  if (o.budget <= 0.0) {
    const std::size_t k =
        std::min(gain_cost.size(), static_cast<std::size_t>(std::max(o.count, 0)));
    std::partial_sort(gain_cost.begin(), gain_cost.begin() + static_cast<std::ptrdiff_t>(k),
                      gain_cost.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < k; ++i) total += std::max(0.0, gain_cost[i].first);
    return total;
  }
  std::sort(gain_cost.begin(), gain_cost.end(),
            [](const auto& a, const auto& b) { return a.first * b.second > b.first * a.second; });
  double left = o.budget;
  for (const auto& [g, c] : gain_cost) {
    if (g <= 0.0 || left <= 0.0) break;
    if (c <= left) {
      total += g;
      left -= c;
    } else {
      total += g * left / c;
      left = 0.0;
    }
  }
  return total;
}

struct Greedy {
  std::vector<int> chosen;
  std::vector<double> gain;
  double value = 0.0;
  double bound = INFINITY;
  std::vector<double> alone;  ///< every candidate's gain from the empty selection
};

/// CELF: gains are only recomputed when a stale one reaches the top of the heap.
/// `by_ratio` ranks by gain / cost (cost-benefit), else by gain.
Greedy lazy_greedy(const CoverageProblem& p, const SelectOptions& o, bool by_ratio) {
  State st(p);
  Greedy g;
  struct Entry {
    double key;
    double gain;
    int cand;
    int stamp;
    bool operator<(const Entry& e) const { return key < e.key; }
  };
  std::priority_queue<Entry> heap;
  std::vector<std::pair<double, double>> first_gains;
  std::vector<double> gains(static_cast<std::size_t>(p.candidates()));
#pragma omp parallel for schedule(dynamic, 64)
  for (int j = 0; j < p.candidates(); ++j) gains[static_cast<std::size_t>(j)] = st.gain(j);
  for (int j = 0; j < p.candidates(); ++j) {
    const double gj = gains[static_cast<std::size_t>(j)];
    first_gains.push_back({gj, p.cost[static_cast<std::size_t>(j)]});
    if (gj > 0.0) heap.push({by_ratio ? gj / p.cost[static_cast<std::size_t>(j)] : gj, gj, j, 0});
  }
  g.bound = best_gains(first_gains, o);
  double spent = 0.0;
  int iteration = 0;
  const bool by_count = o.budget <= 0.0;
  while (!heap.empty()) {
    if (by_count && static_cast<int>(g.chosen.size()) >= o.count) break;
    Entry top = heap.top();
    heap.pop();
    const double c = p.cost[static_cast<std::size_t>(top.cand)];
    if (!by_count && spent + c > o.budget + 1e-12)
      continue;  // never fits again: the budget only shrinks
    if (top.stamp != iteration) {
      top.gain = st.gain(top.cand);
      top.key = by_ratio ? top.gain / c : top.gain;
      top.stamp = iteration;
      if (top.gain > 0.0) heap.push(top);
      continue;
    }
    st.add(top.cand);
    g.chosen.push_back(top.cand);
    g.gain.push_back(top.gain);
    g.value += top.gain;
    spent += by_count ? 1.0 : c;
    ++iteration;
    if (by_count) {
      // Minoux's bound with the heap's (stale, hence larger) gains: still valid.
      auto copy = heap;
      const int k = o.count;
      double top_k = 0.0;
      for (int i = 0; i < k && !copy.empty(); ++i) {
        top_k += copy.top().gain;
        copy.pop();
      }
      g.bound = std::min(g.bound, g.value + top_k);
    }
  }
  g.alone = std::move(gains);
  return g;
}

}  // namespace

namespace {

/// Which candidates may see a target in common: those whose boxes meet (when the
/// problem has them) and whose blocks of 2^shift consecutive target ids, as a bitset
/// (at most 8192 blocks), share a block. Candidates that are not neighbours see no
/// target in common, so adding or removing one leaves the other's gain as it was. On
/// a long border most candidates are far from any given one.
class Neighbours {
 public:
  explicit Neighbours(const CoverageProblem& p) : extent_(&p.extent) {
    const auto t = static_cast<std::uint64_t>(std::max(p.targets(), 1));
    while ((t >> shift_) > 8192) ++shift_;
    words_ = static_cast<std::size_t>(((t - 1) >> shift_) / 64 + 1);
    bits_.assign(words_ * static_cast<std::size_t>(p.candidates()), 0);
    for (int j = 0; j < p.candidates(); ++j) {
      std::uint64_t* b = bits_.data() + words_ * static_cast<std::size_t>(j);
      for (auto r = p.offset[static_cast<std::size_t>(j)];
           r < p.offset[static_cast<std::size_t>(j) + 1]; ++r) {
        const IdRun run = p.runs[r];
        if (run.count == 0) continue;
        for (std::uint64_t k = run.first >> shift_; k <= (run.first + run.count - 1) >> shift_; ++k)
          b[k / 64] |= std::uint64_t{1} << (k % 64);
      }
    }
  }
  /// out[j] = 1 where candidate j may see a target that i sees (j = i included).
  void of(int i, std::vector<char>& out) const {
    const std::size_t n = bits_.size() / words_;
    out.assign(n, 0);
    const std::uint64_t* a = bits_.data() + words_ * static_cast<std::size_t>(i);
    const bool boxes = !extent_->empty();
    for (std::size_t j = 0; j < n; ++j) {
      if (boxes && !(*extent_)[static_cast<std::size_t>(i)].meets((*extent_)[j])) continue;
      const std::uint64_t* b = bits_.data() + words_ * j;
      std::uint64_t any = 0;
      for (std::size_t w = 0; w < words_; ++w) any |= a[w] & b[w];
      out[j] = any != 0;
    }
  }

 private:
  const std::vector<CoverageProblem::Box>* extent_;
  int shift_ = 0;
  std::size_t words_ = 1;
  std::vector<std::uint64_t> bits_;
};

/// A selection being improved: its members, the coverage state, f, and each
/// candidate's gain against this selection where known (NaN where not). A change of
/// the selection forgets only the gains of the candidates near the one changed.
struct Working {
  Working(const CoverageProblem& p, const Neighbours& n)
      : st(p),
        in(static_cast<std::size_t>(p.candidates()), 0),
        known(static_cast<std::size_t>(p.candidates()), std::numeric_limits<double>::quiet_NaN()),
        neighbours(&n) {}
  State st;
  std::vector<int> chosen;
  std::vector<char> in;
  double value = 0.0;
  double spent = 0.0;
  std::vector<double> known;  ///< gain against the selection; NaN: to be computed
  const Neighbours* neighbours;

  /// j's gain against the selection, from `known` or counted (and kept). While a
  /// chosen point i is out on trial, valid for the candidates not near i only (their
  /// gain is the same with i or without). Safe from several threads for distinct j.
  double gain(int j) {
    double& g = known[static_cast<std::size_t>(j)];
    if (std::isnan(g)) g = st.gain(j);
    return g;
  }
  void add(const CoverageProblem& p, int j, double gain) {
    st.add(j);
    chosen.push_back(j);
    in[static_cast<std::size_t>(j)] = 1;
    value += gain;
    spent += p.cost[static_cast<std::size_t>(j)];
    forget_near(j);
  }
  /// Takes the point at chosen[pos] out of the selection.
  void remove_at(const CoverageProblem& p, std::size_t pos) {
    const int i = chosen[pos];
    value -= st.loss(i);
    st.remove(i);
    in[static_cast<std::size_t>(i)] = 0;
    spent -= p.cost[static_cast<std::size_t>(i)];
    chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(pos));
    forget_near(i);
  }
  /// Forgets the gains of the candidates near j.
  void forget_near(int j) {
    thread_local std::vector<char> near;
    neighbours->of(j, near);
    forget(near);
  }
  /// Forgets the gains of the candidates marked in `near` (Neighbours::of).
  void forget(const std::vector<char>& near) {
    for (std::size_t k = 0; k < near.size(); ++k)
      if (near[k]) known[k] = std::numeric_limits<double>::quiet_NaN();
  }
};

bool fits(const CoverageProblem& p, const SelectOptions& o, const Working& w, int j,
          double freed = 0.0) {
  if (o.budget <= 0.0) return true;
  return w.spent - freed + p.cost[static_cast<std::size_t>(j)] <= o.budget + 1e-12;
}

/// Adds the best-gain point (best gain per cost with a budget) until nothing fits.
/// With `rng`, each pick is drawn among the three best (to diversify restarts).
/// `alone` (each candidate's gain from nothing) bounds every gain (submodularity), so
/// candidates that cannot enter the three best are not evaluated.
void fill_greedily(const CoverageProblem& p, const SelectOptions& o, Working& w,
                   const std::vector<double>& alone, std::mt19937* rng = nullptr) {
  while (o.budget > 0.0 || static_cast<int>(w.chosen.size()) < o.count) {
    struct Pick {
      double key = 0.0;
      double gain = 0.0;
      int j = -1;
    };
    Pick top[3];
    for (int j = 0; j < p.candidates(); ++j) {
      if (w.in[static_cast<std::size_t>(j)] || !fits(p, o, w, j)) continue;
      const double c = p.cost[static_cast<std::size_t>(j)];
      const double bound = alone[static_cast<std::size_t>(j)];
      if ((o.budget > 0.0 ? bound / c : bound) <= top[2].key) continue;
      const double g = w.gain(j);
      const double key = o.budget > 0.0 ? g / c : g;
      if (key <= top[2].key) continue;
      top[2] = {key, g, j};
      std::sort(std::begin(top), std::end(top),
                [](const Pick& a, const Pick& b) { return a.key > b.key; });
    }
    int n = 0;
    while (n < 3 && top[n].j >= 0) ++n;
    if (n == 0) return;
    const Pick& pick = rng ? top[(*rng)() % static_cast<unsigned>(n)] : top[0];
    w.add(p, pick.j, pick.gain);
  }
}

/// The candidate not in the selection whose gain is largest and above `threshold`
/// (-1 if none), among those that fit once `freed` cost is given back, while the
/// chosen point whose neighbours are `near` is out on trial (their gains are counted
/// afresh, the others' taken from what the selection knows). Parallel; the winner
/// does not depend on the number of threads (larger gain, then lower index).
std::pair<double, int> best_addition(const CoverageProblem& p, const SelectOptions& o,
                                     Working& w, const std::vector<double>& alone,
                                     double threshold, double freed,
                                     const std::vector<char>& near) {
  double best_gain = threshold;
  int best = -1;
#pragma omp parallel
  {
    double tg = threshold;
    int tb = -1;
#pragma omp for schedule(dynamic, 64) nowait
    for (int j = 0; j < p.candidates(); ++j) {
      if (w.in[static_cast<std::size_t>(j)] || alone[static_cast<std::size_t>(j)] < tg) continue;
      if (!fits(p, o, w, j, freed)) continue;
      const double gj = near[static_cast<std::size_t>(j)] ? w.st.gain(j) : w.gain(j);
      if (gj > tg || (gj == tg && tb >= 0 && j < tb)) {
        tg = gj;
        tb = j;
      }
    }
#pragma omp critical
    {
      if (tb >= 0 && (tg > best_gain || (tg == best_gain && (best < 0 || tb < best)))) {
        best_gain = tg;
        best = tb;
      }
    }
  }
  return {best_gain, best};
}

/// Swap/replace until no swap of one chosen point for another improves f.
int swap_search(const CoverageProblem& p, const SelectOptions& o, Working& w,
                const std::vector<double>& alone, std::chrono::steady_clock::time_point deadline) {
  int swaps = 0;
  bool improved = true;
  std::vector<char> near;
  while (improved && std::chrono::steady_clock::now() < deadline) {
    improved = false;
    for (std::size_t pos = 0; pos < w.chosen.size(); ++pos) {
      const int i = w.chosen[pos];
      const double loss = w.st.loss(i);
      w.neighbours->of(i, near);
      w.st.remove(i);
      const double threshold = loss + 1e-9 * std::max(1.0, w.value);
      const auto [best_gain, best] =
          best_addition(p, o, w, alone, threshold, p.cost[static_cast<std::size_t>(i)], near);
      if (best >= 0) {
        w.st.add(best);
        w.forget(near);
        w.forget_near(best);
        w.in[static_cast<std::size_t>(i)] = 0;
        w.in[static_cast<std::size_t>(best)] = 1;
        w.spent += p.cost[static_cast<std::size_t>(best)] - p.cost[static_cast<std::size_t>(i)];
        w.chosen[pos] = best;
        w.value += best_gain - loss;
        ++swaps;
        improved = true;
      } else {
        w.st.add(i);
      }
    }
  }
  // With a budget, a swap may have freed room: fill it.
  if (o.budget > 0.0) {
    const double before = w.value;
    fill_greedily(p, o, w, alone);
    if (w.value > before) ++swaps;
  }
  return swaps;
}

}  // namespace

Selection select_points(const CoverageProblem& p, const SelectOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(o.time_limit_s));
  if (p.candidates() == 0) throw Error("no candidate observation point sees any target");
  if (o.budget <= 0.0 && o.count < 1)
    throw Error("the number of points to choose must be at least 1");
  if (p.m < 1) throw Error("views per target (m) must be at least 1");
  for (double c : p.cost) {
    if (!(c > 0.0)) throw Error("candidate costs must be positive");
  }
  if (!p.extent.empty() && p.extent.size() != p.cost.size())
    throw Error("internal: " + std::to_string(p.extent.size()) + " candidate boxes for " +
                    std::to_string(p.cost.size()) + " candidates",
                Error::Kind::Runtime);
  Selection s;
  Greedy g = lazy_greedy(p, o, false);
  if (o.budget > 0.0) {
    // With unequal costs, the better of uniform-cost and cost-benefit greedy
    // (Leskovec et al. 2007).
    Greedy cb = lazy_greedy(p, o, true);
    const double bound = std::min(g.bound, cb.bound);
    if (cb.value > g.value) g = std::move(cb);
    g.bound = bound;
  }
  s.greedy_value = g.value;
  double bound = g.bound;

  const Neighbours neighbours(p);
  Working best(p, neighbours);
  for (std::size_t k = 0; k < g.chosen.size(); ++k) best.add(p, g.chosen[k], g.gain[k]);
  if (o.local_search && !best.chosen.empty()) {
    const std::vector<double>& alone = g.alone;  // each candidate's gain on its own
    s.swaps += swap_search(p, o, best, alone, deadline);
    // Iterated local search: knock out up to half of the points at random, refill
    // with a randomised greedy, search again; keep the best (deterministic: fixed seed).
    std::mt19937 rng(o.seed);
    for (int it = 0; it < o.restarts && std::chrono::steady_clock::now() < deadline; ++it) {
      Working w = best;
      const std::size_t half = std::max<std::size_t>(1, (w.chosen.size() + 1) / 2);
      const std::size_t out = 1 + rng() % half;
      for (std::size_t r = 0; r < out && !w.chosen.empty(); ++r)
        w.remove_at(p, rng() % w.chosen.size());
      fill_greedily(p, o, w, alone, &rng);
      const int sw = swap_search(p, o, w, alone, deadline);
      if (w.value > best.value + 1e-9 * std::max(1.0, best.value)) {
        best = std::move(w);
        s.swaps += sw + 1;
      }
    }
  }

  // The online bound at the final selection, with exact marginal gains.
  {
    std::vector<double> gains(static_cast<std::size_t>(p.candidates()), -1.0);
#pragma omp parallel for schedule(dynamic, 64)
    for (int j = 0; j < p.candidates(); ++j) {
      if (!best.in[static_cast<std::size_t>(j)])
        gains[static_cast<std::size_t>(j)] = best.st.gain(j);
    }
    std::vector<std::pair<double, double>> gc;
    gc.reserve(static_cast<std::size_t>(p.candidates()));
    for (int j = 0; j < p.candidates(); ++j) {
      if (!best.in[static_cast<std::size_t>(j)]) {
        gc.push_back({gains[static_cast<std::size_t>(j)], p.cost[static_cast<std::size_t>(j)]});
      }
    }
    bound = std::min(bound, best.value + best_gains(gc, o));
  }

  // Rank the final set greedily, so that rank and marginal gain mean something.
  {
    State r(p);
    std::vector<int> left = best.chosen;
    while (!left.empty()) {
      std::size_t pick = 0;
      double pick_gain = -1.0;
      for (std::size_t k = 0; k < left.size(); ++k) {
        const double gk = r.gain(left[k]);
        if (gk > pick_gain) {
          pick_gain = gk;
          pick = k;
        }
      }
      r.add(left[pick]);
      s.chosen.push_back(left[pick]);
      s.gain.push_back(pick_gain);
      left.erase(left.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
  s.value = p.value(s.chosen);
  s.upper_bound = std::max(bound, s.value);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

ExactResult select_exact(const CoverageProblem& p, const SelectOptions& o, double time_limit_s) {
  glp_term_out(GLP_OFF);
  glp_prob* lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MAX);
  const int n = p.candidates();
  const int t = p.targets();
  // Columns: x_1..x_n (binary), then y_1..y_t in [0, 1].
  glp_add_cols(lp, n + t);
  for (int i = 1; i <= n; ++i) glp_set_col_kind(lp, i, GLP_BV);
  for (int k = 1; k <= t; ++k) {
    glp_set_col_bnds(lp, n + k, GLP_DB, 0.0, 1.0);
    glp_set_obj_coef(lp, n + k, p.weight[static_cast<std::size_t>(k - 1)]);
  }
  // Rows: m y_t - sum_{i covers t} x_i <= 0 for each target, then the count or budget.
  glp_add_rows(lp, t + 1);
  std::vector<std::vector<int>> covering(static_cast<std::size_t>(t));
  for (int i = 0; i < n; ++i) {
    for (auto r = p.offset[static_cast<std::size_t>(i)];
         r < p.offset[static_cast<std::size_t>(i) + 1]; ++r) {
      for (std::uint32_t id = p.runs[r].first; id < p.runs[r].first + p.runs[r].count; ++id)
        covering[id].push_back(i);
    }
  }
  std::vector<int> ia{0};
  std::vector<int> ja{0};
  std::vector<double> ar{0.0};
  for (int k = 0; k < t; ++k) {
    glp_set_row_bnds(lp, k + 1, GLP_UP, 0.0, 0.0);
    ia.push_back(k + 1);
    ja.push_back(n + k + 1);
    ar.push_back(p.m);
    for (int i : covering[static_cast<std::size_t>(k)]) {
      ia.push_back(k + 1);
      ja.push_back(i + 1);
      ar.push_back(-1.0);
    }
  }
  const bool by_count = o.budget <= 0.0;
  glp_set_row_bnds(lp, t + 1, GLP_UP, 0.0, by_count ? o.count : o.budget);
  for (int i = 0; i < n; ++i) {
    ia.push_back(t + 1);
    ja.push_back(i + 1);
    ar.push_back(by_count ? 1.0 : p.cost[static_cast<std::size_t>(i)]);
  }
  glp_load_matrix(lp, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  glp_iocp parm;
  glp_init_iocp(&parm);
  parm.presolve = GLP_ON;
  parm.tm_lim = static_cast<int>(time_limit_s * 1000.0);
  parm.mip_gap = 0.0;
  const int rc = glp_intopt(lp, &parm);
  ExactResult res;
  const int status = glp_mip_status(lp);
  res.optimal = rc == 0 && status == GLP_OPT;
  if (status == GLP_OPT || status == GLP_FEAS) {
    for (int i = 1; i <= n; ++i) {
      if (glp_mip_col_val(lp, i) > 0.5) res.chosen.push_back(i - 1);
    }
    res.value = p.value(res.chosen);
  }
  glp_delete_prob(lp);
  return res;
}

}  // namespace vigia::planner
