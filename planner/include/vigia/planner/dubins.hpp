#pragma once
// Shortest paths of a fixed-wing aircraft between two poses with a minimum turn
// radius: Dubins (1957) curves, the six words LSL, RSR, LSR, RSL, RLR, LRL, with the
// closed forms of Shkel & Lumelsky, "Classification of the Dubins set" (2001).

#include <array>
#include <vector>

#include "vigia/geo/geometry.hpp"

namespace vigia::planner {

/// A position and a heading (radians, counter-clockwise from the +x axis).
struct Pose {
  double x = 0.0;
  double y = 0.0;
  double heading = 0.0;
};

enum class Turn { Left, Straight, Right };

struct DubinsPath {
  Pose start;
  double radius = 1.0;
  std::array<Turn, 3> turns{Turn::Left, Turn::Straight, Turn::Left};
  std::array<double, 3> lengths{0.0, 0.0, 0.0};  ///< metres of each segment
  [[nodiscard]] double length() const { return lengths[0] + lengths[1] + lengths[2]; }
  /// The pose after `s` metres (0 <= s <= length()).
  [[nodiscard]] Pose at(double s) const;
  /// Poses every `step` metres, ending exactly at the end.
  [[nodiscard]] std::vector<Pose> sample(double step) const;
};

/// The shortest Dubins path from a to b with turn radius r > 0.
DubinsPath dubins(const Pose& a, const Pose& b, double r);

/// The angle (radians, from +x) of the point on a circle (centre c, radius r; dir +1
/// counter-clockwise, -1 clockwise) where motion around it heads straight at w: where
/// an aircraft leaves a loiter for w. NaN when w lies inside the circle.
double tangent_exit_angle(geo::Point2 c, double r, int dir, geo::Point2 w);

}  // namespace vigia::planner
