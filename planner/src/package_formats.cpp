// The package's files for other programs: QGroundControl .plan and QGC WPL 110
// (formats: docs.qgroundcontrol.com "Plan File Format"; mavlink.io "File Formats",
// MAV_CMD and MAV_FRAME), KML/KMZ (OGC KML 2.2), and the QGIS project (.qgs XML).

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/geometry_ops.hpp"
#include "vigia/geo/plot.hpp"
#include "vigia/geo/qml.hpp"
#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/planner/package.hpp"

namespace vigia::planner {

namespace fs = std::filesystem;

namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

// ---- KML / KMZ -------------------------------------------------------------------

namespace {

struct LatLonBox {
  double west, south, east, north;
};

/// The coverage overlay for Google Earth: the times each corridor cell is seen along
/// the paths, coloured as in QGIS, on a lon/lat grid of at most 2048 pixels a side
/// (written to `path`); returns its box.
LatLonBox write_coverage_overlay(const std::string& path, const MissionResult& m) {
  const terrain::Dem& dem = m.area.dem;
  const geo::Transformer to_ll(m.area.work_crs, geo::SpatialRef::wgs84());
  const auto [west, south, east, north] =
      geo::bounds(geo::transform(m.area.frame.footprint, to_ll));
  const LatLonBox box{west, south, east, north};
  const double aspect = (east - west) * std::cos((north + south) / 2 * 3.14159265358979 / 180) /
                        std::max(north - south, 1e-9);
  const int w = std::clamp(static_cast<int>(aspect >= 1 ? 2048 : 2048 * aspect), 16, 2048);
  const int h = std::clamp(static_cast<int>(aspect >= 1 ? 2048 / aspect : 2048), 16, 2048);
  std::vector<std::uint8_t> rgba(static_cast<std::size_t>(w) * h * 4, 0);
  {
    const geo::Transformer to_dem(geo::SpatialRef::wgs84(), dem.crs);
    std::vector<geo::Point2> row(static_cast<std::size_t>(w));
    const PathCoverage* cov =
        m.patrol ? &m.patrol->coverage : (m.sorties() ? &m.sorties()->coverage : nullptr);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x)
        row[static_cast<std::size_t>(x)] = {west + (x + 0.5) * (east - west) / w,
                                            north - (y + 0.5) * (north - south) / h};
      to_dem.transform(row);
      for (int x = 0; x < w; ++x) {
        const terrain::GridPoint g = dem.to_grid(row[static_cast<std::size_t>(x)]);
        const int c = static_cast<int>(std::lround(g.col));
        const int r = static_cast<int>(std::lround(g.row));
        if (c < 0 || r < 0 || c >= dem.cols() || r >= dem.rows()) continue;
        const std::int32_t id = m.targets.id(r, c);
        if (id < 0) continue;
        const int times = cov ? cov->count[static_cast<std::size_t>(id)] : 0;
        const geo::Rgba k = coverage_colour(times);
        std::uint8_t* p = &rgba[(static_cast<std::size_t>(y) * w + x) * 4];
        p[0] = static_cast<std::uint8_t>(k.r);
        p[1] = static_cast<std::uint8_t>(k.g);
        p[2] = static_cast<std::uint8_t>(k.b);
        p[3] = static_cast<std::uint8_t>(k.a);
      }
    }
  }
  geo::write_png_rgba(path, w, h, rgba);
  return box;
}

}  // namespace

void write_kml_files(const std::string& dir, const MissionResult& m, const PackageInfo& info,
                     const RouteWaypoints& route_wps, std::vector<PackageFile>& files) {
  const geo::Transformer to_ll(m.area.work_crs, geo::SpatialRef::wgs84());
  const std::string overlay = (fs::path(dir) / "coverage_overlay.png").string();
  const auto [west, south, east, north] = write_coverage_overlay(overlay, m);
  files.push_back({"coverage_overlay.png", "coverage in lon/lat for Google Earth"});

  std::ostringstream k;
  k << std::setprecision(10);
  k << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n<name>"
    << xml_escape("vigia plan: " + info.name) << "</name>\n";
  // KML colours are aabbggrr.
  const char* route_colours[] = {"ff1a1ad9", "ffe64d1a", "ffb21a99", "ff0080f2", "ff8c8c00"};
  for (int i = 0; i < 5; ++i)
    k << "<Style id=\"route" << i << "\"><LineStyle><color>" << route_colours[i]
      << "</color><width>3</width></LineStyle></Style>\n";
  k << "<Style id=\"point\"><IconStyle><color>ffd97326</color><scale>0.8</scale></IconStyle>"
       "</Style>\n<Style id=\"base\"><IconStyle><color>ff1ad9ff</color><scale>1.2</scale>"
       "</IconStyle></Style>\n<Style id=\"waypoint\"><IconStyle><color>ff00c8ff</color><scale>"
       "0.5</scale></IconStyle></Style>\n";
  k << "<GroundOverlay><name>coverage</name><description>times seen along the paths: red "
       "never, then orange, yellow, light and dark green</description><Icon><href>"
       "coverage_overlay.png</href></Icon><LatLonBox><north>"
    << north << "</north><south>" << south << "</south><east>" << east << "</east><west>" << west
    << "</west></LatLonBox></GroundOverlay>\n";
  k << "<Folder><name>routes</name>\n";
  int ri = 0;
  std::vector<std::pair<std::string, const std::vector<Waypoint>*>> all_wps;
  require_waypoints_of(m, route_wps);
  const std::vector<NamedRoute> named = named_routes(m);
  for (std::size_t n = 0; n < named.size(); ++n) {
    const NamedRoute& nr = named[n];
    const FlownRoute& r = *nr.route;
    if (r.samples.empty()) continue;
    k << "<Placemark><name>" << xml_escape(nr.name) << "</name><description>"
      << geo::fixed(r.length_m / 1000.0, 1) << " km, " << geo::fixed(r.duration_s / 3600.0, 2)
      << " h, altitudes AMSL</description><styleUrl>#route" << ri++ % 5
      << "</styleUrl><LineString><altitudeMode>absolute</altitudeMode><coordinates>\n";
    double next = 0.0;
    for (std::size_t i = 0; i < r.samples.size(); ++i) {
      const auto& q = r.samples[i];
      if (q.s < next && i + 1 != r.samples.size()) continue;
      next = q.s + 100.0;
      const geo::Point2 ll = to_ll(q.work);
      k << ll.x << ',' << ll.y << ',' << geo::fixed(q.altitude_m, 1) << '\n';
    }
    k << "</coordinates></LineString></Placemark>\n";
    all_wps.emplace_back(nr.name, &route_wps[n]);
  }
  k << "</Folder>\n<Folder><name>waypoints</name>\n";
  for (const auto& [name, wps] : all_wps)
    for (const auto& wp : *wps)
      k << "<Placemark><name>" << xml_escape(name) << " #" << wp.seq << "</name><description>"
        << to_string(wp.kind) << ", " << geo::fixed(wp.altitude_m, 0) << " m AMSL, "
        << geo::fixed(wp.altitude_m - wp.ground_m, 0) << " m above ground, at "
        << geo::fixed(wp.t / 60.0, 1)
        << " min</description><styleUrl>#waypoint</styleUrl><Point><altitudeMode>absolute"
           "</altitudeMode><coordinates>"
        << wp.lonlat.x << ',' << wp.lonlat.y << ',' << geo::fixed(wp.altitude_m, 1)
        << "</coordinates></Point></Placemark>\n";
  k << "</Folder>\n<Folder><name>observation points</name>\n";
  for (std::size_t i = 0; i < m.points.size(); ++i) {
    const Candidate& c = m.points[i];
    k << "<Placemark><name>point " << i + 1 << "</name><description>" << geo::fixed(c.altitude_m, 0)
      << " m AMSL</description><styleUrl>#point</styleUrl><Point><altitudeMode>absolute"
         "</altitudeMode><coordinates>"
      << c.lonlat.x << ',' << c.lonlat.y << ',' << geo::fixed(c.altitude_m, 1)
      << "</coordinates></Point></Placemark>\n";
  }
  k << "</Folder>\n<Folder><name>bases and stations</name>\n";
  for (std::size_t i = 0; i < m.config.bases.size(); ++i) {
    const std::string name =
        i < m.config.base_names.size() ? m.config.base_names[i] : "base " + std::to_string(i + 1);
    k << "<Placemark><name>" << xml_escape(name)
      << "</name><styleUrl>#base</styleUrl><Point><coordinates>" << m.config.bases[i].x << ','
      << m.config.bases[i].y << "</coordinates></Point></Placemark>\n";
  }
  for (const auto& s : m.stations)
    k << "<Placemark><name>" << xml_escape(s.name) << "</name><Point><coordinates>" << s.lonlat.x
      << ',' << s.lonlat.y << "</coordinates></Point></Placemark>\n";
  k << "</Folder>\n</Document>\n</kml>\n";
  const std::string kml = (fs::path(dir) / "plan.kml").string();
  {
    std::ofstream out(kml);
    out << k.str();
    if (!out) throw Error(kml + ": cannot be written", Error::Kind::Runtime);
  }
  files.push_back({"plan.kml", "Google Earth: routes (absolute altitude), points, coverage"});
  geo::write_zip((fs::path(dir) / "plan.kmz").string(),
                 {{"doc.kml", kml}, {"coverage_overlay.png", overlay}});
  files.push_back({"plan.kmz", "the same, one file (KMZ)"});
}

// ---- QGIS project ----------------------------------------------------------------

namespace {

std::string srs_xml(const geo::SpatialRef& crs) {
  std::ostringstream s;
  s << "<spatialrefsys><wkt>" << xml_escape(crs.wkt()) << "</wkt>";
  if (const auto e = crs.epsg()) s << "<authid>EPSG:" << *e << "</authid>";
  s << "<description>" << xml_escape(crs.name()) << "</description><geographicflag>"
    << (crs.is_geographic() ? "true" : "false") << "</geographicflag></spatialrefsys>";
  return s.str();
}

struct ProjectLayer {
  std::string id, name, source, provider, type, crs_xml, style;
  std::string geometry;  ///< vector layers: Point, Line, Polygon
  bool visible = true;
};

std::string raster_pipe(const std::string& renderer) {
  return "<pipe><rasterrenderer " + renderer +
         "</rasterrenderer><brightnesscontrast brightness=\"0\" contrast=\"0\" gamma=\"1\"/>"
         "<huesaturation saturation=\"0\" colorizeOn=\"0\" grayscaleMode=\"0\"/>"
         "<rasterresampler maxOversampling=\"2\"/></pipe>";
}

std::string min_max_origin() {
  return "<minMaxOrigin><limits>None</limits><extent>WholeRaster</extent><statAccuracy>"
         "Estimated</statAccuracy><cumulativeCutLower>0.02</cumulativeCutLower>"
         "<cumulativeCutUpper>0.98</cumulativeCutUpper><stdDevFactor>2</stdDevFactor>"
         "</minMaxOrigin>";
}

/// A pseudo-colour ramp over band 1 (interpolated or discrete items value:colour:label).
std::string pseudocolor(double opacity, const std::string& type,
                        const std::vector<std::tuple<double, std::string, std::string>>& items) {
  std::ostringstream s;
  const double lo = std::get<0>(items.front()), hi = std::get<0>(items.back());
  s << "type=\"singlebandpseudocolor\" band=\"1\" opacity=\"" << opacity
    << "\" alphaBand=\"-1\" classificationMin=\"" << lo << "\" classificationMax=\"" << hi
    << "\"><rasterTransparency/>" << min_max_origin()
    << "<rastershader><colorrampshader colorRampType=\"" << type
    << "\" classificationMode=\"1\" clip=\"0\" minimumValue=\"" << lo << "\" maximumValue=\"" << hi
    << "\">";
  for (const auto& [v, colour, label] : items)
    s << "<item alpha=\"255\" value=\"" << v << "\" label=\"" << xml_escape(label) << "\" color=\""
      << colour << "\"/>";
  s << "</colorrampshader></rastershader>";
  return s.str();
}

}  // namespace

void write_qgis_project(const std::string& path, const MissionResult& m, const PackageInfo& info,
                        const std::vector<PackageFile>& files) {
  const auto has = [&](const std::string& name) {
    return std::any_of(files.begin(), files.end(),
                       [&](const PackageFile& f) { return f.name == name; });
  };
  const std::string dem_crs = srs_xml(m.area.dem.crs);
  const std::string wgs = srs_xml(geo::SpatialRef::wgs84());
  const std::string work = srs_xml(m.area.work_crs);
  // Top of the list is drawn last (on top).
  std::vector<ProjectLayer> layers;
  const auto vec = [&](const std::string& name, const std::string& geometry, const std::string& crs,
                       const std::string& style, bool visible = true) {
    layers.push_back({name, name, "./plan.gpkg|layername=" + name, "ogr", "vector", crs,
                      geo::qml_renderer(style), geometry, visible});
  };
  vec("bases", "Point", wgs, geo::qml_marker({20, 20, 20, 255}, 4.0, "star"));
  if (!m.stations.empty())
    vec("stations", "Point", wgs, geo::qml_marker({240, 240, 240, 255}, 3.5, "square"));
  vec("waypoints", "Point", wgs, geo::qml_marker({255, 200, 0, 255}, 2.2), false);
  vec("routes", "Line", wgs, geo::qml_line({200, 30, 30, 255}, 0.8));
  vec("observation_points", "Point", wgs, geo::qml_marker({40, 120, 220, 255}, 3.0, "triangle"));
  vec("candidates", "Point", wgs, geo::qml_marker({150, 150, 150, 160}, 1.2), false);
  if (!m.area.no_fly.empty())
    vec("no_fly", "Polygon", work, geo::qml_fill({220, 30, 30, 70}, {200, 0, 0, 255}, 0.5));
  vec("corridor", "Polygon", work, geo::qml_fill({255, 170, 0, 0}, {230, 120, 0, 255}, 0.4));
  vec("permitted_airspace", "Polygon", work,
      geo::qml_fill({60, 170, 80, 25}, {40, 140, 60, 255}, 0.3), false);
  const auto ras = [&](const std::string& file, const std::string& name, const std::string& pipe,
                       bool visible) {
    if (has(file))
      layers.push_back({name, name, "./" + file, "gdal", "raster", dem_crs, pipe, "", visible});
  };
  ras("coverage.tif", "coverage",
      raster_pipe(pseudocolor(0.75, "DISCRETE",
                              {{0, "#d7191c", "never seen"},
                               {2, "#fdae61", "seen 1-2 times"},
                               {5, "#ffff8c", "seen 3-5 times"},
                               {20, "#91cf60", "seen 6-20 times"},
                               {65534, "#1a9641", "seen more often"}})),
      true);
  ras("first_seen.tif", "first_seen",
      raster_pipe(pseudocolor(0.75, "INTERPOLATED",
                              {{0, "#2c7bb6", "at take-off"},
                               {m.config.aircraft.endurance_h * 30.0, "#ffffbf", "mid-flight"},
                               {m.config.aircraft.endurance_h * 60.0, "#d7191c", "end"}})),
      false);
  ras("revisit.tif", "revisit_worst",
      raster_pipe(pseudocolor(
          0.75, "INTERPOLATED",
          {{0, "#1a9641", "0 min"}, {60, "#ffffbf", "60 min"}, {240, "#d7191c", "240 min"}})),
      false);
  ras("link_lowest_altitude.tif", "link_lowest_altitude",
      raster_pipe(pseudocolor(
          0.7, "INTERPOLATED",
          {{0, "#2c7bb6", "low"}, {m.config.aircraft.ceiling_m, "#d7191c", "ceiling"}})),
      false);
  ras("hillshade.tif", "hillshade",
      raster_pipe("type=\"singlebandgray\" grayBand=\"1\" gradient=\"BlackToWhite\" "
                  "opacity=\"1\" alphaBand=\"-1\"><rasterTransparency/>" +
                  min_max_origin() +
                  "<contrastEnhancement><minValue>1</minValue><maxValue>255</maxValue>"
                  "<algorithm>StretchToMinimumMaximum</algorithm></contrastEnhancement>"),
      true);
  // Layer ids in QGIS's own form (name, underscore, a UUID with underscores): QGIS
  // replaces ids it does not recognise, which would orphan the layer tree entries.
  for (std::size_t i = 0; i < layers.size(); ++i) {
    char uuid[64];
    std::snprintf(uuid, sizeof uuid, "_5a1e0000_0000_4000_8000_%012zx", i + 1);
    layers[i].id = layers[i].name + uuid;
  }
  // The map extent: the DEM's footprint in the work CRS.
  const auto [x0, y0, x1, y1] = geo::bounds(m.area.frame.footprint);
  std::ostringstream q;
  q << std::setprecision(12);
  q << "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    << "<qgis projectname=\"" << xml_escape(info.name) << "\" version=\"3.22.0\">\n"
    << "<homePath path=\"\"/>\n<title>" << xml_escape("vigia plan: " + info.name) << "</title>\n"
    << "<projectCrs>" << work << "</projectCrs>\n<layer-tree-group>\n<customproperties/>\n";
  for (const auto& l : layers)
    q << "<layer-tree-layer id=\"" << l.id << "\" name=\"" << xml_escape(l.name) << "\" source=\""
      << xml_escape(l.source) << "\" providerKey=\"" << l.provider << "\" checked=\""
      << (l.visible ? "Qt::Checked" : "Qt::Unchecked")
      << "\" expanded=\"0\"><customproperties/></layer-tree-layer>\n";
  q << "</layer-tree-group>\n<mapcanvas name=\"theMapCanvas\" annotationsVisible=\"1\">"
    << "<units>meters</units><extent><xmin>" << x0 << "</xmin><ymin>" << y0 << "</ymin><xmax>" << x1
    << "</xmax><ymax>" << y1 << "</ymax></extent><rotation>0</rotation>"
    << "<destinationsrs>" << work << "</destinationsrs></mapcanvas>\n<projectlayers>\n";
  for (const auto& l : layers) {
    q << "<maplayer type=\"" << l.type << "\"";
    if (l.type == "vector") q << " geometry=\"" << l.geometry << "\"";
    q << " hasScaleBasedVisibilityFlag=\"0\" autoRefreshEnabled=\"0\">\n<id>" << l.id
      << "</id>\n<datasource>" << xml_escape(l.source) << "</datasource>\n<layername>"
      << xml_escape(l.name) << "</layername>\n<srs>" << l.crs_xml << "</srs>\n<provider"
      << (l.type == "vector" ? " encoding=\"UTF-8\"" : "") << ">" << l.provider << "</provider>\n"
      << l.style << "\n</maplayer>\n";
  }
  q << "</projectlayers>\n<properties><Paths><Absolute type=\"bool\">false</Absolute></Paths>"
       "</properties>\n</qgis>\n";
  geo::write_text_file(path, q.str());
}

}  // namespace vigia::planner
