#include "vigia/planner/export.hpp"

#include <cmath>
#include <exception>
#include <fstream>
#include <numbers>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/geometry_ops.hpp"
#include "vigia/geo/plot.hpp"
#include "vigia/geo/qml.hpp"
#include "vigia/geo/text.hpp"

namespace vigia::planner {

namespace {

std::string fmt(double v, int decimals) {
  return std::isfinite(v) ? geo::fixed(v, decimals) : "n/a";
}

/// JSON number, or null when not finite.
nlohmann::json num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

/// The percentages of `a` and `b` (fractions) with the fewest decimals, 1 to 4, that
/// tell them apart.
std::pair<std::string, std::string> percent_pair(double a, double b) {
  for (int d = 1;; ++d) {
    std::string pa = geo::fixed(100.0 * a, d), pb = geo::fixed(100.0 * b, d);
    if (pa != pb || d == 4) return {pa, pb};
  }
}

/// "1 aircraft suffices: the second adds only 0.05 % ..." for a plan of `flying`
/// aircraft whose next aircraft added `added` (a fraction of the corridor's weight)
/// under `tolerance`.
std::string fleet_note(int flying, double added, bool measured, bool optimised, double tolerance) {
  static const char* const kOrdinal[] = {"first", "second", "third", "fourth", "fifth",
                                         "sixth", "seventh", "eighth", "ninth", "tenth"};
  const std::string next = flying < 10 ? std::string("the ") + kOrdinal[flying]
                                       : "aircraft " + std::to_string(flying + 1);
  std::string adds;
  if (!optimised) {
    // Not optimised: what every visit and leg together could add, at most.
    if (std::isfinite(added) && added > 0.0) {
      const auto [x, t] = percent_pair(added, tolerance);
      adds = "could add at most " + x + " % of the corridor by weight (the tolerance is " + t +
             " %)";
    } else {
      adds = "could add nothing (every target its visits and legs could see, the routes flown "
             "already see)";
    }
  } else if (std::isfinite(added) && added > 0.0) {
    const auto [x, t] = percent_pair(added, tolerance);
    adds = "adds only " + x + " % of the corridor by weight (the tolerance is " + t + " %)";
  } else {
    adds = "adds nothing to the coverage";
  }
  if (!measured && optimised) adds += ", by the optimiser's estimate,";
  return std::to_string(flying) + (flying == 1 ? " aircraft suffices: " : " aircraft suffice: ") +
         next + " " + adds + " and stays on the ground";
}

}  // namespace

std::string to_string(LegKind kind) {
  switch (kind) {
    case LegKind::Takeoff:
      return "takeoff";
    case LegKind::Transit:
      return "transit";
    case LegKind::Loiter:
      return "loiter";
    case LegKind::Landing:
      return "landing";
    case LegKind::Climb:
      return "climb";
    case LegKind::Descent:
      return "descent";
  }
  return "transit";
}

std::vector<NamedRoute> named_routes(const MissionResult& m) {
  std::vector<NamedRoute> out;
  if (m.patrol) {
    out.push_back({"transit out", "transit-out", 1, &m.patrol->transit_out});
    out.push_back({"patrol cycle", "cycle", 1, &m.patrol->cycle});
    out.push_back({"transit back", "transit-back", 1, &m.patrol->transit_back});
  } else if (const SortiePlan* p = m.sorties()) {
    for (std::size_t k = 0; k < p->routes.size(); ++k)
      out.push_back(
          {"aircraft " + std::to_string(k + 1), "sortie", static_cast<int>(k + 1), &p->routes[k]});
  }
  return out;
}

RouteWaypoints route_waypoints(const MissionResult& m) {
  const std::vector<NamedRoute> named = named_routes(m);
  RouteWaypoints out(named.size());
  // One route after the other, each on all threads (a plan often flies one long
  // route: on the whole border at 30 m its waypoints took 10 s on one thread).
  for (std::size_t k = 0; k < named.size(); ++k) out[k] = waypoints(*m.space, *named[k].route);
  return out;
}

void require_waypoints_of(const MissionResult& m, const RouteWaypoints& wps) {
  if (wps.size() != named_routes(m).size())
    throw Error("internal: waypoints for another plan", Error::Kind::Runtime);
}

std::vector<geo::OutLayer> mission_layers(const MissionResult& m, const RouteWaypoints& all_wps) {
  const geo::Transformer to_ll(m.area.work_crs, geo::SpatialRef::wgs84());
  const geo::SpatialRef wgs = geo::SpatialRef::wgs84();
  geo::OutLayer routes{"routes",
                       wgs,
                       {},
                       "flown routes, altitude AMSL in z",
                       geo::qml_line({200, 30, 30, 255}, 0.8)};
  geo::OutLayer wps{"waypoints",
                    wgs,
                    {},
                    "waypoints, altitude AMSL in z",
                    geo::qml_marker({255, 200, 0, 255}, 2.2)};
  require_waypoints_of(m, all_wps);
  const std::vector<NamedRoute> named = named_routes(m);
  for (std::size_t ri = 0; ri < named.size(); ++ri) {
    const NamedRoute& nr = named[ri];
    const FlownRoute& r = *nr.route;
    if (r.samples.empty()) continue;
    geo::LineString3 line;
    line.reserve(r.samples.size());
    for (const auto& q : r.samples) {
      const geo::Point2 ll = to_ll(q.work);
      line.push_back({ll.x, ll.y, q.altitude_m});
    }
    routes.features.push_back(
        {line,
         {{"name", nr.name},
          {"role", nr.role},
          {"aircraft", static_cast<long long>(nr.aircraft)},
          {"length_km", r.length_m / 1000.0},
          {"duration_h", r.duration_s / 3600.0},
          {"stops", static_cast<long long>(r.stops.size())},
          {"min_clearance_m", std::isfinite(r.min_clearance_m) ? r.min_clearance_m : -1.0},
          {"max_altitude_m", r.max_altitude_m},
          {"climb_orbit_min", r.climb_orbit_s / 60.0},
          {"descent_orbit_min", r.descent_orbit_s / 60.0}}});
    for (const auto& w : all_wps[ri]) {
      wps.features.push_back({geo::Point3{w.lonlat.x, w.lonlat.y, w.altitude_m},
                              {{"route", nr.name},
                               {"aircraft", static_cast<long long>(nr.aircraft)},
                               {"seq", static_cast<long long>(w.seq)},
                               {"kind", to_string(w.kind)},
                               {"altitude_amsl_m", w.altitude_m},
                               {"agl_m", w.altitude_m - w.ground_m},
                               {"ground_m", w.ground_m},
                               {"time_min", w.t / 60.0},
                               {"distance_km", w.s / 1000.0},
                               {"loiter_min", w.loiter_s / 60.0},
                               {"radius_m", w.radius_m}}});
    }
  }
  // Observation points: the selection's, with who visits them and when.
  geo::OutLayer pts{"observation_points",
                    wgs,
                    {},
                    "selected observation points, by rank",
                    geo::qml_marker({40, 120, 220, 255}, 3.0, "triangle")};
  std::vector<std::pair<int, double>> visit(m.points.size(), {0, NAN});
  if (const SortiePlan* p = m.sorties()) {
    for (std::size_t k = 0; k < p->nodes.size(); ++k) {
      const FlownRoute& r = p->routes[k];
      for (std::size_t v = 0; v < p->nodes[k].size(); ++v) {
        double t = NAN;
        for (const auto& q : r.samples)
          if (q.stop == static_cast<int>(v + 1)) {
            t = q.t;
            break;
          }
        visit[static_cast<std::size_t>(p->nodes[k][v])] = {static_cast<int>(k + 1), t};
      }
    }
  } else if (m.patrol) {
    for (int node : m.patrol->order) visit[static_cast<std::size_t>(node)] = {1, NAN};
  }
  for (std::size_t i = 0; i < m.points.size(); ++i) {
    const Candidate& c = m.points[i];
    pts.features.push_back(
        {geo::Point3{c.lonlat.x, c.lonlat.y, c.altitude_m},
         {{"rank", static_cast<long long>(i + 1)},
          {"altitude_amsl_m", c.altitude_m},
          {"agl_m", c.altitude_m - c.ground_m},
          {"marginal_gain", m.selection.gain[i]},
          {"visited_by", static_cast<long long>(visit[i].first)},
          {"arrival_min", std::isfinite(visit[i].second) ? visit[i].second / 60.0 : -1.0}}});
  }
  geo::OutLayer bases{
      "bases", wgs, {}, "base airfields", geo::qml_marker({20, 20, 20, 255}, 4.0, "star")};
  for (std::size_t i = 0; i < m.config.bases.size(); ++i) {
    const geo::Point2 b = m.config.bases[i];
    const double z = m.space->terrain(geo::Transformer(wgs, m.area.work_crs)(b));
    bases.features.push_back(
        {geo::Point3{b.x, b.y, z}, {{"base", static_cast<long long>(i + 1)}, {"elevation_m", z}}});
  }
  geo::OutLayer corridor{"corridor",
                         m.area.work_crs,
                         {{m.area.corridor.all,
                           {{"own_km2", m.area.corridor.own_area_m2 / 1e6},
                            {"far_km2", m.area.corridor.far_area_m2 / 1e6}}}},
                         "the watched corridor",
                         geo::qml_fill({255, 170, 0, 60}, {230, 120, 0, 255}, 0.3)};
  geo::OutLayer permitted{
      "permitted_airspace",
      m.area.work_crs,
      {{m.area.airspace.permitted, {{"area_km2", m.area.airspace.permitted_area_m2 / 1e6}}}},
      "where the aircraft may fly",
      geo::qml_fill({60, 170, 80, 35}, {40, 140, 60, 255}, 0.3)};
  std::vector<geo::OutLayer> out{routes, wps, pts, bases, corridor, permitted};
  if (!m.area.no_fly.empty()) {
    out.push_back({"no_fly",
                   m.area.work_crs,
                   {{m.area.no_fly, {{"zones", static_cast<long long>(m.area.no_fly.size())}}}},
                   "no-fly zones",
                   geo::qml_fill({220, 30, 30, 70}, {200, 0, 0, 255}, 0.5)});
  }
  return out;
}

void write_profile_csv(const std::string& path, const MissionResult& m, double step_m) {
  std::ofstream out(path);
  if (!out) throw Error(path + ": cannot be written", Error::Kind::Runtime);
  const FlightSpace& space = *m.space;
  const geo::Transformer to_ll(m.area.work_crs, geo::SpatialRef::wgs84());
  out << "route,distance_km,time_min,lon,lat,altitude_m,terrain_m,clearance_m,leg,link\n";
  out.setf(std::ios::fixed);
  for (const auto& nr : named_routes(m)) {
    const auto& smp = nr.route->samples;
    double next = 0.0;
    for (std::size_t i = 0; i < smp.size(); ++i) {
      const auto& q = smp[i];
      if (q.s < next && i + 1 != smp.size()) continue;
      next = q.s + step_m;
      const geo::Point2 ll = to_ll(q.work);
      const double low = space.link_lowest(q.work);
      out.precision(3);
      out << nr.name << ',' << q.s / 1000.0 << ',' << q.t / 60.0 << ',';
      out.precision(6);
      out << ll.x << ',' << ll.y << ',';
      out.precision(1);
      out << q.altitude_m << ',' << q.terrain_m << ',' << q.altitude_m - q.terrain_m << ','
          << to_string(q.kind) << ','
          << (space.has_link() ? (!std::isnan(low) && low <= q.altitude_m ? "1" : "0") : "")
          << '\n';
    }
  }
  if (!out) throw Error(path + ": write failed", Error::Kind::Runtime);
}

void write_profile_png(const std::string& path, const MissionResult& m) {
  std::vector<geo::Panel> panels;
  const Aircraft& ac = m.config.aircraft;
  for (const auto& nr : named_routes(m)) {
    const auto& smp = nr.route->samples;
    if (smp.empty()) continue;
    geo::Panel p;
    p.title = nr.name + ": " + fmt(nr.route->length_m / 1000.0, 0) + " km, " +
              fmt(nr.route->duration_s / 3600.0, 2) + " h, lowest clearance " +
              fmt(nr.route->min_clearance_m, 0) + " m";
    p.x_label = "distance flown, km";
    p.y_label = "altitude AMSL, m";
    geo::Series terrain{"terrain (highest post)", {}, {}, {0.62, 0.52, 0.40}, 1.0, true};
    geo::Series floor{"terrain + clearance", {}, {}, {0.45, 0.35, 0.25}, 1.0, false, true};
    geo::Series flown{"flown altitude", {}, {}, {0.10, 0.30, 0.85}, 2.0};
    geo::Series ceiling{"ceiling", {}, {}, {0.85, 0.10, 0.10}, 1.2, false, true};
    double next = 0.0;
    double zmin = INFINITY;
    for (std::size_t i = 0; i < smp.size(); ++i) {
      if (smp[i].s < next && i + 1 != smp.size()) continue;
      next = smp[i].s + std::max(20.0, nr.route->length_m / 2000.0);
      const double km = smp[i].s / 1000.0;
      terrain.x.push_back(km);
      terrain.y.push_back(smp[i].terrain_m);
      floor.x.push_back(km);
      floor.y.push_back(smp[i].terrain_m + ac.min_clearance_m);
      flown.x.push_back(km);
      flown.y.push_back(smp[i].altitude_m);
      zmin = std::min(zmin, smp[i].terrain_m);
    }
    ceiling.x = {0.0, nr.route->length_m / 1000.0};
    ceiling.y = {ac.ceiling_m, ac.ceiling_m};
    p.series = {terrain, floor, flown, ceiling};
    p.x_min = 0.0;
    p.x_max = nr.route->length_m / 1000.0;
    p.y_min = std::floor((zmin - 200.0) / 500.0) * 500.0;
    p.y_max = ac.ceiling_m + 200.0;
    panels.push_back(std::move(p));
  }
  if (panels.empty()) {
    geo::Panel p;
    p.title = "no route flown";
    panels.push_back(p);
  }
  geo::write_chart_png(path, panels, 1400, 380);
}

nlohmann::json mission_report(const MissionResult& m) {
  const MissionConfig& c = m.config;
  const Aircraft& ac = c.aircraft;
  nlohmann::json j;
  j["aircraft"] = {{"name", ac.name},
                   {"endurance_h", ac.endurance_h},
                   {"reserve_fraction", ac.reserve_fraction},
                   {"cruise_speed_kmh", ac.cruise_speed_kmh},
                   {"ceiling_m", ac.ceiling_m},
                   {"min_clearance_m", ac.min_clearance_m},
                   {"turn_radius_m", ac.turn_radius_m},
                   {"climb_rate_ms", ac.climb_rate_ms},
                   {"descent_rate_ms", ac.descent_rate_ms}};
  j["sensor"] = c.sensor.to_json();
  j["area"] = {{"border_km", m.area.frame.border_length_m / 1000.0},
               {"corridor_km2", (m.area.corridor.own_area_m2 + m.area.corridor.far_area_m2) / 1e6},
               {"permitted_km2", m.area.airspace.permitted_area_m2 / 1e6},
               {"candidates", m.candidates.size()},
               {"candidates_without_room_to_circle", m.candidates_without_room},
               {"targets", m.targets.weight.size()},
               {"observation_points", m.points.size()}};
  j["selection"] = {{"value", m.selection.value},
                    {"upper_bound", m.selection.upper_bound},
                    {"gap", m.selection.gap()},
                    {"coverage_by_weight",
                     m.sets.total_weight() > 0 ? m.selection.value / m.sets.total_weight() : 0.0}};
  const double total_w = m.targets.total_weight();
  const double total_a = m.targets.total_area();
  if (const SortiePlan* p = m.sorties()) {
    nlohmann::json per = nlohmann::json::array();
    for (std::size_t k = 0; k < p->routes.size(); ++k) {
      const FlownRoute& r = p->routes[k];
      per.push_back({{"aircraft", k + 1},
                     {"points_visited", p->nodes[k].size()},
                     {"km", r.length_m / 1000.0},
                     {"hours", r.duration_s / 3600.0},
                     {"min_clearance_m", num(r.min_clearance_m)},
                     {"max_altitude_m", r.max_altitude_m},
                     {"climb_orbit_min", r.climb_orbit_s / 60.0},
                     {"descent_orbit_min", r.descent_orbit_s / 60.0}});
    }
    nlohmann::json fleet = nlohmann::json::array();
    for (std::size_t k = 0; k < m.fleet.size(); ++k) {
      const SortiePlan& f = m.fleet[k];
      fleet.push_back({{"aircraft", k + 1},
                       {"coverage_by_weight", total_w > 0 ? f.coverage.weight / total_w : 0.0},
                       {"coverage_by_area", total_a > 0 ? f.coverage.area_m2 / total_a : 0.0},
                       {"flight_hours", f.flight_hours},
                       {"added_by_weight", num(f.added_fraction)},
                       {"added_measured", f.added_measured},
                       {"optimised", f.optimised},
                       {"optimiser_estimate_by_weight", total_w > 0 ? f.estimated_value / total_w : 0.0},
                       {"kept_smaller_fleet", f.kept_smaller_fleet}});
    }
    // The fleet that suffices, when the plan keeps aircraft on the ground: after the
    // last fleet size whose added aircraft flew, the next one added less than the
    // tolerance (and so did every size after it).
    int flying = 0;
    for (const auto& r : p->routes) flying += r.samples.empty() ? 0 : 1;
    std::string note;
    if (!m.fleet.empty() && m.fleet.back().kept_smaller_fleet) {
      std::size_t last_flown = 0;
      for (std::size_t k = 1; k < m.fleet.size(); ++k)
        if (!m.fleet[k].kept_smaller_fleet) last_flown = k;
      const SortiePlan& next = m.fleet[last_flown + 1];
      note = fleet_note(flying, next.added_fraction, next.added_measured, next.optimised,
                        c.fleet_tolerance);
    }
    j["sorties"] = {
        {"aircraft", p->routes.size()},
        {"coverage_by_weight", total_w > 0 ? p->coverage.weight / total_w : 0.0},
        {"coverage_by_area", total_a > 0 ? p->coverage.area_m2 / total_a : 0.0},
        {"seen_km2", p->coverage.area_m2 / 1e6},
        {"km2_per_flight_hour",
         p->flight_hours > 0 ? p->coverage.area_m2 / 1e6 / p->flight_hours : 0.0},
        {"km2_per_km", p->km_flown > 0 ? p->coverage.area_m2 / 1e6 / p->km_flown : 0.0},
        {"flight_hours", p->flight_hours},
        {"km_flown", p->km_flown},
        {"transit_fraction", p->transit_fraction},
        {"min_clearance_m", num(p->min_clearance_m)},
        {"link_fraction", num(p->link_fraction)},
        {"longest_outage_min", num(p->longest_outage_s / 60.0)},
        {"viewsheds_along_paths", p->coverage.viewsheds},
        {"viewsheds_along_paths_reused", p->coverage.viewsheds_reused},
        {"optimiser_estimate_by_weight", total_w > 0 ? p->estimated_value / total_w : 0.0},
        {"optimiser_rounds", p->optimiser_rounds},
        {"optimiser_target_classes", p->target_classes},
        {"optimiser_rounds_budget", c.route_rounds},
        {"optimiser_time_capped",
         std::any_of(m.fleet.begin(), m.fleet.end(),
                     [](const SortiePlan& f) { return f.optimiser_time_capped; })},
        {"per_aircraft", per},
        {"by_fleet_size", fleet},
        {"aircraft_flying", flying},
        {"fleet_tolerance_by_weight", c.fleet_tolerance},
        {"fleet_note", note}};
  }
  if (m.patrol) {
    const PatrolPlan& p = *m.patrol;
    const double v = ac.cruise_ms();
    const auto links = link_statistics(*m.space, {p.cycle});
    j["patrol"] = {
        {"optimiser_rounds", p.optimiser_rounds},
        {"optimiser_rounds_budget", c.route_rounds},
        {"optimiser_time_capped", p.optimiser_time_capped},
        {"aircraft_on_cycle", c.persistent},
        {"points", p.order.size()},
        {"cycle_km", p.cycle.length_m / 1000.0},
        {"period_min", p.period_s / 60.0},
        {"transit_out_km", p.transit_out.length_m / 1000.0},
        {"transit_back_km", p.transit_back.length_m / 1000.0},
        {"laps_per_sortie", p.laps_per_sortie},
        {"fleet_for_rotation", p.fleet_for_rotation},
        {"seen_weight_fraction", p.seen_weight_fraction},
        {"watched_fraction", p.watched_fraction},
        {"revisit_mean_min", num(p.mean_revisit_s / 60.0)},
        {"revisit_p95_min", num(p.p95_revisit_s / 60.0)},
        {"revisit_worst_min", num(p.worst_revisit_s / 60.0)},
        {"fence_km", p.fence_length_m / 1000.0},
        {"lower_bound_min", p.lower_bound_s / 60.0},
        {"worst_over_lower_bound",
         num(p.lower_bound_s > 0 ? p.worst_revisit_s / p.lower_bound_s : NAN)},
        {"aircraft_for_continuous_watch", p.aircraft_for_continuous},
        {"aircraft_for_continuous_watch_90", p.aircraft_for_continuous_90},
        {"min_clearance_m", num(std::min({p.cycle.min_clearance_m, p.transit_out.min_clearance_m,
                                          p.transit_back.min_clearance_m}))},
        {"link_fraction", num(links.first)},
        {"longest_outage_min", num(links.second / 60.0)},
        {"speed_ms", v}};
  }
  nlohmann::json secs;
  for (const auto& [k, s] : m.seconds) secs[k] = s;
  j["seconds"] = secs;
  j["memory_peak_mib"] = peak_memory_bytes() / 1048576.0;
  return j;
}

namespace {

/// A number of the report with `decimals`, or "n/a" when it is not one.
std::string figure(const nlohmann::json& v, int decimals, double scale = 1.0) {
  return v.is_number() ? fmt(scale * v.get<double>(), decimals) : std::string("n/a");
}

}  // namespace

std::string mission_summary(const nlohmann::json& r) {
  std::ostringstream o;
  if (r.contains("sorties")) {
    const auto& s = r["sorties"];
    const int flying = s["aircraft_flying"].get<int>(), planned = s["aircraft"].get<int>();
    o << "  " << flying << " aircraft"
      << (flying < planned ? " (of " + std::to_string(planned) + ")" : std::string())
      << ": " << figure(s["coverage_by_weight"], 1, 100)
      << " % of the corridor seen by weight (" << figure(s["coverage_by_area"], 1, 100)
      << " % by area), " << figure(s["km2_per_flight_hour"], 1) << " km² per flight hour\n"
      << "  " << figure(s["km_flown"], 0) << " km flown in " << figure(s["flight_hours"], 1)
      << " flight hours, lowest clearance " << figure(s["min_clearance_m"], 0) << " m";
    if (s["link_fraction"].is_number())
      o << ", datalink " << figure(s["link_fraction"], 1, 100) << " % of the time (longest outage "
        << figure(s["longest_outage_min"], 1) << " min)";
    o << '\n';
    if (!s["fleet_note"].get<std::string>().empty())
      o << "  " << s["fleet_note"].get<std::string>() << '\n';
  }
  if (r.contains("patrol")) {
    const auto& p = r["patrol"];
    o << "  patrol cycle " << figure(p["cycle_km"], 1) << " km every " << figure(p["period_min"], 1)
      << " min with " << p["aircraft_on_cycle"].get<int>() << " aircraft: worst revisit "
      << figure(p["revisit_worst_min"], 1) << " min (lower bound "
      << figure(p["lower_bound_min"], 1) << " min), " << figure(p["seen_weight_fraction"], 1, 100)
      << " % of the corridor weight seen";
    if (p["link_fraction"].is_number())
      o << ", datalink " << figure(p["link_fraction"], 1, 100) << " % of the time";
    o << '\n';
  }
  for (const char* key : {"sorties", "patrol"}) {
    if (!r.contains(key)) continue;
    const auto capped = r[key].find("optimiser_time_capped");
    if (capped != r[key].end() && *capped == true)
      o << "  note: the time limit stopped the route optimiser before its "
        << r[key]["optimiser_rounds_budget"].get<long long>()
        << " rounds: on another machine or load the plan may differ (raise the time limit, or "
           "lower the rounds)\n";
  }
  return o.str();
}

std::string mission_report_markdown(const nlohmann::json& j) {
  std::ostringstream md;
  const auto d = [](const nlohmann::json& v, int decimals) { return figure(v, decimals); };
  const auto pct = [&](const nlohmann::json& v) {
    return v.is_number() ? fmt(100.0 * v.get<double>(), 1) + " %" : std::string("n/a");
  };
  const auto& a = j["aircraft"];
  md << "# Patrol plan\n\n"
     << "Aircraft " << a["name"].get<std::string>() << ": " << d(a["cruise_speed_kmh"], 0)
     << " km/h, endurance " << d(a["endurance_h"], 1) << " h (reserve "
     << pct(a["reserve_fraction"]) << "), ceiling " << d(a["ceiling_m"], 0) << " m, clearance "
     << d(a["min_clearance_m"], 0) << " m, turn radius " << d(a["turn_radius_m"], 0)
     << " m. Sensor task " << j["sensor"]["task"].get<std::string>() << " ("
     << d(j["sensor"]["range_m"], 0) << " m).\n\n"
     << "Border " << d(j["area"]["border_km"], 1) << " km, corridor "
     << d(j["area"]["corridor_km2"], 0) << " km², " << j["area"]["observation_points"]
     << " observation points offered (selection within " << pct(j["selection"]["gap"])
     << " of optimal).\n\n";
  if (j.contains("sorties")) {
    const auto& s = j["sorties"];
    md << "## Sorties\n\n| figure | value |\n|---|---:|\n"
       << "| aircraft | " << s["aircraft"] << " |\n"
       << "| corridor seen, by weight | " << pct(s["coverage_by_weight"]) << " |\n"
       << "| corridor seen, by area | " << pct(s["coverage_by_area"]) << " (" << d(s["seen_km2"], 0)
       << " km²) |\n"
       << "| km² per flight hour | " << d(s["km2_per_flight_hour"], 1) << " |\n"
       << "| km flown | " << d(s["km_flown"], 1) << " |\n"
       << "| flight hours | " << d(s["flight_hours"], 2) << " |\n"
       << "| transit fraction (not loitering) | " << pct(s["transit_fraction"]) << " |\n"
       << "| lowest clearance found along the paths | " << d(s["min_clearance_m"], 0) << " m |\n"
       << "| time with datalink | " << pct(s["link_fraction"]) << " |\n"
       << "| longest datalink outage | " << d(s["longest_outage_min"], 1) << " min |\n\n"
       << "| aircraft | points | km | hours | lowest clearance m | highest altitude m |\n"
       << "|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : s["per_aircraft"])
      md << "| " << r["aircraft"] << " | " << r["points_visited"] << " | " << d(r["km"], 1) << " | "
         << d(r["hours"], 2) << " | " << d(r["min_clearance_m"], 0) << " | "
         << d(r["max_altitude_m"], 0) << " |\n";
    md << "\nCoverage by fleet size (each plan starts from the one before; an aircraft that "
          "adds less than "
       << d(s["fleet_tolerance_by_weight"].get<double>() * 100.0, 2)
       << " % of the corridor by weight stays on the ground):\n\n"
       << "| aircraft | by weight | by area | flight hours | the last aircraft adds | flying |\n"
       << "|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : s["by_fleet_size"]) {
      const bool kept = r["kept_smaller_fleet"].get<bool>();
      md << "| " << r["aircraft"] << " | " << pct(r["coverage_by_weight"]) << " | "
         << pct(r["coverage_by_area"]) << " | " << d(r["flight_hours"], 2) << " | "
         << (r["added_by_weight"].is_number() ? pct(r["added_by_weight"]) : std::string("-"))
         << (!r.value("optimised", true)           ? " (at most)"
             : r.value("added_measured", true) ? ""
                                               : " (estimate)")
         << " | "
         << (kept ? "no: stays on the ground" : "yes") << " |\n";
    }
    if (!s["fleet_note"].get<std::string>().empty())
      md << "\n" << s["fleet_note"].get<std::string>() << ".\n";
  }
  if (j.contains("patrol")) {
    const auto& p = j["patrol"];
    const int cont = p["aircraft_for_continuous_watch"].get<int>();
    const int cont90 = p["aircraft_for_continuous_watch_90"].get<int>();
    md << "## Persistent patrol\n\n| figure | value |\n|---|---:|\n"
       << "| aircraft on the cycle | " << p["aircraft_on_cycle"] << " |\n"
       << "| cycle | " << d(p["cycle_km"], 1) << " km, " << d(p["period_min"], 1) << " min |\n"
       << "| transit from / to base | " << d(p["transit_out_km"], 1) << " / "
       << d(p["transit_back_km"], 1) << " km |\n"
       << "| laps per sortie | " << d(p["laps_per_sortie"], 1) << " |\n"
       << "| aircraft to keep the cycle manned around the clock | " << p["fleet_for_rotation"]
       << " |\n"
       << "| corridor weight the cycle sees | " << pct(p["seen_weight_fraction"]) << " |\n"
       << "| time watched (weighted mean) | " << pct(p["watched_fraction"]) << " |\n"
       << "| revisit mean / p95 / worst | " << d(p["revisit_mean_min"], 1) << " / "
       << d(p["revisit_p95_min"], 1) << " / " << d(p["revisit_worst_min"], 1) << " min |\n"
       << "| lower bound 2L/(kv), fence " << d(p["fence_km"], 1) << " km | "
       << d(p["lower_bound_min"], 1) << " min (worst is " << d(p["worst_over_lower_bound"], 2)
       << " x) |\n"
       << "| aircraft for continuous watch (all / 90 % of seen weight) | "
       << (cont > 0 ? std::to_string(cont) : std::string("more than 64")) << " / "
       << (cont90 > 0 ? std::to_string(cont90) : std::string("more than 64")) << " |\n"
       << "| lowest clearance | " << d(p["min_clearance_m"], 0) << " m |\n"
       << "| time with datalink on the cycle | " << pct(p["link_fraction"]) << " |\n\n";
  }
  md << "\nRun time: ";
  bool first = true;
  for (const auto& [k, v] : j["seconds"].items()) {
    md << (first ? "" : ", ") << k << " " << d(v, 1) << " s";
    first = false;
  }
  md << "; peak memory " << d(j["memory_peak_mib"], 0) << " MiB.\n";
  return md.str();
}

}  // namespace vigia::planner
