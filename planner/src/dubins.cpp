#include "vigia/planner/dubins.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "vigia/geo/error.hpp"

namespace vigia::planner {

namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

double mod2pi(double a) {
  a = std::fmod(a, kTwoPi);
  if (a < 0.0) a += kTwoPi;
  // Rounding can leave a whole turn where there should be none.
  return (a > kTwoPi - 1e-10) ? 0.0 : a;
}

struct Word {
  std::array<Turn, 3> turns;
  double t, p, q;  ///< normalised by the radius
  bool ok;
};

/// The six words for normalised distance d and angles alpha, beta (Shkel & Lumelsky).
std::array<Word, 6> words(double d, double a, double b) {
  const double sa = std::sin(a), sb = std::sin(b), ca = std::cos(a), cb = std::cos(b);
  const double cab = std::cos(a - b);
  std::array<Word, 6> w{};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  {  // LSL
    const double p2 = 2.0 + d * d - 2.0 * cab + 2.0 * d * (sa - sb);
    const double tmp = std::atan2(cb - ca, d + sa - sb);
    w[0] = p2 >= -1e-9 ? Word{{Turn::Left, Turn::Straight, Turn::Left},
                              mod2pi(-a + tmp),
                              std::sqrt(std::max(p2, 0.0)),
                              mod2pi(b - tmp),
                              true}
                       : Word{{}, nan, nan, nan, false};
  }
  {  // RSR
    const double p2 = 2.0 + d * d - 2.0 * cab + 2.0 * d * (sb - sa);
    const double tmp = std::atan2(ca - cb, d - sa + sb);
    w[1] = p2 >= -1e-9 ? Word{{Turn::Right, Turn::Straight, Turn::Right},
                              mod2pi(a - tmp),
                              std::sqrt(std::max(p2, 0.0)),
                              mod2pi(-b + tmp),
                              true}
                       : Word{{}, nan, nan, nan, false};
  }
  {  // LSR
    const double p2 = -2.0 + d * d + 2.0 * cab + 2.0 * d * (sa + sb);
    if (p2 >= -1e-9) {
      const double p = std::sqrt(std::max(p2, 0.0));
      const double tmp = std::atan2(-ca - cb, d + sa + sb) - std::atan2(-2.0, p);
      w[2] = {{Turn::Left, Turn::Straight, Turn::Right},
              mod2pi(-a + tmp),
              p,
              mod2pi(-mod2pi(b) + tmp),
              true};
    } else {
      w[2] = {{}, nan, nan, nan, false};
    }
  }
  {  // RSL
    const double p2 = -2.0 + d * d + 2.0 * cab - 2.0 * d * (sa + sb);
    if (p2 >= -1e-9) {
      const double p = std::sqrt(std::max(p2, 0.0));
      const double tmp = std::atan2(ca + cb, d - sa - sb) - std::atan2(2.0, p);
      w[3] = {{Turn::Right, Turn::Straight, Turn::Left}, mod2pi(a - tmp), p, mod2pi(b - tmp), true};
    } else {
      w[3] = {{}, nan, nan, nan, false};
    }
  }
  {  // RLR
    const double tmp = (6.0 - d * d + 2.0 * cab + 2.0 * d * (sa - sb)) / 8.0;
    if (std::abs(tmp) <= 1.0 + 1e-12) {
      const double p = mod2pi(kTwoPi - std::acos(std::clamp(tmp, -1.0, 1.0)));
      const double t = mod2pi(a - std::atan2(ca - cb, d - sa + sb) + p / 2.0);
      w[4] = {{Turn::Right, Turn::Left, Turn::Right}, t, p, mod2pi(a - b - t + p), true};
    } else {
      w[4] = {{}, nan, nan, nan, false};
    }
  }
  {  // LRL
    const double tmp = (6.0 - d * d + 2.0 * cab + 2.0 * d * (sb - sa)) / 8.0;
    if (std::abs(tmp) <= 1.0 + 1e-12) {
      const double p = mod2pi(kTwoPi - std::acos(std::clamp(tmp, -1.0, 1.0)));
      const double t = mod2pi(-a - std::atan2(ca - cb, d + sa - sb) + p / 2.0);
      w[5] = {{Turn::Left, Turn::Right, Turn::Left}, t, p, mod2pi(mod2pi(b) - a - t + p), true};
    } else {
      w[5] = {{}, nan, nan, nan, false};
    }
  }
  return w;
}

Pose advance(const Pose& p, Turn turn, double s, double r) {
  Pose q = p;
  if (turn == Turn::Straight) {
    q.x += s * std::cos(p.heading);
    q.y += s * std::sin(p.heading);
    return q;
  }
  const double sign = turn == Turn::Left ? 1.0 : -1.0;
  const double dtheta = sign * s / r;
  // Rotate about the turn centre, r to the left (or right) of the heading.
  const double cx = p.x - sign * r * std::sin(p.heading);
  const double cy = p.y + sign * r * std::cos(p.heading);
  const double h = p.heading + dtheta;
  q.x = cx + sign * r * std::sin(h);
  q.y = cy - sign * r * std::cos(h);
  q.heading = mod2pi(h);
  return q;
}

}  // namespace

DubinsPath dubins(const Pose& a, const Pose& b, double r) {
  if (!(r > 0.0)) throw Error("the turn radius must be positive");
  const double dx = b.x - a.x;
  const double dy = b.y - a.y;
  const double D = std::hypot(dx, dy);
  const double d = D / r;
  const double phi = D > 0.0 ? std::atan2(dy, dx) : 0.0;
  const double alpha = mod2pi(a.heading - phi);
  const double beta = mod2pi(b.heading - phi);
  DubinsPath best;
  best.start = a;
  best.radius = r;
  double best_len = std::numeric_limits<double>::infinity();
  for (const Word& w : words(d, alpha, beta)) {
    if (!w.ok) continue;
    const double len = w.t + w.p + w.q;
    if (len < best_len) {
      best_len = len;
      best.turns = w.turns;
      best.lengths = {w.t * r, w.p * r, w.q * r};
    }
  }
  return best;
}

Pose DubinsPath::at(double s) const {
  Pose p = start;
  for (int i = 0; i < 3 && s > 0.0; ++i) {
    // A segment may be empty (a straight path is L0 S L0): skip it, do not stop.
    const double seg = std::min(s, lengths[static_cast<std::size_t>(i)]);
    if (seg <= 0.0) continue;
    p = advance(p, turns[static_cast<std::size_t>(i)], seg, radius);
    s -= seg;
  }
  return p;
}

std::vector<Pose> DubinsPath::sample(double step) const {
  std::vector<Pose> out;
  const double total = length();
  const int n = std::max(1, static_cast<int>(std::ceil(total / step)));
  for (int i = 0; i <= n; ++i) out.push_back(at(total * i / n));
  return out;
}

double tangent_exit_angle(geo::Point2 c, double r, int dir, geo::Point2 w) {
  const double d = std::hypot(w.x - c.x, w.y - c.y);
  if (d <= r * (1 + 1e-9)) return NAN;
  const double beta = std::atan2(w.y - c.y, w.x - c.x);
  const double alpha = std::acos(r / d);
  // Counter-clockwise motion heads at w from beta - alpha; clockwise from beta + alpha.
  return dir > 0 ? beta - alpha : beta + alpha;
}

}  // namespace vigia::planner
