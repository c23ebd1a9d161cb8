#pragma once
// Aircraft figures the planner works with: public figures for a Mohajer-6-class
// aircraft (approximate; the team's reference sheet marks which are assumptions),
// every one overridable by the user (scenario [aircraft], or the CLI flags).

#include <string>
#include <vector>

namespace vigia::planner {

struct Aircraft {
  std::string name;
  double endurance_h = 0.0;
  double ceiling_m = 0.0;  ///< maximum altitude, AMSL
  double max_speed_kmh = 0.0;
  double cruise_speed_kmh = 0.0;
  double turn_radius_m = 0.0;
  double datalink_range_km = 0.0;
  double reserve_fraction = 0.0;  ///< endurance kept in reserve
  double min_clearance_m = 0.0;   ///< minimum height above terrain
  double climb_rate_ms = 0.0;
  double descent_rate_ms = 0.0;

  /// Cruise speed, m/s.
  [[nodiscard]] double cruise_ms() const { return cruise_speed_kmh / 3.6; }
  /// Flight time a sortie may plan for: the endurance less its reserve, seconds.
  [[nodiscard]] double usable_endurance_s() const {
    return endurance_h * 3600.0 * (1.0 - reserve_fraction);
  }
};

/// Names of the built-in presets.
std::vector<std::string> aircraft_presets();
/// A preset by name; throws Error listing the allowed names.
Aircraft aircraft_preset(const std::string& name);

}  // namespace vigia::planner
