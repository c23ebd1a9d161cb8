// Bad input: one line naming the file and the problem, exit code 2, nothing
// written, never a crash or a stack trace.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support.hpp"

using namespace vigia;
namespace fs = std::filesystem;

namespace {

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(dir)) ++n;
  return n;
}

/// Runs vigia and checks the common contract of every bad-input error.
void expect_one_line_error(const std::vector<std::string>& args, const std::string& fragment,
                           const fs::path& dir) {
  const std::size_t before = files_in(dir);
  const auto r = test::run_vigia(args);
  INFO("stderr: " << r.err << "stdout: " << r.out);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(test::line_count(r.err) == 1);
  CHECK_THAT(r.err, Catch::StartsWith("vigia: error: "));
  CHECK_THAT(r.err, Catch::Contains(fragment));
  CHECK(files_in(dir) == before);
}

test::GridSpec small_grid() {
  test::GridSpec spec;
  spec.cols = 4;
  spec.rows = 4;
  spec.geotransform = {-70.0, 0.001, 0.0, -15.0, 0.0, -0.001};
  spec.nodata = -32768.0;
  return spec;
}

}  // namespace

TEST_CASE("Missing DEM file", "[cli][errors]") {
  test::TempDir tmp;
  expect_one_line_error({"info", tmp.file("nowhere.tif")}, "nowhere.tif: no such file", tmp.path());
}

TEST_CASE("Unreadable or non-raster file", "[cli][errors]") {
  test::TempDir tmp;
  std::ofstream(tmp.file("notes.txt")) << "not a raster\n";
  expect_one_line_error({"info", tmp.file("notes.txt")}, "notes.txt: not a raster GDAL can read",
                        tmp.path());
  expect_one_line_error({"info", tmp.path().string()}, "is a directory", tmp.path());
  std::ofstream(tmp.file("broken.tif"), std::ios::binary) << "II*\0garbage";
  expect_one_line_error({"info", tmp.file("broken.tif")}, "broken.tif: not a raster GDAL can read",
                        tmp.path());
}

TEST_CASE("Raster without CRS", "[cli][errors]") {
  test::TempDir tmp;
  auto spec = small_grid();
  spec.crs.clear();
  test::write_raster(tmp.file("nocrs.tif"), spec, std::vector<float>(16, 100.0f));
  expect_one_line_error({"info", tmp.file("nocrs.tif")}, "nocrs.tif: has no CRS", tmp.path());
}

TEST_CASE("All-nodata DEM", "[cli][errors]") {
  test::TempDir tmp;
  test::write_raster(tmp.file("void.tif"), small_grid(), std::vector<float>(16, -32768.0f));
  expect_one_line_error({"info", tmp.file("void.tif")}, "void.tif: has no valid elevation",
                        tmp.path());
}

TEST_CASE("Tiles with different CRS in one mosaic", "[cli][errors]") {
  test::TempDir tmp;
  auto spec = small_grid();
  test::write_raster(tmp.file("a.tif"), spec, std::vector<float>(16, 100.0f));
  spec.crs = "EPSG:32719";
  spec.geotransform = {500000.0, 30.0, 0.0, 8000000.0, 0.0, -30.0};
  test::write_raster(tmp.file("b.tif"), spec, std::vector<float>(16, 100.0f));
  expect_one_line_error({"info", tmp.file("a.tif"), tmp.file("b.tif")},
                        "b.tif: its CRS (EPSG:32719) differs from that of", tmp.path());
}

TEST_CASE("Tiles on different grids in one mosaic", "[cli][errors]") {
  test::TempDir tmp;
  auto spec = small_grid();
  test::write_raster(tmp.file("a.tif"), spec, std::vector<float>(16, 100.0f));
  spec.geotransform = {-69.996, 0.002, 0.0, -15.0, 0.0, -0.002};
  test::write_raster(tmp.file("b.tif"), spec, std::vector<float>(16, 100.0f));
  expect_one_line_error({"info", tmp.file("a.tif"), tmp.file("b.tif")}, "b.tif: its cell size",
                        tmp.path());
  spec.geotransform = {-69.9955, 0.001, 0.0, -15.0, 0.0, -0.001};
  test::write_raster(tmp.file("c.tif"), spec, std::vector<float>(16, 100.0f));
  expect_one_line_error({"info", tmp.file("a.tif"), tmp.file("c.tif")}, "c.tif: is not aligned",
                        tmp.path());
}

TEST_CASE("Rotated geotransform", "[cli][errors]") {
  test::TempDir tmp;
  auto spec = small_grid();
  spec.geotransform = {-70.0, 0.001, 0.0002, -15.0, 0.0001, -0.001};
  test::write_raster(tmp.file("rotated.tif"), spec, std::vector<float>(16, 100.0f));
  expect_one_line_error({"info", tmp.file("rotated.tif")},
                        "rotated.tif: has a rotated geotransform", tmp.path());
}

TEST_CASE("Unknown option, missing argument, unknown command", "[cli][errors]") {
  test::TempDir tmp;
  expect_one_line_error({"info", "--frobnicate", "x.tif"},
                        "unknown option or extra argument: --frobnicate", tmp.path());
  expect_one_line_error({"info"}, "dem", tmp.path());
  expect_one_line_error({}, "no command given", tmp.path());
  expect_one_line_error({"teleport"}, "teleport", tmp.path());
  expect_one_line_error({"info", "a.tif", "--json=maybe"}, "json", tmp.path());
}
