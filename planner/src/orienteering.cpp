#include "vigia/planner/orienteering.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <thread>

#include "vigia/geo/error.hpp"

namespace vigia::planner {

double OrienteeringProblem::route_time(const std::vector<int>& r) const {
  double total = 0.0;
  for (std::size_t k = 1; k < r.size(); ++k) total += t(r[k - 1], r[k]);
  for (std::size_t k = 1; k + 1 < r.size(); ++k) total += s(r[k]);
  return total;
}

double ScoreObjective::route_value(const std::vector<int>& r) const {
  double v = 0.0;
  for (std::size_t k = 1; k + 1 < r.size(); ++k) v += score_[static_cast<std::size_t>(r[k])];
  return v;
}

double ScoreObjective::value(const Routes& routes) const {
  double v = 0.0;
  for (const auto& r : routes) v += route_value(r);
  return v;
}

double ScoreObjective::delta(const std::vector<int>& which, const Routes& changed) const {
  double d = 0.0;
  for (std::size_t i = 0; i < which.size(); ++i) {
    d += route_value(changed[i]) - route_value(committed_[static_cast<std::size_t>(which[i])]);
  }
  return d;
}

namespace {

constexpr double kEps = 1e-9;

/// A move: new forms of some routes (changed[i] for route which[i]; `changed` may
/// hold more entries, kept for their memory, which nothing reads).
struct Move {
  std::vector<int> which;
  Routes changed;
  void clear() {
    which.clear();
    if (changed.size() < 2) changed.resize(2);  // add() keeps references valid
  }
  std::vector<int>& add(int r) {
    which.push_back(r);
    if (changed.size() < which.size()) changed.resize(which.size());
    return changed[which.size() - 1];
  }
};

/// A neighbourhood's move k, in the search's fixed order: 2-opt, or-opt, replace,
/// move or swap between vehicles. Built from the committed routes on demand.
struct MoveSpec {
  enum Kind : std::uint8_t { TwoOpt, OrOpt, Replace, Shift, Swap } kind;
  int r, a, b, c;  ///< route(s) and positions, by kind
};

class Solver {
 public:
  Solver(const OrienteeringProblem& p, RouteObjective& obj, const OrienteeringOptions& o)
      : p_(p), obj_(obj), o_(o), rng_(o.seed) {}

  /// Whether the exact checks run as tasks beside the search (run() must then be
  /// called by the master thread of a parallel region, which runs the tasks).
  void speculate(bool on) { speculate_ = on; }
  /// The checks not yet started are skipped (the search has ended).
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }

  OrienteeringSolution run() {
    const auto t0 = std::chrono::steady_clock::now();
    deadline_ = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(o_.time_limit_s));
    routes_.clear();
    for (const auto& v : p_.vehicles) routes_.push_back({v.start, v.end});
    time_.assign(routes_.size(), 0.0);
    for (std::size_t r = 0; r < routes_.size(); ++r) time_[r] = p_.route_time(routes_[r]);
    in_.assign(static_cast<std::size_t>(p_.nodes), 0);
    if (!o_.initial.empty()) start_from(o_.initial);
    obj_.commit(routes_);
    value_ = obj_.value(routes_);
    OrienteeringSolution out;
    Snapshot best = snapshot();
    long long it = 0;
    long long stall = 0;
    in_round(best, stall, [&] {
      insert_greedily(false);
      local_search();
      best = snapshot();
    });
    while (!timed_out() && (o_.max_iterations <= 0 || it < o_.max_iterations) &&
           (o_.stall_limit <= 0 || stall < o_.stall_limit)) {
      ++it;
      if (o_.progress) {
        const double by_time =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
            std::max(o_.time_limit_s, 1e-9);
        const double by_rounds =
            o_.max_iterations > 0 ? static_cast<double>(it) / o_.max_iterations : 0.0;
        if (!o_.progress(std::min(1.0, std::max(by_time, by_rounds)))) break;
      }
      in_round(best, stall, [&] {
        if (stall > 0 && stall % 64 == 0) {
          // Far from the best for a while: start afresh from a random first visit, so
          // that regions a greedy start never reaches get their chance.
          restart_from_scratch();
        } else {
          perturb();
        }
        exponent_ = kExponents[rng_() % 4];
        insert_greedily(true);
        exponent_ = 1.0;
        local_search();
        if (stopped_) return;
        if (better(value_, total_time(), best.value, best.total_time)) {
          // Only more value resets the stall count: shaving time off an equal score
          // can go on for long without changing the answer.
          stall = value_ > best.value + kEps * std::max(1.0, std::abs(best.value)) ? 0 : stall + 1;
          best = snapshot();
        } else {
          ++stall;
          // Go on from the best now and then, else from here (a random walk).
          if (stall % 8 == 0) restore(best);
        }
      });
      if (stopped_) break;
    }
    out.time_capped = !stopped_ && timed_out() &&
                      (o_.max_iterations <= 0 || it < o_.max_iterations) &&
                      (o_.stall_limit <= 0 || stall < o_.stall_limit);
    out.stopped = stopped_;
    restore(best);
    out.routes = routes_;
    out.value = obj_.value(routes_);
    out.route_time = time_;
    out.iterations = it;
    out.moves_valued = valued_;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }

 private:
  /// The exact checks' answers by route; a task writes a pending one.
  enum : signed char { kPending, kYes, kNo };
  struct Answer {
    std::atomic<signed char> state{kPending};
    std::atomic<bool> taken{false};  ///< a thread runs (or ran) the check
    const std::vector<int>* route = nullptr;
    std::exception_ptr error;
  };
  struct Snapshot {
    Routes routes;
    std::vector<double> time;
    double value = 0.0;
    double total_time = 0.0;
  };
  Snapshot snapshot() const { return {routes_, time_, value_, total_time()}; }

  /// Runs one round of the search (`body`) so that it is the round one thread would
  /// run. With speculation the routes it flies are checked by tasks while it goes on
  /// as if they flew; when one did not, the round runs again from its start, now
  /// knowing that route's answer (and all it asked before), until every answer it used
  /// was the true one. Time out or a stop with an answer wrong leaves the round undone.
  template <class Body>
  void in_round(Snapshot& best, long long& stall, Body&& body) {
    if (!speculate_) {
      body();
      return;
    }
    const Snapshot here = snapshot();
    const Snapshot best_here = best;
    const long long stall_here = stall, valued_here = valued_;
    const std::mt19937 rng_here = rng_;
    for (;;) {
      body();
      if (settle()) return;
      restore(here);
      best = best_here;
      stall = stall_here;
      valued_ = valued_here;
      rng_ = rng_here;
      exponent_ = 1.0;
      if (stopped_ || timed_out()) return;
    }
  }

  /// The exact check of a route (o_.feasible), each route asked once. Speculating, a
  /// route not asked before is flown by a task and taken to fly until settle().
  bool route_flies(const std::vector<int>& route, bool now = false) {
    if (!o_.feasible) return true;
    auto [it, fresh] = known_.try_emplace(route);
    Answer& a = it->second;
    if (!fresh) {
      const signed char st = a.state.load(std::memory_order_acquire);
      if (st == kPending) return true;
      // A check that failed with an error: settle() throws it if the round, as one
      // thread runs it, gets this far.
      if (a.error) {
        pending_.push_back(&a);
        return true;
      }
      return st == kYes;
    }
    if (!speculate_ || now) {
      bool ok = false;
      try {
        ok = o_.feasible(route);
      } catch (...) {
        known_.erase(it);
        throw;
      }
      a.state.store(ok ? kYes : kNo, std::memory_order_relaxed);
      return ok;
    }
    a.state.store(kPending, std::memory_order_relaxed);
    a.route = &it->first;
    pending_.push_back(&a);
    Answer* slot = &a;
    // A pointer, not a reference, into the task: it outlives this call.
    Solver* self = this;
#pragma omp task default(none) firstprivate(slot, self)
    self->run_check(*slot);
    return true;
  }
  /// Runs a check unless another thread has taken it. Once stopped (Ctrl-C), checks not
  /// yet started are not run: the round is then left undone (not kYes).
  void run_check(Answer& a) const {
    if (a.taken.exchange(true, std::memory_order_acq_rel)) return;
    try {
      const bool ok = !cancelled_.load(std::memory_order_relaxed) && o_.feasible(*a.route);
      a.state.store(ok ? kYes : kNo, std::memory_order_release);
    } catch (...) {
      a.error = std::current_exception();
      a.state.store(kNo, std::memory_order_release);
    }
  }
  /// Waits for the round's checks: true when every route taken to fly does. Checks
  /// are read in the order they were asked, up to the first that did not fly; an error
  /// there is thrown, as one thread would have thrown it.
  bool settle() {
    // This thread runs the checks no other thread has taken, in order, then waits for
    // the others; it asks `stop` between them (a Ctrl-C skips the rest at once).
    for (Answer* a : pending_) {
      if (stop_asked()) break;
      run_check(*a);
    }
    for (Answer* a : pending_) {
      while (a->state.load(std::memory_order_acquire) == kPending && !stop_asked())
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
#pragma omp taskwait
    bool all = true;
    for (Answer* a : pending_) {
      if (a->state.load(std::memory_order_acquire) == kYes) continue;
      if (a->error) std::rethrow_exception(a->error);
      all = false;
      break;
    }
    pending_.clear();
    return all;
  }

  /// Starts from given routes (a warm start: the solver only ever keeps better ones).
  void start_from(const Routes& initial) {
    if (initial.size() != routes_.size())
      throw Error("the initial solution has " + std::to_string(initial.size()) + " routes for " +
                  std::to_string(routes_.size()) + " vehicles");
    for (std::size_t r = 0; r < initial.size(); ++r) {
      const auto& route = initial[r];
      const auto& v = p_.vehicles[r];
      if (route.size() < 2 || route.front() != v.start || route.back() != v.end)
        throw Error("initial route " + std::to_string(r) +
                    " does not run from its start to its end");
      for (std::size_t k = 1; k + 1 < route.size(); ++k) {
        const int node = route[k];
        if (node < 0 || node >= p_.nodes || !p_.visitable[static_cast<std::size_t>(node)] ||
            in_[static_cast<std::size_t>(node)])
          throw Error("initial route " + std::to_string(r) + " visits node " +
                      std::to_string(node) + " that is not an optional node or is visited twice");
        in_[static_cast<std::size_t>(node)] = 1;
      }
      const double t = p_.route_time(route);
      if (t > v.budget + kEps || !route_flies(route, true))
        throw Error("initial route " + std::to_string(r) + " is not feasible");
      routes_[r] = route;
      time_[r] = t;
    }
  }
  void restore(const Snapshot& s) {
    routes_ = s.routes;
    time_ = s.time;
    value_ = s.value;
    std::fill(in_.begin(), in_.end(), 0);
    for (const auto& r : routes_)
      for (std::size_t k = 1; k + 1 < r.size(); ++k) in_[static_cast<std::size_t>(r[k])] = 1;
    obj_.commit(routes_);
  }
  double total_time() const { return std::accumulate(time_.begin(), time_.end(), 0.0); }
  static bool better(double v, double t, double bv, double bt) {
    return v > bv + kEps * std::max(1.0, std::abs(bv)) ||
           (std::abs(v - bv) <= kEps * std::max(1.0, std::abs(bv)) && t < bt - kEps);
  }
  bool fits(int r, const std::vector<int>& route, double time) {
    if (time > p_.vehicles[static_cast<std::size_t>(r)].budget + kEps) return false;
    return route_flies(route);
  }
  /// Commits new forms of routes (already checked).
  void apply(const std::vector<int>& which, Routes changed, double dvalue) {
    for (std::size_t i = 0; i < which.size(); ++i) {
      const auto r = static_cast<std::size_t>(which[i]);
      for (std::size_t k = 1; k + 1 < routes_[r].size(); ++k)
        in_[static_cast<std::size_t>(routes_[r][k])] = 0;
    }
    for (std::size_t i = 0; i < which.size(); ++i) {
      const auto r = static_cast<std::size_t>(which[i]);
      routes_[r] = std::move(changed[i]);
      time_[r] = p_.route_time(routes_[r]);
      for (std::size_t k = 1; k + 1 < routes_[r].size(); ++k)
        in_[static_cast<std::size_t>(routes_[r][k])] = 1;
    }
    value_ += dvalue;
    obj_.commit(routes_);
  }
  /// The time limit has passed, or `stop` asked to end (asked at most every 50 ms).
  bool timed_out() {
    if (stopped_) return true;
    const auto now = std::chrono::steady_clock::now();
    if (o_.stop && now >= next_stop_check_) {
      next_stop_check_ = now + std::chrono::milliseconds(50);
      if (o_.stop()) {
        stopped_ = true;
        cancelled_.store(true, std::memory_order_relaxed);
        return true;
      }
    }
    return now >= deadline_;
  }
  /// Whether `stop` asked to end (asked at most every 50 ms), not the time limit.
  bool stop_asked() {
    timed_out();
    return stopped_;
  }
  bool unvisited(int v) const {
    return p_.visitable[static_cast<std::size_t>(v)] && !in_[static_cast<std::size_t>(v)];
  }
  /// The cheapest position for node v in `route` that keeps the route (now
  /// `base_time` long) within `budget`, and the time it adds (INFINITY: none).
  std::pair<double, std::size_t> cheapest_position(const std::vector<int>& route, int v,
                                                   double base_time, double budget) const {
    double best_dt = INFINITY;
    std::size_t best_pos = 0;
    for (std::size_t k = 1; k < route.size(); ++k) {
      const double dt =
          p_.t(route[k - 1], v) + p_.s(v) + p_.t(v, route[k]) - p_.t(route[k - 1], route[k]);
      if (dt < best_dt && base_time + dt <= budget + kEps) {
        best_dt = dt;
        best_pos = k;
      }
    }
    return {best_dt, best_pos};
  }

  /// Blocks of moves valued at once: one on one thread (nothing valued in vain), when
  /// moves are cheap to value (threads would cost more than they bring) or when the
  /// other threads fly the routes (speculation), else enough for every thread to have
  /// several.
  std::size_t block_size() const {
    const int threads = omp_get_max_threads();
    return threads <= 1 || !obj_.costly() || speculate_ ? 1
                                                          : static_cast<std::size_t>(32 * threads);
  }

  /// Inserts unvisited nodes while some insertion gains value within the budgets:
  /// the best value per added time (randomised among the best three on restarts).
  void insert_greedily(bool randomise) {
    struct Insertion {
      double key, dv, dt;
      int node, r;
      std::size_t pos;
    };
    std::vector<std::pair<int, int>> pairs;  // (node, route), in the order they are weighed
    std::vector<Insertion> found;
    while (!timed_out()) {
      pairs.clear();
      for (int v = 0; v < p_.nodes; ++v)
        if (unvisited(v))
          for (std::size_t r = 0; r < routes_.size(); ++r) pairs.push_back({v, static_cast<int>(r)});
      found.assign(pairs.size(), Insertion{0.0, 0.0, INFINITY, -1, -1, 0});
      valued_ += static_cast<long long>(pairs.size());
      const auto n = static_cast<std::ptrdiff_t>(pairs.size());
#pragma omp parallel for schedule(dynamic, 8) if (n > 16 && block_size() > 1)
      for (std::ptrdiff_t q = 0; q < n; ++q) {
        const auto [v, r] = pairs[static_cast<std::size_t>(q)];
        const auto ru = static_cast<std::size_t>(r);
        const auto [dt, pos] = cheapest_position(routes_[ru], v, time_[ru], p_.vehicles[ru].budget);
        if (!std::isfinite(dt)) continue;
        std::vector<int> changed = routes_[ru];
        changed.insert(changed.begin() + static_cast<std::ptrdiff_t>(pos), v);
        const double dv = obj_.delta({r}, {changed});
        if (dv <= kEps) continue;
        const double key = dv / std::pow(std::max(dt, 1e-9), exponent_);
        found[static_cast<std::size_t>(q)] = {key, dv, dt, v, r, pos};
      }
      // The gaining insertions in the order they were weighed, then by key (the sort
      // sees the same sequence on any thread count).
      std::vector<Insertion> top;
      for (const Insertion& m : found)
        if (m.node >= 0) top.push_back(m);
      if (top.empty()) return;
      std::sort(top.begin(), top.end(),
                [](const Insertion& a, const Insertion& b) { return a.key > b.key; });
      // Take the first whose route passes the exact check.
      bool done = false;
      const std::size_t first = randomise ? rng_() % std::min<std::size_t>(3, top.size()) : 0;
      for (std::size_t i = 0; i < top.size() && !done; ++i) {
        const Insertion& m = top[(first + i) % top.size()];
        std::vector<int> changed = routes_[static_cast<std::size_t>(m.r)];
        changed.insert(changed.begin() + static_cast<std::ptrdiff_t>(m.pos), m.node);
        if (!fits(m.r, changed, time_[static_cast<std::size_t>(m.r)] + m.dt)) continue;
        apply({m.r}, {changed}, m.dv);
        done = true;
      }
      if (!done) return;
    }
  }

  /// Builds move `m` of the committed routes into `mv`; false when it is no move
  /// (a replacement with no position within the budget).
  bool build(const MoveSpec& m, Move& mv) const {
    mv.clear();
    switch (m.kind) {
      case MoveSpec::TwoOpt: {
        auto& c = mv.add(m.r);
        c = routes_[static_cast<std::size_t>(m.r)];
        std::reverse(c.begin() + m.a, c.begin() + m.b + 1);
        return true;
      }
      case MoveSpec::OrOpt: {
        // The segment [a, a + len) moved to position k of the rest (c = len, b = k).
        const auto& route = routes_[static_cast<std::size_t>(m.r)];
        auto& c = mv.add(m.r);
        c.assign(route.begin(), route.begin() + m.a);
        c.insert(c.end(), route.begin() + m.a + m.c, route.end());
        c.insert(c.begin() + m.b, route.begin() + m.a, route.begin() + m.a + m.c);
        return true;
      }
      case MoveSpec::Replace: {
        // The visit at position a replaced by node b at its cheapest position.
        const auto ru = static_cast<std::size_t>(m.r);
        auto& c = mv.add(m.r);
        c = routes_[ru];
        c.erase(c.begin() + m.a);
        const double base_t = p_.route_time(c);
        double best_dt = INFINITY;
        std::size_t best_pos = 0;
        for (std::size_t q = 1; q < c.size(); ++q) {
          const double dt =
              p_.t(c[q - 1], m.b) + p_.s(m.b) + p_.t(m.b, c[q]) - p_.t(c[q - 1], c[q]);
          if (dt < best_dt) {
            best_dt = dt;
            best_pos = q;
          }
        }
        if (base_t + best_dt > p_.vehicles[ru].budget + kEps) return false;
        c.insert(c.begin() + static_cast<std::ptrdiff_t>(best_pos), m.b);
        return true;
      }
      case MoveSpec::Shift: {
        // Route a's visit at position b moved into route r's position c.
        const int v = routes_[static_cast<std::size_t>(m.a)][static_cast<std::size_t>(m.b)];
        auto& ra = mv.add(m.a);
        ra = routes_[static_cast<std::size_t>(m.a)];
        ra.erase(ra.begin() + m.b);
        auto& rb = mv.add(m.r);
        rb = routes_[static_cast<std::size_t>(m.r)];
        rb.insert(rb.begin() + m.c, v);
        return true;
      }
      case MoveSpec::Swap: {
        auto& ra = mv.add(m.a);
        ra = routes_[static_cast<std::size_t>(m.a)];
        auto& rb = mv.add(m.r);
        rb = routes_[static_cast<std::size_t>(m.r)];
        std::swap(ra[static_cast<std::size_t>(m.b)], rb[static_cast<std::size_t>(m.c)]);
        return true;
      }
    }
    return false;
  }

  /// What a move would bring: whether it is better (within the budgets, more value,
  /// or as much for less time) and its value change.
  struct Valued {
    bool better = false;
    double dv = 0.0;
  };
  Valued value_move(const Move& mv) const {
    double old_t = 0.0, new_t = 0.0;
    for (std::size_t i = 0; i < mv.which.size(); ++i) {
      old_t += time_[static_cast<std::size_t>(mv.which[i])];
      const double t = p_.route_time(mv.changed[i]);
      if (t > p_.vehicles[static_cast<std::size_t>(mv.which[i])].budget + kEps) return {};
      new_t += t;
    }
    const double dv = obj_.delta(mv.which, mv.changed);
    const double tol = kEps * std::max(1.0, std::abs(value_));
    if (!(dv > tol || (std::abs(dv) <= tol && new_t < old_t - 1e-9))) return {};
    return {true, dv};
  }

  /// Whether every route a move changes passes the exact check, in order.
  bool flies(const Move& mv) {
    for (std::size_t i = 0; i < mv.which.size(); ++i)
      if (!route_flies(mv.changed[i])) return false;
    return true;
  }

  /// Takes the first move of `moves`, in their order, that is better and feasible;
  /// false when there is none. Moves are valued one by one, or in blocks on all
  /// threads; the exact check (feasible) runs on the better ones of a block in order, so
  /// the move taken is the one a single thread going through them one by one would take.
  bool first_improvement(const std::vector<MoveSpec>& moves) {
    const std::size_t block = block_size();
    if (block == 1) {
      // One move after the other, nothing valued in vain.
      Move mv;
      for (const MoveSpec& spec : moves) {
        if ((++valued_ & 63) == 0 && timed_out()) return false;
        if (!build(spec, mv)) continue;
        const Valued v = value_move(mv);
        if (!v.better || !flies(mv)) continue;
        apply(mv.which, mv.changed, v.dv);
        return true;
      }
      return false;
    }
    std::vector<Valued> val;
    for (std::size_t b0 = 0; b0 < moves.size(); b0 += block) {
      if (timed_out()) return false;
      const std::size_t b1 = std::min(moves.size(), b0 + block);
      val.assign(b1 - b0, Valued{});
      const auto n = static_cast<std::ptrdiff_t>(b1 - b0);
#pragma omp parallel for schedule(dynamic, 4) if (n > 1)
      for (std::ptrdiff_t q = 0; q < n; ++q) {
        thread_local Move mv;
        if (build(moves[b0 + static_cast<std::size_t>(q)], mv))
          val[static_cast<std::size_t>(q)] = value_move(mv);
      }
      valued_ += static_cast<long long>(val.size());
      for (std::size_t q = 0; q < val.size(); ++q) {
        if (!val[q].better) continue;
        Move mv;
        build(moves[b0 + q], mv);
        if (!flies(mv)) continue;
        apply(mv.which, mv.changed, val[q].dv);
        return true;
      }
    }
    return false;
  }

  /// The moves within routes: per route, 2-opt reversals then or-opt (segments of 1
  /// to 3 visits moved elsewhere in the route).
  std::vector<MoveSpec> moves_within() const {
    std::vector<MoveSpec> out;
    for (std::size_t r = 0; r < routes_.size(); ++r) {
      const int n = static_cast<int>(routes_[r].size());
      const int ri = static_cast<int>(r);
      for (int i = 1; i + 1 < n; ++i)
        for (int j = i + 1; j + 1 < n; ++j) out.push_back({MoveSpec::TwoOpt, ri, i, j, 0});
      for (int len = 1; len <= 3; ++len)
        for (int i = 1; i + len < n; ++i)
          for (int k = 1; k < n - len; ++k)
            if (k != i) out.push_back({MoveSpec::OrOpt, ri, i, k, len});
    }
    return out;
  }
  /// A visit replaced by an unvisited node (at its best position in that route).
  std::vector<MoveSpec> moves_replace() const {
    std::vector<MoveSpec> out;
    for (std::size_t r = 0; r < routes_.size(); ++r)
      for (std::size_t k = 1; k + 1 < routes_[r].size(); ++k)
        for (int v = 0; v < p_.nodes; ++v)
          if (unvisited(v))
            out.push_back({MoveSpec::Replace, static_cast<int>(r), static_cast<int>(k), v, 0});
    return out;
  }
  /// Between vehicles: a visit moved to another route, or two visits swapped.
  std::vector<MoveSpec> moves_between() const {
    std::vector<MoveSpec> out;
    for (std::size_t a = 0; a < routes_.size(); ++a)
      for (std::size_t b = 0; b < routes_.size(); ++b) {
        if (a == b) continue;
        const int ai = static_cast<int>(a), bi = static_cast<int>(b);
        for (std::size_t i = 1; i + 1 < routes_[a].size(); ++i) {
          const int ii = static_cast<int>(i);
          for (std::size_t j = 1; j < routes_[b].size(); ++j)
            out.push_back({MoveSpec::Shift, bi, ai, ii, static_cast<int>(j)});
          if (a < b)
            for (std::size_t j = 1; j + 1 < routes_[b].size(); ++j)
              out.push_back({MoveSpec::Swap, bi, ai, ii, static_cast<int>(j)});
        }
      }
    return out;
  }

  void local_search() {
    while (!timed_out()) {
      if (first_improvement(moves_within())) continue;
      // Insert unvisited nodes where they gain value.
      const double before = value_;
      insert_greedily(false);
      if (value_ > before + kEps) continue;
      if (first_improvement(moves_replace())) continue;
      if (routes_.size() < 2 || !first_improvement(moves_between())) return;
    }
  }

  /// Empties every route, then puts one random reachable node into one of them.
  void restart_from_scratch() {
    Routes changed;
    for (const auto& v : p_.vehicles) changed.push_back({v.start, v.end});
    std::vector<int> which(routes_.size());
    std::iota(which.begin(), which.end(), 0);
    apply(which, changed, obj_.delta(which, changed));
    std::vector<int> order;
    for (int v = 0; v < p_.nodes; ++v) {
      if (p_.visitable[static_cast<std::size_t>(v)]) order.push_back(v);
    }
    std::shuffle(order.begin(), order.end(), rng_);
    const std::size_t r = rng_() % routes_.size();
    for (int v : order) {
      std::vector<int> c = routes_[r];
      c.insert(c.end() - 1, v);
      if (p_.route_time(c) <= p_.vehicles[r].budget + kEps && route_flies(c)) {
        apply({static_cast<int>(r)}, {c}, obj_.delta({static_cast<int>(r)}, {c}));
        return;
      }
    }
  }

  /// Removes a few visits at random: single nodes or one stretch of a route.
  void perturb() {
    std::vector<std::pair<std::size_t, std::size_t>> visits;
    for (std::size_t r = 0; r < routes_.size(); ++r)
      for (std::size_t k = 1; k + 1 < routes_[r].size(); ++k) visits.push_back({r, k});
    if (visits.empty()) return;
    Routes changed = routes_;
    if (rng_() % 2 == 0) {
      // A stretch of up to a third of a route.
      const auto [r, k] = visits[rng_() % visits.size()];
      const std::size_t len = 1 + rng_() % std::max<std::size_t>(1, (routes_[r].size() - 2) / 3);
      const std::size_t end = std::min(k + len, changed[r].size() - 1);
      changed[r].erase(changed[r].begin() + static_cast<std::ptrdiff_t>(k),
                       changed[r].begin() + static_cast<std::ptrdiff_t>(end));
    } else {
      const std::size_t n = 1 + rng_() % std::max<std::size_t>(1, visits.size() / 3);
      for (std::size_t i = 0; i < n; ++i) {
        std::vector<std::pair<std::size_t, std::size_t>> left;
        for (std::size_t r = 0; r < changed.size(); ++r)
          for (std::size_t k = 1; k + 1 < changed[r].size(); ++k) left.push_back({r, k});
        if (left.empty()) break;
        const auto [r, k] = left[rng_() % left.size()];
        changed[r].erase(changed[r].begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    // Fewer visits are usually shorter, but leg times need not obey the triangle
    // inequality and a new leg can be unflyable: a route that no longer fits keeps
    // its visits.
    for (std::size_t r = 0; r < changed.size(); ++r)
      if (changed[r] != routes_[r] &&
          !fits(static_cast<int>(r), changed[r], p_.route_time(changed[r])))
        changed[r] = routes_[r];
    std::vector<int> which(routes_.size());
    std::iota(which.begin(), which.end(), 0);
    const double dv = obj_.delta(which, changed);
    apply(which, changed, dv);
  }

  const OrienteeringProblem& p_;
  RouteObjective& obj_;
  const OrienteeringOptions& o_;
  std::mt19937 rng_;
  std::chrono::steady_clock::time_point deadline_;
  Routes routes_;
  std::vector<double> time_;
  std::vector<char> in_;
  double value_ = 0.0;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point next_stop_check_{};
  long long valued_ = 0;
  std::map<std::vector<int>, Answer> known_;
  std::vector<Answer*> pending_;  ///< asked in this round, taken to fly
  bool speculate_ = false;
  std::atomic<bool> cancelled_{false};  ///< stopped: tasks not started skip their check
  /// Greedy key: value / time^exponent (varied on restarts: 1 favours value per
  /// minute, 2 nearby visits, 0.5 big prizes).
  double exponent_ = 1.0;
  static constexpr double kExponents[4] = {0.5, 1.0, 1.5, 2.0};
};

}  // namespace

OrienteeringSolution solve_orienteering(const OrienteeringProblem& p, RouteObjective& objective,
                                        const OrienteeringOptions& options) {
  if (p.vehicles.empty()) throw Error("no vehicle to route");
  if (p.travel.size() != static_cast<std::size_t>(p.nodes) * p.nodes)
    throw Error("travel matrix of the wrong size");
  for (const auto& v : p.vehicles) {
    if (v.start < 0 || v.start >= p.nodes || v.end < 0 || v.end >= p.nodes)
      throw Error("vehicle depot out of range");
    if (p.t(v.start, v.end) > v.budget + kEps) {
      throw Error("the budget does not even allow going from the start to the end directly");
    }
  }
  Solver s(p, objective, options);
  // The exact checks on the other threads while one thread searches (the thread that
  // called, so that progress and stop are asked from it); without them, or on one
  // thread, the search runs as it is.
  if (!options.feasible || omp_get_max_threads() <= 1) return s.run();
  s.speculate(true);
  OrienteeringSolution out;
  std::exception_ptr error;
#pragma omp parallel default(none) shared(s, out, error)
#pragma omp master
  {
    try {
      out = s.run();
    } catch (...) {
      error = std::current_exception();
      s.cancel();  // the checks still queued are not run
    }
  }
  if (error) std::rethrow_exception(error);
  return out;
}

OrienteeringInstance read_orienteering_instance(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot be read");
  OrienteeringInstance inst;
  inst.name = std::filesystem::path(path).stem().string();
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::replace(line.begin(), line.end(), '\r', ' ');
    std::istringstream ss(line);
    if (n == 1) {
      if (!(ss >> inst.budget >> inst.paths))
        throw Error(path + " line 1: expected 'Tmax P' (budget, number of paths)");
      continue;
    }
    double x = 0, y = 0, s = 0;
    if (!(ss >> x)) continue;  // blank line
    if (!(ss >> y >> s))
      throw Error(path + " line " + std::to_string(n) + ": expected 'x y score'");
    inst.x.push_back(x);
    inst.y.push_back(y);
    inst.score.push_back(s);
  }
  if (inst.x.size() < 2) throw Error(path + ": needs at least a start and an end point");
  if (inst.paths < 1) throw Error(path + ": the number of paths must be at least 1");
  return inst;
}

OrienteeringProblem to_problem(const OrienteeringInstance& inst) {
  OrienteeringProblem p;
  p.nodes = static_cast<int>(inst.x.size());
  p.travel.resize(static_cast<std::size_t>(p.nodes) * p.nodes);
  for (int i = 0; i < p.nodes; ++i)
    for (int j = 0; j < p.nodes; ++j)
      p.travel[static_cast<std::size_t>(i) * p.nodes + j] =
          std::hypot(inst.x[static_cast<std::size_t>(i)] - inst.x[static_cast<std::size_t>(j)],
                     inst.y[static_cast<std::size_t>(i)] - inst.y[static_cast<std::size_t>(j)]);
  p.visitable.assign(static_cast<std::size_t>(p.nodes), 1);
  p.visitable[0] = 0;
  p.visitable[1] = 0;
  for (int k = 0; k < inst.paths; ++k) p.vehicles.push_back({0, 1, inst.budget});
  return p;
}

}  // namespace vigia::planner
