#include "vigia/planner/routes.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <numbers>
#include <numeric>

#include "vigia/geo/error.hpp"
#include "coverage_objective.hpp"
#include "vigia/planner/orienteering.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::planner {


namespace {

constexpr double kPi = std::numbers::pi;

/// The candidate lattice, by lattice cell: the optimiser's quick estimate of what a
/// point of a path at some altitude sees is what the nearest candidate sees.
class LatticeIndex {
 public:
  explicit LatticeIndex(const CoverageModel& m) : m_(m) {
    for (std::size_t i = 0; i < m.candidates->size(); ++i) {
      const auto& c = (*m.candidates)[i];
      cells_[key(c.work_xy)].push_back(static_cast<int>(i));
    }
  }
  [[nodiscard]] int nearest(geo::Point2 p, double altitude) const {
    const auto it = cells_.find(key(p));
    if (it == cells_.end()) return -1;
    int best = -1;
    double bd = INFINITY;
    for (int i : it->second) {
      const double d =
          std::abs((*m_.candidates)[static_cast<std::size_t>(i)].altitude_m - altitude);
      if (d < bd) {
        bd = d;
        best = i;
      }
    }
    return best;
  }

 private:
  [[nodiscard]] std::pair<long long, long long> key(geo::Point2 p) const {
    return {std::llround(p.x / m_.lattice_spacing_m), std::llround(p.y / m_.lattice_spacing_m)};
  }
  const CoverageModel& m_;
  std::map<std::pair<long long, long long>, std::vector<int>> cells_;
};

/// The targets a set of lattice candidates sees together, as merged runs.
std::vector<IdRun> union_runs(const CoverageProblem& p, const std::vector<int>& cands) {
  std::vector<IdRun> all;
  for (int c : cands)
    for (auto q = p.offset[static_cast<std::size_t>(c)];
         q < p.offset[static_cast<std::size_t>(c) + 1]; ++q)
      all.push_back(p.runs[q]);
  std::sort(all.begin(), all.end(),
            [](const IdRun& a, const IdRun& b) { return a.first < b.first; });
  std::vector<IdRun> out;
  for (const auto& r : all) {
    if (!out.empty() && r.first <= out.back().first + out.back().count) {
      const std::uint32_t end = std::max(out.back().first + out.back().count, r.first + r.count);
      out.back().count = end - out.back().first;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

double loiter_time(double loiter_s, const Aircraft& ac) {
  if (loiter_s <= 0.0) return 0.0;
  const double orbit = 2.0 * kPi * ac.turn_radius_m / (ac.cruise_ms());
  return std::ceil(loiter_s / orbit) * orbit;
}

}  // namespace


std::pair<double, double> link_statistics(const FlightSpace& space,
                                          const std::vector<FlownRoute>& routes) {
  if (!space.has_link()) return {NAN, NAN};
  double with = 0.0, total = 0.0, worst = 0.0;
  for (const auto& r : routes) {
    double outage = 0.0;
    for (std::size_t i = 1; i < r.samples.size(); ++i) {
      const double dt = r.samples[i].t - r.samples[i - 1].t;
      const double low = space.link_lowest(r.samples[i].work);
      const bool ok = !std::isnan(low) && low <= r.samples[i].altitude_m + 1e-6;
      total += dt;
      if (ok) {
        with += dt;
        outage = 0.0;
      } else {
        outage += dt;
        worst = std::max(worst, outage);
      }
    }
  }
  return {total > 0 ? with / total : NAN, worst};
}

namespace {

/// The sortie problem: the nodes (the bases, then the points), their orienteering
/// problem (travel times, loiter times, budgets), and the lattice candidates each leg
/// passes (the optimiser's estimate of what it sees).
struct SortieProblem {
  std::vector<geo::Point2> work;
  std::vector<double> altitude;
  std::vector<int> node_candidate;  ///< the lattice candidate a point stands for; -1 for bases
  int nb = 0;                       ///< bases
  int n = 0;                        ///< nodes
  OrienteeringProblem op;
  std::vector<std::vector<std::vector<int>>> legs;  ///< [i][j]: candidates along leg i -> j
  double loiter_s = 0.0;

  [[nodiscard]] std::vector<Stop> stops_of(const std::vector<int>& route) const {
    std::vector<Stop> st;
    for (int node : route) {
      const bool base = node < nb;
      st.push_back({work[static_cast<std::size_t>(node)], altitude[static_cast<std::size_t>(node)],
                    base ? 0.0 : loiter_s, base, node});
    }
    return st;
  }
};

void check_sortie_options(const std::vector<Candidate>& points, const SortieOptions& o) {
  if (o.aircraft < 1) throw Error("at least one aircraft is needed");
  if (o.bases.empty())
    throw Error("no base airfield given (allowed: one for all aircraft, or one per aircraft)");
  if (o.bases.size() != 1 && static_cast<int>(o.bases.size()) != o.aircraft) {
    throw Error("give one base for all aircraft or one per aircraft (" +
                std::to_string(o.bases.size()) + " bases for " + std::to_string(o.aircraft) +
                " aircraft)");
  }
  if (points.empty()) throw Error("no observation point to visit");
}

SortieProblem build_sortie_problem(const FlightSpace& space, const std::vector<Candidate>& points,
                                   const LatticeIndex& lattice, const Sensor& sensing,
                                   const SortieOptions& o, const Progress& progress) {
  const Aircraft& ac = space.aircraft();
  const double v = ac.cruise_ms();
  SortieProblem pb;
  pb.loiter_s = o.loiter_s;
  for (const auto& b : o.bases) {
    pb.work.push_back(base_position(space, b));
    pb.altitude.push_back(space.terrain(pb.work.back()) + ac.min_clearance_m);
    pb.node_candidate.push_back(-1);
  }
  const int nb = pb.nb = static_cast<int>(o.bases.size());
  // Each point stands for the lattice candidate it is.
  for (const auto& p : points) {
    pb.work.push_back(p.work_xy);
    pb.altitude.push_back(p.altitude_m);
    pb.node_candidate.push_back(lattice.nearest(p.work_xy, p.altitude_m));
  }
  const int n = pb.n = static_cast<int>(pb.work.size());
  OrienteeringProblem& op = pb.op;
  op.nodes = n;
  op.travel.assign(static_cast<std::size_t>(n) * n, 0.0);
  op.service.assign(static_cast<std::size_t>(n), 0.0);
  op.visitable.assign(static_cast<std::size_t>(n), 0);
  pb.legs.assign(static_cast<std::size_t>(n),
                 std::vector<std::vector<int>>(static_cast<std::size_t>(n)));
  ProgressCounter counter(progress, "legs", static_cast<long long>(n) * n);
  const double allowance =
      2.0 * kPi * ac.turn_radius_m;  // aligning at the ends, at most a full turn
#pragma omp parallel for schedule(dynamic, 1)
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      counter.add();
      if (i == j) continue;
      const auto leg =
          space.plan_cached(pb.work[static_cast<std::size_t>(i)], pb.work[static_cast<std::size_t>(j)]);
      if (!leg) {
        pb.op.travel[static_cast<std::size_t>(i) * n + j] = 1e12;
        continue;
      }
      const double len = FlightSpace::length(*leg);
      pb.op.travel[static_cast<std::size_t>(i) * n + j] =
          (len + allowance * static_cast<double>(leg->size() - 1)) / v;
      // What the leg sees, estimated from the lattice every sample spacing.
      std::vector<int>& prox = pb.legs[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      double along = 0.0;
      for (std::size_t k = 1; k < leg->size(); ++k) {
        const geo::Point2 a = (*leg)[k - 1], b = (*leg)[k];
        const double seg = std::hypot(b.x - a.x, b.y - a.y);
        for (double d = 0.0; d < seg; d += sensing.sample_spacing_m) {
          const double f = (along + d) / std::max(len, 1.0);
          const geo::Point2 p{a.x + (b.x - a.x) * d / seg, a.y + (b.y - a.y) * d / seg};
          const double alt =
              pb.altitude[static_cast<std::size_t>(i)] +
              f * (pb.altitude[static_cast<std::size_t>(j)] - pb.altitude[static_cast<std::size_t>(i)]);
          const int c = lattice.nearest(p, std::max(alt, space.floor_at(p)));
          if (c >= 0) prox.push_back(c);
        }
        along += seg;
      }
      std::sort(prox.begin(), prox.end());
      prox.erase(std::unique(prox.begin(), prox.end()), prox.end());
    }
  }
  progress.throw_if_cancelled();
  counter.finish();
  for (int i = nb; i < n; ++i) {
    op.visitable[static_cast<std::size_t>(i)] = 1;
    op.service[static_cast<std::size_t>(i)] = loiter_time(o.loiter_s, ac);
  }
  for (int k = 0; k < o.aircraft; ++k) {
    const int b = nb == 1 ? 0 : k;
    op.vehicles.push_back({b, b, ac.usable_endurance_s()});
  }
  // Points without room to orbit (the loiter circle reaches two turn radii out) are
  // left out: no route could loiter there.
  for (int i = nb; i < n; ++i) {
    if (o.loiter_s > 0.0 && !space.orbit_room(pb.work[static_cast<std::size_t>(i)]))
      op.visitable[static_cast<std::size_t>(i)] = 0;
  }
  return pb;
}

/// The optimiser's footprints: what each visit and each leg sees by the lattice's
/// visible sets (the legs' candidate lists are freed).
std::vector<std::vector<IdRun>> proxy_footprints(SortieProblem& pb, const CoverageModel& model) {
  const int n = pb.n;
  std::vector<std::vector<IdRun>> footprint(static_cast<std::size_t>(n) * (n + 1));
#pragma omp parallel for schedule(dynamic, 1)
  for (int i = 0; i < n; ++i) {
    const int c = pb.node_candidate[static_cast<std::size_t>(i)];
    if (c >= 0) footprint[static_cast<std::size_t>(i)] = union_runs(*model.sets, {c});
    for (int j = 0; j < n; ++j)
      footprint[static_cast<std::size_t>(n + i * n + j)] =
          union_runs(*model.sets, pb.legs[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]);
  }
  pb.legs.clear();
  return footprint;
}

/// The smaller fleet's plan, its routes kept and the extra aircraft on the ground:
/// when the exact measure of the new plan covers less.
void keep_smaller_fleet(SortiePlan& plan, const SortiePlan& warm, int aircraft) {
  const SortiePlan keep = plan;
  plan.routes.clear();
  plan.nodes.clear();
  for (int k = 0; k < aircraft; ++k) {
    const auto ks = static_cast<std::size_t>(k);
    if (ks < warm.routes.size()) {
      plan.routes.push_back(warm.routes[ks]);
      plan.nodes.push_back(warm.nodes[ks]);
    } else {
      plan.routes.push_back(keep.routes[ks]);
      plan.routes.back() = FlownRoute{};
      plan.routes.back().stops = {keep.routes[ks].stops.front(), keep.routes[ks].stops.back()};
      plan.routes.back().feasible = true;
      plan.routes.back().problem = "stays on the ground";
      plan.nodes.emplace_back();
    }
  }
  plan.coverage = warm.coverage;
  plan.estimated_value = warm.estimated_value;
  plan.kept_smaller_fleet = true;
}

/// The plan's figures from its flown routes: hours, km, lowest clearance, time in
/// transit, corridor totals, datalink.
void plan_totals(SortiePlan& plan, const FlightSpace& space, const CoverageModel& model) {
  double loiter_time_total = 0.0;
  for (const auto& r : plan.routes) {
    if (r.samples.empty()) continue;
    if (!r.feasible)
      throw Error("internal: a committed route failed its flight check: " + r.problem,
                  Error::Kind::Runtime);
    plan.flight_hours += r.duration_s / 3600.0;
    plan.km_flown += r.length_m / 1000.0;
    plan.min_clearance_m = std::min(plan.min_clearance_m, r.min_clearance_m);
    for (std::size_t i = 1; i < r.samples.size(); ++i) {
      if (r.samples[i].kind == LegKind::Loiter)
        loiter_time_total += r.samples[i].t - r.samples[i - 1].t;
    }
  }
  plan.transit_fraction =
      plan.flight_hours > 0 ? 1.0 - loiter_time_total / (plan.flight_hours * 3600.0) : 0.0;
  plan.total_weight = model.targets->total_weight();
  plan.total_area_m2 = model.targets->total_area();
  std::tie(plan.link_fraction, plan.longest_outage_s) = link_statistics(space, plan.routes);
}

}  // namespace

SortiePlan plan_sorties(const FlightSpace& space, const std::vector<Candidate>& points,
                        const CoverageModel& model, const Sensor& sensing, const SortieOptions& o,
                        const Progress& progress, const SortiePlan* warm,
                        RouteSightCache* cache) {
  const auto t0 = std::chrono::steady_clock::now();
  check_sortie_options(points, o);
  const double budget = space.aircraft().usable_endurance_s();
  const LatticeIndex lattice(model);
  SortieProblem pb = build_sortie_problem(space, points, lattice, sensing, o, progress);
  const int nb = pb.nb;
  OrienteeringOptions oo;
  oo.time_limit_s = o.time_limit_s;
  oo.max_iterations = o.max_iterations;
  oo.seed = o.seed;
  // The solver asks each route once, on any of its threads (fly() is thread-safe).
  oo.feasible = [&](const std::vector<int>& route) {
    if (route.size() <= 2) return true;  // stays on the ground
    const FlownRoute fr = fly(space, pb.stops_of(route));
    return fr.feasible && fr.duration_s <= budget + 1e-6;
  };
  if (warm) {
    // Start from the smaller fleet's routes; the new aircraft start empty.
    for (int k = 0; k < o.aircraft; ++k) {
      const int b = nb == 1 ? 0 : k;
      std::vector<int> r{b};
      if (k < static_cast<int>(warm->nodes.size()))
        for (int p : warm->nodes[static_cast<std::size_t>(k)]) r.push_back(p + nb);
      r.push_back(b);
      oo.initial.push_back(r);
    }
  }
  CoverageObjective objective(model.targets->weight, pb.n, proxy_footprints(pb, model));
  // The smaller fleet's routes valued as this optimiser values them: what its gain is
  // counted from.
  const double warm_value = warm ? objective.value(oo.initial) : 0.0;
  const std::string stage = "optimising routes for " + std::to_string(o.aircraft) + " aircraft";
  const double total = model.targets->total_weight();
  // No routes can see more than every visit and leg together: when even that adds
  // less than the tolerance over the smaller fleet's routes, the larger fleet is not
  // optimised at all (the rule below would keep the smaller fleet whatever the
  // optimiser found). On the whole border at 30 m one aircraft already visits every
  // point and the second's optimisation (some 30 s on 2 cores) is saved.
  const double reachable = objective.reachable();
  const bool bounded = warm && reachable - warm_value < o.fleet_tolerance * total;
  OrienteeringSolution sol;
  if (bounded) {
    sol.routes = oo.initial;
    sol.value = warm_value;
  } else {
    oo.progress = [&](double f) { return progress.report(stage, f) && !progress.cancelled(); };
    oo.stop = [&] { return progress.cancelled(); };
    progress.report(stage, 0.0);
    sol = solve_orienteering(pb.op, objective, oo);
    progress.throw_if_cancelled();
    progress.report(stage, 1.0);
  }

  SortiePlan plan;
  plan.optimised = !bounded;
  plan.estimated_value = sol.value;
  plan.optimiser_rounds = sol.iterations;
  plan.target_classes = static_cast<long long>(objective.classes());
  plan.optimiser_time_capped = sol.time_capped;
  for (std::size_t k = 0; k < sol.routes.size(); ++k) {
    const auto& route = sol.routes[k];
    if (bounded && k < warm->routes.size() && route.size() > 2) {
      plan.routes.push_back(warm->routes[k]);  // the smaller fleet's, as flown
    } else if (route.size() <= 2) {
      FlownRoute idle;
      idle.stops = pb.stops_of(route);
      idle.feasible = true;
      idle.problem = "stays on the ground";
      plan.routes.push_back(idle);
    } else {
      plan.routes.push_back(fly(space, pb.stops_of(route)));
    }
    std::vector<int> visited;
    for (std::size_t v = 1; v + 1 < route.size(); ++v) visited.push_back(route[v] - nb);
    plan.nodes.push_back(visited);
  }
  // A larger fleet whose routes the optimiser itself finds adding less than the
  // tolerance stays on the ground unmeasured (measuring costs a viewshed every
  // sample_spacing_m of every route). Otherwise the exact measure decides, since it
  // can disagree with the estimate: never plan less coverage with more aircraft than
  // with fewer, nor fly an aircraft that adds less than the tolerance.
  if (warm && sol.value - warm_value < o.fleet_tolerance * total) {
    plan.added_fraction =
        total > 0 ? ((bounded ? reachable : sol.value) - warm_value) / total : 0.0;
    plan.added_measured = false;
    keep_smaller_fleet(plan, *warm, o.aircraft);
  } else {
    plan.coverage = measure_coverage(space, plan.routes, *model.targets, sensing, progress, cache);
    if (warm) {
      plan.added_fraction =
          total > 0 ? (plan.coverage.weight - warm->coverage.weight) / total : 0.0;
      if (plan.coverage.weight < warm->coverage.weight + o.fleet_tolerance * total)
        keep_smaller_fleet(plan, *warm, o.aircraft);
    }
  }
  plan_totals(plan, space, model);
  plan.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return plan;
}

std::vector<SortiePlan> plan_fleet(const FlightSpace& space, const std::vector<Candidate>& points,
                                   const CoverageModel& model, const Sensor& sensing,
                                   const SortieOptions& options, const Progress& progress) {
  std::vector<SortiePlan> plans;
  RouteSightCache cache;  // larger fleets often keep a smaller one's routes
  for (int k = 1; k <= options.aircraft; ++k) {
    SortieOptions o = options;
    o.aircraft = k;
    o.time_limit_s = options.time_limit_s / options.aircraft;
    if (options.bases.size() > 1) o.bases.assign(options.bases.begin(), options.bases.begin() + k);
    plans.push_back(plan_sorties(space, points, model, sensing, o, progress,
                                 plans.empty() ? nullptr : &plans.back(), &cache));
  }
  return plans;
}

}  // namespace vigia::planner
