#pragma once
// Where to look from: 3-D candidate observation points over the permitted
// airspace. What each candidate sees is the sensor stage's (sensor.hpp:
// visible_sets).

#include <vector>

#include "vigia/planner/corridor.hpp"
#include "vigia/planner/link.hpp"
#include "vigia/terrain/dem.hpp"

namespace vigia::planner {

struct CandidateOptions {
  double spacing_m = 2000.0;  ///< lattice spacing in the work CRS
  int tiers = 3;              ///< altitudes per lattice point, lowest allowed .. ceiling
  double clearance_m = 300.0;
  double ceiling_m = 5400.0;
  double loiter_radius_m = 300.0;  ///< terrain clearance holds over this disk (the turn radius)
  bool require_link = true;        ///< with a link map: not below the lowest link altitude
};

struct Candidate {
  geo::Point2 lonlat;
  geo::Point2 work_xy;
  terrain::GridPoint pos;  ///< DEM grid
  double ground_m = 0.0;
  double altitude_m = 0.0;  ///< AMSL
  double floor_m =
      0.0;  ///< lowest allowed here: terrain (over the loiter disk) + clearance, and link
  int tier = 0;
};

/// A lattice over the permitted airspace (cells where the airspace band exists), at
/// `tiers` altitudes evenly spaced from the floor to the ceiling (one tier: the
/// middle). Points whose floor is above the ceiling are left out.
std::vector<Candidate> make_candidates(const terrain::Dem& dem, const geo::SpatialRef& work_crs,
                                       const Airspace& air, const LinkMap* link,
                                       const CandidateOptions& options);

}  // namespace vigia::planner
