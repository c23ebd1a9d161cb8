#pragma once
// Where the datalink to a ground control station holds, and from what altitude:
// for every cell, the lowest altitude AMSL at which an aircraft over it keeps radio
// line of sight to at least one station. Each station's map is a viewshed from its
// antenna evaluated in the air (the "required rise" of terrain/viewshed.hpp), with
// k = 0.25 by default and optionally a clear fraction of the first Fresnel zone.

#include <cmath>
#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/geo/raster.hpp"
#include "vigia/terrain/dem.hpp"

namespace vigia::planner {

struct Station {
  std::string name;
  geo::Point2 lonlat;
  double antenna_agl_m = 10.0;
  double range_m = 200000.0;  ///< link range (REFERENCE.md: 200 km, an assumption)
  std::string where;          ///< "FILE line N" / "FILE feature N" when read from a file
};

struct LinkOptions {
  double refraction_k = 0.25;     ///< radio ("4/3 earth")
  double fresnel_fraction = 0.0;  ///< e.g. 0.6: keep 60 % of the first Fresnel zone clear
  double frequency_hz = 5.0e9;    ///< for the Fresnel zone
  double ceiling_m = INFINITY;    ///< altitudes above this do not count
};

struct LinkMap {
  geo::Raster<float> lowest;  ///< lowest link altitude AMSL; NaN = none under the ceiling
  geo::Raster<std::uint16_t>
      station;  ///< 1-based index of the station serving that altitude; 0 = none
  std::vector<long long> cells_served;  ///< per station: cells where it gives the lowest altitude
  long long cells_with_link = 0;
  long long cells = 0;  ///< cells with data
};

/// Validates the stations (each inside the DEM, with data under it) and computes
/// the map, stations in parallel. The first Fresnel zone's radius at a point d1 from
/// the station on a link of length d is sqrt(lambda d1 d2 / d); its clearance is
/// applied conservatively as sqrt(lambda d1) (the d2 -> infinity limit), which never
/// understates the altitude needed (docs/corridor-and-link.md).
LinkMap compute_link_map(const terrain::Dem& dem, const std::vector<Station>& stations,
                         const LinkOptions& options, const Progress& progress = {});

/// Reads ground stations: CSV lines `lon,lat[,antenna_agl_m[,range_km[,name]]]`
/// (WGS 84; a header line and # comments allowed), or an OGR point layer with
/// optional attributes name, antenna_agl (or antenna, height) and range_km. Missing
/// values take the defaults. Throws Error naming the file and line or feature.
std::vector<Station> read_stations(const std::string& path, double default_antenna_m,
                                   double default_range_m);

/// 1 where the link holds at `altitude_m` AMSL, 0 where it does not, 255 no data.
geo::Raster<std::uint8_t> link_mask(const LinkMap& map, const terrain::Dem& dem, double altitude_m);

}  // namespace vigia::planner
