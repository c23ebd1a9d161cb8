#include "vigia/planner/orienteering.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

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

double ScoreObjective::value(const Routes& routes) {
  double v = 0.0;
  for (const auto& r : routes) v += route_value(r);
  return v;
}

double ScoreObjective::delta(const std::vector<int>& which, const Routes& changed) {
  double d = 0.0;
  for (std::size_t i = 0; i < which.size(); ++i) {
    d += route_value(changed[i]) - route_value(committed_[static_cast<std::size_t>(which[i])]);
  }
  return d;
}

namespace {

constexpr double kEps = 1e-9;

class Solver {
 public:
  Solver(const OrienteeringProblem& p, RouteObjective& obj, const OrienteeringOptions& o)
      : p_(p), obj_(obj), o_(o), rng_(o.seed) {}

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
    insert_greedily(false);
    OrienteeringSolution out;
    local_search();
    Snapshot best = snapshot();
    long long it = 0;
    long long stall = 0;
    while (std::chrono::steady_clock::now() < deadline_ &&
           (o_.max_iterations <= 0 || it < o_.max_iterations) &&
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
    }
    out.time_capped = timed_out() && (o_.max_iterations <= 0 || it < o_.max_iterations) &&
                      (o_.stall_limit <= 0 || stall < o_.stall_limit);
    restore(best);
    out.routes = routes_;
    out.value = obj_.value(routes_);
    out.route_time = time_;
    out.iterations = it;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }

 private:
  struct Snapshot {
    Routes routes;
    std::vector<double> time;
    double value = 0.0;
    double total_time = 0.0;
  };
  Snapshot snapshot() const { return {routes_, time_, value_, total_time()}; }

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
      if (t > v.budget + kEps || (o_.feasible && !o_.feasible(static_cast<int>(r), route)))
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
  bool fits(int r, const std::vector<int>& route, double time) const {
    if (time > p_.vehicles[static_cast<std::size_t>(r)].budget + kEps) return false;
    return !o_.feasible || o_.feasible(r, route);
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
  bool timed_out() const { return std::chrono::steady_clock::now() >= deadline_; }

  /// Inserts unvisited nodes while some insertion gains value within the budgets:
  /// the best value per added time (randomised among the best three on restarts).
  void insert_greedily(bool randomise) {
    while (!timed_out()) {
      struct Move {
        double key, dv, dt;
        int node, r;
        std::size_t pos;
      };
      std::vector<Move> top;
      for (int v = 0; v < p_.nodes; ++v) {
        if (!p_.visitable[static_cast<std::size_t>(v)] || in_[static_cast<std::size_t>(v)])
          continue;
        for (std::size_t r = 0; r < routes_.size(); ++r) {
          const auto& route = routes_[r];
          // The cheapest feasible position in this route.
          double best_dt = INFINITY;
          std::size_t best_pos = 0;
          for (std::size_t k = 1; k < route.size(); ++k) {
            const double dt =
                p_.t(route[k - 1], v) + p_.s(v) + p_.t(v, route[k]) - p_.t(route[k - 1], route[k]);
            if (dt < best_dt && time_[r] + dt <= p_.vehicles[r].budget + kEps) {
              best_dt = dt;
              best_pos = k;
            }
          }
          if (!std::isfinite(best_dt)) continue;
          std::vector<int> changed = route;
          changed.insert(changed.begin() + static_cast<std::ptrdiff_t>(best_pos), v);
          const double dv = obj_.delta({static_cast<int>(r)}, {changed});
          if (dv <= kEps) continue;
          const double key = dv / std::pow(std::max(best_dt, 1e-9), exponent_);
          top.push_back({key, dv, best_dt, v, static_cast<int>(r), best_pos});
        }
      }
      if (top.empty()) return;
      std::sort(top.begin(), top.end(), [](const Move& a, const Move& b) { return a.key > b.key; });
      // Take the first whose route passes the exact check.
      bool done = false;
      const std::size_t first = randomise ? rng_() % std::min<std::size_t>(3, top.size()) : 0;
      for (std::size_t i = 0; i < top.size() && !done; ++i) {
        const Move& m = top[(first + i) % top.size()];
        std::vector<int> changed = routes_[static_cast<std::size_t>(m.r)];
        changed.insert(changed.begin() + static_cast<std::ptrdiff_t>(m.pos), m.node);
        if (!fits(m.r, changed, time_[static_cast<std::size_t>(m.r)] + m.dt)) continue;
        apply({m.r}, {changed}, m.dv);
        done = true;
      }
      if (!done) return;
    }
  }

  /// Tries a change of some routes: keeps it if it is feasible and better (more
  /// value, or as much for less time).
  bool try_change(const std::vector<int>& which, const Routes& changed) {
    double old_t = 0.0, new_t = 0.0;
    for (std::size_t i = 0; i < which.size(); ++i) {
      old_t += time_[static_cast<std::size_t>(which[i])];
      const double t = p_.route_time(changed[i]);
      if (t > p_.vehicles[static_cast<std::size_t>(which[i])].budget + kEps) return false;
      new_t += t;
    }
    const double dv = obj_.delta(which, changed);
    if (!(dv > kEps * std::max(1.0, std::abs(value_)) ||
          (std::abs(dv) <= kEps * std::max(1.0, std::abs(value_)) && new_t < old_t - 1e-9))) {
      return false;
    }
    for (std::size_t i = 0; i < which.size(); ++i) {
      if (o_.feasible && !o_.feasible(which[i], changed[i])) return false;
    }
    apply(which, changed, dv);
    return true;
  }

  void local_search() {
    bool improved = true;
    while (improved && !timed_out()) {
      improved = false;
      // Within a route: 2-opt and or-opt (segments of 1 to 3 visits).
      for (std::size_t r = 0; r < routes_.size(); ++r) {
        const int n = static_cast<int>(routes_[r].size());
        for (int i = 1; i + 1 < n && !improved; ++i) {
          for (int j = i + 1; j + 1 < n && !improved; ++j) {
            std::vector<int> c = routes_[r];
            std::reverse(c.begin() + i, c.begin() + j + 1);
            improved = try_change({static_cast<int>(r)}, {c});
          }
        }
        for (int len = 1; len <= 3 && !improved; ++len) {
          for (int i = 1; i + len < n && !improved; ++i) {
            std::vector<int> rest = routes_[r];
            std::vector<int> seg(rest.begin() + i, rest.begin() + i + len);
            rest.erase(rest.begin() + i, rest.begin() + i + len);
            for (int k = 1; k < static_cast<int>(rest.size()) && !improved; ++k) {
              if (k == i) continue;
              std::vector<int> c = rest;
              c.insert(c.begin() + k, seg.begin(), seg.end());
              improved = try_change({static_cast<int>(r)}, {c});
            }
          }
        }
      }
      if (improved) continue;
      // Insert unvisited nodes where they gain value.
      const double before = value_;
      insert_greedily(false);
      if (value_ > before + kEps) {
        improved = true;
        continue;
      }
      // Replace a visit by an unvisited node (at its best position in that route).
      for (std::size_t r = 0; r < routes_.size() && !improved; ++r) {
        for (std::size_t k = 1; k + 1 < routes_[r].size() && !improved; ++k) {
          std::vector<int> base = routes_[r];
          base.erase(base.begin() + static_cast<std::ptrdiff_t>(k));
          const double base_t = p_.route_time(base);
          for (int v = 0; v < p_.nodes && !improved; ++v) {
            if (!p_.visitable[static_cast<std::size_t>(v)] || in_[static_cast<std::size_t>(v)])
              continue;
            double best_dt = INFINITY;
            std::size_t best_pos = 0;
            for (std::size_t q = 1; q < base.size(); ++q) {
              const double dt =
                  p_.t(base[q - 1], v) + p_.s(v) + p_.t(v, base[q]) - p_.t(base[q - 1], base[q]);
              if (dt < best_dt) {
                best_dt = dt;
                best_pos = q;
              }
            }
            if (base_t + best_dt > p_.vehicles[r].budget + kEps) continue;
            std::vector<int> c = base;
            c.insert(c.begin() + static_cast<std::ptrdiff_t>(best_pos), v);
            improved = try_change({static_cast<int>(r)}, {c});
          }
        }
      }
      if (improved || routes_.size() < 2) continue;
      // Between vehicles: move one visit, or swap two.
      for (std::size_t a = 0; a < routes_.size() && !improved; ++a) {
        for (std::size_t b = 0; b < routes_.size() && !improved; ++b) {
          if (a == b) continue;
          for (std::size_t i = 1; i + 1 < routes_[a].size() && !improved; ++i) {
            const int v = routes_[a][i];
            std::vector<int> ra = routes_[a];
            ra.erase(ra.begin() + static_cast<std::ptrdiff_t>(i));
            for (std::size_t j = 1; j < routes_[b].size() && !improved; ++j) {
              std::vector<int> rb = routes_[b];
              rb.insert(rb.begin() + static_cast<std::ptrdiff_t>(j), v);
              improved = try_change({static_cast<int>(a), static_cast<int>(b)}, {ra, rb});
            }
            for (std::size_t j = 1; j + 1 < routes_[b].size() && !improved && a < b; ++j) {
              std::vector<int> ra2 = routes_[a];
              std::vector<int> rb2 = routes_[b];
              std::swap(ra2[i], rb2[j]);
              improved = try_change({static_cast<int>(a), static_cast<int>(b)}, {ra2, rb2});
            }
          }
        }
      }
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
      if (p_.route_time(c) <= p_.vehicles[r].budget + kEps &&
          (!o_.feasible || o_.feasible(static_cast<int>(r), c))) {
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
  return s.run();
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
