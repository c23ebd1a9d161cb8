#include "support.hpp"

#include <gdal_priv.h>
#include <unistd.h>

#include <sys/wait.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <sstream>

#include "vigia/geo/gdal_session.hpp"

namespace vigia::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  const auto base = fs::temp_directory_path();
  for (int i = 0; i < 100; ++i) {
    auto candidate = base / ("vigia-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    if (fs::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string shared_data(const std::string& name) {
  const fs::path p = fs::path(VIGIA_SHARED_DATA) / name;
  INFO("team data file " << p
                         << " is missing; CI puts ../shared beside the clone "
                            "(or configure with -DVIGIA_SHARED_DATA=...)");
  REQUIRE(fs::exists(p));
  return p.string();
}

std::string project_data(const std::string& name) {
  const fs::path p = fs::path(VIGIA_PROJECT_DATA) / name;
  INFO("project data file " << p << " is missing");
  REQUIRE(fs::exists(p));
  return p.string();
}

void write_raster(const std::string& path, const GridSpec& spec, const std::vector<float>& values) {
  geo::gdal_init();
  REQUIRE(values.size() == static_cast<std::size_t>(spec.cols) * spec.rows);
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(spec.driver.c_str());
  REQUIRE(drv != nullptr);
  GDALDataset* ds = drv->Create(path.c_str(), spec.cols, spec.rows, 1, GDT_Float32, nullptr);
  REQUIRE(ds != nullptr);
  auto gt = spec.geotransform;
  ds->SetGeoTransform(gt.data());
  if (!spec.crs.empty()) {
    OGRSpatialReference srs;
    REQUIRE(srs.SetFromUserInput(spec.crs.c_str()) == OGRERR_NONE);
    ds->SetSpatialRef(&srs);
  }
  GDALRasterBand* band = ds->GetRasterBand(1);
  if (spec.nodata) band->SetNoDataValue(*spec.nodata);
  if (!spec.unit.empty()) band->SetUnitType(spec.unit.c_str());
  if (spec.scale != 1.0) band->SetScale(spec.scale);
  if (spec.offset != 0.0) band->SetOffset(spec.offset);
  REQUIRE(band->RasterIO(GF_Write, 0, 0, spec.cols, spec.rows, const_cast<float*>(values.data()),
                         spec.cols, spec.rows, GDT_Float32, 0, 0, nullptr) == CE_None);
  GDALClose(ds);
}

void convert_raster(const std::string& src, const std::string& dst, const std::string& driver) {
  geo::gdal_init();
  GDALDataset* in = GDALDataset::FromHandle(GDALOpen(src.c_str(), GA_ReadOnly));
  REQUIRE(in != nullptr);
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(driver.c_str());
  REQUIRE(drv != nullptr);
  GDALDataset* out = drv->CreateCopy(dst.c_str(), in, FALSE, nullptr, nullptr, nullptr);
  INFO("GDAL: " << CPLGetLastErrorMsg());
  REQUIRE(out != nullptr);
  GDALClose(out);
  GDALClose(in);
}

terrain::Dem make_dem(int cols, int rows, double cell_m, const std::function<double(int, int)>& z) {
  terrain::Dem dem;
  dem.elevation = geo::Raster<float>(cols, rows);
  dem.elevation.transform = {400000.0, cell_m, 0.0, 8300000.0, 0.0, -cell_m};
  dem.crs = geo::SpatialRef::from_epsg(32719);
  dem.elevation.crs_wkt = dem.crs.wkt();
  dem.metric = terrain::MetricFrame::projected(dem.elevation.transform, 1.0);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) dem.elevation(r, c) = static_cast<float>(z(r, c));
  return dem;
}

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
std::string quote(const std::string& s) {
  std::string q;
  q.reserve(s.size() + 8);
  q.push_back('\'');
  for (char c : s) {
    if (c == '\'') {
      q.append("'\\''");
    } else {
      q.push_back(c);
    }
  }
  q.push_back('\'');
  return q;
}
}  // namespace

std::string vigia_exe() {
  return VIGIA_EXE;
}

CliResult run_vigia(const std::vector<std::string>& args) {
  TempDir tmp;
  std::string cmd = quote(VIGIA_EXE);
  // (append, not operator+: GCC 12 gives a false -Wrestrict on `" " + std::string`)
  for (const auto& a : args) cmd.append(" ").append(quote(a));
  cmd.append(" >").append(quote(tmp.file("out"))).append(" 2>").append(quote(tmp.file("err")));
  cmd.append(" </dev/null");
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(tmp.path() / "out");
  r.err = slurp(tmp.path() / "err");
  return r;
}

int line_count(const std::string& text) {
  int n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || i + 1 == text.size()) ++n;
  }
  return n;
}

}  // namespace vigia::test
