#include "vigia/planner/link.hpp"

#include <omp.h>

#include <cmath>
#include <limits>

#include <algorithm>

#include "vigia/geo/error.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/geo/vector_io.hpp"
#include "vigia/terrain/viewshed.hpp"

namespace vigia::planner {

namespace {
constexpr double kSpeedOfLight = 299792458.0;
}

LinkMap compute_link_map(const terrain::Dem& dem, const std::vector<Station>& stations,
                         const LinkOptions& o, const Progress& progress) {
  if (stations.empty()) throw Error("no ground station given (allowed: one or more)");
  if (o.fresnel_fraction < 0.0 || o.fresnel_fraction > 1.0) {
    throw Error("Fresnel clearance fraction " + std::to_string(o.fresnel_fraction) +
                " is out of range (allowed: 0 .. 1)");
  }
  if (o.fresnel_fraction > 0.0 && !(o.frequency_hz > 0.0))
    throw Error("the Fresnel clearance needs a frequency > 0");
  {
    terrain::ViewshedOptions vo;  // what each station's viewshed uses, checked up front
    vo.refraction_k = o.refraction_k;
    terrain::check_options(vo);
  }
  const terrain::DemLocator loc(dem);
  std::vector<terrain::Observer> obs;
  for (const Station& s : stations) {
    if (!(s.range_m > 0.0)) throw Error("station " + s.name + ": link range must be positive");
    if (s.antenna_agl_m < 0.0)
      throw Error("station " + s.name + ": antenna height must not be negative");
    terrain::Observer ob{loc.to_grid(s.lonlat), s.antenna_agl_m,
                         terrain::AltitudeReference::AboveGround};
    try {
      (void)terrain::eye_altitude(dem, ob);
    } catch (const Error& e) {
      throw Error("station " + s.name + ": " + e.what() + " (stations must stand inside the DEM)");
    }
    obs.push_back(ob);
  }

  LinkMap map;
  map.lowest = dem.elevation.like<float>(std::numeric_limits<float>::quiet_NaN(), std::nan(""));
  map.station = dem.elevation.like<std::uint16_t>(0, 0.0);
  map.cells_served.assign(stations.size(), 0);
  const double lambda = o.frequency_hz > 0.0 ? kSpeedOfLight / o.frequency_hz : 0.0;
  ProgressCounter counter(progress, "datalink", static_cast<long long>(stations.size()));
  // Each station's viewshed is merged as soon as it is done, so memory holds one window
  // per thread, not one per station. The lowest altitude wins, and of equal ones the
  // first station, whatever order the threads finish in.
  const auto merge = [&](std::size_t i, const terrain::Viewshed& vs) {
    const auto id = static_cast<std::uint16_t>(i + 1);
    for (int r = 0; r < vs.required_rise.rows(); ++r) {
      for (int c = 0; c < vs.required_rise.cols(); ++c) {
        const float rise = vs.required_rise(r, c);
        if (std::isnan(rise)) continue;
        const int dr = r + vs.window.row;
        const int dc = c + vs.window.col;
        const float alt = dem.elevation(dr, dc) + rise;
        float& best = map.lowest(dr, dc);
        std::uint16_t& who = map.station(dr, dc);
        if (std::isnan(best) || alt < best || (alt == best && id < who)) {
          best = alt;
          who = id;
        }
      }
    }
  };

#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t i = 0; i < stations.size(); ++i) {
    if (progress.cancelled()) continue;
    terrain::ViewshedOptions vo;
    vo.refraction_k = o.refraction_k;
    vo.limits.max_distance_m = stations[i].range_m;
    vo.required_rise = true;
    if (o.fresnel_fraction > 0.0) {
      // Terrain lifted by the conservative Fresnel clearance f sqrt(lambda d1).
      const geo::Window w = terrain::range_window(dem, obs[i].position, stations[i].range_m);
      terrain::Dem lifted = dem.crop(w);
      const terrain::GridPoint local{obs[i].position.col - w.col, obs[i].position.row - w.row};
      for (int r = 0; r < lifted.rows(); ++r) {
        for (int c = 0; c < lifted.cols(); ++c) {
          const double d1 =
              lifted.metric.distance(local, {static_cast<double>(c), static_cast<double>(r)});
          lifted.elevation(r, c) += static_cast<float>(o.fresnel_fraction * std::sqrt(lambda * d1));
        }
      }
      terrain::Observer lo = obs[i];
      lo.position = local;
      terrain::Viewshed vs = terrain::compute_viewshed(lifted, lo, vo);
      vs.window = {w.col + vs.window.col, w.row + vs.window.row, vs.window.cols, vs.window.rows};
      // Express the required altitude over the lifted ground as an absolute altitude.
      for (int r = 0; r < vs.required_rise.rows(); ++r) {
        for (int c = 0; c < vs.required_rise.cols(); ++c) {
          float& rise = vs.required_rise(r, c);
          if (!std::isnan(rise)) {
            rise += lifted.elevation(r + vs.window.row - w.row, c + vs.window.col - w.col) -
                    dem.elevation(r + vs.window.row, c + vs.window.col);
          }
        }
      }
#pragma omp critical(vigia_link_merge)
      merge(i, vs);
    } else {
      const terrain::Viewshed vs = terrain::compute_viewshed(dem, obs[i], vo);
#pragma omp critical(vigia_link_merge)
      merge(i, vs);
    }
    counter.add();
  }
  progress.throw_if_cancelled();
  counter.finish();
  for (int r = 0; r < dem.rows(); ++r) {
    for (int c = 0; c < dem.cols(); ++c) {
      if (std::isnan(dem.elevation(r, c))) continue;
      ++map.cells;
      float& best = map.lowest(r, c);
      if (!std::isnan(best) && best > o.ceiling_m) {
        best = std::numeric_limits<float>::quiet_NaN();
        map.station(r, c) = 0;
      }
      if (!std::isnan(best)) {
        ++map.cells_with_link;
        ++map.cells_served[map.station(r, c) - 1u];
      }
    }
  }
  return map;
}

std::vector<Station> read_stations(const std::string& path, double default_antenna_m,
                                   double default_range_m) {
  std::vector<Station> out;
  for (const geo::PointRow& row :
       geo::read_point_rows(path, "lon,lat[,antenna_agl_m[,range_km[,name]]]")) {
    Station s{"station " + std::to_string(out.size() + 1), row.lonlat, default_antenna_m,
              default_range_m, row.where};
    double v = 0;
    if (row.csv) {
      const auto& f = row.fields;
      if (f.size() > 0 && !f[0].empty()) {
        if (!geo::parse_number(f[0], v))
          throw Error(row.where + ": antenna height '" + f[0] + "' is not a number");
        s.antenna_agl_m = v;
      }
      if (f.size() > 1 && !f[1].empty()) {
        if (!geo::parse_number(f[1], v) || v <= 0)
          throw Error(row.where + ": range '" + f[1] + "' is not a positive number of km");
        s.range_m = v * 1000.0;
      }
      if (f.size() > 2 && !f[2].empty()) s.name = f[2];
    } else {
      for (const auto& [k, text] : row.attributes) {
        std::string key = k;
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (key == "name") s.name = text;
        if ((key == "antenna_agl" || key == "antenna" || key == "height") &&
            geo::parse_number(text, v))
          s.antenna_agl_m = v;
        if (key == "range_km" && geo::parse_number(text, v) && v > 0) s.range_m = v * 1000.0;
      }
    }
    out.push_back(s);
  }
  return out;
}

geo::Raster<std::uint8_t> link_mask(const LinkMap& map, const terrain::Dem& dem,
                                    double altitude_m) {
  geo::Raster<std::uint8_t> m = map.lowest.like<std::uint8_t>(0, 255.0);
  for (int r = 0; r < dem.rows(); ++r) {
    for (int c = 0; c < dem.cols(); ++c) {
      if (std::isnan(dem.elevation(r, c))) {
        m(r, c) = 255;
      } else {
        const float low = map.lowest(r, c);
        m(r, c) = (!std::isnan(low) && low <= altitude_m) ? 1 : 0;
      }
    }
  }
  return m;
}

}  // namespace vigia::planner
