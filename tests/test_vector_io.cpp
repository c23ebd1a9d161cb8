// Vector input through OGR: any format and CRS, transformed to the working CRS.

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/gdal_session.hpp"
#include "vigia/geo/geodesy.hpp"
#include "vigia/geo/vector_io.hpp"

using namespace vigia;
using namespace vigia::geo;

namespace {

/// Writes one line and one polygon in `crs` to a new dataset; an empty `crs` writes
/// no CRS at all.
void write_layers(const std::string& path, const std::string& driver, const std::string& crs,
                  const std::vector<std::string>& layers) {
  gdal_init();
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(driver.c_str());
  REQUIRE(drv != nullptr);
  GDALDataset* ds = drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
  REQUIRE(ds != nullptr);
  OGRSpatialReference srs;
  if (!crs.empty()) REQUIRE(srs.SetFromUserInput(crs.c_str()) == OGRERR_NONE);
  for (const auto& name : layers) {
    const bool poly = name.find("poly") != std::string::npos;
    OGRLayer* layer = ds->CreateLayer(name.c_str(), crs.empty() ? nullptr : &srs,
                                      poly ? wkbPolygon : wkbLineString, nullptr);
    REQUIRE(layer != nullptr);
    OGRFieldDefn field("kind", OFTString);
    REQUIRE(layer->CreateField(&field) == OGRERR_NONE);
    OGRFeature* f = OGRFeature::CreateFeature(layer->GetLayerDefn());
    f->SetField("kind", poly ? "area" : "road");
    OGRGeometry* g = nullptr;
    const char* wkt = poly ? "POLYGON ((500000 6450000, 510000 6450000, 510000 6460000, 500000 "
                             "6460000, 500000 6450000))"
                           : "LINESTRING (500000 6450000, 505000 6455000, 510000 6450000)";
    REQUIRE(OGRGeometryFactory::createFromWkt(wkt, nullptr, &g) == OGRERR_NONE);
    f->SetGeometryDirectly(g);
    REQUIRE(layer->CreateFeature(f) == OGRERR_NONE);
    OGRFeature::DestroyFeature(f);
  }
  GDALClose(ds);
}

}  // namespace

TEST_CASE("The Bolivia-Argentina border loads and is 860 km long", "[geo][vector][shared]") {
  const VectorLayer border =
      read_vector(test::shared_data("bolivia_argentina_border_osm.geojson"), SpatialRef::wgs84());
  const auto lines = border.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].size() == 2676);
  CHECK(lines[0].front().x == Approx(-67.18079).margin(1e-5));
  CHECK(lines[0].front().y == Approx(-22.81380).margin(1e-5));
  const double km = geodesic_length(lines[0]) / 1000.0;
  CHECK(km == Approx(860.1).epsilon(0.01));
}

TEST_CASE("Multi-part borders and polygon layers with a filter", "[geo][vector][shared]") {
  const auto gshhg = read_vector(test::shared_data("bolivia_argentina_border_gshhg_wdb.geojson"),
                                 SpatialRef::wgs84());
  CHECK(gshhg.lines().size() == 9);
  VectorReadOptions opts;
  opts.where = "A3 = 'BOL'";
  const auto bol = read_vector(test::shared_data("countries_border_region_osm.geojson"),
                               SpatialRef::from_epsg(32720), opts);
  REQUIRE(bol.features.size() == 1);
  CHECK(bol.features[0].attributes.at("A3") == "BOL");
  CHECK_FALSE(bol.polygons().empty());
  // In UTM 20S the coordinates are metres: eastings around 500 km, northings ~7.5e6.
  const Point2 p = bol.polygons().front().rings.front().front();
  CHECK(p.x > 0.0);
  CHECK(p.x < 1.2e6);
  CHECK(p.y > 7.0e6);
  CHECK(p.y < 8.5e6);
  opts.where = "A3 = ";
  CHECK_THROWS_WITH(read_vector(test::shared_data("countries_border_region_osm.geojson"),
                                SpatialRef::wgs84(), opts),
                    Catch::Contains("invalid attribute filter"));
}

TEST_CASE("GeoPackage and Shapefile layers in another CRS are transformed", "[geo][vector]") {
  test::TempDir tmp;
  const SpatialRef wgs = SpatialRef::wgs84();
  const Transformer to_wgs(SpatialRef::from_epsg(32719), wgs);
  const Point2 expected = to_wgs({505000.0, 6455000.0});

  write_layers(tmp.file("a.gpkg"), "GPKG", "EPSG:32719", {"roads"});
  const auto gpkg = read_vector(tmp.file("a.gpkg"), wgs);
  REQUIRE(gpkg.lines().size() == 1);
  CHECK(gpkg.lines()[0][1].x == Approx(expected.x).margin(1e-9));
  CHECK(gpkg.lines()[0][1].y == Approx(expected.y).margin(1e-9));
  CHECK(gpkg.features[0].attributes.at("kind") == "road");
  CHECK(gpkg.source_crs.epsg() == 32719);

  write_layers(tmp.file("zones.shp"), "ESRI Shapefile", "EPSG:32719", {"zones_poly"});
  const auto shp = read_vector(tmp.file("zones.shp"), wgs);
  REQUIRE(shp.polygons().size() == 1);
  CHECK(shp.polygons()[0].rings[0].size() == 5);

  write_layers(tmp.file("two.gpkg"), "GPKG", "EPSG:32719", {"roads", "zones_poly"});
  CHECK_THROWS_WITH(read_vector(tmp.file("two.gpkg"), wgs),
                    Catch::Contains("several layers") && Catch::Contains("roads, zones_poly"));
  VectorReadOptions opts;
  opts.layer = "zones_poly";
  CHECK(read_vector(tmp.file("two.gpkg"), wgs, opts).polygons().size() == 1);
  opts.layer = "rivers";
  CHECK_THROWS_WITH(read_vector(tmp.file("two.gpkg"), wgs, opts),
                    Catch::Contains("no layer named 'rivers'"));
}

TEST_CASE("Vector input errors name the file and the problem", "[geo][vector]") {
  test::TempDir tmp;
  const SpatialRef wgs = SpatialRef::wgs84();
  CHECK_THROWS_WITH(read_vector(tmp.file("missing.geojson"), wgs), Catch::EndsWith("no such file"));
  { std::ofstream(tmp.file("junk.geojson")) << "this is not json"; }
  CHECK_THROWS_WITH(read_vector(tmp.file("junk.geojson"), wgs),
                    Catch::Contains("junk.geojson: not a vector dataset"));
  write_layers(tmp.file("noprj.shp"), "ESRI Shapefile", "", {"noprj"});
  CHECK_THROWS_WITH(read_vector(tmp.file("noprj.shp"), wgs), Catch::Contains("has no CRS"));
}

TEST_CASE("Points files: CSV lines and OGR points, with altitudes", "[geo][vector]") {
  gdal_init();
  test::TempDir tmp;
  const SpatialRef wgs = SpatialRef::wgs84();
  std::ofstream(tmp.file("obs.csv")) << "lon, lat, alt\n# a comment\n\n"
                                     << "-70.5, -32.5, 1500\r\n-70.6,-32.6,2000,extra\n";
  const auto rows = read_point_rows(tmp.file("obs.csv"), "lon,lat,alt");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].csv);
  CHECK(rows[0].lonlat.x == -70.5);
  CHECK(rows[0].where == tmp.file("obs.csv") + " line 4");
  CHECK(rows[1].fields == std::vector<std::string>{"2000", "extra"});
  const auto pts = read_altitude_points(tmp.file("obs.csv"), wgs);
  REQUIRE(pts.size() == 2);
  CHECK(pts[1].altitude == 2000.0);

  // A GeoJSON layer: the altitude from the attribute, a MultiPoint gives each point.
  std::ofstream(tmp.file("obs.geojson"))
      << R"({"type":"FeatureCollection","features":[)"
      << R"({"type":"Feature","properties":{"Altitude":3000,"name":"a"},)"
      << R"("geometry":{"type":"Point","coordinates":[-70.5,-32.5]}},)"
      << R"({"type":"Feature","properties":{"Altitude":3100,"name":"b"},)"
      << R"("geometry":{"type":"MultiPoint","coordinates":[[-70.4,-32.4],[-70.3,-32.3]]}}]})";
  const auto g = read_altitude_points(tmp.file("obs.geojson"), wgs);
  REQUIRE(g.size() == 3);
  CHECK(g[0].altitude == 3000.0);
  CHECK(g[2].altitude == 3100.0);
  CHECK(g[2].xy.x == Approx(-70.3));
  const auto grows = read_point_rows(tmp.file("obs.geojson"), "lon,lat");
  CHECK_FALSE(grows[0].csv);
  CHECK(grows[0].attributes.at("name") == "a");

  // Errors name the file and line, and what is allowed.
  std::ofstream(tmp.file("bad1.csv")) << "-70.5,-32.5,1500\n-70.5,oops,1500\n";
  CHECK_THROWS_WITH(read_altitude_points(tmp.file("bad1.csv"), wgs),
                    Catch::Contains("bad1.csv line 2: expected 'lon,lat,alt'"));
  std::ofstream(tmp.file("bad2.csv")) << "-70.5,-32.5\n";
  CHECK_THROWS_WITH(read_altitude_points(tmp.file("bad2.csv"), wgs),
                    Catch::Contains("bad2.csv line 1: expected 'lon,lat,alt' (three numbers)"));
  std::ofstream(tmp.file("bad3.csv")) << "-70.5,-132.5,10\n";
  CHECK_THROWS_WITH(read_altitude_points(tmp.file("bad3.csv"), wgs),
                    Catch::Contains("bad3.csv line 1: lon/lat -70.5,-132.5 out of range"));
  std::ofstream(tmp.file("empty.csv")) << "lon,lat,alt\n# nothing\n";
  CHECK_THROWS_WITH(read_altitude_points(tmp.file("empty.csv"), wgs),
                    Catch::Contains("empty.csv: holds no points"));
  CHECK_THROWS_WITH(read_point_rows(tmp.file("none.csv"), "lon,lat"),
                    Catch::EndsWith("none.csv: no such file"));
}
