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

/// Weighted coverage of the union of what the routes' elements see: each visit sees
/// what its candidate sees; each leg what the lattice candidates along it see. An
/// element's footprint is kept as merged runs of target ids; a target counts while
/// at least one element of the solution sees it.
class CoverageObjective : public RouteObjective {
 public:
  /// `footprint[e]`: element e's targets; visits are elements 0..n-1, the leg i -> j
  /// is element n + i * n + j.
  CoverageObjective(const std::vector<double>& weight, int nodes,
                    std::vector<std::vector<IdRun>> footprint)
      : w_(weight), n_(nodes), fp_(std::move(footprint)), count_(weight.size(), 0) {}

  double value(const Routes& routes) override {
    std::vector<int> count(count_.size(), 0);
    for (const auto& r : routes)
      for (int e : elements_of(r)) each(e, [&](std::uint32_t t) { ++count[t]; });
    double v = 0.0;
    for (std::size_t t = 0; t < count.size(); ++t)
      if (count[t] > 0) v += w_[t];
    return v;
  }
  void commit(const Routes& routes) override {
    std::fill(count_.begin(), count_.end(), 0);
    committed_ = routes;
    for (const auto& r : routes)
      for (int e : elements_of(r)) each(e, [&](std::uint32_t t) { ++count_[t]; });
  }
  double delta(const std::vector<int>& which, const Routes& changed) override {
    std::vector<int> before, after;
    for (std::size_t i = 0; i < which.size(); ++i) {
      const auto a = elements_of(committed_[static_cast<std::size_t>(which[i])]);
      const auto b = elements_of(changed[i]);
      before.insert(before.end(), a.begin(), a.end());
      after.insert(after.end(), b.begin(), b.end());
    }
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    // Only what differs matters.
    std::vector<int> removed, added;
    std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                        std::back_inserter(removed));
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                        std::back_inserter(added));
    double d = 0.0;
    for (int e : removed)
      each(e, [&](std::uint32_t t) {
        if (--count_[t] == 0) d -= w_[t];
      });
    for (int e : added)
      each(e, [&](std::uint32_t t) {
        if (count_[t]++ == 0) d += w_[t];
      });
    for (int e : added) each(e, [&](std::uint32_t t) { --count_[t]; });
    for (int e : removed) each(e, [&](std::uint32_t t) { ++count_[t]; });
    return d;
  }

 private:
  /// The elements of a route [start, visits..., end]: its visits and its legs.
  [[nodiscard]] std::vector<int> elements_of(const std::vector<int>& r) const {
    std::vector<int> out;
    for (std::size_t k = 0; k + 1 < r.size(); ++k) {
      if (k > 0) out.push_back(r[k]);
      out.push_back(n_ + r[k] * n_ + r[k + 1]);
    }
    return out;
  }
  template <class Fn>
  void each(int e, Fn&& fn) const {
    for (const IdRun& run : fp_[static_cast<std::size_t>(e)])
      for (std::uint32_t t = run.first; t < run.first + run.count; ++t) fn(t);
  }
  const std::vector<double>& w_;
  int n_;
  std::vector<std::vector<IdRun>> fp_;
  std::vector<int> count_;
  Routes committed_;
};

/// Which targets a viewshed sees: a target (a cell, or a block of cells) is seen
/// when at least half of its corridor cells are, as in the visible sets.
class SeenScratch {
 public:
  explicit SeenScratch(std::size_t targets) : cells_(targets, 0) {}
  [[nodiscard]] std::size_t size() const { return cells_.size(); }
  const std::vector<std::uint32_t>& seen(const terrain::Viewshed& vs, const Targets& targets) {
    touched_.clear();
    for (int r = 0; r < vs.visible.rows(); ++r) {
      const std::uint8_t* v = vs.visible.row(r);
      const std::int32_t* id = targets.id.row(r + vs.window.row) + vs.window.col;
      for (int c = 0; c < vs.visible.cols(); ++c) {
        if (v[c] != 1 || id[c] < 0) continue;
        if (cells_[static_cast<std::size_t>(id[c])]++ == 0)
          touched_.push_back(static_cast<std::uint32_t>(id[c]));
      }
    }
    out_.clear();
    for (std::uint32_t t : touched_) {
      if (2 * cells_[t] >= targets.cells[t]) out_.push_back(t);
      cells_[t] = 0;
    }
    return out_;
  }

 private:
  std::vector<int> cells_;
  std::vector<std::uint32_t> touched_, out_;
};

/// One viewshed per sensor position (work CRS, altitude AMSL), in parallel and
/// cancellable under `stage`: fn(i, seen) gets the targets position i sees, on the
/// thread that computed them. Positions over no data or below the ground see nothing.
template <class Fn>
void seen_from(const FlightSpace& space, const std::vector<std::pair<geo::Point2, double>>& where,
               const Targets& targets, const Sensing& s, const Progress& progress,
               const char* stage, Fn&& fn) {
  const terrain::Dem& dem = space.area().dem;
  const terrain::ViewshedOptions vo = sensor_viewshed(s.task, s.min_grazing_deg, s.refraction_k);
  ProgressCounter counter(progress, stage, static_cast<long long>(where.size()));
  const auto n = static_cast<long long>(where.size());
#pragma omp parallel
  {
    SeenScratch scratch(targets.weight.size());
#pragma omp for schedule(dynamic, 4)
    for (long long i = 0; i < n; ++i) {
      if (progress.cancelled()) continue;
      const auto& [work, altitude] = where[static_cast<std::size_t>(i)];
      const terrain::GridPoint g = space.to_grid(work);
      if (dem.covers(g) && !std::isnan(dem.elevation_at(g)) && altitude >= dem.elevation_at(g)) {
        const terrain::Viewshed vs = terrain::compute_viewshed(
            dem, {g, altitude, terrain::AltitudeReference::AboveSeaLevel}, vo);
        fn(static_cast<std::size_t>(i), scratch.seen(vs, targets));
      }
      counter.add();
    }
  }
  progress.throw_if_cancelled();
  counter.finish();
}

double loiter_time(double loiter_s, const Aircraft& ac) {
  if (loiter_s <= 0.0) return 0.0;
  const double orbit = 2.0 * kPi * ac.turn_radius_m / (ac.cruise_ms());
  return std::ceil(loiter_s / orbit) * orbit;
}

geo::Point2 base_work(const FlightSpace& space, geo::Point2 lonlat) {
  const geo::Point2 w = geo::Transformer(geo::SpatialRef::wgs84(), space.area().work_crs)(lonlat);
  if (!space.area().dem.covers(space.to_grid(w))) {
    throw Error("the base at lon " + std::to_string(lonlat.x) + ", lat " +
                std::to_string(lonlat.y) + " lies outside the DEM");
  }
  if (!space.permitted(w)) {
    throw Error(
        "the base at lon " + std::to_string(lonlat.x) + ", lat " + std::to_string(lonlat.y) +
        " lies outside the permitted airspace (own side, past the standoff, outside no-fly zones)");
  }
  return w;
}

}  // namespace

const RouteSightCache::Sight* RouteSightCache::find(const std::vector<double>& key) const {
  for (const auto& [k, sight] : entries_)
    if (k == key) return &sight;
  return nullptr;
}

void RouteSightCache::add(std::vector<double> key, Sight sight) {
  if (find(key) == nullptr) entries_.emplace_back(std::move(key), std::move(sight));
}

PathCoverage measure_coverage(const FlightSpace& space, const std::vector<FlownRoute>& routes,
                              const Targets& targets, const Sensing& s, const Progress& progress,
                              RouteSightCache* cache) {
  struct Probe {
    geo::Point2 work;
    double altitude, t;
    int route;
  };
  // Each route's probes, and its key: what they are (where, how high, when).
  std::vector<std::vector<Probe>> route_probes(routes.size());
  std::vector<std::vector<double>> keys(routes.size());
  for (std::size_t k = 0; k < routes.size(); ++k) {
    double next = 0.0;
    int last_stop = -1;
    for (const auto& q : routes[k].samples) {
      const bool stop_reached = q.stop != last_stop;
      last_stop = q.stop;
      if (q.s >= next || stop_reached) {
        route_probes[k].push_back({q.work, q.altitude_m, q.t, static_cast<int>(k)});
        keys[k].insert(keys[k].end(), {q.work.x, q.work.y, q.altitude_m, q.t});
        if (q.s >= next) next = q.s + s.sample_spacing_m;
      }
    }
  }
  // What each route saw: from the cache, or measured now (all such routes' probes in
  // one parallel pass, each route's figures kept apart).
  const std::size_t nt = targets.weight.size();
  std::vector<const RouteSightCache::Sight*> sights(routes.size(), nullptr);
  std::vector<RouteSightCache::Sight> measured(routes.size());
  std::vector<Probe> probes;
  PathCoverage cov;
  for (std::size_t k = 0; k < routes.size(); ++k) {
    if (cache && !route_probes[k].empty()) sights[k] = cache->find(keys[k]);
    if (sights[k]) {
      cov.viewsheds_reused += static_cast<long long>(route_probes[k].size());
    } else {
      probes.insert(probes.end(), route_probes[k].begin(), route_probes[k].end());
    }
  }
  if (!probes.empty()) {
    std::vector<std::size_t> slot(routes.size(), 0);  // dense figures of the routes measured
    std::size_t slots = 0;
    for (std::size_t k = 0; k < routes.size(); ++k)
      if (!sights[k] && !route_probes[k].empty()) slot[k] = slots++;
    std::vector<float> first(slots * nt, INFINITY);
    std::vector<std::uint32_t> count(slots * nt, 0);
    std::vector<std::pair<geo::Point2, double>> where;
    for (const Probe& pr : probes) where.push_back({pr.work, pr.altitude});
    seen_from(space, where, targets, s, progress, "coverage along the routes",
              [&](std::size_t i, const std::vector<std::uint32_t>& seen) {
                const Probe& pr = probes[i];
                const std::size_t base = slot[static_cast<std::size_t>(pr.route)] * nt;
                const auto ti = static_cast<float>(pr.t);
                for (std::uint32_t t : seen) {
                  std::atomic_ref<float> f(first[base + t]);
                  float old = f.load(std::memory_order_relaxed);
                  while (ti < old && !f.compare_exchange_weak(old, ti, std::memory_order_relaxed)) {
                  }
                  std::atomic_ref<std::uint32_t>(count[base + t])
                      .fetch_add(1, std::memory_order_relaxed);
                }
              });
    for (std::size_t k = 0; k < routes.size(); ++k) {
      if (sights[k] || route_probes[k].empty()) continue;
      RouteSightCache::Sight& m = measured[k];
      const std::size_t base = slot[k] * nt;
      for (std::size_t t = 0; t < nt; ++t) {
        if (count[base + t] == 0) continue;
        m.target.push_back(static_cast<std::uint32_t>(t));
        m.first_s.push_back(first[base + t]);
        m.count.push_back(count[base + t]);
      }
      sights[k] = &m;
    }
    cov.viewsheds = static_cast<long long>(probes.size());
  }
  // All routes together: a target counts once, first seen by whichever route.
  cov.first_seen_s.assign(nt, NAN);
  cov.count.assign(nt, 0);
  cov.aircraft.assign(nt, 0);
  for (std::size_t k = 0; k < routes.size(); ++k) {
    if (!sights[k]) continue;
    const RouteSightCache::Sight& m = *sights[k];
    const std::uint32_t bit = k < 32 ? (1u << k) : 0u;
    for (std::size_t e = 0; e < m.target.size(); ++e) {
      const std::uint32_t t = m.target[e];
      float& f = cov.first_seen_s[t];
      if (std::isnan(f) || m.first_s[e] < f) f = m.first_s[e];
      cov.count[t] = static_cast<std::uint16_t>(
          std::min<std::uint32_t>(65535u, static_cast<std::uint32_t>(cov.count[t]) + m.count[e]));
      cov.aircraft[t] |= bit;
    }
  }
  for (std::size_t t = 0; t < nt; ++t) {
    if (cov.count[t] > 0) {
      cov.weight += targets.weight[t];
      cov.area_m2 += targets.area_m2[t];
    }
  }
  if (cache) {
    for (std::size_t k = 0; k < routes.size(); ++k)
      if (sights[k] == &measured[k])
        cache->add(std::move(keys[k]), std::move(measured[k]));
  }
  return cov;
}

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

SortiePlan plan_sorties(const FlightSpace& space, const std::vector<Candidate>& points,
                        const CoverageModel& model, const Sensing& sensing, const SortieOptions& o,
                        const Progress& progress, const SortiePlan* warm,
                        RouteSightCache* cache) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.aircraft < 1) throw Error("at least one aircraft is needed");
  if (o.bases.empty())
    throw Error("no base airfield given (allowed: one for all aircraft, or one per aircraft)");
  if (o.bases.size() != 1 && static_cast<int>(o.bases.size()) != o.aircraft) {
    throw Error("give one base for all aircraft or one per aircraft (" +
                std::to_string(o.bases.size()) + " bases for " + std::to_string(o.aircraft) +
                " aircraft)");
  }
  if (points.empty()) throw Error("no observation point to visit");
  const Aircraft& ac = space.aircraft();
  const double v = ac.cruise_ms();
  const double budget = ac.usable_endurance_s();

  // Nodes: the bases, then the points.
  std::vector<geo::Point2> work;
  std::vector<double> altitude;
  std::vector<int> node_candidate;
  for (const auto& b : o.bases) {
    work.push_back(base_work(space, b));
    altitude.push_back(space.terrain(work.back()) + ac.min_clearance_m);
    node_candidate.push_back(-1);
  }
  const int nb = static_cast<int>(o.bases.size());
  // Each point stands for the lattice candidate it is.
  const LatticeIndex lattice(model);
  for (const auto& p : points) {
    work.push_back(p.work_xy);
    altitude.push_back(p.altitude_m);
    node_candidate.push_back(lattice.nearest(p.work_xy, p.altitude_m));
  }
  const int n = static_cast<int>(work.size());
  OrienteeringProblem op;
  op.nodes = n;
  op.travel.assign(static_cast<std::size_t>(n) * n, 0.0);
  op.service.assign(static_cast<std::size_t>(n), 0.0);
  op.visitable.assign(static_cast<std::size_t>(n), 0);
  std::vector<std::vector<std::vector<int>>> legs(
      static_cast<std::size_t>(n), std::vector<std::vector<int>>(static_cast<std::size_t>(n)));
  ProgressCounter counter(progress, "legs", static_cast<long long>(n) * n);
  const double allowance =
      2.0 * kPi * ac.turn_radius_m;  // aligning at the ends, at most a full turn
#pragma omp parallel for schedule(dynamic, 1)
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      counter.add();
      if (i == j) continue;
      const auto leg =
          space.plan_cached(work[static_cast<std::size_t>(i)], work[static_cast<std::size_t>(j)]);
      if (!leg) {
        op.travel[static_cast<std::size_t>(i) * n + j] = 1e12;
        continue;
      }
      const double len = FlightSpace::length(*leg);
      op.travel[static_cast<std::size_t>(i) * n + j] =
          (len + allowance * static_cast<double>(leg->size() - 1)) / v;
      // What the leg sees, estimated from the lattice every sample spacing.
      std::vector<int>& prox = legs[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      double along = 0.0;
      for (std::size_t k = 1; k < leg->size(); ++k) {
        const geo::Point2 a = (*leg)[k - 1], b = (*leg)[k];
        const double seg = std::hypot(b.x - a.x, b.y - a.y);
        for (double d = 0.0; d < seg; d += sensing.sample_spacing_m) {
          const double f = (along + d) / std::max(len, 1.0);
          const geo::Point2 p{a.x + (b.x - a.x) * d / seg, a.y + (b.y - a.y) * d / seg};
          const double alt =
              altitude[static_cast<std::size_t>(i)] +
              f * (altitude[static_cast<std::size_t>(j)] - altitude[static_cast<std::size_t>(i)]);
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
    op.vehicles.push_back({b, b, budget});
  }
  // Points without room to orbit (the loiter circle reaches two turn radii out) are
  // left out: no route could loiter there.
  for (int i = nb; i < n; ++i) {
    if (o.loiter_s > 0.0 && !space.orbit_room(work[static_cast<std::size_t>(i)]))
      op.visitable[static_cast<std::size_t>(i)] = 0;
  }
  const auto stops_of = [&](const std::vector<int>& route) {
    std::vector<Stop> st;
    for (int node : route) {
      const bool base = node < nb;
      st.push_back({work[static_cast<std::size_t>(node)], altitude[static_cast<std::size_t>(node)],
                    base ? 0.0 : o.loiter_s, base, node});
    }
    return st;
  };
  OrienteeringOptions oo;
  oo.time_limit_s = o.time_limit_s;
  oo.max_iterations = o.max_iterations;
  oo.seed = o.seed;
  oo.feasible = [&](int, const std::vector<int>& route) {
    if (route.size() <= 2) return true;  // stays on the ground
    const FlownRoute fr = fly(space, stops_of(route));
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
  std::vector<std::vector<IdRun>> footprint(static_cast<std::size_t>(n) * (n + 1));
#pragma omp parallel for schedule(dynamic, 1)
  for (int i = 0; i < n; ++i) {
    const int c = node_candidate[static_cast<std::size_t>(i)];
    if (c >= 0) footprint[static_cast<std::size_t>(i)] = union_runs(*model.sets, {c});
    for (int j = 0; j < n; ++j)
      footprint[static_cast<std::size_t>(n + i * n + j)] =
          union_runs(*model.sets, legs[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]);
  }
  legs.clear();
  CoverageObjective objective(model.targets->weight, n, std::move(footprint));
  const std::string stage = "optimising routes for " + std::to_string(o.aircraft) + " aircraft";
  oo.progress = [&](double f) { return progress.report(stage, f) && !progress.cancelled(); };
  progress.report(stage, 0.0);
  const OrienteeringSolution sol = solve_orienteering(op, objective, oo);
  progress.throw_if_cancelled();
  progress.report(stage, 1.0);

  SortiePlan plan;
  plan.estimated_value = sol.value;
  plan.optimiser_rounds = sol.iterations;
  plan.optimiser_time_capped = sol.time_capped;
  double loiter_time_total = 0.0;
  for (const auto& route : sol.routes) {
    if (route.size() <= 2) {
      FlownRoute idle;
      idle.stops = stops_of(route);
      idle.feasible = true;
      idle.problem = "stays on the ground";
      plan.routes.push_back(idle);
    } else {
      plan.routes.push_back(fly(space, stops_of(route)));
    }
    std::vector<int> visited;
    for (std::size_t k = 1; k + 1 < route.size(); ++k) visited.push_back(route[k] - nb);
    plan.nodes.push_back(visited);
  }
  plan.coverage = measure_coverage(space, plan.routes, *model.targets, sensing, progress, cache);
  if (warm && plan.coverage.weight < warm->coverage.weight) {
    // The exact measure can disagree with the optimiser's estimate: never plan less
    // coverage with more aircraft than with fewer.
    const SortiePlan keep = plan;
    plan.routes.clear();
    plan.nodes.clear();
    for (int k = 0; k < o.aircraft; ++k) {
      const auto ks = static_cast<std::size_t>(k);
      if (ks < warm->routes.size()) {
        plan.routes.push_back(warm->routes[ks]);
        plan.nodes.push_back(warm->nodes[ks]);
      } else {
        plan.routes.push_back(keep.routes[ks]);
        plan.routes.back() = FlownRoute{};
        plan.routes.back().stops = {keep.routes[ks].stops.front(), keep.routes[ks].stops.back()};
        plan.routes.back().feasible = true;
        plan.routes.back().problem = "stays on the ground";
        plan.nodes.emplace_back();
      }
    }
    plan.coverage = warm->coverage;
    plan.kept_smaller_fleet = true;
  }
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
  plan.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return plan;
}

std::vector<SortiePlan> plan_fleet(const FlightSpace& space, const std::vector<Candidate>& points,
                                   const CoverageModel& model, const Sensing& sensing,
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

PatrolPlan plan_patrol(const FlightSpace& space, const std::vector<Candidate>& points,
                       const Targets& targets, const Sensing& sensing, const PatrolOptions& o,
                       const Progress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  if (points.size() < 2) throw Error("a patrol cycle needs at least two points");
  if (o.aircraft < 1) throw Error("at least one aircraft is needed on the cycle");
  const Aircraft& ac = space.aircraft();
  const double v = ac.cruise_ms();
  const geo::Point2 base = base_work(space, o.base);
  // The cycle: visit every point, shortest closed tour (the orienteering core with
  // equal scores and no budget pressure: all points, then the least time).
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
  PatrolPlan plan;
  plan.optimiser_rounds = tour.iterations;
  plan.optimiser_time_capped = tour.time_capped;
  plan.order = tour.routes[0];
  plan.order.pop_back();  // closed: the first point ends it
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
  // What each stretch of the lap watches: viewsheds at the samples, each watching
  // until the next.
  struct Probe {
    geo::Point2 work;
    double altitude, t, dt;
  };
  std::vector<Probe> probes;
  {
    double next = 0.0;
    for (std::size_t i = 0; i < plan.cycle.samples.size(); ++i) {
      const auto& q = plan.cycle.samples[i];
      if (q.s >= next) {
        probes.push_back({q.work, q.altitude_m, q.t, 0.0});
        next = q.s + sensing.sample_spacing_m;
      }
    }
    for (std::size_t i = 0; i < probes.size(); ++i) {
      probes[i].dt = (i + 1 < probes.size() ? probes[i + 1].t : plan.period_s) - probes[i].t;
    }
  }
  const std::size_t nt = targets.weight.size();
  std::vector<std::vector<std::pair<double, double>>> watch(nt);
  {
    std::vector<std::vector<std::uint32_t>> seen(probes.size());
    std::vector<std::pair<geo::Point2, double>> where;
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
    for (std::size_t t = 0; t < nt; ++t)
      if (cov.count[t] > 0) {
        cov.weight += targets.weight[t];
        cov.area_m2 += targets.area_m2[t];
      }
  }
  plan.per_target.resize(nt);
  double w_seen = 0.0, w_total = 0.0, w_mean = 0.0, w_watch = 0.0;
  std::vector<std::pair<int, double>> fleet;  // (aircraft for continuous watch, weight)
  std::vector<double> worsts;
  plan.worst_revisit_s = NAN;  // stays so when the cycle sees nothing
  for (std::size_t t = 0; t < nt; ++t) {
    w_total += targets.weight[t];
    if (watch[t].empty()) continue;
    const Revisit rv = revisit(watch[t], plan.period_s, o.aircraft);
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
