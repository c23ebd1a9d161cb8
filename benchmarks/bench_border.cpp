// The border-scale scene (bench_border.hpp).

#include "bench_border.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "vigia/geo/raster_io.hpp"
#include "vigia/geo/spatial_ref.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/geo/vector_io.hpp"
#include "vigia/terrain/synthetic.hpp"

namespace vigia::bench {

namespace fs = std::filesystem;

namespace {
struct Extent {
  double x0, y0, x1, y1;
};
}  // namespace


/// Elevation of the synthetic border terrain at UTM 20S position (x, y): a base
/// falling from the Altiplano (about 3 900 m west of x = 150 km) through the
/// Cordillera Oriental and the Subandean ridges to the Chaco (about 300 m east of
/// x = 470 km), plus seeded fractal relief whose amplitude follows the same belts.
double border_terrain(double x, double y, double cell) {
  static const terrain::TerrainShape shape = [] {
    terrain::TerrainShape s;
    s.relief_m = 1.0;
    s.base_m = 0.0;
    s.wavelength_m = 25000.0;
    s.ridged = 0.6;
    s.seed = 2026;
    return s;
  }();
  const double km = x / 1000.0;
  const auto lerp = [](double a, double b, double t) {
    return a + (b - a) * std::clamp(t, 0.0, 1.0);
  };
  double base, relief;
  if (km < 150) {
    base = 3900;  // Altiplano
    relief = 700;
  } else if (km < 330) {
    base = lerp(3900, 2300, (km - 150) / 180);  // Cordillera Oriental
    relief = 2400;
  } else if (km < 470) {
    base = lerp(2300, 500, (km - 330) / 140);  // Subandean ridges
    relief = lerp(2000, 300, (km - 330) / 140);
  } else {
    base = lerp(500, 280, (km - 470) / 100);  // Chaco plain
    relief = 40;
  }
  return base + relief * terrain::synthetic_height(x, y, shape, cell);
}


/// The border (as read, in UTM 20S) from its west end up to `fraction` of its length.
std::vector<geo::LineString> border_part(const std::vector<geo::LineString>& border,
                                         double fraction) {
  double total = 0.0;
  for (const auto& l : border)
    for (std::size_t i = 1; i < l.size(); ++i)
      total += std::hypot(l[i].x - l[i - 1].x, l[i].y - l[i - 1].y);
  std::vector<geo::LineString> out;
  double left = fraction * total;
  for (const auto& l : border) {
    geo::LineString part{l.front()};
    for (std::size_t i = 1; i < l.size() && left > 0; ++i) {
      const double seg = std::hypot(l[i].x - l[i - 1].x, l[i].y - l[i - 1].y);
      if (seg <= left) {
        part.push_back(l[i]);
        left -= seg;
      } else {
        const double t = left / seg;
        part.push_back(
            {l[i - 1].x + t * (l[i].x - l[i - 1].x), l[i - 1].y + t * (l[i].y - l[i - 1].y)});
        left = 0;
      }
    }
    if (part.size() > 1) out.push_back(part);
    if (left <= 0) break;
  }
  return out;
}

/// Writes the synthetic DEM covering the border part (plus margins) at `cell` metres
/// as a tiled GeoTIFF (cached by name) and returns its path and size.
std::pair<std::string, std::pair<int, int>> make_dem(const std::string& work,
                                                     const std::vector<geo::LineString>& part,
                                                     double cell, const std::string& tag) {
  Extent e{INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (const auto& l : part)
    for (const auto& p : l) {
      e.x0 = std::min(e.x0, p.x);
      e.y0 = std::min(e.y0, p.y);
      e.x1 = std::max(e.x1, p.x);
      e.y1 = std::max(e.y1, p.y);
    }
  // 15 km of own side (Bolivia, north) beyond the corridor, 10 km south, 8 km at the ends.
  e.x0 -= 8000;
  e.x1 += 8000;
  e.y0 -= 12000;
  e.y1 += 22000;
  const int cols = static_cast<int>(std::ceil((e.x1 - e.x0) / cell));
  const int rows = static_cast<int>(std::ceil((e.y1 - e.y0) / cell));
  const std::string path = work + "/border_" + tag + ".tif";
  if (!fs::exists(path)) {
    std::cerr << "scale: generating the synthetic " << cols << " x " << rows << " DEM at " << cell
              << " m (" << path << ")\n";
    geo::Raster<float> z(cols, rows);
    z.transform = {e.x0, cell, 0.0, e.y0 + rows * cell, 0.0, -cell};
    z.crs_wkt = geo::SpatialRef::from_epsg(kUtm20S).wkt();
#pragma omp parallel for schedule(dynamic, 16)
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c)
        z(r, c) = static_cast<float>(
            border_terrain(e.x0 + (c + 0.5) * cell, e.y0 + (rows - r - 0.5) * cell, cell));
    geo::RasterWriteOptions o;
    o.compress = "NONE";
    o.metadata["VIGIA_SYNTHETIC"] = "seeded synthetic terrain (bench_scale.cpp), not real";
    geo::write_raster(z, path + ".tmp.tif", o);
    fs::rename(path + ".tmp.tif", path);
  }
  return {path, {cols, rows}};
}


std::vector<geo::LineString> read_border(const std::string& data) {
  return geo::read_vector(data + "/bolivia_argentina_border_osm.geojson",
                          geo::SpatialRef::from_epsg(kUtm20S))
      .lines();
}

std::pair<std::string, std::vector<geo::LineString>> write_border_part(
    const std::string& work, const std::vector<geo::LineString>& border, double fraction) {
  const geo::SpatialRef utm = geo::SpatialRef::from_epsg(kUtm20S);
  const std::string path = work + "/border_" + geo::fixed(fraction, 2) + ".geojson";
  const auto part = border_part(border, fraction);
  const geo::Transformer to_ll(utm, geo::SpatialRef::wgs84());
  std::ofstream f(path);
  f << "{\"type\":\"FeatureCollection\",\"features\":[";
  for (std::size_t i = 0; i < part.size(); ++i) {
    f << (i ? "," : "") << "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
      << "\"LineString\",\"coordinates\":[";
    for (std::size_t k = 0; k < part[i].size(); ++k) {
      const auto ll = to_ll(part[i][k]);
      f << (k ? "," : "") << "[" << geo::fixed(ll.x, 7) << "," << geo::fixed(ll.y, 7) << "]";
    }
    f << "]}}";
  }
  f << "]}\n";
  return {path, part};
}

// The terrain's relief within 90 m of the base, at 30 and 90 m cells: the flight check
// accepts a runway only where the DEM's posts around it lie within 20 m of each other.
geo::Point2 level_base(const std::vector<geo::LineString>& part) {
  const geo::LineString& l = part.front();
  const geo::Point2 mid{l[l.size() / 2].x, l[l.size() / 2].y + 20000.0};
  const auto relief = [](geo::Point2 p) {
    double lo = INFINITY, hi = -INFINITY;
    for (double cell : {30.0, 90.0})
      for (int i = -1; i <= 1; ++i)
        for (int j = -1; j <= 1; ++j) {
          const double z = border_terrain(p.x + i * 90.0, p.y + j * 90.0, cell);
          lo = std::min(lo, z);
          hi = std::max(hi, z);
        }
    return hi - lo;
  };
  geo::Point2 best = mid;
  double best_relief = relief(mid);
  for (double dx = -8000; dx <= 8000; dx += 500)
    for (double dy = -8000; dy <= 8000; dy += 500) {
      const geo::Point2 p{mid.x + dx, mid.y + dy};
      const double rel = relief(p);
      if (rel + 1.0 < best_relief) {
        best = p;
        best_relief = rel;
      }
    }
  return geo::Transformer(geo::SpatialRef::from_epsg(kUtm20S), geo::SpatialRef::wgs84())(best);
}

}  // namespace vigia::bench
