#include "vigia/geo/vector_write.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <filesystem>
#include <memory>

#include "ogr_access.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/gdal_session.hpp"

namespace vigia::geo {

namespace {

struct DatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};

OGRwkbGeometryType type_of(const OutGeometry& g) {
  struct V {
    OGRwkbGeometryType operator()(std::monostate) const { return wkbNone; }
    OGRwkbGeometryType operator()(const Point2&) const { return wkbPoint; }
    OGRwkbGeometryType operator()(const Point3&) const { return wkbPoint25D; }
    OGRwkbGeometryType operator()(const LineString&) const { return wkbLineString; }
    OGRwkbGeometryType operator()(const LineString3&) const { return wkbLineString25D; }
    OGRwkbGeometryType operator()(const std::vector<LineString>&) const {
      return wkbMultiLineString;
    }
    OGRwkbGeometryType operator()(const MultiPolygon&) const { return wkbMultiPolygon; }
  };
  return std::visit(V{}, g);
}

std::unique_ptr<OGRGeometry> to_ogr(const OutGeometry& g) {
  struct V {
    std::unique_ptr<OGRGeometry> operator()(std::monostate) const { return nullptr; }
    std::unique_ptr<OGRGeometry> operator()(const Point2& p) const {
      return std::make_unique<OGRPoint>(p.x, p.y);
    }
    std::unique_ptr<OGRGeometry> operator()(const Point3& p) const {
      return std::make_unique<OGRPoint>(p.x, p.y, p.z);
    }
    std::unique_ptr<OGRGeometry> operator()(const LineString& l) const {
      auto ls = std::make_unique<OGRLineString>();
      for (const auto& p : l) ls->addPoint(p.x, p.y);
      return ls;
    }
    std::unique_ptr<OGRGeometry> operator()(const LineString3& l) const {
      auto ls = std::make_unique<OGRLineString>();
      for (const auto& p : l) ls->addPoint(p.x, p.y, p.z);
      return ls;
    }
    std::unique_ptr<OGRGeometry> operator()(const std::vector<LineString>& lines) const {
      auto ml = std::make_unique<OGRMultiLineString>();
      for (const auto& l : lines) {
        auto ls = std::make_unique<OGRLineString>();
        for (const auto& p : l) ls->addPoint(p.x, p.y);
        ml->addGeometryDirectly(ls.release());
      }
      return ml;
    }
    std::unique_ptr<OGRGeometry> operator()(const MultiPolygon& mp) const { return to_ogr(mp); }
  };
  return std::visit(V{}, g);
}

OGRFieldType field_type(const FieldValue& v) {
  if (std::holds_alternative<long long>(v)) return OFTInteger64;
  if (std::holds_alternative<double>(v)) return OFTReal;
  return OFTString;
}

void write_styles(GDALDataset& ds, const std::vector<OutLayer>& layers, const std::string& path) {
  bool any = false;
  for (const auto& l : layers) any = any || !l.qml_style.empty();
  if (!any) return;
  // QGIS reads styles from this table (the layout QGIS itself creates) and applies
  // the default one when the layer is opened.
  OGRLayer* t = ds.CreateLayer("layer_styles", nullptr, wkbNone, nullptr);
  if (!t) throw Error(path + ": cannot create the layer_styles table", Error::Kind::Runtime);
  const char* text_fields[] = {"f_table_catalog", "f_table_schema",
                               "f_table_name",    "f_geometry_column",
                               "styleName",       "styleQML",
                               "styleSLD",        "description",
                               "owner",           "ui"};
  for (const char* name : text_fields) {
    OGRFieldDefn f(name, OFTString);
    t->CreateField(&f);
  }
  OGRFieldDefn use("useAsDefault", OFTInteger);
  use.SetSubType(OFSTBoolean);
  t->CreateField(&use);
  OGRFieldDefn upd("update_time", OFTDateTime);
  t->CreateField(&upd);
  for (const auto& l : layers) {
    if (l.qml_style.empty()) continue;
    OGRFeature* f = OGRFeature::CreateFeature(t->GetLayerDefn());
    f->SetField("f_table_catalog", "");
    f->SetField("f_table_schema", "");
    f->SetField("f_table_name", l.name.c_str());
    f->SetField("f_geometry_column", "geom");
    f->SetField("styleName", l.name.c_str());
    f->SetField("styleQML", l.qml_style.c_str());
    f->SetField("styleSLD", "");
    f->SetField("description", "vigia default style");
    f->SetField("owner", "");
    f->SetField("ui", "");
    f->SetField("useAsDefault", 1);
    if (t->CreateFeature(f) != OGRERR_NONE) {
      OGRFeature::DestroyFeature(f);
      throw Error(path + ": cannot write a layer style", Error::Kind::Runtime);
    }
    OGRFeature::DestroyFeature(f);
  }
}

}  // namespace

void write_gpkg(const std::string& path, const std::vector<OutLayer>& layers) {
  gdal_init();
  std::error_code ec;
  std::filesystem::remove(path, ec);
  // The same inputs give the same bytes: the GeoPackage's last-change stamps take a
  // fixed date, not the clock (GDAL's OGR_CURRENT_DATE; docs/cli.md, reproducibility).
  CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GPKG");
  std::unique_ptr<GDALDataset, DatasetCloser> ds(
      drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!ds)
    throw Error(path + ": cannot create the GeoPackage: " + gdal_last_error(),
                Error::Kind::Runtime);
  for (const OutLayer& l : layers) {
    OGRwkbGeometryType type = wkbUnknown;
    for (const auto& f : l.features) {
      if (type_of(f.geometry) != wkbNone) {
        type = type_of(f.geometry);
        break;
      }
    }
    const char* lco[] = {"GEOMETRY_NAME=geom", "SPATIAL_INDEX=YES", nullptr};
    std::string desc = "DESCRIPTION=" + l.description;
    const char* lco_desc[] = {"GEOMETRY_NAME=geom", "SPATIAL_INDEX=YES", desc.c_str(), nullptr};
    // GDAL 3.6 takes a non-const SRS; it clones it and never modifies ours.
    OGRSpatialReference srs_copy;
    if (!l.crs.empty()) {
      const std::lock_guard lock(srs_mutex());
      srs_copy = l.crs.impl()->srs;
    }
    OGRLayer* layer = ds->CreateLayer(l.name.c_str(), l.crs.empty() ? nullptr : &srs_copy, type,
                                      const_cast<char**>(l.description.empty() ? lco : lco_desc));
    if (!layer)
      throw Error(path + ": cannot create layer " + l.name + ": " + gdal_last_error(),
                  Error::Kind::Runtime);
    if (!l.features.empty()) {
      for (const auto& [name, value] : l.features.front().fields) {
        OGRFieldDefn fd(name.c_str(), field_type(value));
        if (layer->CreateField(&fd) != OGRERR_NONE) {
          throw Error(path + ": cannot create field " + name + " in " + l.name,
                      Error::Kind::Runtime);
        }
      }
    }
    if (ds->StartTransaction() != OGRERR_NONE) ds->StartTransaction(TRUE);
    for (const auto& f : l.features) {
      OGRFeature* of = OGRFeature::CreateFeature(layer->GetLayerDefn());
      for (const auto& [name, value] : f.fields) {
        if (const auto* i = std::get_if<long long>(&value)) {
          of->SetField(name.c_str(), static_cast<GIntBig>(*i));
        } else if (const auto* d = std::get_if<double>(&value)) {
          of->SetField(name.c_str(), *d);
        } else {
          of->SetField(name.c_str(), std::get<std::string>(value).c_str());
        }
      }
      if (auto g = to_ogr(f.geometry)) of->SetGeometryDirectly(g.release());
      const OGRErr err = layer->CreateFeature(of);
      OGRFeature::DestroyFeature(of);
      if (err != OGRERR_NONE)
        throw Error(path + ": cannot write a feature of " + l.name, Error::Kind::Runtime);
    }
    ds->CommitTransaction();
  }
  write_styles(*ds, layers, path);
  ds.reset();
  if (CPLGetLastErrorType() == CE_Failure) {
    throw Error(path + ": writing failed: " + gdal_last_error(), Error::Kind::Runtime);
  }
}

}  // namespace vigia::geo
