#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <gdal_priv.h>
#include <gdal_alg.h>
#include "vigia/terrain/dem_io.hpp"
#include "vigia/terrain/viewshed.hpp"
#include "vigia/geo/gdal_session.hpp"
using namespace vigia;
static double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
int main(int argc, char** argv) {
  geo::gdal_init();
  const char* path = argv[1]; int reps = atoi(argv[2]); double range = atof(argv[3]);
  terrain::Dem dem = terrain::load_dem({path});
  int oc = dem.cols()/2, orow = dem.rows()/2;
  while (dem.elevation(orow, oc) > 4500.0 || std::isnan(dem.elevation(orow, oc))) { oc += 7; orow += 3; }
  const double ground = dem.elevation(orow, oc);
  const geo::Point2 xy = dem.elevation.transform.cell_centre(oc, orow);
  GDALDataset* src = GDALDataset::FromHandle(GDALOpen(path, GA_ReadOnly));
  GDALDataset* mem = GetGDALDriverManager()->GetDriverByName("MEM")->CreateCopy("", src, FALSE, nullptr, nullptr, nullptr);
  terrain::set_thread_count(1);
  struct C { double alt; bool amsl; } cases[] = {{2,false},{150,false},{1500,false},{5000,true}};
  for (auto cs : cases) {
    terrain::Observer obs{{(double)oc,(double)orow}, cs.alt, cs.amsl ? terrain::AltitudeReference::AboveSeaLevel : terrain::AltitudeReference::AboveGround};
    terrain::ViewshedOptions opt; opt.refraction_k = 0.13; opt.limits.max_distance_m = range;
    const double oz = cs.amsl ? cs.alt - ground : cs.alt;
    double bv = 1e9, bg = 1e9; long long rt = 0, vis = 0;
    for (int i = 0; i < reps; ++i) {
      double t0 = now();
      auto v = terrain::compute_viewshed(dem, obs, opt);
      bv = std::min(bv, now() - t0); rt = v.stats.retested; vis = v.stats.visible;
      t0 = now();
      GDALDatasetH g = GDALViewshedGenerate(mem->GetRasterBand(1), "MEM", "", nullptr, xy.x, xy.y, oz, 0.0,
                                    1.0, 0.0, 255.0, -1.0, 1.0 - 0.13, GVM_Edge, range, nullptr, nullptr, GVOT_NORMAL, nullptr);
      bg = std::min(bg, now() - t0);
      GDALClose(g);
    }
    printf("%6.0f %s vigia %.2f ms gdal %.2f ms ratio %.2f retested %lld visible %lld\n", cs.alt, cs.amsl?"amsl":"agl ", bv*1e3, bg*1e3, bg/bv, rt, vis);
  }
}
