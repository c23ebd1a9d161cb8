#pragma once
// What the sensor sees from points of a path, shared by sorties (routes.cpp) and
// patrols (patrol.cpp): internal to the planner.

#include <omp.h>

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "vigia/planner/flight.hpp"
#include "vigia/planner/routes.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::planner::detail {

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

/// A base's lon/lat in the work CRS; throws Error when it lies outside the DEM or the
/// permitted airspace.
geo::Point2 base_work(const FlightSpace& space, geo::Point2 lonlat);

}  // namespace vigia::planner::detail
