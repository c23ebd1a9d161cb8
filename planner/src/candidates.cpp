#include "vigia/planner/candidates.hpp"

#include <omp.h>

#include <algorithm>
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

terrain::ViewshedOptions sensor_viewshed(const SensorTask& task, double min_grazing_deg,
                                         double refraction_k) {
  terrain::ViewshedOptions vo;
  vo.target_height_m = task.target_height_m;
  vo.refraction_k = refraction_k;
  vo.limits.max_slant_range_m = task.range_m;
  vo.limits.min_grazing_deg = min_grazing_deg;
  terrain::check_options(vo);  // here, not inside the callers' parallel loops
  return vo;
}

SensorTask sensor_task(const std::string& name) {
  for (const auto& t : tasks()) {
    if (t.name == name) return t;
  }
  std::string allowed;
  for (const auto& t : tasks()) allowed += (allowed.empty() ? "" : ", ") + t.name;
  throw Error("unknown sensor task '" + name + "' (allowed: " + allowed + ")");
}

std::vector<Candidate> make_candidates(const terrain::Dem& dem, const geo::SpatialRef& work_crs,
                                       const Airspace& air, const LinkMap* link,
                                       const CandidateOptions& o) {
  if (!(o.spacing_m > 0.0)) throw Error("candidate spacing must be positive");
  if (o.tiers < 1) throw Error("altitude tiers must be at least 1");
  std::vector<Candidate> out;
  if (air.permitted.empty()) return out;
  const auto [x0, y0, x1, y1] = geo::bounds(air.permitted);
  const geo::Transformer to_dem(work_crs, dem.crs);
  const geo::Transformer to_ll(work_crs, geo::SpatialRef::wgs84());
  // The loiter disk in cells (cells are narrowest east-west on lon/lat grids).
  const double cw = dem.metric.cell_width(dem.rows() / 2.0);
  const double ch = dem.metric.cell_height(dem.rows() / 2.0);
  const int rc = static_cast<int>(std::ceil(o.loiter_radius_m / cw));
  const int rr = static_cast<int>(std::ceil(o.loiter_radius_m / ch));
  // Lattice aligned on multiples of the spacing, so that runs are reproducible.
  for (double y = std::ceil(y0 / o.spacing_m) * o.spacing_m; y <= y1; y += o.spacing_m) {
    for (double x = std::ceil(x0 / o.spacing_m) * o.spacing_m; x <= x1; x += o.spacing_m) {
      const terrain::GridPoint g = dem.to_grid(to_dem({x, y}));
      const int c = static_cast<int>(std::lround(g.col));
      const int r = static_cast<int>(std::lround(g.row));
      if (c < 0 || r < 0 || c >= dem.cols() || r >= dem.rows()) continue;
      if (std::isnan(air.min_alt(r, c))) continue;  // not permitted, or no-go terrain
      // The floor: terrain + clearance over the loiter disk, and the link.
      double floor = -INFINITY;
      bool ok = true;
      for (int dr = -rr; dr <= rr && ok; ++dr) {
        for (int dc = -rc; dc <= rc; ++dc) {
          if ((dc * cw) * (dc * cw) + (dr * ch) * (dr * ch) >
              o.loiter_radius_m * o.loiter_radius_m + 1e-6)
            continue;
          const int cc = std::clamp(c + dc, 0, dem.cols() - 1);
          const int rr2 = std::clamp(r + dr, 0, dem.rows() - 1);
          const float z = dem.elevation(rr2, cc);
          if (std::isnan(z)) continue;
          floor = std::max(floor, z + o.clearance_m);
        }
      }
      if (link) {
        const float low = link->lowest(r, c);
        if (std::isnan(low)) {
          if (o.require_link) continue;
        } else {
          floor = std::max(floor, static_cast<double>(low));
        }
      }
      if (!(floor <= o.ceiling_m)) continue;
      const double ground = dem.elevation_at(g);
      for (int t = 0; t < o.tiers; ++t) {
        Candidate k;
        k.work_xy = {x, y};
        k.lonlat = to_ll({x, y});
        k.pos = g;
        k.ground_m = ground;
        k.floor_m = floor;
        k.altitude_m = o.tiers == 1
                           ? 0.5 * (floor + o.ceiling_m)
                           : floor + (o.ceiling_m - floor) * t / static_cast<double>(o.tiers - 1);
        k.tier = t;
        out.push_back(k);
      }
    }
  }
  return out;
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
  return t;
}

CoverageProblem visible_sets(const terrain::Dem& dem, const std::vector<Candidate>& candidates,
                             const Targets& targets, const VisibleSetOptions& o,
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
  const terrain::ViewshedOptions vo = sensor_viewshed(o.task, o.min_grazing_deg, o.refraction_k);

  std::vector<std::vector<std::uint32_t>> sets(candidates.size());
  long long viewsheds = 0;
  long long cells = 0;
  ProgressCounter counter(progress, "visible sets", static_cast<long long>(candidates.size()));
  const auto n = static_cast<long long>(candidates.size());
#pragma omp parallel for schedule(dynamic, 4) reduction(+ : viewsheds, cells)
  for (long long i = 0; i < n; ++i) {
    if (progress.cancelled()) continue;
    const Candidate& k = candidates[static_cast<std::size_t>(i)];
    const geo::Window w = terrain::range_window(dem, k.pos, o.task.range_m);
    if (w.intersect(corridor_box).empty()) {
      counter.add();
      continue;
    }
    const terrain::Viewshed vs = terrain::compute_viewshed(
        dem, {k.pos, k.altitude_m, terrain::AltitudeReference::AboveSeaLevel}, vo);
    ++viewsheds;
    cells += vs.stats.cells_in_range;
    std::vector<std::uint32_t>& ids = sets[static_cast<std::size_t>(i)];
    if (targets.aggregate == 1) {
      for (int r = 0; r < vs.visible.rows(); ++r) {
        const std::uint8_t* v = vs.visible.row(r);
        const std::int32_t* id = targets.id.row(r + vs.window.row) + vs.window.col;
        for (int c = 0; c < vs.visible.cols(); ++c) {
          if (v[c] == 1 && id[c] >= 0) ids.push_back(static_cast<std::uint32_t>(id[c]));
        }
      }
    } else {
      // A block is seen when at least half of its corridor cells are.
      std::vector<std::uint32_t> seen;
      for (int r = 0; r < vs.visible.rows(); ++r) {
        const std::uint8_t* v = vs.visible.row(r);
        const std::int32_t* id = targets.id.row(r + vs.window.row) + vs.window.col;
        for (int c = 0; c < vs.visible.cols(); ++c) {
          if (v[c] == 1 && id[c] >= 0) seen.push_back(static_cast<std::uint32_t>(id[c]));
        }
      }
      std::sort(seen.begin(), seen.end());
      for (std::size_t a = 0; a < seen.size();) {
        std::size_t b = a;
        while (b < seen.size() && seen[b] == seen[a]) ++b;
        if (2 * static_cast<int>(b - a) >= targets.cells[seen[a]]) ids.push_back(seen[a]);
        a = b;
      }
    }
    counter.add();
  }
  progress.throw_if_cancelled();
  counter.finish();

  CoverageProblem p;
  p.weight = targets.weight;
  for (auto& ids : sets) {
    p.add_candidate(std::move(ids), 1.0);
    ids = {};
  }
  if (stats) {
    stats->viewsheds = viewsheds;
    stats->cells_computed = cells;
    stats->bytes = p.bytes();
    stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return p;
}

}  // namespace vigia::planner
