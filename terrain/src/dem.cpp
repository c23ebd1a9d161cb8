#include "vigia/terrain/dem.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vigia::terrain {

double Dem::elevation_at(GridPoint p) const {
  if (!covers(p) || !std::isfinite(p.col) || !std::isfinite(p.row)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double col = std::clamp(p.col, 0.0, static_cast<double>(cols() - 1));
  const double row = std::clamp(p.row, 0.0, static_cast<double>(rows() - 1));
  const int c0 = std::min(static_cast<int>(col), std::max(cols() - 2, 0));
  const int r0 = std::min(static_cast<int>(row), std::max(rows() - 2, 0));
  const int c1 = std::min(c0 + 1, cols() - 1);
  const int r1 = std::min(r0 + 1, rows() - 1);
  const double tc = col - c0;
  const double tr = row - r0;
  const double z00 = elevation(r0, c0);
  const double z01 = elevation(r0, c1);
  const double z10 = elevation(r1, c0);
  const double z11 = elevation(r1, c1);
  const double top = z00 + (z01 - z00) * tc;
  const double bottom = z10 + (z11 - z10) * tc;
  return top + (bottom - top) * tr;  // NaN propagates from any nodata corner
}

Dem Dem::crop(const geo::Window& w) const {
  Dem out;
  out.elevation = elevation.crop(w);
  out.crs = crs;
  out.metric = metric.shifted(w.col, w.row);
  out.sources = sources;
  return out;
}

DemLocator::DemLocator(const Dem& dem)
    : dem_(&dem),
      to_dem_(geo::SpatialRef::wgs84(), dem.crs),
      to_wgs84_(dem.crs, geo::SpatialRef::wgs84()) {}

GridPoint DemLocator::to_grid(geo::Point2 lonlat) const {
  return dem_->to_grid(to_dem_(lonlat));
}

geo::Point2 DemLocator::to_lonlat(GridPoint p) const {
  return to_wgs84_(dem_->to_crs(p));
}

double DemLocator::elevation_at(geo::Point2 lonlat) const {
  return dem_->elevation_at(to_grid(lonlat));
}

}  // namespace vigia::terrain
