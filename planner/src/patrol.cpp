// Patrols: one closed path flown again and again, and the revisit statistics of the
// cells along it.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include "vigia/geo/error.hpp"
#include "vigia/planner/orienteering.hpp"
#include "vigia/planner/patrol.hpp"
#include "vigia/planner/routes.hpp"

namespace vigia::planner {

Revisit revisit(std::vector<std::pair<double, double>> intervals, double period_s, int aircraft,
                int max_fleet) {
  Revisit out;
  if (intervals.empty() || !(period_s > 0.0) || aircraft < 1) return out;
  // The watched set on the circle [0, q) when n aircraft fly the cycle evenly spaced.
  const auto merged = [&](int n) {
    const double q = period_s / n;
    std::vector<std::pair<double, double>> iv;
    for (const auto& [a, b] : intervals) {
      if (b - a >= q) return std::vector<std::pair<double, double>>{{0.0, q}};
      const double s = std::fmod(std::fmod(a, q) + q, q);
      const double e = s + (b - a);
      if (e <= q) {
        iv.push_back({s, e});
      } else {
        iv.push_back({s, q});
        iv.push_back({0.0, e - q});
      }
    }
    std::sort(iv.begin(), iv.end());
    std::vector<std::pair<double, double>> m;
    for (const auto& x : iv) {
      if (!m.empty() && x.first <= m.back().second + 1e-9) {
        m.back().second = std::max(m.back().second, x.second);
      } else {
        m.push_back(x);
      }
    }
    return m;
  };
  const auto covers = [&](int n) {
    const auto m = merged(n);
    return m.size() == 1 && m[0].first <= 1e-9 && m[0].second >= period_s / n - 1e-9;
  };
  const double q = period_s / aircraft;
  const auto m = merged(aircraft);
  double watched = 0.0;
  for (const auto& x : m) watched += x.second - x.first;
  out.watched_fraction = std::min(1.0, watched / q);
  std::vector<double> gaps;
  if (!covers(aircraft)) {
    for (std::size_t i = 0; i < m.size(); ++i) {
      const double end = m[i].second;
      const double next = i + 1 < m.size() ? m[i + 1].first : m[0].first + q;
      if (next - end > 1e-9) gaps.push_back(next - end);
    }
  }
  if (gaps.empty()) {
    out.mean_s = out.worst_s = 0.0;
  } else {
    std::sort(gaps.begin(), gaps.end());
    out.mean_s = std::accumulate(gaps.begin(), gaps.end(), 0.0) / static_cast<double>(gaps.size());
    out.worst_s = gaps.back();
  }
  for (int n = 1; n <= max_fleet; ++n) {
    if (covers(n)) {
      out.aircraft_for_continuous = n;
      break;
    }
  }
  return out;
}

namespace {

/// The cycle's order: every point, the shortest closed tour (the orienteering core
/// with equal scores and no budget pressure: all points, then the least time).
void patrol_order(const FlightSpace& space, const std::vector<Candidate>& points,
                  const PatrolOptions& o, const Progress& progress, PatrolPlan& plan) {
  const double v = space.aircraft().cruise_ms();
  const int n = static_cast<int>(points.size());
  OrienteeringProblem op;
  op.nodes = n;
  op.travel.assign(static_cast<std::size_t>(n) * n, 0.0);
#pragma omp parallel for schedule(dynamic, 1)
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      const auto leg = space.plan_cached(points[static_cast<std::size_t>(i)].work_xy,
                                         points[static_cast<std::size_t>(j)].work_xy);
      op.travel[static_cast<std::size_t>(i) * n + j] = leg ? FlightSpace::length(*leg) / v : 1e12;
    }
  op.visitable.assign(static_cast<std::size_t>(n), 1);
  op.visitable[0] = 0;
  op.vehicles.push_back({0, 0, 1e11});
  ScoreObjective all(std::vector<double>(static_cast<std::size_t>(n), 1.0));
  OrienteeringOptions oo;
  oo.time_limit_s = o.time_limit_s;
  oo.seed = o.seed;
  oo.stall_limit = 500;
  oo.max_iterations = o.max_iterations;
  oo.progress = [&](double f) {
    return progress.report("optimising the patrol cycle", f) && !progress.cancelled();
  };
  const OrienteeringSolution tour = solve_orienteering(op, all, oo);
  progress.throw_if_cancelled();
  plan.optimiser_rounds = tour.iterations;
  plan.optimiser_time_capped = tour.time_capped;
  plan.order = tour.routes[0];
  plan.order.pop_back();  // closed: the first point ends it
}

/// What each stretch of the lap watches: a viewshed at each sensor sample, watching
/// until the next; per target its watch intervals, and plan.coverage.
std::vector<std::vector<std::pair<double, double>>> watch_intervals(
    const FlightSpace& space, const Targets& targets, const Sensor& sensing,
    const Progress& progress, PatrolPlan& plan) {
  struct Probe {
    geo::Point2 work;
    double altitude, t, dt;
  };
  std::vector<Probe> probes;
  {
    for (std::size_t i : sensor_samples(plan.cycle, sensing, false)) {
      const auto& q = plan.cycle.samples[i];
      probes.push_back({q.work, q.altitude_m, q.t, 0.0});
    }
    for (std::size_t i = 0; i < probes.size(); ++i) {
      probes[i].dt = (i + 1 < probes.size() ? probes[i + 1].t : plan.period_s) - probes[i].t;
    }
  }
  const std::size_t nt = targets.weight.size();
  std::vector<std::vector<std::pair<double, double>>> watch(nt);
  {
    std::vector<std::vector<std::uint32_t>> seen(probes.size());
    std::vector<SensorPosition> where;
    for (const Probe& pr : probes) where.push_back({pr.work, pr.altitude});
    seen_from(space, where, targets, sensing, progress, "revisit along the cycle",
              [&](std::size_t i, const std::vector<std::uint32_t>& ids) { seen[i] = ids; });
    PathCoverage& cov = plan.coverage;
    cov.first_seen_s.assign(nt, NAN);
    cov.count.assign(nt, 0);
    cov.aircraft.assign(nt, 0);
    cov.viewsheds = static_cast<long long>(probes.size());
    for (std::size_t i = 0; i < probes.size(); ++i)
      for (std::uint32_t t : seen[i]) {
        watch[t].push_back({probes[i].t, probes[i].t + probes[i].dt});
        if (std::isnan(cov.first_seen_s[t]) || probes[i].t < cov.first_seen_s[t])
          cov.first_seen_s[t] = static_cast<float>(probes[i].t);
        if (cov.count[t] < 65535) ++cov.count[t];
        cov.aircraft[t] = 1;  // the cycle: every aircraft on it flies the same lap
      }
    total_seen(targets, cov);
  }
  return watch;
}

/// Revisit statistics per target and over the corridor's weight (plan.per_target,
/// worst, mean and 95th-percentile revisit, watched fraction, fleets for continuous
/// watch, seen weight).
void revisit_statistics(const std::vector<std::vector<std::pair<double, double>>>& watch,
                        const Targets& targets, int aircraft, PatrolPlan& plan) {
  const std::size_t nt = targets.weight.size();
  plan.per_target.resize(nt);
  double w_seen = 0.0, w_total = 0.0, w_mean = 0.0, w_watch = 0.0;
  std::vector<std::pair<int, double>> fleet;  // (aircraft for continuous watch, weight)
  std::vector<double> worsts;
  plan.worst_revisit_s = NAN;  // stays so when the cycle sees nothing
  for (std::size_t t = 0; t < nt; ++t) {
    w_total += targets.weight[t];
    if (watch[t].empty()) continue;
    const Revisit rv = revisit(watch[t], plan.period_s, aircraft);
    plan.per_target[t] = rv;
    w_seen += targets.weight[t];
    w_mean += targets.weight[t] * rv.mean_s;
    w_watch += targets.weight[t] * rv.watched_fraction;
    plan.worst_revisit_s =
        std::isnan(plan.worst_revisit_s) ? rv.worst_s : std::max(plan.worst_revisit_s, rv.worst_s);
    worsts.push_back(rv.worst_s);
    fleet.push_back(
        {rv.aircraft_for_continuous == 0 ? 1000 : rv.aircraft_for_continuous, targets.weight[t]});
  }
  if (w_seen > 0) {
    plan.mean_revisit_s = w_mean / w_seen;
    plan.watched_fraction = w_watch / w_seen;
    std::sort(worsts.begin(), worsts.end());
    plan.p95_revisit_s = worsts[std::min(
        worsts.size() - 1, static_cast<std::size_t>(std::ceil(0.95 * worsts.size())) - 1)];
    std::sort(fleet.begin(), fleet.end());
    plan.aircraft_for_continuous = fleet.back().first >= 1000 ? 0 : fleet.back().first;
    double acc = 0.0;
    for (const auto& [k, w] : fleet) {
      acc += w;
      if (acc >= 0.9 * w_seen) {
        plan.aircraft_for_continuous_90 = k >= 1000 ? 0 : k;
        break;
      }
    }
  }
  plan.seen_weight_fraction = w_total > 0 ? w_seen / w_total : 0.0;
}

}  // namespace

PatrolPlan plan_patrol(const FlightSpace& space, const std::vector<Candidate>& points,
                       const Targets& targets, const Sensor& sensing, const PatrolOptions& o,
                       const Progress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  if (points.size() < 2) throw Error("a patrol cycle needs at least two points");
  if (o.aircraft < 1) throw Error("at least one aircraft is needed on the cycle");
  const Aircraft& ac = space.aircraft();
  const double v = ac.cruise_ms();
  const geo::Point2 base = base_position(space, o.base);
  PatrolPlan plan;
  patrol_order(space, points, o, progress, plan);
  std::vector<Stop> cyc;
  for (int k : plan.order)
    cyc.push_back({points[static_cast<std::size_t>(k)].work_xy,
                   points[static_cast<std::size_t>(k)].altitude_m, o.loiter_s, false, k});
  cyc.push_back(cyc.front());
  plan.cycle = fly(space, cyc);
  if (!plan.cycle.feasible) throw Error("the patrol cycle cannot be flown: " + plan.cycle.problem);
  plan.period_s = plan.cycle.duration_s;
  // The transits meet the cycle at the altitude its laps start and end with.
  Stop entry = cyc.front();
  entry.loiter_s = 0.0;
  entry.altitude_m = std::max(entry.altitude_m, plan.cycle.samples.front().altitude_m);
  plan.transit_out = fly(space, {{base, 0.0, 0.0, true, -1}, entry});
  plan.transit_back = fly(space, {entry, {base, 0.0, 0.0, true, -1}});
  if (!plan.transit_out.feasible || !plan.transit_back.feasible) {
    throw Error("the cycle cannot be reached from the base: " +
                (plan.transit_out.feasible ? plan.transit_back.problem : plan.transit_out.problem));
  }
  revisit_statistics(watch_intervals(space, targets, sensing, progress, plan), targets, o.aircraft,
                     plan);
  plan.fence_length_m = space.area().frame.border_length_m;
  plan.lower_bound_s = 2.0 * plan.fence_length_m / (o.aircraft * v);
  const double budget = ac.usable_endurance_s();
  const double on_station = budget - plan.transit_out.duration_s - plan.transit_back.duration_s;
  plan.laps_per_sortie = on_station / plan.period_s;
  if (plan.laps_per_sortie < 1.0) {
    throw Error(
        "the endurance does not allow one lap of the patrol cycle: the cycle takes " +
        std::to_string(static_cast<int>(plan.period_s / 60.0)) + " min and the aircraft has " +
        std::to_string(static_cast<int>(std::max(0.0, on_station) / 60.0)) +
        " min on station after its transits (allowed: fewer points, or a longer endurance)");
  }
  // Around the clock: each aircraft is on station `on_station` of every sortie plus
  // turnaround on the ground (assumed 2 h).
  const double cycle_time = budget + 2.0 * 3600.0;
  plan.fleet_for_rotation =
      on_station > 0 ? static_cast<int>(std::ceil(o.aircraft * cycle_time / on_station)) : 0;
  plan.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return plan;
}

}  // namespace vigia::planner
