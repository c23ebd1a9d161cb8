// vigia::geo: the georeferencing value types, CRS handling and geodesy.

#include <GeographicLib/Geodesic.hpp>
#include <gdal_priv.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "vigia/geo/error.hpp"
#include "vigia/geo/geodesy.hpp"
#include "vigia/geo/geotransform.hpp"
#include "support.hpp"
#include "vigia/geo/raster.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/spatial_ref.hpp"

using namespace vigia;
using namespace vigia::geo;

TEST_CASE("GeoTransform maps pixel/line to CRS and back", "[geo]") {
  const GeoTransform gt{-71.0, 0.001, 0.0, -32.0, 0.0, -0.002};
  const Point2 corner = gt.to_crs(0, 0);
  CHECK(corner.x == -71.0);
  CHECK(corner.y == -32.0);
  const Point2 c = gt.cell_centre(2, 3);
  CHECK(c.x == Approx(-71.0 + 2.5 * 0.001));
  CHECK(c.y == Approx(-32.0 - 3.5 * 0.002));
  const Point2 back = gt.to_pixel(c);
  CHECK(back.x == Approx(2.5));
  CHECK(back.y == Approx(3.5));
  CHECK_FALSE(gt.is_rotated());
  const GeoTransform sub = gt.shifted(10, 20);
  CHECK(sub.to_crs(0, 0).x == Approx(gt.to_crs(10, 20).x));
  CHECK(sub.to_crs(0, 0).y == Approx(gt.to_crs(10, 20).y));
}

TEST_CASE("GeoTransform inverse holds for rotated grids too", "[geo]") {
  const GeoTransform gt{1000.0, 30.0, 5.0, 5000.0, -4.0, -30.0};
  CHECK(gt.is_rotated());
  const Point2 p = gt.to_crs(12.25, 7.5);
  const Point2 back = gt.to_pixel(p);
  CHECK(back.x == Approx(12.25));
  CHECK(back.y == Approx(7.5));
}

TEST_CASE("Window intersection is half-open", "[geo]") {
  const Window a{0, 0, 10, 10};
  CHECK(a.intersect({5, 5, 10, 10}) == Window{5, 5, 5, 5});
  CHECK(a.intersect({10, 0, 5, 5}).empty());
  CHECK(a.intersect({-3, -3, 4, 4}) == Window{0, 0, 1, 1});
  CHECK(a.contains(9, 9));
  CHECK_FALSE(a.contains(10, 9));
  CHECK(a.cells() == 100);
}

TEST_CASE("Raster crop, view and like keep the georeferencing", "[geo]") {
  Raster<float> r(4, 3);
  r.transform = {100.0, 10.0, 0.0, 200.0, 0.0, -10.0};
  r.crs_wkt = "dummy";
  for (int row = 0; row < 3; ++row)
    for (int col = 0; col < 4; ++col) r(row, col) = static_cast<float>(row * 10 + col);
  const Raster<float> c = r.crop({1, 1, 2, 2});
  CHECK(c.cols() == 2);
  CHECK(c.rows() == 2);
  CHECK(c(0, 0) == 11.0f);
  CHECK(c(1, 1) == 22.0f);
  CHECK(c.transform.origin_x == 110.0);
  CHECK(c.transform.origin_y == 190.0);
  CHECK(c.crs_wkt == "dummy");
  auto v = r.view({2, 1, 2, 2});
  CHECK(v(0, 0) == 12.0f);
  CHECK(v(1, 1) == 23.0f);
  v(1, 1) = -1.0f;
  CHECK(r(2, 3) == -1.0f);
  CHECK(v.transform().origin_x == 120.0);
  const Raster<std::uint8_t> mask = r.like<std::uint8_t>(255, 255.0);
  CHECK(mask.cols() == 4);
  CHECK(mask.rows() == 3);
  CHECK(mask.transform == r.transform);
  CHECK(mask.nodata == 255.0);
  CHECK(mask(2, 3) == 255);
}

TEST_CASE("SpatialRef identifies CRS and transforms in lon/lat order", "[geo]") {
  const SpatialRef wgs = SpatialRef::wgs84();
  CHECK(wgs.is_geographic());
  CHECK(wgs.epsg() == 4326);
  const SpatialRef utm = SpatialRef::from_epsg(utm_epsg(-70.5, -32.5));
  CHECK(utm.epsg() == 32719);
  CHECK(utm.is_projected());
  CHECK(utm.linear_unit_m() == 1.0);
  CHECK(SpatialRef::from_user_input("EPSG:4326").same_as(wgs));
  CHECK_FALSE(utm.same_as(wgs));
  // Central meridian of zone 19 is -69: a point on it maps to easting 500 000 m.
  const Transformer t(wgs, utm);
  const Point2 p = t({-69.0, -32.0});
  CHECK(p.x == Approx(500000.0).margin(1e-3));
  CHECK(p.y < 10000000.0);
  const Transformer back(utm, wgs);
  const Point2 q = back(p);
  CHECK(q.x == Approx(-69.0).margin(1e-9));
  CHECK(q.y == Approx(-32.0).margin(1e-9));
  CHECK_THROWS_AS(SpatialRef::from_user_input("EPSG:99999999"), Error);
}

TEST_CASE("UTM zones of the project's areas", "[geo]") {
  CHECK(utm_epsg(-69.0, -15.6) == 32719);  // Cordillera Real
  CHECK(utm_epsg(-65.0, -22.0) == 32720);  // Bolivia-Argentina border, middle
  CHECK(utm_epsg(3.0, 45.0) == 32631);
  CHECK(utm_epsg(180.0, 10.0) == 32660);
}

TEST_CASE("Meridian arc series agrees with the geodesic along a meridian", "[geo]") {
  const Ellipsoid e = Ellipsoid::wgs84();
  const auto& g = GeographicLib::Geodesic::WGS84();
  for (double lat : {-33.0, -16.0, 0.0, 45.0, 80.0}) {
    double s = 0.0;
    g.Inverse(0.0, 10.0, lat, 10.0, s);
    const double arc = std::abs(e.meridian_arc(lat * M_PI / 180.0));
    CHECK(arc == Approx(s).margin(1e-3));
  }
}

TEST_CASE("Geodesic length of a polyline", "[geo]") {
  // One degree of longitude on the equator: a * pi / 180.
  const std::vector<Point2> line{{0.0, 0.0}, {0.5, 0.0}, {1.0, 0.0}};
  CHECK(geodesic_length(line) == Approx(6378137.0 * M_PI / 180.0).epsilon(1e-12));
}

TEST_CASE("A one-band GeoTIFF keeps every cell, edge tiles and tags as written",
          "[geo][raster]") {
  // write_raster sends tiles straight to the driver: the file must read back exactly,
  // edge tiles included, with its georeferencing, nodata, description and metadata.
  test::TempDir tmp;
  Raster<std::uint8_t> r(300, 270, Uninitialised{});  // 2 x 2 tiles, both edges partial
  for (int row = 0; row < r.rows(); ++row)
    for (int c = 0; c < r.cols(); ++c) r(row, c) = static_cast<std::uint8_t>((row * 31 + c) % 7 == 0 ? 255 : (row + c) % 2);
  r.transform = GeoTransform::from_gdal({500000, 30, 0, 8300000, 0, -30});
  r.crs_wkt = SpatialRef::from_epsg(32719).wkt();
  r.nodata = 255.0;
  Raster<float> f = r.like<float>(0.0f, std::numeric_limits<double>::quiet_NaN());
  for (int row = 0; row < f.rows(); ++row)
    for (int c = 0; c < f.cols(); ++c)
      f(row, c) = r(row, c) == 255 ? std::numeric_limits<float>::quiet_NaN() : 0.25f * (row - c);
  for (const std::string compress : {"NONE", "DEFLATE"}) {
    INFO(compress);
    RasterWriteOptions o;
    o.compress = compress;
    o.band_description = "visibility";
    o.metadata["VIGIA_TEST"] = "yes";
    const std::string a = tmp.file("a_" + compress + ".tif");
    const std::string b = tmp.file("b_" + compress + ".tif");
    write_raster(r, a, o);
    write_raster(f, b, o);
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(a.c_str(), GDAL_OF_RASTER));
    REQUIRE(ds);
    GDALRasterBand* band = ds->GetRasterBand(1);
    int bx = 0, by = 0;
    band->GetBlockSize(&bx, &by);
    CHECK(bx == 256);
    CHECK(by == 256);
    int has = 0;
    CHECK(band->GetNoDataValue(&has) == 255.0);
    CHECK(has == 1);
    CHECK(std::string(band->GetDescription()) == "visibility");
    CHECK(std::string(ds->GetMetadataItem("VIGIA_TEST")) == "yes");
    std::array<double, 6> gt{};
    ds->GetGeoTransform(gt.data());
    CHECK(gt[0] == 500000.0);
    CHECK(gt[5] == -30.0);
    CHECK(SpatialRef::from_wkt(ds->GetProjectionRef()).same_as(SpatialRef::from_epsg(32719)));
    std::vector<std::uint8_t> back(r.size());
    REQUIRE(band->RasterIO(GF_Read, 0, 0, r.cols(), r.rows(), back.data(), r.cols(), r.rows(),
                           GDT_Byte, 0, 0, nullptr) == CE_None);
    CHECK(std::equal(back.begin(), back.end(), r.data().begin()));
    std::unique_ptr<GDALDataset> fs(GDALDataset::Open(b.c_str(), GDAL_OF_RASTER));
    REQUIRE(fs);
    std::vector<float> fb(f.size());
    REQUIRE(fs->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, f.cols(), f.rows(), fb.data(), f.cols(),
                                           f.rows(), GDT_Float32, 0, 0, nullptr) == CE_None);
    int same = 0;
    for (std::size_t i = 0; i < fb.size(); ++i)
      same += (fb[i] == f.data()[i]) || (std::isnan(fb[i]) && std::isnan(f.data()[i]));
    CHECK(same == static_cast<int>(fb.size()));
  }
}
