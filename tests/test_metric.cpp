// The metric frame of geographic DEMs: per-row cell sizes and offsets in metres,
// checked against GeographicLib's geodesics (Karney 2013), and the curvature drop.

#include <GeographicLib/Geodesic.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "support.hpp"
#include "vigia/terrain/dem_io.hpp"
#include "vigia/terrain/metric.hpp"

using namespace vigia;
using namespace vigia::terrain;

namespace {

double geodesic(double lon1, double lat1, double lon2, double lat2) {
  double s = 0.0;
  GeographicLib::Geodesic::WGS84().Inverse(lat1, lon1, lat2, lon2, s);
  return s;
}

/// Checks every `step`-th row: cell width = geodesic between the centres of two
/// neighbouring cells of the row; cell height = geodesic between its top and bottom
/// edges. Both within 0.1 % (the bound); in fact far closer.
void check_rows(const geo::GeoTransform& gt, const MetricFrame& frame, int rows, int step) {
  double worst = 0.0;
  for (int r = 0; r < rows; r += step) {
    const double lat = gt.origin_y + (r + 0.5) * gt.pixel_height;
    const double lon = gt.origin_x + 100.5 * gt.pixel_width;
    const double w = geodesic(lon, lat, lon + gt.pixel_width, lat);
    const double h = geodesic(lon, lat - 0.5 * gt.pixel_height, lon, lat + 0.5 * gt.pixel_height);
    worst = std::max(
        {worst, std::abs(frame.cell_width(r) / w - 1.0), std::abs(frame.cell_height(r) / h - 1.0)});
  }
  INFO("worst relative error " << worst);
  CHECK(worst < 1e-3);
  CHECK(worst < 1e-6);  // what the closed forms actually achieve
}

}  // namespace

TEST_CASE("Cell sizes in metres match the geodesic at 16 S and 33 S", "[terrain][metric]") {
  for (double lat : {-16.0, -33.0}) {
    // 1" cells (SRTM 1" / Copernicus GLO-30) centred on the latitude.
    const double d = 1.0 / 3600.0;
    const geo::GeoTransform gt{-70.0, d, 0.0, lat + 600 * d, 0.0, -d};
    const MetricFrame frame = MetricFrame::geographic(gt, geo::Ellipsoid::wgs84());
    check_rows(gt, frame, 1200, 37);
    CHECK(frame.latitude(599.5) == Approx(lat).margin(1e-9));
  }
}

TEST_CASE("Cell sizes of the real DEMs match the geodesic", "[terrain][metric][shared]") {
  for (const char* name :
       {"bolivia_cordillera_real_srtm3_1500.tif", "andes_chile_argentina_S33W071_srtm3.tif"}) {
    const Dem dem = load_dem({test::shared_data(name)});
    REQUIRE(dem.metric.is_geographic());
    check_rows(dem.elevation.transform, dem.metric, dem.rows(), 50);
  }
}

TEST_CASE("Offsets between grid points agree with the geodesic within 0.01 %",
          "[terrain][metric]") {
  const double d = 3.0 / 3600.0;
  for (double lat : {-16.0, -33.0, 60.0}) {
    const geo::GeoTransform gt{-70.0, d, 0.0, lat + 1000 * d, 0.0, -d};
    const MetricFrame frame = MetricFrame::geographic(gt, geo::Ellipsoid::wgs84());
    std::mt19937 rng(42);
    std::uniform_real_distribution<double> u(0.0, 2000.0);
    double worst = 0.0;
    for (int i = 0; i < 500; ++i) {
      const GridPoint a{u(rng), u(rng)};
      const GridPoint b{u(rng) * 0.5 + 500.0, u(rng) * 0.5 + 500.0};  // up to ~90 km apart
      const double s = geodesic(gt.origin_x + (a.col + 0.5) * d, gt.origin_y - (a.row + 0.5) * d,
                                gt.origin_x + (b.col + 0.5) * d, gt.origin_y - (b.row + 0.5) * d);
      if (s < 100.0) continue;
      worst = std::max(worst, std::abs(frame.distance(a, b) / s - 1.0));
    }
    INFO("latitude " << lat << ", worst relative error " << worst);
    CHECK(worst < 1e-4);
  }
}

TEST_CASE("Offsets point east and north", "[terrain][metric]") {
  const double d = 1.0 / 1200.0;
  const geo::GeoTransform gt{-70.0, d, 0.0, -15.0, 0.0, -d};
  const MetricFrame f = MetricFrame::geographic(gt, geo::Ellipsoid::wgs84());
  const Offset east = f.offset({10, 10}, {20, 10});
  CHECK(east.east > 0.0);
  CHECK(east.north == 0.0);
  const Offset north = f.offset({10, 10}, {10, 0});
  CHECK(north.north > 0.0);
  CHECK(north.east == 0.0);
  const MetricFrame p = MetricFrame::projected({500000.0, 30.0, 0.0, 8000000.0, 0.0, -30.0}, 1.0);
  CHECK_FALSE(p.is_geographic());
  const Offset o = p.offset({0, 0}, {3, -4});
  CHECK(o.east == 90.0);
  CHECK(o.north == 120.0);
  CHECK(p.distance({0, 0}, {3, 4}) == Approx(150.0));
  const MetricFrame feet = MetricFrame::projected({0.0, 100.0, 0.0, 0.0, 0.0, -100.0}, 0.3048);
  CHECK(feet.cell_width(0) == Approx(30.48));
}

TEST_CASE("Shifted frames measure the same as the original", "[terrain][metric]") {
  const double d = 3.0 / 3600.0;
  const geo::GeoTransform gt{-69.5, d, 0.0, -15.0, 0.0, -d};
  const MetricFrame f = MetricFrame::geographic(gt, geo::Ellipsoid::wgs84());
  const MetricFrame s = f.shifted(100, 200);
  CHECK(s.cell_width(0) == Approx(f.cell_width(200)));
  CHECK(s.distance({0, 0}, {50, 70}) == Approx(f.distance({100, 200}, {150, 270})));
}

TEST_CASE("Curvature and refraction drop", "[terrain][metric]") {
  CHECK(curvature_drop(0.0, 0.13) == 0.0);
  CHECK(curvature_drop(10000.0, 1.0) == 0.0);
  // (1 - 0.13) * 1e8 / (2 * 6 371 000) = 6.8278 m at 10 km
  CHECK(curvature_drop(10000.0, 0.13) == Approx(0.87 * 1e8 / 12742000.0));
  CHECK(curvature_drop(10000.0, 0.13) == Approx(6.8278).epsilon(1e-4));
  // The horizon of an observer at h over smooth ground is where the drop equals h:
  // about 3.83 sqrt(h) km for k = 0.13 (REFERENCE.md).
  const double h = 100.0;
  const double horizon = std::sqrt(2.0 * kEarthRadius * h / (1.0 - 0.13));
  CHECK(curvature_drop(horizon, 0.13) == Approx(h));
  CHECK(horizon / 1000.0 == Approx(3.83 * std::sqrt(h)).epsilon(2e-3));
}
