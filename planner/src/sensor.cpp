#include "vigia/planner/sensor.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>

#include "vigia/geo/error.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::planner {

namespace {
const std::vector<SensorTask>& tasks() {
  // REFERENCE.md: 640 px MWIR, 15 um pitch, 275 mm lens; Johnson criteria; geometric
  // upper bounds. Target heights: person 1.8 m, vehicle 2.5 m.
  static const std::vector<SensorTask> t{
      {"person-detect", 6900.0, 1.8},     {"person-recognise", 1700.0, 1.8},
      {"person-identify", 1100.0, 1.8},   {"vehicle-detect", 21000.0, 2.5},
      {"vehicle-recognise", 5300.0, 2.5}, {"vehicle-identify", 3300.0, 2.5}};
  return t;
}
}  // namespace

std::vector<std::string> sensor_tasks() {
  std::vector<std::string> names;
  for (const auto& t : tasks()) names.push_back(t.name);
  return names;
}

terrain::ViewshedOptions Sensor::viewshed_options() const {
  terrain::ViewshedOptions vo;
  vo.target_height_m = task.target_height_m;
  vo.refraction_k = refraction_k;
  vo.limits.max_slant_range_m = task.range_m;
  vo.limits.min_grazing_deg = min_grazing_deg;
  terrain::check_options(vo);  // here, not inside the callers' parallel loops
  return vo;
}

nlohmann::json Sensor::to_json() const {
  return {{"task", task.name},
          {"range_m", task.range_m},
          {"target_height_m", task.target_height_m},
          {"min_grazing_deg", min_grazing_deg},
          {"refraction_k", refraction_k},
          {"sample_spacing_m", sample_spacing_m}};
}

SensorTask sensor_task(const std::string& name) {
  for (const auto& t : tasks()) {
    if (t.name == name) return t;
  }
  std::string allowed;
  for (const auto& t : tasks()) allowed += (allowed.empty() ? "" : ", ") + t.name;
  throw Error("unknown sensor task '" + name + "' (allowed: " + allowed + ")");
}

double Targets::total_weight() const {
  double s = 0.0;
  for (double w : weight) s += w;
  return s;
}

double Targets::total_area() const {
  double s = 0.0;
  for (double a : area_m2) s += a;
  return s;
}

Targets make_targets(const terrain::Dem& dem, const geo::Raster<float>& weight, int aggregate) {
  if (aggregate < 1) throw Error("target aggregation must be at least 1 cell");
  Targets t;
  t.aggregate = aggregate;
  t.id = weight.like<std::int32_t>(-1, -1.0);
  // Ids in row-major order of blocks, and cell by cell within a block row, so that a
  // run of visible cells along a row is (for aggregate 1) a run of ids.
  const int brows = (dem.rows() + aggregate - 1) / aggregate;
  const int bcols = (dem.cols() + aggregate - 1) / aggregate;
  std::vector<std::int32_t> block_id;
  if (aggregate > 1) block_id.assign(static_cast<std::size_t>(brows) * bcols, -1);
  for (int r = 0; r < dem.rows(); ++r) {
    const double area = dem.metric.cell_width(r) * dem.metric.cell_height(r);
    for (int c = 0; c < dem.cols(); ++c) {
      const float w = weight(r, c);
      if (std::isnan(w) || w <= 0.0f || std::isnan(dem.elevation(r, c))) continue;
      std::int32_t id;
      if (aggregate == 1) {
        id = static_cast<std::int32_t>(t.weight.size());
        t.weight.push_back(w);
        t.cells.push_back(1);
        t.area_m2.push_back(area);
      } else {
        std::int32_t& b = block_id[static_cast<std::size_t>(r / aggregate) * bcols + c / aggregate];
        if (b < 0) {
          b = static_cast<std::int32_t>(t.weight.size());
          t.weight.push_back(0.0);
          t.cells.push_back(0);
          t.area_m2.push_back(0.0);
        }
        id = b;
        t.weight[static_cast<std::size_t>(id)] += w;
        t.cells[static_cast<std::size_t>(id)] += 1;
        t.area_m2[static_cast<std::size_t>(id)] += area;
      }
      t.id(r, c) = id;
    }
  }
  if (t.weight.empty()) throw Error("the corridor holds no target cell");
  t.runs = terrain::CellRuns::where(dem.cols(), dem.rows(),
                                    [&](int r, int c) { return t.id(r, c) >= 0; });
  return t;
}

terrain::ViewshedOptions Targets::viewshed_options(const Sensor& sensor) const {
  terrain::ViewshedOptions vo = sensor.viewshed_options();
  if (runs.rows() > 0) vo.only = &runs;
  return vo;
}

const std::vector<std::uint32_t>& SeenCounter::seen(const terrain::Viewshed& vs) {
  touched_.clear();
  const int cols = vs.visible.cols();
  const auto count = [&](const std::uint8_t* v, const std::int32_t* id, int c0, int c1) {
    for (int c = c0; c < c1; ++c) {
      if (v[c] != 1 || id[c] < 0) continue;
      if (cells_[static_cast<std::size_t>(id[c])]++ == 0)
        touched_.push_back(static_cast<std::uint32_t>(id[c]));
    }
  };
  for (int r = 0; r < vs.visible.rows(); ++r) {
    const std::uint8_t* v = vs.visible.row(r);
    const std::int32_t* id = targets_.id.row(r + vs.window.row) + vs.window.col;
    if (targets_.runs.rows() == 0) {
      count(v, id, 0, cols);
      continue;
    }
    for (const auto& [g0, g1] : targets_.runs.row(r + vs.window.row))
      count(v, id, std::max(g0 - vs.window.col, 0), std::min(g1 - vs.window.col, cols));
  }
  out_.clear();
  for (std::uint32_t t : touched_) {
    if (2 * cells_[t] >= targets_.cells[t]) out_.push_back(t);
    cells_[t] = 0;
  }
  return out_;
}

CoverageProblem visible_sets(const terrain::Dem& dem, const std::vector<Candidate>& candidates,
                             const Targets& targets, const Sensor& sensor,
                             VisibleSetStats* stats, const Progress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  if (candidates.empty())
    throw Error("no candidate observation point (is the permitted airspace empty?)");
  // The corridor's bounding box, to skip candidates whose range cannot reach it.
  int r0 = dem.rows(), r1 = -1, c0 = dem.cols(), c1 = -1;
  for (int r = 0; r < dem.rows(); ++r)
    for (int c = 0; c < dem.cols(); ++c)
      if (targets.id(r, c) >= 0) {
        r0 = std::min(r0, r);
        r1 = std::max(r1, r);
        c0 = std::min(c0, c);
        c1 = std::max(c1, c);
      }
  const geo::Window corridor_box{c0, r0, c1 - c0 + 1, r1 - r0 + 1};
  const terrain::ViewshedOptions vo = targets.viewshed_options(sensor);

  std::vector<std::vector<std::uint32_t>> sets(candidates.size());
  // Each candidate's window in target blocks (aggregate x aggregate cells, aligned on
  // the grid): candidates whose windows' blocks do not meet see no target in common.
  std::vector<CoverageProblem::Box> extent(candidates.size());
  long long viewsheds = 0;
  long long cells = 0;
  ProgressCounter counter(progress, "visible sets", static_cast<long long>(candidates.size()));
  const auto n = static_cast<long long>(candidates.size());
#pragma omp parallel reduction(+ : viewsheds, cells)
  {
    SeenCounter counter_seen(targets);
#pragma omp for schedule(dynamic, 4)
    for (long long i = 0; i < n; ++i) {
      if (progress.cancelled()) continue;
      const Candidate& k = candidates[static_cast<std::size_t>(i)];
      const geo::Window w = terrain::range_window(dem, k.pos, sensor.task.range_m);
      if (!w.intersect(corridor_box).empty()) {
        const terrain::Viewshed vs = terrain::compute_viewshed(
            dem, {k.pos, k.altitude_m, terrain::AltitudeReference::AboveSeaLevel}, vo);
        ++viewsheds;
        cells += vs.stats.cells_in_range;
        sets[static_cast<std::size_t>(i)] = counter_seen.seen(vs);
        const int a = std::max(targets.aggregate, 1);
        const geo::Window& vw = vs.window;  // every cell the viewshed can see
        extent[static_cast<std::size_t>(i)] = {vw.col / a, vw.row / a,
                                               (vw.col + vw.cols - 1) / a + 1,
                                               (vw.row + vw.rows - 1) / a + 1};
      }
      counter.add();
    }
  }
  progress.throw_if_cancelled();
  counter.finish();

  CoverageProblem p;
  p.weight = targets.weight;
  for (auto& ids : sets) {
    p.add_candidate(std::move(ids), 1.0);
    ids = {};
  }
  p.extent = std::move(extent);
  if (stats) {
    stats->viewsheds = viewsheds;
    stats->cells_computed = cells;
    stats->bytes = p.bytes();
    stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return p;
}

void seen_from(const FlightSpace& space, const std::vector<SensorPosition>& where,
               const Targets& targets, const Sensor& sensor, const Progress& progress,
               const char* stage,
               const std::function<void(std::size_t, const std::vector<std::uint32_t>&)>& fn) {
  const terrain::Dem& dem = space.area().dem;
  const terrain::ViewshedOptions vo = targets.viewshed_options(sensor);
  ProgressCounter counter(progress, stage, static_cast<long long>(where.size()));
  const auto n = static_cast<long long>(where.size());
#pragma omp parallel
  {
    SeenCounter seen(targets);
#pragma omp for schedule(dynamic, 4)
    for (long long i = 0; i < n; ++i) {
      if (progress.cancelled()) continue;
      const auto& [work, altitude] = where[static_cast<std::size_t>(i)];
      const terrain::GridPoint g = space.to_grid(work);
      if (dem.covers(g) && !std::isnan(dem.elevation_at(g)) && altitude >= dem.elevation_at(g)) {
        const terrain::Viewshed vs = terrain::compute_viewshed(
            dem, {g, altitude, terrain::AltitudeReference::AboveSeaLevel}, vo);
        fn(static_cast<std::size_t>(i), seen.seen(vs));
      }
      counter.add();
    }
  }
  progress.throw_if_cancelled();
  counter.finish();
}

std::vector<std::size_t> sensor_samples(const FlownRoute& route, const Sensor& sensor,
                                        bool at_stops) {
  std::vector<std::size_t> out;
  double next = 0.0;
  int last_stop = -1;
  for (std::size_t i = 0; i < route.samples.size(); ++i) {
    const PathSample& q = route.samples[i];
    const bool stop_reached = at_stops && q.stop != last_stop;
    last_stop = q.stop;
    if (q.s >= next || stop_reached) {
      out.push_back(i);
      if (q.s >= next) next = q.s + sensor.sample_spacing_m;
    }
  }
  return out;
}

const RouteSightCache::Sight* RouteSightCache::find(const std::vector<double>& key) const {
  for (const auto& [k, sight] : entries_)
    if (k == key) return &sight;
  return nullptr;
}

void RouteSightCache::add(std::vector<double> key, Sight sight) {
  if (find(key) == nullptr) entries_.emplace_back(std::move(key), std::move(sight));
}

PathCoverage measure_coverage(const FlightSpace& space, const std::vector<FlownRoute>& routes,
                              const Targets& targets, const Sensor& s, const Progress& progress,
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
    for (std::size_t i : sensor_samples(routes[k], s, true)) {
      const PathSample& q = routes[k].samples[i];
      route_probes[k].push_back({q.work, q.altitude_m, q.t, static_cast<int>(k)});
      keys[k].insert(keys[k].end(), {q.work.x, q.work.y, q.altitude_m, q.t});
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
    std::vector<SensorPosition> where;
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
  total_seen(targets, cov);
  if (cache) {
    for (std::size_t k = 0; k < routes.size(); ++k)
      if (sights[k] == &measured[k])
        cache->add(std::move(keys[k]), std::move(measured[k]));
  }
  return cov;
}

void total_seen(const Targets& targets, PathCoverage& cov) {
  cov.weight = 0.0;
  cov.area_m2 = 0.0;
  for (std::size_t t = 0; t < cov.count.size(); ++t) {
    if (cov.count[t] > 0) {
      cov.weight += targets.weight[t];
      cov.area_m2 += targets.area_m2[t];
    }
  }
}

}  // namespace vigia::planner
