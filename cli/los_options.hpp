#pragma once
// The line-of-sight options `vigia viewshed` and `vigia coverage` share, registered
// once so that both commands offer the same flags with the same help and checks:
// altitude reference, target height, sensor limits (distances, slant range, grazing,
// azimuth sector), refraction, algorithm and tie margin.

#include <CLI/CLI.hpp>
#include <string>

#include "vigia/terrain/viewshed.hpp"

namespace vigia::cli {

struct LosArgs {
  bool agl = false;
  bool amsl = false;
  double target_height = 0.0;
  double max_distance = 0.0;
  double max_slant = 0.0;
  double min_distance = 0.0;
  double min_grazing = -90.0;
  std::string azimuth;
  double k = 0.13;
  std::string algorithm = "fast";
  double tie_margin = terrain::ViewshedOptions{}.tie_margin_m;

  [[nodiscard]] terrain::AltitudeReference reference() const {
    return amsl ? terrain::AltitudeReference::AboveSeaLevel
                : terrain::AltitudeReference::AboveGround;
  }
};

/// Registers the family; `altitudes` names what the altitudes belong to in the help
/// ("Altitude" or "Altitudes").
void add_los_options(CLI::App* cmd, LosArgs& a, const std::string& altitudes);

/// The kernel's options; throws Error naming the flag when they contradict each other.
terrain::ViewshedOptions los_options(const LosArgs& a);

}  // namespace vigia::cli
