#include "vigia/planner/candidates.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "vigia/geo/error.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::planner {

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
  const std::vector<terrain::CellOffset> disk =
      terrain::disk_offsets(dem.metric.cell_width(dem.rows() / 2.0),
                            dem.metric.cell_height(dem.rows() / 2.0), o.loiter_radius_m);
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
      for (const auto [dr, dc] : disk) {
        const float z = dem.elevation(std::clamp(r + dr, 0, dem.rows() - 1),
                                      std::clamp(c + dc, 0, dem.cols() - 1));
        if (!std::isnan(z)) floor = std::max(floor, z + o.clearance_m);
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

}  // namespace vigia::planner
