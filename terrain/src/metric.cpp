#include "vigia/terrain/metric.hpp"

#include <cmath>
#include <numbers>

namespace vigia::terrain {

namespace {
constexpr double kDegToRad = std::numbers::pi / 180.0;
}

MetricFrame MetricFrame::projected(const geo::GeoTransform& gt, double unit_m) {
  MetricFrame f;
  f.geographic_ = false;
  f.col_east_m_ = gt.pixel_width * unit_m;
  f.row_north_m_ = gt.pixel_height * unit_m;
  return f;
}

MetricFrame MetricFrame::geographic(const geo::GeoTransform& gt, const geo::Ellipsoid& ellipsoid,
                                    double angular_unit_deg) {
  MetricFrame f;
  f.geographic_ = true;
  f.ellipsoid_ = ellipsoid;
  const double unit = angular_unit_deg * kDegToRad;
  f.dlon_ = gt.pixel_width * unit;
  f.dlat_ = gt.pixel_height * unit;
  f.lat0_ = (gt.origin_y + 0.5 * gt.pixel_height) * unit;
  return f;
}

double MetricFrame::latitude(double row) const {
  return geographic_ ? (lat0_ + row * dlat_) / kDegToRad : 0.0;
}

double MetricFrame::cell_width(double row) const {
  if (!geographic_) return std::abs(col_east_m_);
  return std::abs(dlon_) * ellipsoid_.parallel_radius(lat0_ + row * dlat_);
}

double MetricFrame::cell_height(double row) const {
  if (!geographic_) return std::abs(row_north_m_);
  const double lat = lat0_ + row * dlat_;
  return std::abs(ellipsoid_.meridian_arc(lat + 0.5 * dlat_) -
                  ellipsoid_.meridian_arc(lat - 0.5 * dlat_));
}

Offset MetricFrame::offset(GridPoint a, GridPoint b) const {
  if (!geographic_) {
    return {(b.col - a.col) * col_east_m_, (b.row - a.row) * row_north_m_};
  }
  const double lat_a = lat0_ + a.row * dlat_;
  const double lat_b = lat0_ + b.row * dlat_;
  const double north = ellipsoid_.meridian_arc(lat_b) - ellipsoid_.meridian_arc(lat_a);
  const double east = (b.col - a.col) * dlon_ * ellipsoid_.parallel_radius(0.5 * (lat_a + lat_b));
  return {east, north};
}

double MetricFrame::distance(GridPoint a, GridPoint b) const {
  const Offset o = offset(a, b);
  return std::hypot(o.east, o.north);
}

MetricFrame MetricFrame::shifted(int /*col*/, int row) const {
  MetricFrame f = *this;
  if (geographic_) f.lat0_ = lat0_ + row * dlat_;
  return f;
}

std::vector<CellOffset> disk_offsets(double cell_w_m, double cell_h_m, double radius_m) {
  const int rc = static_cast<int>(std::ceil(radius_m / cell_w_m));
  const int rr = static_cast<int>(std::ceil(radius_m / cell_h_m));
  std::vector<CellOffset> out;
  for (int dr = -rr; dr <= rr; ++dr)
    for (int dc = -rc; dc <= rc; ++dc)
      if ((dc * cell_w_m) * (dc * cell_w_m) + (dr * cell_h_m) * (dr * cell_h_m) <=
          radius_m * radius_m + 1e-6)
        out.push_back({dr, dc});
  return out;
}

}  // namespace vigia::terrain
