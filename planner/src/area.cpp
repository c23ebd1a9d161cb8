#include "vigia/planner/area.hpp"

#include <chrono>
#include <fstream>
#include <string>

#include "vigia/geo/error.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/geo/vector_io.hpp"
#include "vigia/terrain/dem_io.hpp"

namespace vigia::planner {

Area build_area(const AreaInputs& in, const Progress& progress) {
  Area a;
  progress.report("reading the DEM", 0.0);
  progress.throw_if_cancelled();
  const auto t_load = std::chrono::steady_clock::now();
  a.dem = terrain::load_dem(in.dem);
  a.load_dem_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
  const terrain::DemLocator loc(a.dem);
  a.work_crs =
      terrain::vector_work_crs(a.dem.crs, loc.to_lonlat({a.dem.cols() / 2.0, a.dem.rows() / 2.0}));
  const auto border =
      geo::read_vector(in.border, a.work_crs, {in.border_layer, in.border_where}).lines();
  {
    bool line = false;
    for (const auto& l : border) line = line || l.size() >= 2;
    if (!line)
      throw Error(in.border + ": holds no border line" +
                  (in.border_where.empty() ? "" : " matching '" + in.border_where + "'") +
                  " (allowed: LineString or MultiLineString features)");
  }
  OwnSide own;
  if (!in.own_territory.empty()) {
    own.territory =
        geo::read_vector(in.own_territory, a.work_crs, {in.own_layer, in.own_where}).polygons();
    if (own.territory.empty()) {
      throw Error(in.own_territory + ": holds no polygon" +
                  (in.own_where.empty() ? "" : " matching '" + in.own_where + "'"));
    }
  } else if (in.own_point) {
    if (!a.dem.covers(loc.to_grid(*in.own_point)))
      throw Error(in.own_point_label + ": lon " + geo::fixed(in.own_point->x, 5) + ", lat " +
                  geo::fixed(in.own_point->y, 5) +
                  " lies outside the DEM (allowed: a point of your own side on the DEM)");
    own.point = geo::Transformer(geo::SpatialRef::wgs84(), a.work_crs)(*in.own_point);
  } else {
    throw Error("no own side given (allowed: own-territory polygons or an own-side point)");
  }
  CorridorOptions co = in.corridor;
  for (const auto& w : in.weights) {
    WeightLayer layer;
    layer.name = w.path;
    layer.weight = w.weight;
    layer.buffer_m = w.buffer_m;
    const auto v = geo::read_vector(w.path, a.work_crs);
    if (w.lines) {
      layer.lines = v.lines();
    } else {
      layer.polygons = v.polygons();
    }
    co.extra.push_back(layer);
  }
  AirspaceOptions ao = in.airspace;
  for (const auto& f : in.no_fly) {
    const auto polys = geo::read_vector(f, a.work_crs).polygons();
    if (polys.empty()) throw Error(f + ": holds no polygon (no-fly zones must be polygons)");
    ao.no_fly.insert(ao.no_fly.end(), polys.begin(), polys.end());
  }
  // Each step asks whether the user stopped the work (Ctrl-C): none runs long.
  const auto step = [&](double f) {
    progress.report("corridor and airspace", f);
    progress.throw_if_cancelled();
  };
  step(0.3);
  const double reach = std::max({co.own_width_m, co.far_width_m, ao.standoff_m});
  a.frame = make_border_frame(a.dem, a.work_crs, border, own, reach);
  a.warnings = a.frame.warnings;
  step(0.5);
  a.corridor = build_corridor(a.dem, a.frame, co);
  step(0.8);
  a.airspace = build_airspace(a.dem, a.frame, ao);
  a.no_fly = ao.no_fly;
  progress.report("corridor and airspace", 1.0);
  return a;
}

std::size_t peak_memory_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024ull;
  }
  return 0;
}

}  // namespace vigia::planner
