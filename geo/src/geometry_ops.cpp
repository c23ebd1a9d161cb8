#include "vigia/geo/geometry_ops.hpp"

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <geos_c.h>
#include <ogr_geometry.h>

#include <cmath>
#include <cstdarg>
#include <memory>

#include "ogr_access.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/gdal_session.hpp"

namespace vigia::geo {

namespace {

/// GEOS messages end up here (GEOS reports failures through return values too).
extern "C" void geos_message(const char*, void*) {}

/// One GEOS context per thread (the reentrant API's rule).
GEOSContextHandle_t ctx() {
  struct Holder {
    GEOSContextHandle_t h = GEOS_init_r();
    Holder() {
      GEOSContext_setNoticeMessageHandler_r(h, geos_message, nullptr);
      GEOSContext_setErrorMessageHandler_r(h, geos_message, nullptr);
    }
    ~Holder() { GEOS_finish_r(h); }
  };
  thread_local Holder holder;
  return holder.h;
}

struct GeomDeleter {
  void operator()(GEOSGeometry* g) const { GEOSGeom_destroy_r(ctx(), g); }
};
using Geom = std::unique_ptr<GEOSGeometry, GeomDeleter>;

Geom check(GEOSGeometry* g, const char* what) {
  if (!g) throw Error(std::string("geometry operation failed: ") + what, Error::Kind::Runtime);
  return Geom(g);
}

GEOSCoordSequence* sequence(const std::vector<Point2>& pts) {
  GEOSCoordSequence* s = GEOSCoordSeq_create_r(ctx(), static_cast<unsigned>(pts.size()), 2);
  for (unsigned i = 0; i < pts.size(); ++i) GEOSCoordSeq_setXY_r(ctx(), s, i, pts[i].x, pts[i].y);
  return s;
}

Ring closed(Ring r) {
  if (!r.empty() && !(r.front() == r.back())) r.push_back(r.front());
  return r;
}

Geom to_geos(const std::vector<LineString>& lines) {
  std::vector<GEOSGeometry*> parts;
  for (const auto& l : lines) {
    if (l.size() < 2) continue;
    parts.push_back(GEOSGeom_createLineString_r(ctx(), sequence(l)));
  }
  return check(GEOSGeom_createCollection_r(ctx(), GEOS_MULTILINESTRING, parts.data(),
                                           static_cast<unsigned>(parts.size())),
               "lines");
}

GEOSGeometry* to_geos_polygon(const Polygon& p) {
  if (p.rings.empty()) return GEOSGeom_createEmptyPolygon_r(ctx());
  const Ring outer = closed(p.rings[0]);
  if (outer.size() < 4) return GEOSGeom_createEmptyPolygon_r(ctx());
  GEOSGeometry* shell = GEOSGeom_createLinearRing_r(ctx(), sequence(outer));
  std::vector<GEOSGeometry*> holes;
  for (std::size_t i = 1; i < p.rings.size(); ++i) {
    const Ring h = closed(p.rings[i]);
    if (h.size() >= 4) holes.push_back(GEOSGeom_createLinearRing_r(ctx(), sequence(h)));
  }
  return GEOSGeom_createPolygon_r(ctx(), shell, holes.data(), static_cast<unsigned>(holes.size()));
}

Geom to_geos(const MultiPolygon& mp) {
  std::vector<GEOSGeometry*> parts;
  for (const auto& p : mp) parts.push_back(to_geos_polygon(p));
  return check(GEOSGeom_createCollection_r(ctx(), GEOS_MULTIPOLYGON, parts.data(),
                                           static_cast<unsigned>(parts.size())),
               "polygons");
}

std::vector<Point2> points_of(const GEOSGeometry* g) {
  const GEOSCoordSequence* s = GEOSGeom_getCoordSeq_r(ctx(), g);
  unsigned n = 0;
  GEOSCoordSeq_getSize_r(ctx(), s, &n);
  std::vector<Point2> out(n);
  for (unsigned i = 0; i < n; ++i) GEOSCoordSeq_getXY_r(ctx(), s, i, &out[i].x, &out[i].y);
  return out;
}

void collect_polygons(const GEOSGeometry* g, MultiPolygon& out) {
  const int type = GEOSGeomTypeId_r(ctx(), g);
  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(ctx(), g)) return;
    Polygon p;
    p.rings.push_back(points_of(GEOSGetExteriorRing_r(ctx(), g)));
    const int nh = GEOSGetNumInteriorRings_r(ctx(), g);
    for (int i = 0; i < nh; ++i) p.rings.push_back(points_of(GEOSGetInteriorRingN_r(ctx(), g, i)));
    out.push_back(std::move(p));
  } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    const int n = GEOSGetNumGeometries_r(ctx(), g);
    for (int i = 0; i < n; ++i) collect_polygons(GEOSGetGeometryN_r(ctx(), g, i), out);
  }
}

void collect_lines(const GEOSGeometry* g, std::vector<LineString>& out) {
  const int type = GEOSGeomTypeId_r(ctx(), g);
  if (type == GEOS_LINESTRING) {
    if (!GEOSisEmpty_r(ctx(), g)) out.push_back(points_of(g));
  } else if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION) {
    const int n = GEOSGetNumGeometries_r(ctx(), g);
    for (int i = 0; i < n; ++i) collect_lines(GEOSGetGeometryN_r(ctx(), g, i), out);
  }
}

MultiPolygon from_geos(const GEOSGeometry* g) {
  MultiPolygon out;
  collect_polygons(g, out);
  return out;
}

/// Applies a binary operation; invalid inputs are made valid first.
template <class Op>
MultiPolygon binary(const MultiPolygon& a, const MultiPolygon& b, Op op, const char* what) {
  Geom ga = to_geos(a);
  Geom gb = to_geos(b);
  if (!GEOSisValid_r(ctx(), ga.get())) ga = check(GEOSMakeValid_r(ctx(), ga.get()), what);
  if (!GEOSisValid_r(ctx(), gb.get())) gb = check(GEOSMakeValid_r(ctx(), gb.get()), what);
  return from_geos(check(op(ctx(), ga.get(), gb.get()), what).get());
}

}  // namespace

double area(const MultiPolygon& mp) {
  double a = 0.0;
  GEOSArea_r(ctx(), to_geos(mp).get(), &a);
  return a;
}

double length(const std::vector<LineString>& lines) {
  double l = 0.0;
  GEOSLength_r(ctx(), to_geos(lines).get(), &l);
  return l;
}

MultiPolygon buffer(const std::vector<LineString>& lines, double distance) {
  return from_geos(check(GEOSBuffer_r(ctx(), to_geos(lines).get(), distance, 32), "buffer").get());
}

MultiPolygon buffer(const MultiPolygon& mp, double distance) {
  Geom g = to_geos(mp);
  if (!GEOSisValid_r(ctx(), g.get())) g = check(GEOSMakeValid_r(ctx(), g.get()), "buffer");
  return from_geos(check(GEOSBuffer_r(ctx(), g.get(), distance, 32), "buffer").get());
}

MultiPolygon simplify_inside(const MultiPolygon& mp, double tolerance) {
  Geom g = to_geos(mp);
  if (!GEOSisValid_r(ctx(), g.get())) g = check(GEOSMakeValid_r(ctx(), g.get()), "simplify");
  const Geom shrunk = check(GEOSBuffer_r(ctx(), g.get(), -tolerance, 8), "simplify");
  return from_geos(
      check(GEOSTopologyPreserveSimplify_r(ctx(), shrunk.get(), tolerance), "simplify").get());
}

MultiPolygon intersection(const MultiPolygon& a, const MultiPolygon& b) {
  return binary(a, b, GEOSIntersection_r, "intersection");
}
MultiPolygon difference(const MultiPolygon& a, const MultiPolygon& b) {
  return binary(a, b, GEOSDifference_r, "difference");
}
MultiPolygon union_of(const MultiPolygon& a, const MultiPolygon& b) {
  return binary(a, b, GEOSUnion_r, "union");
}

std::vector<LineString> clip(const std::vector<LineString>& lines, const MultiPolygon& mp) {
  Geom area_g = to_geos(mp);
  if (!GEOSisValid_r(ctx(), area_g.get()))
    area_g = check(GEOSMakeValid_r(ctx(), area_g.get()), "clip");
  const Geom g = check(GEOSIntersection_r(ctx(), to_geos(lines).get(), area_g.get()), "clip");
  std::vector<LineString> out;
  collect_lines(g.get(), out);
  return out;
}

bool make_valid(MultiPolygon& mp) {
  const Geom g = to_geos(mp);
  if (GEOSisValid_r(ctx(), g.get())) return false;
  mp = from_geos(check(GEOSMakeValid_r(ctx(), g.get()), "make valid").get());
  return true;
}

bool is_valid(const MultiPolygon& mp, std::string* reason) {
  const Geom g = to_geos(mp);
  const bool ok = GEOSisValid_r(ctx(), g.get()) == 1;
  if (!ok && reason) {
    char* r = GEOSisValidReason_r(ctx(), g.get());
    *reason = r ? r : "invalid";
    GEOSFree_r(ctx(), r);
  }
  return ok;
}

MultiPolygon split(const MultiPolygon& area_mp, const std::vector<LineString>& lines) {
  // Node the area's boundary with the lines, polygonize, keep faces inside the area.
  Geom area_g = to_geos(area_mp);
  if (!GEOSisValid_r(ctx(), area_g.get()))
    area_g = check(GEOSMakeValid_r(ctx(), area_g.get()), "split");
  const Geom boundary = check(GEOSBoundary_r(ctx(), area_g.get()), "split");
  // Lines that end on the boundary may stop a hair inside it (data clipped to the
  // same box, reprojection): extend every end by 1e-5 of the area's size so that
  // such lines cut it.
  double xmin = 0, ymin = 0, xmax = 0, ymax = 0;
  GEOSGeom_getXMin_r(ctx(), area_g.get(), &xmin);
  GEOSGeom_getYMin_r(ctx(), area_g.get(), &ymin);
  GEOSGeom_getXMax_r(ctx(), area_g.get(), &xmax);
  GEOSGeom_getYMax_r(ctx(), area_g.get(), &ymax);
  const double ext = 1e-5 * std::max(xmax - xmin, ymax - ymin);
  std::vector<LineString> extended = lines;
  for (auto& l : extended) {
    if (l.size() < 2) continue;
    const auto stretch = [ext](Point2 end, Point2 before) {
      const double dx = end.x - before.x, dy = end.y - before.y;
      const double n = std::hypot(dx, dy);
      return n > 0.0 ? Point2{end.x + dx / n * ext, end.y + dy / n * ext} : end;
    };
    l.front() = stretch(l.front(), l[1]);
    l.back() = stretch(l.back(), l[l.size() - 2]);
  }
  // Node the boundary with the whole lines (they cross it cleanly; clipping first
  // leaves end points a rounding error off the boundary, which then dangle). Faces
  // outside the area are dropped below.
  const Geom all = check(GEOSUnion_r(ctx(), boundary.get(), to_geos(extended).get()), "split");
  const GEOSGeometry* parts[] = {all.get()};
  const Geom faces = check(GEOSPolygonize_r(ctx(), parts, 1), "split");
  MultiPolygon out;
  collect_polygons(faces.get(), out);
  MultiPolygon inside;
  for (auto& p : out) {
    const Point2 q = interior_point(p);
    const Geom pt = check(GEOSGeom_createPointFromXY_r(ctx(), q.x, q.y), "split");
    if (GEOSIntersects_r(ctx(), area_g.get(), pt.get())) inside.push_back(std::move(p));
  }
  return inside;
}

double distance(Point2 p, const std::vector<LineString>& lines) {
  const Geom pt = check(GEOSGeom_createPointFromXY_r(ctx(), p.x, p.y), "distance");
  double d = 0.0;
  GEOSDistance_r(ctx(), pt.get(), to_geos(lines).get(), &d);
  return d;
}

int crossings(Point2 a, Point2 b, const std::vector<LineString>& lines) {
  const Geom seg = to_geos(std::vector<LineString>{{a, b}});
  const Geom hit = check(GEOSIntersection_r(ctx(), seg.get(), to_geos(lines).get()), "crossings");
  int n = GEOSGetNumGeometries_r(ctx(), hit.get());
  if (GEOSisEmpty_r(ctx(), hit.get())) n = 0;
  return n;
}

Point2 interior_point(const Polygon& p) {
  Geom g(to_geos_polygon(p));
  const Geom pt = check(GEOSPointOnSurface_r(ctx(), g.get()), "interior point");
  Point2 q;
  GEOSGeomGetX_r(ctx(), pt.get(), &q.x);
  GEOSGeomGetY_r(ctx(), pt.get(), &q.y);
  return q;
}

namespace {
std::vector<Point2> densify_points(const std::vector<Point2>& pts, double step) {
  if (pts.size() < 2 || !(step > 0.0)) return pts;
  std::vector<Point2> out;
  for (std::size_t i = 0; i + 1 < pts.size(); ++i) {
    const Point2 a = pts[i];
    const Point2 b = pts[i + 1];
    out.push_back(a);
    const int n = static_cast<int>(std::ceil(std::hypot(b.x - a.x, b.y - a.y) / step));
    for (int k = 1; k < n; ++k) {
      const double t = static_cast<double>(k) / n;
      out.push_back({a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)});
    }
  }
  out.push_back(pts.back());
  return out;
}
}  // namespace

MultiPolygon densify(const MultiPolygon& mp, double max_step) {
  MultiPolygon out = mp;
  for (auto& p : out)
    for (auto& r : p.rings) r = densify_points(r, max_step);
  return out;
}

std::vector<LineString> densify(const std::vector<LineString>& lines, double max_step) {
  std::vector<LineString> out;
  for (const auto& l : lines) out.push_back(densify_points(l, max_step));
  return out;
}

MultiPolygon transform(const MultiPolygon& mp, const Transformer& t) {
  MultiPolygon out = mp;
  for (auto& p : out)
    for (auto& r : p.rings) t.transform(r);
  return out;
}

std::vector<LineString> transform(const std::vector<LineString>& lines, const Transformer& t) {
  std::vector<LineString> out = lines;
  for (auto& l : out) t.transform(l);
  return out;
}

Polygon grid_outline(const GeoTransform& gt, int cols, int rows, int steps) {
  Ring r;
  for (int i = 0; i < steps; ++i) r.push_back(gt.to_crs(static_cast<double>(cols) * i / steps, 0));
  for (int i = 0; i < steps; ++i)
    r.push_back(gt.to_crs(cols, static_cast<double>(rows) * i / steps));
  for (int i = 0; i < steps; ++i)
    r.push_back(gt.to_crs(cols - static_cast<double>(cols) * i / steps, rows));
  for (int i = 0; i < steps; ++i)
    r.push_back(gt.to_crs(0, rows - static_cast<double>(rows) * i / steps));
  r.push_back(r.front());
  return Polygon{{r}};
}

Raster<std::uint8_t> rasterize(const MultiPolygon& mp, const GeoTransform& gt, int cols, int rows) {
  gdal_init();
  Raster<std::uint8_t> out(cols, rows, 0);
  out.transform = gt;
  if (mp.empty()) return out;
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  struct Closer {
    void operator()(GDALDataset* d) const { GDALClose(d); }
  };
  std::unique_ptr<GDALDataset, Closer> ds(mem ? mem->Create("", cols, rows, 0, GDT_Byte, nullptr)
                                              : nullptr);
  char pointer[64];
  std::snprintf(pointer, sizeof pointer, "DATAPOINTER=%p", static_cast<void*>(out.data().data()));
  const char* band_options[] = {pointer, nullptr};
  if (!ds || ds->AddBand(GDT_Byte, const_cast<char**>(band_options)) != CE_None)
    throw Error("cannot set up an in-memory raster of " + std::to_string(cols) + " x " +
                    std::to_string(rows) + " cells for rasterising",
                Error::Kind::Runtime);
  auto g = gt.to_gdal();
  ds->SetGeoTransform(g.data());
  const std::unique_ptr<OGRMultiPolygon> ogr = to_ogr(mp);
  int band = 1;
  double burn = 1.0;
  OGRGeometryH geom = OGRGeometry::ToHandle(ogr.get());
  if (GDALRasterizeGeometries(GDALDataset::ToHandle(ds.get()), 1, &band, 1, &geom, nullptr, nullptr,
                              &burn, nullptr, nullptr, nullptr) != CE_None) {
    throw Error("rasterizing failed: " + gdal_last_error(), Error::Kind::Runtime);
  }
  return out;
}

}  // namespace vigia::geo
