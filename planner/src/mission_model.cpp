// The flight model of mission files: the path ArduPlane and PX4 fly from a mission's
// items (mission_check.hpp states the rules; docs/check.md their sources). The
// check of that path over a DEM is mission_check.cpp.
//
// Firmware rules, as documented by the projects:
// - ArduPlane, "Mission Command List" (ardupilot.org/plane/docs/common-mavlink-mission-
//   command-messages-mav_cmd.html): NAV_LOITER_TIME and NAV_LOITER_UNLIM circle at
//   WP_LOITER_RAD (the item's radius is not used); NAV_LOITER_TURNS takes its radius
//   from param3 and NAV_LOITER_TO_ALT from param2; NAV_LOITER_TO_ALT with "heading
//   required" exits on the tangent toward the next waypoint, and exits at once when
//   that waypoint lies within the loiter circle. (ArduPlane's source stores the radius
//   of NAV_LOITER_UNLIM from param3 and flies it: the model does so; where the item's
//   radius and WP_LOITER_RAD differ on NAV_LOITER_TIME the check tests both circles.) NAV_TAKEOFF climbs on the heading
//   the aircraft has at launch to the item's altitude. Between waypoints the target
//   altitude follows a glide slope from the previous to the next waypoint, except when
//   the change is under GLIDE_SLOPE_MIN (15 m by default), which is made at once.
// - PX4, "Mission Mode" (docs.px4.io/main/en/flight_modes_fw/mission.html) and MAVLink
//   command support: loiters use the item's radius where given, else NAV_LOITER_RAD;
//   the altitude setpoint is the next item's altitude, reached at the climb and sink
//   rates TECS allows; takeoff tracks the line from launch to the takeoff waypoint.
// - Both: a negative loiter radius circles counter-clockwise, a positive one clockwise
//   (MAVLink MAV_CMD_NAV_LOITER_* definitions).

#include "vigia/planner/mission_check.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/spatial_ref.hpp"
#include "vigia/geo/text.hpp"
#include "vigia/planner/dubins.hpp"

namespace vigia::planner {

namespace {
constexpr double kPi = std::numbers::pi;

double wrap(double a) {
  while (a < 0) a += 2 * kPi;
  while (a >= 2 * kPi) a -= 2 * kPi;
  return a;
}

/// Builds the flown path sample by sample.
class Flight {
 public:
  Flight(const Aircraft& ac, const FlightModelOptions& o, FlownMission& out)
      : ac_(ac), o_(o), out_(out), v_(ac.cruise_ms()) {
    climb_ = ac.climb_rate_ms / v_;
    descent_ = ac.descent_rate_ms / v_;
  }
  geo::Point2 p;
  double z = 0.0;        ///< flown altitude
  double heading = 0.0;  ///< radians, math convention (x east, y north)

  void start(geo::Point2 at, double alt, int item, ModelPhase phase) {
    p = at;
    z = alt;
    push(item, phase);
  }

  /// A straight leg to `to`; the target altitude along it is `target(f)` for the
  /// fraction f in (0, 1]; the flown altitude follows it within the rates.
  template <class Target>
  void straight(geo::Point2 to, int item, ModelPhase phase, Target target) {
    const double len = std::hypot(to.x - p.x, to.y - p.y);
    if (len < 1e-6) return;
    heading = std::atan2(to.y - p.y, to.x - p.x);
    const geo::Point2 from = p;
    const int n = std::max(1, static_cast<int>(std::ceil(len / o_.step_m)));
    for (int k = 1; k <= n; ++k) {
      const double f = static_cast<double>(k) / n;
      move({from.x + f * (to.x - from.x), from.y + f * (to.y - from.y)}, target(f), item, phase);
    }
  }

  /// Around the circle (centre c, radius r, dir +1 counter-clockwise, -1 clockwise)
  /// from the current position (on it) through `arc` metres; `target` the altitude
  /// aimed at. Returns the angle reached.
  void circle(geo::Point2 c, double r, int dir, double arc, double target, int item) {
    if (arc <= 0) return;
    const double a0 = std::atan2(p.y - c.y, p.x - c.x);
    const int n = std::max(1, static_cast<int>(std::ceil(arc / o_.step_m)));
    for (int k = 1; k <= n; ++k) {
      const double a = a0 + dir * (arc * k / n) / r;
      move({c.x + r * std::cos(a), c.y + r * std::sin(a)}, target, item, ModelPhase::Loiter);
      heading = a + dir * kPi / 2;
    }
  }

  /// Metres around the circle until the altitude reaches `target` at the rates.
  [[nodiscard]] double arc_to_altitude(double target) const {
    const double dz = target - z;
    if (std::abs(dz) < 1e-6) return 0.0;
    return dz > 0 ? dz / climb_ : -dz / descent_;
  }

  [[nodiscard]] double climb() const { return climb_; }
  [[nodiscard]] double descent() const { return descent_; }

 private:
  void move(geo::Point2 to, double target, int item, ModelPhase phase) {
    const double ds = std::hypot(to.x - p.x, to.y - p.y);
    z = std::clamp(target, z - descent_ * ds, z + climb_ * ds);
    s_ += ds;
    p = to;
    push(item, phase);
  }
  void push(int item, ModelPhase phase) {
    ModelSample q;
    q.xy = p;
    q.altitude_m = z;
    q.s = s_;
    q.t = s_ / v_;
    q.item = item;
    q.phase = phase;
    out_.samples.push_back(q);
  }
  const Aircraft& ac_;
  const FlightModelOptions& o_;
  FlownMission& out_;
  double v_;
  double climb_ = 0.1, descent_ = 0.1;
  double s_ = 0.0;
};

/// The loiter radius and direction the firmware flies for an item.
std::pair<double, int> loiter_circle(const MissionItem& it, const Aircraft& ac,
                                     const FlightModelOptions& o, std::vector<std::string>& notes) {
  const double setting = o.loiter_radius_m > 0 ? o.loiter_radius_m : ac.turn_radius_m;
  double item_r = 0.0;
  if (it.command == mav::kLoiterToAlt) item_r = it.params[1];
  if (it.command == mav::kLoiterTurns || it.command == mav::kLoiterTime ||
      it.command == mav::kLoiterUnlim)
    item_r = it.params[2];
  if (!std::isfinite(item_r)) item_r = 0.0;
  double r = std::abs(item_r);
  const bool ardu_ignores = it.command == mav::kLoiterTime || r == 0.0;
  if (o.firmware == Firmware::ArduPlane ? ardu_ignores : r == 0.0) r = setting;
  const int dir = item_r < 0 ? +1 : -1;  // negative: counter-clockwise
  if (r < ac.turn_radius_m) {
    notes.push_back("a loiter radius of " + geo::fixed(r, 0) + " m is tighter than the aircraft's " +
                    geo::fixed(ac.turn_radius_m, 0) + " m turn radius: flown at the turn radius");
    r = ac.turn_radius_m;
  }
  return {r, dir};
}


}  // namespace

std::string to_string(Firmware f) { return f == Firmware::ArduPlane ? "ArduPlane" : "PX4"; }

std::string to_string(ModelPhase p) {
  switch (p) {
    case ModelPhase::Takeoff:
      return "take-off";
    case ModelPhase::Leg:
      return "leg";
    case ModelPhase::Loiter:
      return "loiter";
    case ModelPhase::Land:
      return "landing";
    case ModelPhase::Return:
      return "return";
  }
  return "leg";
}

namespace {

/// fly_mission's interpreter: the mission's items one after another as the
/// autopilot flies them, one method per command, with the DO_JUMP state.
class MissionFlight {
 public:
  MissionFlight(const Mission& m, const Aircraft& ac, const FlightModelOptions& o,
                const terrain::Dem* dem, FlownMission& out)
      : m_(m),
        ac_(ac),
        o_(o),
        out_(out),
        local_(geo::SpatialRef::from_epsg(geo::utm_epsg(m.home.x, m.home.y))),
        to_xy_(geo::SpatialRef::wgs84(), local_),
        src_(m.source.empty() ? std::string("the mission") : m.source),
        f_(ac, o, out),
        jumps_left_(m.items.size(), -2),
        laps_pending_(m.items.size(), 0),
        jump_s_(m.items.size(), -1.0) {
    if (dem) locator_.emplace(*dem);
    home_ = to_xy_({m.home.x, m.home.y});
  }

  /// Flies the items; returns the metres of laps accounted for without flying them.
  double fly();
  [[nodiscard]] const geo::SpatialRef& local() const { return local_; }

 private:
  [[nodiscard]] std::string where(std::size_t i) const {
    return src_ + ": item " + std::to_string(i + 1);
  }
  [[nodiscard]] double altitude(std::size_t i) const;
  [[nodiscard]] geo::Point2 xy(const MissionItem& it) const {
    return to_xy_({it.position.x, it.position.y});
  }
  [[nodiscard]] int next_positional(std::size_t i) const;
  [[nodiscard]] geo::Point2 point_of(int k) const {
    return m_.items[static_cast<std::size_t>(k)].command == mav::kReturnToLaunch
               ? home_
               : xy(m_.items[static_cast<std::size_t>(k)]);
  }
  /// Glide toward an altitude over a leg, by firmware.
  [[nodiscard]] auto leg_target(double z0, double z1) const {
    const bool at_once = o_.firmware == Firmware::PX4 || std::abs(z1 - z0) < o_.glide_slope_min_m;
    return [=](double fr) { return at_once ? z1 : z0 + fr * (z1 - z0); };
  }
  void take_off(std::size_t i);
  void waypoint(std::size_t i);
  void loiter(std::size_t i);
  void land(std::size_t i);
  void return_to_launch(std::size_t i);
  /// May move i (the loop's index) to the jump's target.
  void do_jump(std::size_t& i);

  const Mission& m_;
  const Aircraft& ac_;
  const FlightModelOptions& o_;
  FlownMission& out_;
  geo::SpatialRef local_;
  geo::Transformer to_xy_;
  std::optional<terrain::DemLocator> locator_;
  std::string src_;
  geo::Point2 home_;
  Flight f_;
  bool airborne_ = false;
  bool ended_ = false;
  // DO_JUMP state: jumps still to take (-2: not yet met, -1: forever), and the laps
  // counted instead of flown.
  std::vector<int> jumps_left_;
  std::vector<int> laps_pending_;
  std::vector<double> jump_s_;
  double extra_s_ = 0.0;  // metres of laps accounted for without flying them again
};

double MissionFlight::altitude(std::size_t i) const {
  const MissionItem& it = m_.items[i];
  switch (it.frame) {
    case mav::kFrameGlobal:
      return it.position.z;
    case mav::kFrameRelative:
      return m_.home.z + it.position.z;
    case mav::kFrameTerrain: {
      const double g =
          locator_ ? locator_->elevation_at({it.position.x, it.position.y}) : static_cast<double>(NAN);
      if (!std::isfinite(g))
        throw Error(where(i) + ": frame 10 (above terrain) needs the terrain under it, and the "
                    "DEM does not cover lon " + geo::fixed(it.position.x, 5) + ", lat " +
                    geo::fixed(it.position.y, 5));
      return g + it.position.z;
    }
    default:
      throw Error(where(i) + ": frame " + std::to_string(it.frame) + " cannot be resolved");
  }
}

// The next positional item after i, as the autopilot sees it (through the DO_JUMPs
// it will take), for take-off headings and loiter exits; -1 when none.
int MissionFlight::next_positional(std::size_t i) const {
  std::vector<int> left = jumps_left_;
  std::size_t k = i + 1;
  for (int guard = 0; k < m_.items.size() && guard < 100000; ++guard) {
    const MissionItem& it = m_.items[k];
    if (it.has_position || it.command == mav::kReturnToLaunch) return static_cast<int>(k);
    if (it.command == mav::kDoJump) {
      int& l = left[k];
      if (l == -2) l = static_cast<int>(it.params[1]);
      if (l != 0 && it.jump_target >= 0) {
        if (l > 0) l = 0;  // as flown below: the jump is taken once, the rest counted
        k = static_cast<std::size_t>(it.jump_target);
        continue;
      }
    }
    ++k;
  }
  return -1;
}

double MissionFlight::fly() {
  out_.bases.push_back(home_);
  out_.base_elevations.push_back(m_.home.z);
  f_.start(home_, m_.home.z, -1, ModelPhase::Takeoff);
  std::size_t guard = 0;
  for (std::size_t i = 0; i < m_.items.size() && !ended_; ++i) {
    if (++guard > 3 * m_.items.size() + 100000)
      throw Error(src_ + ": the mission's jumps loop through more than " +
                  std::to_string(3 * m_.items.size() + 100000) + " items");
    switch (m_.items[i].command) {
      case mav::kTakeoff:
        take_off(i);
        break;
      case mav::kWaypoint:
        waypoint(i);
        break;
      case mav::kLoiterTime:
      case mav::kLoiterTurns:
      case mav::kLoiterUnlim:
      case mav::kLoiterToAlt:
        loiter(i);
        break;
      case mav::kLand:
        land(i);
        break;
      case mav::kReturnToLaunch:
        return_to_launch(i);
        break;
      case mav::kDoJump:
        do_jump(i);
        break;
      default:
        break;  // DO_ and camera commands do not move the aircraft
    }
  }
  if (!ended_ && !m_.items.empty())
    out_.notes.push_back("the mission ends at item " + std::to_string(m_.items.size()) +
                         " in the air: the autopilot then returns or circles by its own settings "
                         "(not modelled)");
  return extra_s_;
}

void MissionFlight::take_off(std::size_t i) {
  const MissionItem& it = m_.items[i];
  const int ii = static_cast<int>(i);
  const double target = altitude(i);
  if (airborne_) {  // a take-off in flight: climb on the heading to its altitude
    const double dist = std::max(0.0, target - f_.z) / f_.climb();
    if (dist > 0.0)
      f_.straight({f_.p.x + dist * std::cos(f_.heading), f_.p.y + dist * std::sin(f_.heading)}, ii,
                 ModelPhase::Leg, [&](double) { return target; });
    return;
  }
  airborne_ = true;
  const geo::Point2 at = xy(it);
  double h;
  if (std::hypot(at.x - home_.x, at.y - home_.y) > 1.0 && !(it.position.x == 0 && it.position.y == 0)) {
    h = std::atan2(at.y - home_.y, at.x - home_.x);
  } else if (!it.yaw_unset && std::isfinite(it.params[3]) && it.params[3] != 0.0) {
    h = (90.0 - it.params[3]) * kPi / 180.0;  // compass degrees -> math radians
  } else {
    const int nx = next_positional(i);
    if (nx < 0) throw Error(where(i) + ": a take-off with no heading and nothing after it");
    const geo::Point2 w = point_of(nx);
    h = std::atan2(w.y - home_.y, w.x - home_.x);
  }
  const double climb_m = std::max(0.0, target - f_.z);
  const double dist = climb_m / f_.climb();
  const geo::Point2 end{home_.x + dist * std::cos(h), home_.y + dist * std::sin(h)};
  const double z0 = f_.z;
  f_.straight(end, ii, ModelPhase::Takeoff, [&](double fr) { return z0 + fr * climb_m; });
  f_.heading = h;
}

void MissionFlight::waypoint(std::size_t i) {
  const MissionItem& it = m_.items[i];
  const int ii = static_cast<int>(i);
  airborne_ = true;
  const double z0 = f_.z, z1 = altitude(i);
  const double len = std::hypot(xy(it).x - f_.p.x, xy(it).y - f_.p.y);
  if (len > 1.0) {
    const double g = (z1 - z0) / len;
    const double allowed = g > 0 ? f_.climb() : f_.descent();
    if (std::abs(z1 - z0) > 1.0 && std::abs(g) > allowed * 1.001 + 1e-4)
      out_.gradients.push_back({ii, g, allowed, {it.position.x, it.position.y}});
  }
  f_.straight(xy(it), ii, ModelPhase::Leg, leg_target(z0, z1));
}

void MissionFlight::loiter(std::size_t i) {
  const MissionItem& it = m_.items[i];
  const int ii = static_cast<int>(i);
  airborne_ = true;
  const auto [r, dir] = loiter_circle(it, ac_, o_, out_.notes);
  const geo::Point2 c = xy(it);
  const double z0 = f_.z, z1 = altitude(i);
  // To the circle: straight toward the centre until on it (or out to it).
  const double d = std::hypot(f_.p.x - c.x, f_.p.y - c.y);
  geo::Point2 entry;
  if (d > 1e-6) {
    entry = {c.x + (f_.p.x - c.x) * r / d, c.y + (f_.p.y - c.y) * r / d};
  } else {
    entry = {c.x + r * std::cos(f_.heading), c.y + r * std::sin(f_.heading)};
  }
  const double approach = std::hypot(entry.x - f_.p.x, entry.y - f_.p.y);
  const double to_centre = std::max(d, 1e-6);
  const bool at_once = o_.firmware == Firmware::PX4 || std::abs(z1 - z0) < o_.glide_slope_min_m;
  f_.straight(entry, ii, ModelPhase::Leg, [&](double fr) {
    return at_once ? z1 : z0 + (fr * approach / to_centre) * (z1 - z0);
  });
  ModelLoiter lo{ii, c, r, out_.samples.size() - 1, 0};
  {
    const double item_r = std::abs(it.params[2]);
    if (o_.firmware == Firmware::ArduPlane && it.command == mav::kLoiterTime &&
        std::isfinite(item_r) && item_r > 0 && std::abs(item_r - r) > 1.0)
      lo.other_radius_m = std::max(item_r, ac_.turn_radius_m);
  }
  const double lap = 2 * kPi * r;
  const double v = ac_.cruise_ms();
  double arc = 0.0;
  bool heading_required = false;
  if (it.command == mav::kLoiterTime) {
    arc = std::max(0.0, it.params[0]) * v;
    heading_required = it.params[1] != 0.0;
  } else if (it.command == mav::kLoiterTurns) {
    arc = std::max(0.0, it.params[0]) * lap;
    heading_required = it.params[1] != 0.0;
  } else if (it.command == mav::kLoiterUnlim) {
    arc = lap;
  } else {
    arc = f_.arc_to_altitude(z1);
    heading_required = it.params[0] != 0.0;
  }
  // Past three laps the circle repeats: fly two to three, count the rest.
  if (arc > 3.0 * lap) {
    const double rest = (std::floor(arc / lap) - 2.0) * lap;
    extra_s_ += rest;
    arc -= rest;
  }
  f_.circle(c, r, dir, arc, z1, ii);
  if (it.command == mav::kLoiterToAlt) {
    // Altitude reached only at the rates: go on circling until it is.
    const double more = f_.arc_to_altitude(z1);
    if (more > 1e-6) f_.circle(c, r, dir, more, z1, ii);
  }
  if (it.command == mav::kLoiterUnlim) {
    out_.notes.push_back("item " + std::to_string(i + 1) +
                        ": NAV_LOITER_UNLIM circles until the operator ends it; the flight "
                        "after it is not modelled and the endurance not bounded");
    out_.bounded = false;
    ended_ = true;
  } else if (heading_required) {
    const int nx = next_positional(i);
    if (nx >= 0) {
      const double ex = tangent_exit_angle(c, r, dir, point_of(nx));
      if (std::isfinite(ex)) {
        const double now = std::atan2(f_.p.y - c.y, f_.p.x - c.x);
        const double turn = dir > 0 ? wrap(ex - now) : wrap(now - ex);
        f_.circle(c, r, dir, turn * r, z1, ii);
      }
    }
  }
  lo.last = out_.samples.size() - 1;
  out_.loiters.push_back(lo);
}

void MissionFlight::land(std::size_t i) {
  const MissionItem& it = m_.items[i];
  const int ii = static_cast<int>(i);
  const geo::Point2 at = xy(it);
  const double z0 = f_.z, z1 = altitude(i);
  const double len = std::hypot(at.x - f_.p.x, at.y - f_.p.y);
  if (len > 1.0 && z0 - z1 > 1.0 && (z0 - z1) / len > f_.descent() * 1.001 + 1e-4)
    out_.gradients.push_back({ii, (z1 - z0) / len, f_.descent(), {it.position.x, it.position.y}});
  f_.straight(at, ii, ModelPhase::Land, [&](double fr) { return z0 + fr * (z1 - z0); });
  out_.bases.push_back(at);
  out_.base_elevations.push_back(z1);
  ended_ = true;  // on the ground: later items are not flown
}

void MissionFlight::return_to_launch(std::size_t i) {
  const int ii = static_cast<int>(i);
  // ArduPlane glides toward ALT_HOLD_RTL (100 m above home by default); PX4 keeps
  // its altitude, climbing first to RTL_RETURN_ALT (60 m above home) if lower.
  const double z0 = o_.firmware == Firmware::ArduPlane ? m_.home.z + o_.rtl_altitude_m
                                                      : std::max(f_.z, m_.home.z + o_.rtl_altitude_m);
  const double zs = f_.z;
  f_.straight(home_, ii, ModelPhase::Return, [&](double fr) {
    return o_.firmware == Firmware::ArduPlane ? zs + fr * (z0 - zs) : z0;
  });
  const double r = o_.loiter_radius_m > 0 ? std::max(o_.loiter_radius_m, ac_.turn_radius_m)
                                         : ac_.turn_radius_m;
  const geo::Point2 c = home_;
  f_.straight({c.x + r * std::cos(f_.heading), c.y + r * std::sin(f_.heading)}, ii,
             ModelPhase::Return, [&](double) { return z0; });
  ModelLoiter lo{ii, c, r, out_.samples.size() - 1, 0};
  f_.circle(c, r, -1, 2 * kPi * r, z0, ii);
  lo.last = out_.samples.size() - 1;
  out_.loiters.push_back(lo);
  out_.notes.push_back("item " + std::to_string(i + 1) +
                      ": NAV_RETURN_TO_LAUNCH flown home toward the RTL altitude (" +
                      geo::fixed(o_.rtl_altitude_m, 0) +
                      " m above home) and circled there; the landing after it is the "
                      "operator's");
  ended_ = true;
}

void MissionFlight::do_jump(std::size_t& i) {
  const MissionItem& it = m_.items[i];
  const int target = it.jump_target;
  if (target < 0 || target >= static_cast<int>(m_.items.size()))
    throw Error(where(i) + ": DO_JUMP to an item that does not exist");
  const double now = out_.samples.back().s;
  if (jumps_left_[i] == -2) {
    // First met: the jump is taken once; the laps after the second are counted
    // (they repeat it), so the second lap is flown as the last, leaving the loop
    // toward what follows it.
    const int repeats = static_cast<int>(it.params[1]);
    if (repeats == 0) {
      jumps_left_[i] = 0;
      return;
    }
    jumps_left_[i] = repeats < 0 ? -1 : 0;
    laps_pending_[i] = repeats < 0 ? 0 : repeats - 1;
    jump_s_[i] = now;
    i = static_cast<std::size_t>(target) - 1;  // wraps for 0: the loop's ++i lands on it
    return;
  }
  if (jumps_left_[i] < 0) {
    out_.notes.push_back("item " + std::to_string(i + 1) +
                        ": DO_JUMP repeats forever; two laps are modelled and the "
                        "endurance is not bounded");
    out_.bounded = false;
    ended_ = true;
    return;
  }
  extra_s_ += (now - jump_s_[i]) * laps_pending_[i];
  laps_pending_[i] = 0;
}

}  // namespace

FlownMission fly_mission(const Mission& m, const Aircraft& ac, const FlightModelOptions& o,
                         const terrain::Dem* dem) {
  FlownMission out;
  out.firmware = o.firmware;
  MissionFlight flight(m, ac, o, dem, out);
  out.local_crs_wkt = flight.local().wkt();
  const double extra_s = flight.fly();
  const double v = ac.cruise_ms();
  out.length_m = out.samples.back().s + extra_s;
  out.duration_s = out.length_m / v;
  // Lon/lat of every sample.
  const geo::Transformer to_ll(flight.local(), geo::SpatialRef::wgs84());
  std::vector<geo::Point2> pts;
  pts.reserve(out.samples.size());
  for (const auto& q : out.samples) pts.push_back(q.xy);
  to_ll.transform(pts);
  for (std::size_t k = 0; k < pts.size(); ++k) out.samples[k].lonlat = pts[k];
  return out;
}

}  // namespace vigia::planner
