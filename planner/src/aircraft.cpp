#include "vigia/planner/aircraft.hpp"

#include "vigia/geo/error.hpp"

namespace vigia::planner {

std::vector<std::string> aircraft_presets() {
  return {"mohajer6"};
}

Aircraft aircraft_preset(const std::string& name) {
  if (name == "mohajer6") {
    Aircraft a;
    a.name = "mohajer6";
    a.endurance_h = 12.0;         // public reports
    a.ceiling_m = 5400.0;         // public reports, AMSL
    a.max_speed_kmh = 200.0;      // public reports
    a.cruise_speed_kmh = 150.0;   // assumption (REFERENCE.md)
    a.turn_radius_m = 300.0;      // 150 km/h at 30 deg bank: r = v^2 / (g tan(phi))
    a.datalink_range_km = 200.0;  // assumption, not sourced
    a.reserve_fraction = 0.10;    // assumption: 10 % of endurance kept in reserve
    a.min_clearance_m = 300.0;    // corridor issue default
    a.climb_rate_ms = 5.0;        // assumption for a light MALE-class UAV
    a.descent_rate_ms = 5.0;      // assumption
    return a;
  }
  std::string allowed;
  for (const auto& n : aircraft_presets()) allowed += (allowed.empty() ? "" : ", ") + n;
  throw Error("unknown aircraft preset '" + name + "' (allowed: " + allowed + ")");
}

}  // namespace vigia::planner
