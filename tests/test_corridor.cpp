// Border corridor, own side, permitted airspace and datalink maps, on synthetic
// geometry with analytic answers, and on the real border and DEMs.

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "support.hpp"
#include "vigia/terrain/viewshed.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/geometry_ops.hpp"
#include "vigia/geo/vector_io.hpp"
#include "vigia/planner/corridor.hpp"
#include "vigia/planner/link.hpp"
#include "vigia/terrain/dem_io.hpp"

using namespace vigia;
using namespace vigia::planner;

namespace {

// A flat 40 x 40 km DEM at 100 m in UTM 19S: x 400..440 km, y 8260..8300 km.
terrain::Dem flat40() {
  return test::make_dem(400, 400, 100.0, [](int, int) { return 3800.0; });
}
const geo::SpatialRef& utm() {
  static const geo::SpatialRef s = geo::SpatialRef::from_epsg(32719);
  return s;
}
// A straight north-south border through x = 420 km, reaching beyond the DEM.
std::vector<geo::LineString> straight_border(bool northward) {
  geo::LineString l{{420000.0, 8250000.0}, {420000.0, 8310000.0}};
  if (!northward) std::reverse(l.begin(), l.end());
  return {l};
}
// Own territory: everything west of the border.
geo::MultiPolygon west() {
  return {geo::Polygon{{{{300000, 8200000},
                         {420000, 8200000},
                         {420000, 8400000},
                         {300000, 8400000},
                         {300000, 8200000}}}}};
}

}  // namespace

TEST_CASE("A straight border on flat ground: corridor and standoff areas are analytic",
          "[corridor]") {
  const terrain::Dem dem = flat40();
  for (bool northward : {true, false}) {
    for (bool by_point : {false, true}) {
      OwnSide own;
      if (by_point) {
        own.point = geo::Point2{350000.0, 8280000.0};  // far west, outside the DEM
      } else {
        own.territory = west();
      }
      const BorderFrame frame =
          make_border_frame(dem, utm(), straight_border(northward), own, 12000.0);
      INFO("northward " << northward << ", own side by point " << by_point);
      CHECK(frame.border_length_m == Approx(40000.0).epsilon(0.005));
      CorridorOptions co;
      const Corridor c = build_corridor(dem, frame, co);
      // 10 km x 40 km on the own side, 5 km x 40 km across: 400 and 200 km^2.
      CHECK(c.own_area_m2 / 1e6 == Approx(400.0).epsilon(0.005));
      CHECK(c.far_area_m2 / 1e6 == Approx(200.0).epsilon(0.005));
      // The own side is the west: a cell 5 km west of the border is in, 5 km east is on the far
      // side.
      CHECK(!std::isnan(c.weight(200, 150)));  // x = 415 km
      CHECK(!std::isnan(c.weight(200, 245)));  // x = 424.5 km (far side, within 5 km)
      CHECK(std::isnan(c.weight(200, 260)));   // x = 426 km: beyond 5 km across
      CHECK(std::isnan(c.weight(200, 90)));    // x = 409 km: beyond 10 km
      // Weights fall linearly from 1 at the border to 0.25 at the edges.
      CHECK(c.weight(200, 199) == Approx(1.0 - 0.75 * 50.0 / 10000.0).epsilon(1e-3));  // 50 m west
      CHECK(c.weight(200, 149) == Approx(1.0 - 0.75 * 5050.0 / 10000.0).epsilon(1e-3));
      CHECK(c.weight(200, 224) == Approx(1.0 - 0.75 * 2450.0 / 5000.0).epsilon(1e-3));
      AirspaceOptions ao;
      const Airspace a = build_airspace(dem, frame, ao);
      // Own side inside the DEM (20 x 40 km) less the 2 km standoff: 720 km^2.
      CHECK(a.permitted_area_m2 / 1e6 == Approx(720.0).epsilon(0.005));
      CHECK(!std::isnan(a.min_alt(200, 170)));  // 3 km west of the border
      CHECK(std::isnan(a.min_alt(200, 190)));   // 1 km west: inside the standoff
      CHECK(std::isnan(a.min_alt(200, 210)));   // the neighbour's airspace
      CHECK(a.min_alt(200, 170) == 4100.0f);    // 3800 + 300 m clearance
      CHECK(a.max_alt(200, 170) == 5400.0f);
    }
  }
}

TEST_CASE("Terrain above ceiling minus clearance is no-go; no-fly zones are cut out",
          "[corridor]") {
  const terrain::Dem dem = test::make_dem(400, 400, 100.0, [](int r, int c) {
    return (r > 100 && r < 120 && c > 50 && c < 80) ? 5200.0 : 3800.0;
  });
  OwnSide own;
  own.territory = west();
  const BorderFrame frame = make_border_frame(dem, utm(), straight_border(true), own, 12000.0);
  AirspaceOptions ao;
  ao.no_fly = {geo::Polygon{{{{405000, 8270000},
                              {410000, 8270000},
                              {410000, 8275000},
                              {405000, 8275000},
                              {405000, 8270000}}}}};
  const Airspace a = build_airspace(dem, frame, ao);
  CHECK(std::isnan(a.min_alt(110, 60)));  // 5200 + 300 > 5400
  CHECK(!std::isnan(a.min_alt(130, 60)));
  CHECK(std::isnan(a.min_alt(275, 75)));  // in the no-fly zone (x 407.5 km, y 8272.5 km)
  CHECK(a.permitted_area_m2 / 1e6 == Approx(720.0 - 25.0).epsilon(0.005));
  CHECK(a.cells_flyable < a.cells_permitted);
}

TEST_CASE("Extra weight layers add to the base weight", "[corridor]") {
  const terrain::Dem dem = flat40();
  OwnSide own;
  own.territory = west();
  const BorderFrame frame = make_border_frame(dem, utm(), straight_border(true), own, 12000.0);
  CorridorOptions co;
  WeightLayer road;
  road.name = "road";
  road.lines = {{{405000.0, 8280050.0}, {430000.0, 8280050.0}}};  // east-west at row 199.5
  road.buffer_m = 1000.0;
  road.weight = 2.0;
  co.extra.push_back(road);
  const Corridor c = build_corridor(dem, frame, co);
  // Column 150's centre is 4 950 m from the border.
  CHECK(c.weight(200, 150) ==
        Approx(1.0 - 0.75 * 4950.0 / 10000.0 + 2.0).epsilon(1e-3));                  // on the road
  CHECK(c.weight(300, 150) == Approx(1.0 - 0.75 * 4950.0 / 10000.0).epsilon(1e-3));  // 10 km off it
}

TEST_CASE("Bad border and own-side input is refused or repaired", "[corridor][errors]") {
  const terrain::Dem dem = flat40();
  OwnSide own;
  own.territory = west();
  CHECK_THROWS_WITH(make_border_frame(dem, utm(), {}, own, 1000.0),
                    Catch::Contains("holds no line"));
  const std::vector<geo::LineString> away{{{600000.0, 8000000.0}, {600000.0, 8100000.0}}};
  CHECK_THROWS_WITH(make_border_frame(dem, utm(), away, own, 1000.0),
                    Catch::Contains("does not cross the DEM"));
  OwnSide on_line;
  on_line.point = geo::Point2{420000.0, 8280000.0};
  CHECK_THROWS_WITH(make_border_frame(dem, utm(), straight_border(true), on_line, 1000.0),
                    Catch::Contains("lies on the border"));
  OwnSide empty;
  CHECK_THROWS_WITH(make_border_frame(dem, utm(), straight_border(true), empty, 1000.0),
                    Catch::Contains("no own territory"));
  // A bow tie (self-intersecting) territory is repaired with a warning.
  OwnSide bow;
  bow.territory = {geo::Polygon{{{{300000, 8200000},
                                  {420000, 8400000},
                                  {420000, 8200000},
                                  {300000, 8400000},
                                  {300000, 8200000}}}}};
  const BorderFrame f = make_border_frame(dem, utm(), straight_border(true), bow, 1000.0);
  REQUIRE(f.warnings.size() == 1);
  CHECK_THAT(f.warnings[0], Catch::Contains("MakeValid"));
}

TEST_CASE("Lowest link altitude on a flat earth follows the radio horizon", "[link]") {
  // Flat ground at 0, station antenna 10 m, k = 0.25: beyond the station's horizon an
  // aircraft at distance d needs h2 = (d / sqrt(2 Re) - sqrt(h1))^2, Re = R / (1 - k).
  const terrain::Dem dem = test::make_dem(1201, 21, 90.0, [](int, int) { return 0.0; });
  terrain::DemLocator loc(dem);
  Station s{"gcs", loc.to_lonlat({600.0, 10.0}), 10.0, 200000.0, {}};
  const LinkMap map = compute_link_map(dem, {s}, LinkOptions{});
  const double re = terrain::kEarthRadius / (1.0 - 0.25);
  for (int cells : {200, 300, 400, 500, 600}) {
    const double d = cells * 90.0;
    const double h2 = std::pow(d / std::sqrt(2.0 * re) - std::sqrt(10.0), 2.0);
    INFO("distance " << d);
    CHECK(map.lowest(10, 600 + cells) == Approx(h2).epsilon(0.01));
    CHECK(map.lowest(10, 600 - cells) == Approx(h2).epsilon(0.01));
  }
  CHECK(map.lowest(10, 650) == 0.0f);  // within the station's own horizon (13 km): ground level
  CHECK(map.station(10, 700) == 1);
  const auto mask = link_mask(map, dem, 20.0);
  CHECK(mask(10, 600 + 300) == 1);  // needs 16.9 m
  CHECK(mask(10, 600 + 400) == 0);  // needs 33 m
}

TEST_CASE("A ridge raises the lowest link altitude by the geometry", "[link]") {
  // No curvature; antenna 20 m above flat ground at column 0; a 100 m ridge along
  // column 50. Beyond it the sightline must clear the ridge top: 20 + 80 c / 50.
  const terrain::Dem dem =
      test::make_dem(201, 41, 30.0, [](int, int c) { return c == 50 ? 100.0 : 0.0; });
  terrain::DemLocator loc(dem);
  LinkOptions o;
  o.refraction_k = 1.0;
  const LinkMap map =
      compute_link_map(dem, {Station{"gcs", loc.to_lonlat({0.0, 20.0}), 20.0, 100000.0, {}}}, o);
  for (int c : {60, 100, 150, 200}) {
    INFO("column " << c);
    CHECK(map.lowest(20, c) == Approx(20.0 + 80.0 * c / 50.0).epsilon(1e-5));
  }
  CHECK(map.lowest(20, 30) == 0.0f);
  o.ceiling_m = 300.0;  // 20 + 80 * 4 = 340 at column 200: above the ceiling
  const LinkMap capped =
      compute_link_map(dem, {Station{"gcs", loc.to_lonlat({0.0, 20.0}), 20.0, 100000.0, {}}}, o);
  CHECK(std::isnan(capped.lowest(20, 200)));
  CHECK(capped.station(20, 200) == 0);
  CHECK(capped.lowest(20, 150) == Approx(260.0).epsilon(1e-5));
}

TEST_CASE("Several stations: the lowest wins and is attributed", "[link]") {
  const terrain::Dem dem =
      test::make_dem(201, 41, 30.0, [](int, int c) { return c == 100 ? 200.0 : 0.0; });
  terrain::DemLocator loc(dem);
  LinkOptions o;
  o.refraction_k = 1.0;
  const std::vector<Station> st{{"west", loc.to_lonlat({0.0, 20.0}), 20.0, 100000.0, {}},
                                {"east", loc.to_lonlat({200.0, 20.0}), 20.0, 100000.0, {}}};
  const LinkMap map = compute_link_map(dem, st, o);
  CHECK(map.station(20, 50) == 1);
  CHECK(map.station(20, 150) == 2);
  CHECK(map.lowest(20, 150) == 0.0f);
  CHECK(map.cells_served[0] > 0);
  CHECK(map.cells_served[1] > 0);
  CHECK_THROWS_WITH(compute_link_map(dem, {Station{"far", {0.0, 0.0}, 10.0, 1000.0, {}}}, o),
                    Catch::Contains("station far") && Catch::Contains("outside the DEM"));
}

TEST_CASE("Ties between stations go to the first, whatever the thread count", "[link]") {
  // Stations merge as their viewsheds finish; on flat ground near each of two equal
  // stations at one place both need the same altitude, and the first is named.
  const terrain::Dem dem = test::make_dem(201, 41, 30.0, [](int, int) { return 0.0; });
  terrain::DemLocator loc(dem);
  LinkOptions o;
  o.refraction_k = 1.0;
  std::vector<Station> st;
  for (int i = 0; i < 6; ++i)
    st.push_back({"s" + std::to_string(i), loc.to_lonlat({i < 3 ? 40.0 : 160.0, 20.0}), 20.0,
                  100000.0, {}});
  const int before = terrain::thread_count();
  terrain::set_thread_count(1);
  const LinkMap one = compute_link_map(dem, st, o);
  terrain::set_thread_count(4);
  const LinkMap many = compute_link_map(dem, st, o);
  terrain::set_thread_count(before);
  CHECK(one.station.data() == many.station.data());
  CHECK(one.lowest.data() == many.lowest.data());
  CHECK(one.cells_served == many.cells_served);
  // Stations 1 and 4 (of each co-located trio) serve everything.
  CHECK(one.cells_served[0] > 0);
  CHECK(one.cells_served[3] > 0);
  for (int i : {1, 2, 4, 5}) CHECK(one.cells_served[static_cast<std::size_t>(i)] == 0);
}

TEST_CASE("Ground stations from CSV and OGR points, with defaults and clear errors", "[link]") {
  test::TempDir tmp;
  std::ofstream(tmp.file("st.csv")) << "lon,lat,antenna_agl_m,range_km,name\n"
                                    << "-70.5,-32.5\n-70.6,-32.6,25,,north\n-70.7,-32.7,,80\n";
  const auto st = read_stations(tmp.file("st.csv"), 10.0, 200000.0);
  REQUIRE(st.size() == 3);
  CHECK(st[0].name == "station 1");
  CHECK(st[0].antenna_agl_m == 10.0);
  CHECK(st[0].range_m == 200000.0);
  CHECK(st[1].name == "north");
  CHECK(st[1].antenna_agl_m == 25.0);
  CHECK(st[2].range_m == 80000.0);
  std::ofstream(tmp.file("st.geojson"))
      << R"({"type":"FeatureCollection","features":[{"type":"Feature",)"
      << R"("properties":{"Name":"ridge","antenna":40,"range_km":120},)"
      << R"("geometry":{"type":"Point","coordinates":[-70.5,-32.5]}}]})";
  const auto sg = read_stations(tmp.file("st.geojson"), 10.0, 200000.0);
  REQUIRE(sg.size() == 1);
  CHECK(sg[0].name == "ridge");
  CHECK(sg[0].antenna_agl_m == 40.0);
  CHECK(sg[0].range_m == 120000.0);
  CHECK(sg[0].lonlat.x == -70.5);
  std::ofstream(tmp.file("bad.csv")) << "-70.5,-32.5,10,-5\n";
  CHECK_THROWS_WITH(read_stations(tmp.file("bad.csv"), 10.0, 200000.0),
                    Catch::Contains("bad.csv line 1: range '-5' is not a positive number of km"));
  std::ofstream(tmp.file("bad2.csv")) << "-70.5\n";
  CHECK_THROWS_WITH(
      read_stations(tmp.file("bad2.csv"), 10.0, 200000.0),
      Catch::Contains("bad2.csv line 1: expected 'lon,lat[,antenna_agl_m[,range_km[,name]]]'"));
}

TEST_CASE("Fresnel clearance is conservative and bounded", "[link]") {
  // Flat ground, no curvature, antenna 10 m, 60 % of the first Fresnel zone at 5 GHz.
  const terrain::Dem dem = test::make_dem(1001, 11, 50.0, [](int, int) { return 0.0; });
  terrain::DemLocator loc(dem);
  LinkOptions o;
  o.refraction_k = 1.0;
  const Station s{"gcs", loc.to_lonlat({0.0, 5.0}), 10.0, 100000.0, {}};
  const LinkMap plain = compute_link_map(dem, {s}, o);
  o.fresnel_fraction = 0.6;
  const LinkMap fres = compute_link_map(dem, {s}, o);
  const double lambda = 299792458.0 / 5e9;
  for (int c : {100, 400, 1000}) {
    const double d = c * 50.0;
    // Exact: the lowest A with h1 + (A - h1) x / d >= 0.6 sqrt(lambda x (d - x) / d) for all x.
    double exact = 0.0;
    double bound = 0.0;
    for (int i = 1; i < 4000; ++i) {
      const double x = d * i / 4000.0;
      exact = std::max(exact, 10.0 + (0.6 * std::sqrt(lambda * x * (d - x) / d) - 10.0) * d / x);
      bound = std::max(bound, 10.0 + (0.6 * std::sqrt(lambda * x) - 10.0) * d / x);
    }
    INFO("distance " << d << ": exact " << exact << ", conservative bound " << bound);
    CHECK(fres.lowest(5, c) >= plain.lowest(5, c));
    CHECK(fres.lowest(5, c) >= exact - 0.05);
    CHECK(fres.lowest(5, c) <= std::max(bound, 0.6 * std::sqrt(lambda * d)) + 0.5);
  }
}

TEST_CASE("The Bolivia-Argentina border and the team DEMs", "[corridor][shared]") {
  // The real border loads in any metric CRS and keeps its 860 km.
  const auto utm20 = geo::SpatialRef::from_epsg(32720);
  const auto border =
      geo::read_vector(test::shared_data("bolivia_argentina_border_osm.geojson"), utm20);
  const auto lines = border.lines();
  REQUIRE(lines.size() == 1);
  CHECK(geo::length(lines) / 1000.0 == Approx(860.0).epsilon(0.02));  // planar UTM, not geodesic
  // Corridor of the Bolivia-Peru border over the Bolivian DEM, own side Bolivia.
  const terrain::Dem dem =
      terrain::load_dem({test::shared_data("bolivia_cordillera_real_srtm3_1500.tif")});
  const geo::SpatialRef work = terrain::vector_work_crs(dem.crs, {-68.96, -15.66});
  geo::VectorReadOptions bol;
  bol.where = "A3 = 'BOL'";
  OwnSide own;
  own.territory =
      geo::read_vector(test::shared_data("countries_titicaca_osm.geojson"), work, bol).polygons();
  const auto peru =
      geo::read_vector(test::shared_data("bolivia_peru_border_osm_titicaca.geojson"), work).lines();
  const BorderFrame frame = make_border_frame(dem, work, peru, own, 12000.0);
  const Corridor c = build_corridor(dem, frame, {});
  CHECK(frame.border_length_m / 1000.0 > 50.0);
  CHECK(c.own_area_m2 > 0.0);
  CHECK(c.far_area_m2 > 0.0);
  CHECK(c.cells > 10000);
  // The same with the own side given by a point in Bolivia (La Paz).
  const geo::Transformer to_work(geo::SpatialRef::wgs84(), work);
  OwnSide by_point;
  by_point.point = to_work({-68.15, -16.50});
  const BorderFrame f2 = make_border_frame(dem, work, peru, by_point, 12000.0);
  const Corridor c2 = build_corridor(dem, f2, {});
  CHECK(c2.own_area_m2 == Approx(c.own_area_m2).epsilon(0.02));
}
