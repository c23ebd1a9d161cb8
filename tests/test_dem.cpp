// Loading DEMs: formats, mosaics, nodata, scale/offset, registration, sampling.

#include <gdal_priv.h>
#include <gdal_utils.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "support.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/terrain/dem_io.hpp"

using namespace vigia;
using namespace vigia::terrain;

namespace {

const char* kAndes = "andes_chile_argentina_S33W071_srtm3.tif";

void translate_window(const std::string& src, const std::string& dst, int col, int row, int cols,
                      int rows) {
  GDALDatasetH in = GDALOpen(src.c_str(), GA_ReadOnly);
  REQUIRE(in != nullptr);
  const std::string c = std::to_string(col), r = std::to_string(row), w = std::to_string(cols),
                    h = std::to_string(rows);
  const char* argv[] = {"-srcwin", c.c_str(), r.c_str(), w.c_str(), h.c_str(), nullptr};
  GDALTranslateOptions* opts = GDALTranslateOptionsNew(const_cast<char**>(argv), nullptr);
  GDALDatasetH out = GDALTranslate(dst.c_str(), in, opts, nullptr);
  GDALTranslateOptionsFree(opts);
  REQUIRE(out != nullptr);
  GDALClose(out);
  GDALClose(in);
}

bool same_elevations(const Dem& a, const Dem& b) {
  if (a.cols() != b.cols() || a.rows() != b.rows()) return false;
  for (std::size_t i = 0; i < a.elevation.size(); ++i) {
    const float x = a.elevation.data()[i];
    const float y = b.elevation.data()[i];
    if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
  }
  return true;
}

void check_same_grid(const Dem& a, const Dem& b) {
  const auto ga = a.elevation.transform.to_gdal();
  const auto gb = b.elevation.transform.to_gdal();
  for (int i = 0; i < 6; ++i) CHECK(ga[i] == Approx(gb[i]).margin(1e-9));
  CHECK(same_elevations(a, b));
}

}  // namespace

TEST_CASE("GeoTIFF, SRTM .hgt, DTED and VRT copies of a tile load identically",
          "[terrain][dem][shared]") {
  test::TempDir tmp;
  const std::string tif = test::shared_data(kAndes);
  const Dem ref = load_dem({tif});
  REQUIRE(ref.cols() == 1201);
  REQUIRE(ref.rows() == 1201);
  SECTION("SRTM hgt") {
    const std::string hgt = tmp.file("S33W071.hgt");
    test::convert_raster(tif, hgt, "SRTMHGT");
    check_same_grid(load_dem({hgt}), ref);
  }
  SECTION("DTED level 1") {
    const std::string dt1 = tmp.file("s33w071.dt1");
    test::convert_raster(tif, dt1, "DTED");
    check_same_grid(load_dem({dt1}), ref);
  }
  SECTION("VRT") {
    const std::string vrt = tmp.file("tile.vrt");
    test::convert_raster(tif, vrt, "VRT");
    check_same_grid(load_dem({vrt}), ref);
  }
}

TEST_CASE("AREA_OR_POINT is honoured through the geotransform", "[terrain][dem][shared]") {
  // S33W071 is pixel-is-point: its first cell centre is the post at -71, -32 exactly.
  const Dem point = load_dem({test::shared_data(kAndes)});
  const geo::Point2 c = point.elevation.transform.cell_centre(0, 0);
  CHECK(c.x == Approx(-71.0).margin(1e-9));
  CHECK(c.y == Approx(-32.0).margin(1e-9));
  CHECK(point.elevation.transform.origin_x == Approx(-71.0 - 0.5 / 1200.0).margin(1e-12));
  // The Bolivian DEM is pixel-is-area: its corner is the stated bbox.
  const Dem area = load_dem({test::shared_data("bolivia_cordillera_real_srtm3_1500.tif")});
  CHECK(area.elevation.transform.origin_x == Approx(-69.585).margin(1e-9));
  CHECK(area.elevation.transform.origin_y == Approx(-15.031666666666666).margin(1e-9));
}

TEST_CASE("Tiles mosaic into the same DEM as the whole", "[terrain][dem][shared]") {
  test::TempDir tmp;
  const std::string tif = test::shared_data(kAndes);
  const Dem whole = load_dem({tif});
  // Four tiles that share their edge row and column, as SRTM tiles do.
  translate_window(tif, tmp.file("t00.tif"), 0, 0, 601, 601);
  translate_window(tif, tmp.file("t01.tif"), 600, 0, 601, 601);
  translate_window(tif, tmp.file("t10.tif"), 0, 600, 601, 601);
  translate_window(tif, tmp.file("t11.tif"), 600, 600, 601, 601);
  SECTION("as a list") {
    const Dem m = load_dem(
        {tmp.file("t00.tif"), tmp.file("t01.tif"), tmp.file("t10.tif"), tmp.file("t11.tif")});
    CHECK(m.sources.size() == 4);
    check_same_grid(m, whole);
  }
  SECTION("as a glob") {
    const auto names = expand_dem_inputs({tmp.file("t*.tif")});
    CHECK(names.size() == 4);
    check_same_grid(load_dem({tmp.file("t*.tif")}), whole);
  }
  SECTION("with a missing tile, its area is nodata") {
    const Dem m = load_dem({tmp.file("t00.tif"), tmp.file("t01.tif"), tmp.file("t10.tif")});
    REQUIRE(m.cols() == 1201);
    CHECK(std::isnan(m.elevation(1000, 1000)));
    CHECK(m.elevation(100, 100) == whole.elevation(100, 100));
    CHECK(m.elevation(1000, 100) == whole.elevation(1000, 100));
  }
  CHECK_THROWS_WITH(expand_dem_inputs({tmp.file("nothing*.tif")}),
                    Catch::Contains("the pattern matches no file"));
}

TEST_CASE("Nodata, scale, offset and vertical units", "[terrain][dem]") {
  test::TempDir tmp;
  test::GridSpec spec;
  spec.cols = 3;
  spec.rows = 2;
  spec.geotransform = {500000.0, 30.0, 0.0, 8000000.0, 0.0, -30.0};
  spec.crs = "EPSG:32719";
  spec.nodata = -9999.0;
  SECTION("nodata becomes NaN") {
    test::write_raster(tmp.file("a.tif"), spec, {1, 2, -9999, 4, 5, 6});
    const Dem d = load_dem({tmp.file("a.tif")});
    CHECK(std::isnan(d.elevation(0, 2)));
    CHECK(d.elevation(1, 2) == 6.0f);
    CHECK_FALSE(d.metric.is_geographic());
    CHECK(d.metric.cell_width(0) == 30.0);
  }
  SECTION("scale and offset are applied") {
    spec.scale = 0.5;
    spec.offset = 100.0;
    test::write_raster(tmp.file("b.tif"), spec, {0, 2, -9999, 4, 5, 6});
    const Dem d = load_dem({tmp.file("b.tif")});
    CHECK(d.elevation(0, 0) == 100.0f);
    CHECK(d.elevation(0, 1) == 101.0f);
    CHECK(std::isnan(d.elevation(0, 2)));  // nodata is compared before scaling
  }
  SECTION("feet become metres") {
    spec.unit = "ft";
    test::write_raster(tmp.file("c.tif"), spec, {1000, 2, 3, 4, 5, 6});
    CHECK(load_dem({tmp.file("c.tif")}).elevation(0, 0) == Approx(304.8));
  }
  SECTION("an unknown vertical unit is refused") {
    spec.unit = "furlong";
    test::write_raster(tmp.file("d.tif"), spec, {1, 2, 3, 4, 5, 6});
    CHECK_THROWS_WITH(load_dem({tmp.file("d.tif")}), Catch::Contains("elevation unit 'furlong'"));
  }
}

TEST_CASE("Bilinear elevation and lon/lat lookup", "[terrain][dem]") {
  test::TempDir tmp;
  test::GridSpec spec;
  spec.cols = 3;
  spec.rows = 3;
  const double d = 1.0 / 1200.0;
  spec.geotransform = {-70.0, d, 0.0, -15.0, 0.0, -d};
  test::write_raster(tmp.file("g.tif"), spec, {0, 10, 20, 30, 40, 50, 60, 70, 80});
  const Dem dem = load_dem({tmp.file("g.tif")});
  CHECK(dem.elevation_at({1.0, 1.0}) == Approx(40.0));
  CHECK(dem.elevation_at({0.5, 0.0}) == Approx(5.0));
  CHECK(dem.elevation_at({0.5, 0.5}) == Approx(20.0));
  CHECK(dem.elevation_at({2.4, 2.4}) == Approx(80.0));  // within half a cell of the edge
  CHECK(std::isnan(dem.elevation_at({2.6, 1.0})));
  CHECK(std::isnan(dem.elevation_at({-0.6, 1.0})));
  const DemLocator loc(dem);
  const geo::Point2 centre = dem.elevation.transform.cell_centre(1, 1);
  CHECK(loc.elevation_at(centre) == Approx(40.0));
  const GridPoint g = loc.to_grid(centre);
  CHECK(g.col == Approx(1.0));
  CHECK(g.row == Approx(1.0));
  const geo::Point2 ll = loc.to_lonlat({1.0, 1.0});
  CHECK(ll.x == Approx(centre.x));
  CHECK(ll.y == Approx(centre.y));
}

TEST_CASE("A window of a DEM keeps its place", "[terrain][dem][shared]") {
  const std::string tif = test::shared_data(kAndes);
  const Dem whole = load_dem({tif});
  DemLoadOptions opts;
  opts.window = geo::Window{100, 200, 50, 40};
  const Dem part = load_dem({tif}, opts);
  CHECK(part.cols() == 50);
  CHECK(part.rows() == 40);
  CHECK(part.elevation(5, 7) == whole.elevation(205, 107));
  CHECK(part.metric.cell_width(5) == Approx(whole.metric.cell_width(205)));
  const geo::Point2 a = part.elevation.transform.cell_centre(7, 5);
  const geo::Point2 b = whole.elevation.transform.cell_centre(107, 205);
  CHECK(a.x == Approx(b.x));
  CHECK(a.y == Approx(b.y));
  const Dem cropped = whole.crop({100, 200, 50, 40});
  CHECK(same_elevations(cropped, part));
  opts.window = geo::Window{5000, 5000, 10, 10};
  CHECK_THROWS_AS(load_dem({tif}, opts), Error);
}

TEST_CASE("Windows across blocks read the same from tiled, striped and Int16 files",
          "[terrain][dem]") {
  // DEMs are read block by block past GDAL's cache: every block layout and window
  // offset must give the cells GDAL itself gives.
  test::TempDir tmp;
  test::GridSpec spec;
  spec.cols = 203;
  spec.rows = 157;
  spec.geotransform = {500000, 30, 0, 8300000, 0, -30};
  spec.crs = "EPSG:32719";
  spec.nodata = -9999;
  std::vector<float> z(static_cast<std::size_t>(spec.cols) * spec.rows);
  for (int r = 0; r < spec.rows; ++r)
    for (int c = 0; c < spec.cols; ++c)
      z[static_cast<std::size_t>(r) * spec.cols + c] =
          (r * 7 + c * 3) % 11 == 0 ? -9999.0f : static_cast<float>(1000 + r * 3 + c);
  const std::string plain = tmp.file("plain.tif");
  test::write_raster(plain, spec, z);
  struct Layout {
    const char* name;
    std::vector<const char*> args;
  };
  const std::vector<Layout> layouts = {
      {"tiled 32 x 16", {"-co", "TILED=YES", "-co", "BLOCKXSIZE=32", "-co", "BLOCKYSIZE=16"}},
      {"strips of 5 rows, DEFLATE", {"-co", "BLOCKYSIZE=5", "-co", "COMPRESS=DEFLATE"}},
      {"Int16, tiled 16 x 16, scale 0.5",
       {"-ot", "Int16", "-a_scale", "0.5", "-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co",
        "BLOCKYSIZE=16"}}};
  for (const Layout& l : layouts) {
    INFO(l.name);
    const std::string path = tmp.file(std::string("l") + std::to_string(&l - layouts.data()) + ".tif");
    std::vector<const char*> argv = l.args;
    argv.push_back(nullptr);
    GDALDatasetH in = GDALOpen(plain.c_str(), GA_ReadOnly);
    GDALTranslateOptions* opts = GDALTranslateOptionsNew(const_cast<char**>(argv.data()), nullptr);
    GDALDatasetH out = GDALTranslate(path.c_str(), in, opts, nullptr);
    GDALTranslateOptionsFree(opts);
    REQUIRE(out != nullptr);
    GDALClose(out);
    GDALClose(in);
    const Dem whole = load_dem({path});
    for (const geo::Window w : {geo::Window{0, 0, 203, 157}, geo::Window{31, 15, 2, 3},
                                geo::Window{33, 17, 150, 101}, geo::Window{190, 150, 13, 7}}) {
      DemLoadOptions o;
      o.window = w;
      const Dem part = load_dem({path}, o);
      REQUIRE(part.cols() == w.cols);
      REQUIRE(part.rows() == w.rows);
      int nan = 0;
      for (int r = 0; r < w.rows; ++r)
        for (int c = 0; c < w.cols; ++c) {
          const float a = part.elevation(r, c);
          const float source = z[static_cast<std::size_t>(w.row + r) * spec.cols + w.col + c];
          if (source == -9999.0f) {
            nan += std::isnan(a) ? 1 : 0;
            CHECK(std::isnan(a));
            continue;
          }
          // The Int16 copy stores the same numbers with a scale of 0.5 m per unit.
          const float want = l.args.front() == std::string("-ot") ? source * 0.5f : source;
          CHECK(a == want);
          CHECK(a == whole.elevation(w.row + r, w.col + c));
        }
      if (w.cols * w.rows > 100) CHECK(nan > 0);
    }
  }
}

TEST_CASE("A resampling VRT reads as GDAL reads its whole window", "[terrain][dem]") {
  // A VRT's blocks (and its chunks) can differ from one read of its window when its
  // sources are resampled: vigia reads VRTs with one RasterIO per window.
  test::TempDir tmp;
  test::GridSpec spec;
  spec.cols = 300;
  spec.rows = 280;
  spec.geotransform = {500000, 30, 0, 8300000, 0, -30};
  spec.crs = "EPSG:32719";
  std::vector<float> z(static_cast<std::size_t>(spec.cols) * spec.rows);
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = static_cast<float>(2000 + (i * 7919) % 1000);
  const std::string src = tmp.file("src.tif");
  test::write_raster(src, spec, z);
  const std::string vrt = tmp.file("avg.vrt");
  const char* argv[] = {"-of", "VRT", "-outsize", "517", "509", "-r", "average", nullptr};
  GDALDatasetH in = GDALOpen(src.c_str(), GA_ReadOnly);
  GDALTranslateOptions* opts = GDALTranslateOptionsNew(const_cast<char**>(argv), nullptr);
  GDALClose(GDALTranslate(vrt.c_str(), in, opts, nullptr));
  GDALTranslateOptionsFree(opts);
  GDALClose(in);
  GDALDataset* ds = GDALDataset::FromHandle(GDALOpen(vrt.c_str(), GA_ReadOnly));
  REQUIRE(ds != nullptr);
  std::vector<float> want(517u * 509u);
  REQUIRE(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, 517, 509, want.data(), 517, 509,
                                         GDT_Float32, 0, 0, nullptr) == CE_None);
  GDALClose(ds);
  const Dem dem = load_dem({vrt});
  REQUIRE(dem.cols() == 517);
  long long differ = 0;
  for (int r = 0; r < 509; ++r)
    for (int c = 0; c < 517; ++c) differ += dem.elevation(r, c) != want[r * 517u + c];
  CHECK(differ == 0);
  const DemInfo info = describe_dem({vrt});
  CHECK(info.valid_cells == 517LL * 509);
}
