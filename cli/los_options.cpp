#include "los_options.hpp"

#include "console.hpp"
#include "vigia/geo/error.hpp"

namespace vigia::cli {

void add_los_options(CLI::App* cmd, LosArgs& a, const std::string& altitudes) {
  const bool many = altitudes.back() == 's';
  auto* agl = cmd->add_flag("--agl", a.agl, altitudes + (many ? " are" : " is") +
                                                " above ground (default)");
  auto* amsl = cmd->add_flag("--amsl", a.amsl, altitudes + (many ? " are" : " is") +
                                                   " above sea level");
  agl->excludes(amsl);
  cmd->add_option("--target-height", a.target_height,
                  "Height of targets above the ground, m (default 0)");
  cmd->add_option("--max-distance", a.max_distance,
                  "Maximum horizontal distance, m (default: whole DEM)");
  cmd->add_option("--max-slant-range", a.max_slant, "Maximum slant (3-D) range, m");
  cmd->add_option("--min-distance", a.min_distance, "Minimum horizontal distance, m");
  cmd->add_option("--min-grazing", a.min_grazing,
                  "Minimum grazing (depression) angle at the target, degrees");
  cmd->add_option("--azimuth", a.azimuth, "Azimuth sector FROM,TO, degrees clockwise from north");
  cmd->add_option("--k", a.k, "Refraction coefficient (0.13 light, 0.25 radio, 1 = no curvature)");
  cmd->add_option("--algorithm", a.algorithm, "fast (default) or exact (R3, slow reference)")
      ->check(CLI::IsMember({"fast", "exact"}));
  cmd->add_option("--tie-margin", a.tie_margin,
                  "fast: re-test exactly cells within this many metres of the horizon band");
}

terrain::ViewshedOptions los_options(const LosArgs& a) {
  terrain::ViewshedOptions opt;
  opt.target_height_m = a.target_height;
  opt.refraction_k = a.k;
  if (a.max_distance > 0.0 && a.min_distance >= a.max_distance)
    throw Error("--min-distance: " + fixed(a.min_distance, 0) + " m is not below --max-distance " +
                fixed(a.max_distance, 0) + " m (allowed: a minimum below the maximum)");
  opt.limits.max_distance_m = a.max_distance;
  opt.limits.max_slant_range_m = a.max_slant;
  opt.limits.min_distance_m = a.min_distance;
  opt.limits.min_grazing_deg = a.min_grazing;
  if (!a.azimuth.empty())
    opt.limits.azimuth_sector_deg = parse_pair(a.azimuth, "--azimuth", "FROM,TO in degrees");
  opt.algorithm =
      a.algorithm == "exact" ? terrain::LosAlgorithm::Exact : terrain::LosAlgorithm::Fast;
  if (a.tie_margin < 0.0) throw Error("--tie-margin: must not be negative");
  opt.tie_margin_m = a.tie_margin;
  return opt;
}

}  // namespace vigia::cli
