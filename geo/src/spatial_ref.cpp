#include "vigia/geo/spatial_ref.hpp"

#include <cpl_conv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "ogr_access.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/geo/gdal_session.hpp"

namespace vigia::geo {

namespace {
std::shared_ptr<SpatialRef::Impl> make_impl() {
  gdal_init();
  auto impl = std::make_shared<SpatialRef::Impl>();
  impl->srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return impl;
}
}  // namespace

SpatialRef::SpatialRef() = default;
SpatialRef::~SpatialRef() = default;
SpatialRef::SpatialRef(const SpatialRef&) = default;
SpatialRef& SpatialRef::operator=(const SpatialRef&) = default;
SpatialRef::SpatialRef(SpatialRef&&) noexcept = default;
SpatialRef& SpatialRef::operator=(SpatialRef&&) noexcept = default;
SpatialRef::SpatialRef(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

SpatialRef SpatialRef::from_user_input(const std::string& definition) {
  auto impl = make_impl();
  if (definition.empty() || impl->srs.SetFromUserInput(definition.c_str()) != OGRERR_NONE) {
    throw Error("not a coordinate reference system GDAL knows: '" + definition +
                "' (allowed: EPSG:code, WKT or a PROJ string)");
  }
  impl->srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return SpatialRef(std::move(impl));
}

SpatialRef SpatialRef::from_wkt(const std::string& wkt) {
  auto impl = make_impl();
  if (wkt.empty() || impl->srs.importFromWkt(wkt.c_str()) != OGRERR_NONE) {
    throw Error("invalid CRS definition (WKT could not be parsed)");
  }
  impl->srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return SpatialRef(std::move(impl));
}

SpatialRef SpatialRef::from_epsg(int code) {
  auto impl = make_impl();
  if (impl->srs.importFromEPSG(code) != OGRERR_NONE) {
    throw Error("unknown EPSG code " + std::to_string(code));
  }
  impl->srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return SpatialRef(std::move(impl));
}

std::recursive_mutex& srs_mutex() {
  static std::recursive_mutex m;
  return m;
}

SpatialRef SpatialRef::wgs84() {
  static const SpatialRef w = from_epsg(4326);
  return w;
}

bool SpatialRef::empty() const {
  const std::lock_guard lock(srs_mutex());
  return !impl_ || impl_->srs.IsEmpty();
}
bool SpatialRef::is_geographic() const {
  const std::lock_guard lock(srs_mutex());
  return !empty() && impl_->srs.IsGeographic();
}
bool SpatialRef::is_projected() const {
  const std::lock_guard lock(srs_mutex());
  return !empty() && impl_->srs.IsProjected();
}

std::string SpatialRef::name() const {
  const std::lock_guard lock(srs_mutex());
  if (empty()) return "none";
  const char* n = impl_->srs.GetName();
  return n ? n : "unnamed";
}

std::optional<int> SpatialRef::epsg() const {
  const std::lock_guard lock(srs_mutex());
  if (empty()) return std::nullopt;
  const char* auth = impl_->srs.GetAuthorityName(nullptr);
  const char* code = impl_->srs.GetAuthorityCode(nullptr);
  if (auth && code && std::string(auth) == "EPSG") return std::stoi(code);
  // Files often carry a CRS without its code: ask PROJ which EPSG CRS it is.
  OGRSpatialReference copy(impl_->srs);
  if (copy.AutoIdentifyEPSG() == OGRERR_NONE) {
    auth = copy.GetAuthorityName(nullptr);
    code = copy.GetAuthorityCode(nullptr);
    if (auth && code && std::string(auth) == "EPSG") return std::stoi(code);
  }
  return std::nullopt;
}

std::string SpatialRef::label() const {
  const std::lock_guard lock(srs_mutex());
  if (const auto code = epsg()) return "EPSG:" + std::to_string(*code);
  return name();
}

std::string SpatialRef::wkt() const {
  const std::lock_guard lock(srs_mutex());
  if (empty()) return {};
  char* text = nullptr;
  const char* options[] = {"FORMAT=WKT2_2018", nullptr};
  impl_->srs.exportToWkt(&text, options);
  std::string out = text ? text : "";
  CPLFree(text);
  return out;
}

double SpatialRef::linear_unit_m() const {
  const std::lock_guard lock(srs_mutex());
  if (!is_projected()) return 1.0;
  return impl_->srs.GetLinearUnits();
}

double SpatialRef::semi_major_m() const {
  const std::lock_guard lock(srs_mutex());
  if (empty()) return 6378137.0;
  OGRErr err = OGRERR_NONE;
  const double a = impl_->srs.GetSemiMajor(&err);
  return err == OGRERR_NONE ? a : 6378137.0;
}

double SpatialRef::inverse_flattening() const {
  const std::lock_guard lock(srs_mutex());
  if (empty()) return 298.257223563;
  OGRErr err = OGRERR_NONE;
  const double invf = impl_->srs.GetInvFlattening(&err);
  return err == OGRERR_NONE ? invf : 298.257223563;
}

bool SpatialRef::same_as(const SpatialRef& other) const {
  const std::lock_guard lock(srs_mutex());
  if (empty() || other.empty()) return empty() && other.empty();
  const char* options[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES",
                           "CRITERION=EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS", nullptr};
  return impl_->srs.IsSame(&other.impl_->srs, options);
}

int utm_epsg(double lon, double lat) {
  int zone = static_cast<int>(std::floor((lon + 180.0) / 6.0)) + 1;
  zone = std::clamp(zone, 1, 60);
  return (lat >= 0 ? 32600 : 32700) + zone;
}

struct Transformer::Impl {
  OGRCoordinateTransformation* ct = nullptr;
  ~Impl() { OGRCoordinateTransformation::DestroyCT(ct); }
};

Transformer::Transformer(const SpatialRef& from, const SpatialRef& to) {
  const std::lock_guard lock(srs_mutex());
  if (from.empty() || to.empty()) throw Error("cannot transform coordinates: a CRS is missing");
  if (from.same_as(to)) return;
  impl_ = std::make_unique<Impl>();
  impl_->ct = OGRCreateCoordinateTransformation(&from.impl()->srs, &to.impl()->srs);
  if (!impl_->ct) {
    throw Error("no coordinate transformation from " + from.label() + " to " + to.label() + ": " +
                gdal_last_error("PROJ found none"));
  }
}

Transformer::~Transformer() = default;
Transformer::Transformer(Transformer&&) noexcept = default;
Transformer& Transformer::operator=(Transformer&&) noexcept = default;

Point2 Transformer::operator()(Point2 p) const {
  transform(std::span<Point2>(&p, 1));
  return p;
}

void Transformer::transform(std::span<Point2> points) const {
  if (!impl_ || points.empty()) return;
  std::vector<double> x(points.size());
  std::vector<double> y(points.size());
  std::vector<int> ok(points.size(), 0);
  for (std::size_t i = 0; i < points.size(); ++i) {
    x[i] = points[i].x;
    y[i] = points[i].y;
  }
  impl_->ct->Transform(points.size(), x.data(), y.data(), nullptr, ok.data());
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!ok[i] || !std::isfinite(x[i]) || !std::isfinite(y[i])) {
      std::ostringstream msg;
      msg.precision(10);
      msg << "coordinate (" << points[i].x << ", " << points[i].y
          << ") cannot be transformed between these CRS (outside their area of use?)";
      throw Error(msg.str());
    }
    points[i] = {x[i], y[i]};
  }
}

}  // namespace vigia::geo
