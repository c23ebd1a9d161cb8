#include "vigia/geo/vector_io.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include "ogr_access.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/gdal_session.hpp"
#include "vigia/geo/text.hpp"

namespace vigia::geo {

namespace {

struct DatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};

LineString to_line(const OGRLineString& ls) {
  LineString out;
  out.reserve(static_cast<std::size_t>(ls.getNumPoints()));
  for (int i = 0; i < ls.getNumPoints(); ++i) out.push_back({ls.getX(i), ls.getY(i)});
  return out;
}

Polygon to_polygon(const OGRPolygon& poly) {
  Polygon out;
  if (const OGRLinearRing* ext = poly.getExteriorRing(); ext && !ext->IsEmpty()) {
    out.rings.push_back(to_line(*ext));
    for (int i = 0; i < poly.getNumInteriorRings(); ++i) {
      out.rings.push_back(to_line(*poly.getInteriorRing(i)));
    }
  }
  return out;
}

void collect(const OGRGeometry& g, Feature& f) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  switch (wkbFlatten(g.getGeometryType())) {
    case wkbPoint: {
      const auto& p = *g.toPoint();
      if (!p.IsEmpty()) f.points.push_back({p.getX(), p.getY(), p.Is3D() ? p.getZ() : nan});
      break;
    }
    case wkbLineString:
      if (!g.IsEmpty()) f.lines.push_back(to_line(*g.toLineString()));
      break;
    case wkbPolygon:
      if (!g.IsEmpty()) f.polygons.push_back(to_polygon(*g.toPolygon()));
      break;
    case wkbMultiPoint:
    case wkbMultiLineString:
    case wkbMultiPolygon:
    case wkbGeometryCollection:
      for (const OGRGeometry* part : *g.toGeometryCollection()) collect(*part, f);
      break;
    default: {
      // Curves and other exotic types: approximate by linear geometry first.
      std::unique_ptr<OGRGeometry> linear(g.getLinearGeometry());
      if (linear && wkbFlatten(linear->getGeometryType()) != wkbFlatten(g.getGeometryType())) {
        collect(*linear, f);
      }
      break;
    }
  }
}

}  // namespace

VectorLayer read_vector(const std::string& path, const SpatialRef& target,
                        const VectorReadOptions& options) {
  gdal_init();
  if (!std::filesystem::exists(path)) throw Error(path + ": no such file");
  std::unique_ptr<GDALDataset, DatasetCloser> ds(GDALDataset::FromHandle(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
  if (!ds) {
    throw Error(path +
                ": not a vector dataset GDAL can read (allowed: GeoJSON, GeoPackage, "
                "Shapefile or any OGR format)");
  }
  OGRLayer* layer = nullptr;
  if (options.layer.empty()) {
    if (ds->GetLayerCount() == 0) throw Error(path + ": has no vector layer");
    if (ds->GetLayerCount() > 1) {
      std::string names;
      for (int i = 0; i < ds->GetLayerCount(); ++i) {
        names += (i ? ", " : "") + std::string(ds->GetLayer(i)->GetName());
      }
      throw Error(path + ": has several layers; name one (allowed: " + names + ")");
    }
    layer = ds->GetLayer(0);
  } else {
    layer = ds->GetLayerByName(options.layer.c_str());
    if (!layer) throw Error(path + ": no layer named '" + options.layer + "'");
  }

  VectorLayer out;
  out.source = path;
  out.layer_name = layer->GetName();
  const OGRSpatialReference* layer_srs = layer->GetSpatialRef();
  if (!layer_srs) {
    throw Error(path + ": layer '" + out.layer_name +
                "' has no CRS (a Shapefile needs its .prj; allowed: any georeferenced layer)");
  }
  {
    char* wkt = nullptr;
    layer_srs->exportToWkt(&wkt);
    out.source_crs = SpatialRef::from_wkt(wkt ? wkt : "");
    CPLFree(wkt);
  }

  if (!options.where.empty() && layer->SetAttributeFilter(options.where.c_str()) != OGRERR_NONE) {
    throw Error(path + ": invalid attribute filter '" + options.where + "': " + gdal_last_error());
  }

  // The layer's own SRS carries the right data axis mapping for the file.
  std::unique_ptr<OGRCoordinateTransformation> ct;
  if (!out.source_crs.same_as(target)) {
    {
      const std::lock_guard lock(srs_mutex());
      ct.reset(OGRCreateCoordinateTransformation(layer_srs, &target.impl()->srs));
    }
    if (!ct) {
      throw Error(path + ": no coordinate transformation from " + out.source_crs.label() + " to " +
                  target.label());
    }
  }

  layer->ResetReading();
  for (auto& feature : *layer) {
    Feature f;
    f.fid = feature->GetFID();
    for (int i = 0; i < feature->GetFieldCount(); ++i) {
      if (feature->IsFieldSetAndNotNull(i)) {
        f.attributes[feature->GetFieldDefnRef(i)->GetNameRef()] = feature->GetFieldAsString(i);
      }
    }
    OGRGeometry* g = feature->GetGeometryRef();
    if (g && !g->IsEmpty()) {
      if (ct && g->transform(ct.get()) != OGRERR_NONE) {
        throw Error(path + ": feature " + std::to_string(f.fid) + " cannot be transformed to " +
                    target.label());
      }
      collect(*g, f);
    }
    out.features.push_back(std::move(f));
  }
  return out;
}

std::vector<LineString> VectorLayer::lines() const {
  std::vector<LineString> all;
  for (const auto& f : features) all.insert(all.end(), f.lines.begin(), f.lines.end());
  return all;
}

MultiPolygon VectorLayer::polygons() const {
  MultiPolygon all;
  for (const auto& f : features) all.insert(all.end(), f.polygons.begin(), f.polygons.end());
  return all;
}

std::vector<Point3> VectorLayer::points() const {
  std::vector<Point3> all;
  for (const auto& f : features) all.insert(all.end(), f.points.begin(), f.points.end());
  return all;
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  const auto b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::vector<PointRow> read_csv_rows(const std::string& path, const std::string& format) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot be read");
  std::vector<PointRow> rows;
  std::string line;
  int n = 0;
  bool first_content = true;
  char sep = 0;  // ',' or ';', told from the first line of content
  while (std::getline(in, line)) {
    ++n;
    // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first field.
    if (n == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (!sep) sep = line.find(',') == std::string::npos && line.find(';') != std::string::npos ? ';' : ',';
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string f;
    while (std::getline(ss, f, sep)) fields.push_back(trim(f));
    const std::string where = path + " line " + std::to_string(n);
    double lon = 0, lat = 0;
    const bool numeric =
        fields.size() >= 2 && parse_number(fields[0], lon) && parse_number(fields[1], lat);
    if (!numeric) {
      if (first_content && !fields.empty() && !parse_number(fields[0], lon)) {  // a header line
        first_content = false;
        continue;
      }
      throw Error(where + ": expected '" + format + "', got '" + line + "'");
    }
    first_content = false;
    if (lon < -180.0 || lon > 360.0 || lat < -90.0 || lat > 90.0) {
      throw Error(where + ": lon/lat " + fields[0] + "," + fields[1] +
                  " out of range (allowed: lon -180..180, lat -90..90, WGS 84 degrees)");
    }
    PointRow row;
    row.lonlat = {lon, lat};
    row.csv = true;
    row.fields.assign(fields.begin() + 2, fields.end());
    row.where = where;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::vector<PointRow> read_point_rows(const std::string& path, const std::string& format) {
  if (!std::filesystem::exists(path)) throw Error(path + ": no such file");
  const std::string ext = lower(std::filesystem::path(path).extension().string());
  std::vector<PointRow> rows;
  if (ext == ".csv" || ext == ".txt") {
    rows = read_csv_rows(path, format);
  } else {
    const VectorLayer layer = read_vector(path, SpatialRef::wgs84());
    for (const auto& f : layer.features) {
      const std::string where = path + " feature " + std::to_string(f.fid);
      if (f.points.empty())
        throw Error(where + ": is not a point (allowed: Point or MultiPoint features)");
      for (const auto& p : f.points) {
        PointRow row;
        row.lonlat = {p.x, p.y};
        row.z = p.z;
        row.attributes = f.attributes;
        row.where = where;
        rows.push_back(std::move(row));
      }
    }
  }
  if (rows.empty()) throw Error(path + ": holds no points (expected lines '" + format + "')");
  return rows;
}

std::vector<AltitudePoint> read_altitude_points(const std::string& path, const SpatialRef& target,
                                                const std::string& altitude_field) {
  const std::vector<PointRow> rows = read_point_rows(path, "lon,lat,alt");
  const Transformer to_target(SpatialRef::wgs84(), target);
  // OGR layers: the altitude attribute named, or the first of these, or else Z.
  std::string field = altitude_field;
  if (field.empty() && !rows.front().csv) {
    for (const char* candidate : {"alt", "altitude", "height", "z"}) {
      for (const auto& [k, v] : rows.front().attributes) {
        if (lower(k) == candidate) field = k;
      }
      if (!field.empty()) break;
    }
  }
  std::vector<AltitudePoint> pts;
  for (const PointRow& row : rows) {
    double alt = 0.0;
    if (row.csv) {
      if (row.fields.empty() || !parse_number(row.fields[0], alt))
        throw Error(row.where + ": expected 'lon,lat,alt' (three numbers)");
    } else if (!field.empty()) {
      const auto it = row.attributes.find(field);
      if (it == row.attributes.end() || !parse_number(it->second, alt))
        throw Error(row.where + ": attribute '" + field + "' is missing or not a number");
    } else if (std::isnan(row.z)) {
      throw Error(row.where +
                  ": has no altitude (allowed: an attribute alt/altitude/height/z, "
                  "--altitude-field NAME, or 3-D points)");
    } else {
      alt = row.z;
    }
    pts.push_back({to_target(row.lonlat), alt, row.where});
  }
  return pts;
}

}  // namespace vigia::geo
