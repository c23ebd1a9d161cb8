#include "vigia/planner/scenario.hpp"

#include <nettle/sha2.h>

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <functional>
#include <set>
#include <sstream>

#include "vigia/geo/error.hpp"

namespace vigia::planner {

namespace fs = std::filesystem;

namespace {

/// Reads fields of one table, remembering which were read so that unknown ones can
/// be refused, and naming file, line and field in every error.
class Fields {
 public:
  Fields(const std::string& file, const toml::table* table, std::string section)
      : file_(file), table_(table), section_(std::move(section)) {}

  [[nodiscard]] bool has(const std::string& key) {
    known_.insert(key);
    return table_ && table_->contains(key);
  }
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw Error(where(key) + problem);
  }
  double number(const std::string& key, double fallback, const std::string& allowed) {
    if (!has(key)) return fallback;
    const auto* n = node(key);
    std::optional<double> v;
    if (n->is_integer()) v = static_cast<double>(*n->value<std::int64_t>());
    if (n->is_floating_point()) v = *n->value<double>();
    if (!v || !std::isfinite(*v)) fail(key, "expected a number (" + allowed + ")");
    return *v;
  }
  /// A number in [lo, hi].
  double number_in(const std::string& key, double fallback, double lo, double hi,
                   const std::string& allowed) {
    const double v = number(key, fallback, allowed);
    if (has(key) && (v < lo || v > hi)) fail(key, format(v) + " is out of range (" + allowed + ")");
    return v;
  }
  long long integer(const std::string& key, long long fallback, long long lo, long long hi,
                    const std::string& allowed) {
    if (!has(key)) return fallback;
    const auto* n = node(key);
    if (!n->is_integer()) fail(key, "expected a whole number (" + allowed + ")");
    const long long v = *n->value<std::int64_t>();
    if (v < lo || v > hi) fail(key, std::to_string(v) + " is out of range (" + allowed + ")");
    return v;
  }
  std::string text(const std::string& key, const std::string& fallback,
                   const std::string& allowed) {
    if (!has(key)) return fallback;
    const auto* n = node(key);
    if (!n->is_string()) fail(key, "expected a quoted string (" + allowed + ")");
    return *n->value<std::string>();
  }
  /// One of a set of words.
  std::string choice(const std::string& key, const std::string& fallback,
                     const std::vector<std::string>& words) {
    std::string allowed;
    for (const auto& w : words) allowed += (allowed.empty() ? "" : ", ") + w;
    const std::string v = text(key, fallback, "one of " + allowed);
    if (std::find(words.begin(), words.end(), v) == words.end())
      fail(key, "'" + v + "' is not allowed (allowed: " + allowed + ")");
    return v;
  }
  bool boolean(const std::string& key, bool fallback) {
    if (!has(key)) return fallback;
    const auto* n = node(key);
    if (!n->is_boolean()) fail(key, "expected true or false");
    return *n->value<bool>();
  }
  /// A string or an array of strings.
  std::vector<std::string> texts(const std::string& key, const std::string& allowed) {
    if (!has(key)) return {};
    const auto* n = node(key);
    if (n->is_string()) return {*n->value<std::string>()};
    std::vector<std::string> out;
    if (const auto* a = n->as_array()) {
      for (const auto& e : *a) {
        if (!e.is_string()) fail(key, "expected a string or a list of strings (" + allowed + ")");
        out.push_back(*e.value<std::string>());
      }
      return out;
    }
    fail(key, "expected a string or a list of strings (" + allowed + ")");
  }
  /// [lon, lat] in degrees.
  geo::Point2 lonlat(const std::string& key) {
    const auto* a = node(key)->as_array();
    if (!a || a->size() != 2 || !(*a)[0].is_number() || !(*a)[1].is_number())
      fail(key, "expected [longitude, latitude] in degrees");
    const double lon = (*a)[0].value<double>().value_or(NAN);
    const double lat = (*a)[1].value<double>().value_or(NAN);
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
      fail(key,
           "expected [longitude, latitude] in degrees (longitude -180..180, latitude -90..90)");
    return {lon, lat};
  }
  /// Refuses keys nobody asked for.
  void no_others() const {
    if (!table_) return;
    for (const auto& [k, v] : *table_) {
      const std::string key(k.str());
      if (known_.count(key)) continue;
      std::string allowed;
      for (const auto& a : known_) allowed += (allowed.empty() ? "" : ", ") + a;
      throw Error(file_ + " line " + std::to_string(v.source().begin.line) + ": [" + section_ +
                  "] unknown field '" + key + "' (allowed: " + allowed + ")");
    }
  }
  [[nodiscard]] std::string where(const std::string& key) const {
    const auto* n = table_ ? table_->get(key) : nullptr;
    const long long line = n ? n->source().begin.line : (table_ ? table_->source().begin.line : 0);
    return file_ + (line > 0 ? " line " + std::to_string(line) : std::string()) + ": [" + section_ +
           "] " + key + ": ";
  }

 private:
  /// The field's node (fails when it is missing).
  [[nodiscard]] const toml::node* node(const std::string& key) const {
    const toml::node* n = table_ ? table_->get(key) : nullptr;
    if (n == nullptr) fail(key, "missing");
    return n;
  }
  static std::string format(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }
  std::string file_;
  const toml::table* table_;
  std::string section_;
  std::set<std::string> known_;
};

const toml::table* subtable(const std::string& file, const toml::table& root,
                            const std::string& key) {
  const toml::node* n = root.get(key);
  if (!n) return nullptr;
  if (!n->is_table())
    throw Error(file + " line " + std::to_string(n->source().begin.line) + ": [" + key +
                "] must be a table (a [" + key + "] section)");
  return n->as_table();
}

/// Tables of an array of tables ([[key]]).
std::vector<const toml::table*> subtables(const std::string& file, const toml::table& root,
                                          const std::string& key) {
  const toml::node* n = root.get(key);
  if (!n) return {};
  const auto* a = n->as_array();
  if (!a || !a->is_array_of_tables())
    throw Error(file + " line " + std::to_string(n->source().begin.line) + ": [[" + key +
                "]] must be a list of tables ([[" + key + "]] sections)");
  std::vector<const toml::table*> out;
  for (const auto& e : *a) out.push_back(e.as_table());
  return out;
}

}  // namespace

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot be read");
  sha256_ctx ctx;
  sha256_init(&ctx);
  std::array<char, 65536> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    sha256_update(&ctx, static_cast<std::size_t>(in.gcount()),
                  reinterpret_cast<const std::uint8_t*>(buf.data()));
  }
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
  sha256_digest(&ctx, digest.size(), digest.data());
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

namespace {

/// Makes a path in the scenario relative to the scenario's folder.
using Resolve = std::function<std::string(const std::string&)>;

/// [dem], [border], [own_side], [corridor], [airspace].
void read_area(const std::string& path, const toml::table& root, const Resolve& resolve,
               AreaInputs& a) {
  Fields dem(path, subtable(path, root, "dem"), "dem");
  for (const auto& f : dem.texts("files", "DEM files, globs or VRTs")) a.dem.push_back(resolve(f));
  if (a.dem.empty())
    throw Error(path + ": [dem] files: missing (give the DEM: a path, a list, a glob or a VRT)");
  dem.no_others();

  Fields border(path, subtable(path, root, "border"), "border");
  a.border = resolve(border.text("file", "", "a line layer in any OGR format"));
  if (a.border.empty()) throw Error(path + ": [border] file: missing (the border line layer)");
  a.border_layer = border.text("layer", "", "a layer name");
  a.border_where = border.text("where", "", "an OGR SQL filter");
  border.no_others();

  Fields own(path, subtable(path, root, "own_side"), "own_side");
  a.own_territory = resolve(own.text("territory", "", "own-territory polygons"));
  a.own_layer = own.text("layer", "", "a layer name");
  a.own_where = own.text("where", "", "an OGR SQL filter, e.g. \"A3 = 'BOL'\"");
  if (own.has("point")) {
    a.own_point = own.lonlat("point");
    a.own_point_label = own.where("point");
    a.own_point_label.resize(a.own_point_label.size() - 2);  // no trailing ": "
  }
  if (a.own_territory.empty() == !a.own_point.has_value())
    throw Error(path +
                ": [own_side]: give exactly one of territory (polygons) or point ([lon, lat])");
  own.no_others();

  const auto* corridor_table = subtable(path, root, "corridor");
  Fields cor(path, corridor_table, "corridor");
  a.corridor.own_width_m = 1000.0 * cor.number_in("own_width_km", 10.0, 0.0, 500.0, "km, 0-500");
  a.corridor.far_width_m = 1000.0 * cor.number_in("far_width_km", 5.0, 0.0, 500.0, "km, 0-500");
  a.corridor.edge_weight = cor.number_in("edge_weight", 0.25, 0.0, 1.0, "0-1");
  if (cor.has("weights") && corridor_table) {
    for (const auto* t : subtables(path, *corridor_table, "weights")) {
      Fields w(path, t, "corridor.weights");
      WeightLayerInput in;
      in.path = resolve(w.text("file", "", "a line or polygon layer"));
      if (in.path.empty()) w.fail("file", "missing (the layer's file)");
      in.weight = w.number("weight", 1.0, "the weight added");
      in.lines = w.choice("kind", "lines", {"lines", "polygons"}) == "lines";
      in.buffer_m = w.number_in("buffer_m", 1000.0, 0.0, 100000.0, "metres around lines");
      w.no_others();
      a.weights.push_back(in);
    }
  }
  cor.no_others();

  Fields air(path, subtable(path, root, "airspace"), "airspace");
  a.airspace.standoff_m = 1000.0 * air.number_in("standoff_km", 2.0, 0.0, 100.0, "km, 0-100");
  for (const auto& f : air.texts("no_fly", "no-fly polygon files")) a.no_fly.push_back(resolve(f));
  air.no_others();

}

/// [[bases]]: at least one.
void read_bases(const std::string& path, const toml::table& root, MissionConfig& m) {
  for (const auto* t : subtables(path, root, "bases")) {
    Fields b(path, t, "bases");
    (void)b.text("name", "", "a name");
    geo::Point2 p{};
    p.x = b.number_in("lon", NAN, -180.0, 180.0, "degrees");
    p.y = b.number_in("lat", NAN, -90.0, 90.0, "degrees");
    if (std::isnan(p.x) || std::isnan(p.y)) b.fail("lon", "lon and lat are both needed");
    const double hdg = b.number_in("runway_heading_deg", NAN, 0.0, 360.0, "compass degrees, 0-360");
    b.no_others();
    m.bases.push_back(p);
    m.runway_headings_deg.push_back(hdg);
    std::string label = b.where("lon");
    label.resize(label.size() - 6);  // "FILE line N: [bases] "
    while (!label.empty() && (label.back() == ' ' || label.back() == ':')) label.pop_back();
    m.base_labels.push_back(label);
    m.base_names.push_back(t->get("name") ? *t->get("name")->value<std::string>()
                                          : "base " + std::to_string(m.bases.size()));
  }
  if (m.bases.empty())
    throw Error(path + ": [[bases]]: missing (give at least one base airfield: name, lon, lat)");

}

/// [datalink] and [[stations]].
void read_datalink(const std::string& path, const toml::table& root, const Resolve& resolve,
                   MissionConfig& m) {
  Fields link(path, subtable(path, root, "datalink"), "datalink");
  m.stations = resolve(link.text("stations_file", "", "a CSV or point layer of stations"));
  m.station_antenna_m = link.number_in("antenna_m", 10.0, 0.0, 1000.0, "metres above ground");
  m.station_range_m = 1000.0 * link.number_in("range_km", 200.0, 1.0, 2000.0, "km");
  m.link.refraction_k = link.number_in("refraction_k", 0.25, -1.0, 1.0, "-1..1, radio 0.25");
  m.link.fresnel_fraction = link.number_in("fresnel_fraction", 0.0, 0.0, 1.0, "0-1");
  m.link.frequency_hz = 1e9 * link.number_in("frequency_ghz", 5.0, 0.01, 100.0, "GHz");
  m.link_mandatory = link.boolean("mandatory", false);
  link.no_others();
  for (const auto* t : subtables(path, root, "stations")) {
    Fields s(path, t, "stations");
    Station st;
    st.name = s.text("name", "station " + std::to_string(m.station_list.size() + 1), "a name");
    st.lonlat.x = s.number_in("lon", NAN, -180.0, 180.0, "degrees");
    st.lonlat.y = s.number_in("lat", NAN, -90.0, 90.0, "degrees");
    if (std::isnan(st.lonlat.x) || std::isnan(st.lonlat.y))
      s.fail("lon", "lon and lat are both needed");
    st.antenna_agl_m = s.number_in("antenna_m", m.station_antenna_m, 0.0, 1000.0, "metres");
    st.range_m = 1000.0 * s.number_in("range_km", m.station_range_m / 1000.0, 1.0, 2000.0, "km");
    s.no_others();
    st.where = s.where("lon");
    st.where.resize(st.where.size() - 6);  // "FILE line N: [stations] "
    while (!st.where.empty() && (st.where.back() == ' ' || st.where.back() == ':')) st.where.pop_back();
    m.station_list.push_back(st);
  }

}

/// [aircraft]: a preset, each figure overridable.
void read_aircraft(const std::string& path, const toml::table& root, MissionConfig& m) {
  Fields ac(path, subtable(path, root, "aircraft"), "aircraft");
  m.aircraft = aircraft_preset(ac.choice("preset", "mohajer6", aircraft_presets()));
  m.aircraft_count = static_cast<int>(ac.integer("count", 1, 1, 64, "1-64"));
  Aircraft& air_ = m.aircraft;
  air_.cruise_speed_kmh = ac.number_in("cruise_kmh", air_.cruise_speed_kmh, 10.0, 2000.0, "km/h");
  air_.endurance_h = ac.number_in("endurance_h", air_.endurance_h, 0.05, 200.0, "hours");
  air_.reserve_fraction = ac.number_in("reserve", air_.reserve_fraction, 0.0, 0.9, "0-0.9");
  air_.ceiling_m = ac.number_in("ceiling_m", air_.ceiling_m, 100.0, 30000.0, "metres AMSL");
  air_.min_clearance_m =
      ac.number_in("clearance_m", air_.min_clearance_m, 0.0, 5000.0, "metres above terrain");
  air_.turn_radius_m = ac.number_in("turn_radius_m", air_.turn_radius_m, 10.0, 20000.0, "metres");
  air_.climb_rate_ms = ac.number_in("climb_ms", air_.climb_rate_ms, 0.1, 100.0, "m/s");
  air_.descent_rate_ms = ac.number_in("descent_ms", air_.descent_rate_ms, 0.1, 100.0, "m/s");
  ac.no_others();

}

/// [sensor] and [candidates].
void read_sensor(const std::string& path, const toml::table& root, MissionConfig& m) {
  Fields sen(path, subtable(path, root, "sensor"), "sensor");
  m.sensor.task = sensor_task(sen.choice("task", "vehicle-detect", sensor_tasks()));
  if (sen.has("range_km"))
    m.sensor.task.range_m = 1000.0 * sen.number_in("range_km", 0.0, 0.1, 200.0, "km");
  m.sensor.min_grazing_deg = sen.number_in("min_grazing_deg", 5.0, 0.0, 89.0, "degrees 0-89");
  m.sensor.refraction_k = sen.number_in("refraction_k", 0.13, -1.0, 1.0, "-1..1, optical 0.13");
  sen.no_others();

  Fields can(path, subtable(path, root, "candidates"), "candidates");
  m.spacing_m = 1000.0 * can.number_in("spacing_km", 2.0, 0.1, 100.0, "km");
  m.tiers = static_cast<int>(can.integer("tiers", 3, 1, 20, "1-20"));
  m.aggregate = static_cast<int>(can.integer("aggregate", 1, 1, 50, "1-50"));
  m.points = static_cast<int>(can.integer("points", 30, 1, 500, "1-500"));
  can.no_others();

}

/// [mission]: objective, loiter, the optimiser's work, sampling, threads.
void read_mission(const std::string& path, const toml::table& root, MissionConfig& m) {
  Fields mis(path, subtable(path, root, "mission"), "mission");
  const std::string objective = mis.choice("objective", "coverage", {"coverage", "persistent"});
  m.persistent = objective == "persistent" ? m.aircraft_count : 0;
  m.loiter_s = 60.0 * mis.number_in("loiter_min", 5.0, 0.0, 600.0, "minutes");
  m.route_time_limit_s = mis.number_in("time_limit_s", 600.0, 1.0, 86400.0, "seconds");
  m.route_rounds = mis.integer("rounds", m.route_rounds, 1, 1000000, "optimiser rounds, 1-1000000");
  m.fleet_tolerance =
      mis.number_in("fleet_tolerance_percent", m.fleet_tolerance * 100.0, 0.0, 100.0, "%, 0-100") / 100.0;
  m.seed = static_cast<unsigned>(mis.integer("seed", 1, 0, 4294967295LL, "0-4294967295"));
  m.sensor.sample_spacing_m = mis.number_in("sample_spacing_m", 500.0, 10.0, 10000.0, "metres");
  m.threads = static_cast<int>(mis.integer("threads", 0, 0, 1024, "0 = all cores"));
  mis.no_others();

}

}  // namespace

Scenario read_scenario(const std::string& path) {
  if (!fs::exists(path)) throw Error(path + ": no such scenario file");
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw Error(path + " line " + std::to_string(e.source().begin.line) + ": " +
                std::string(e.description()) + " (the file must be TOML, docs/scenario.md)");
  }
  Scenario sc;
  sc.path = path;
  sc.sha256 = sha256_file(path);
  const fs::path dir = fs::absolute(path).parent_path();
  const Resolve resolve = [&dir](const std::string& p) {
    if (p.empty()) return p;
    const fs::path q(p);
    return q.is_absolute() ? p : (dir / q).lexically_normal().string();
  };
  {
    static const std::set<std::string> sections = {
        "scenario", "dem",      "border",   "own_side", "corridor",   "airspace", "bases",
        "datalink", "stations", "aircraft", "sensor",   "candidates", "mission",  "output"};
    for (const auto& [k, v] : root) {
      if (!sections.count(std::string(k.str()))) {
        std::string allowed;
        for (const auto& s : sections) allowed += (allowed.empty() ? "" : ", ") + s;
        throw Error(path + " line " + std::to_string(v.source().begin.line) +
                    ": unknown section '" + std::string(k.str()) + "' (allowed: " + allowed + ")");
      }
    }
  }
  MissionConfig& m = sc.mission;
  AreaInputs& a = m.area;

  Fields meta(path, subtable(path, root, "scenario"), "scenario");
  sc.name = meta.text("name", fs::path(path).stem().string(), "a name for the plan");
  (void)meta.text("description", "", "free text");
  meta.no_others();

  read_area(path, root, resolve, a);
  read_bases(path, root, m);
  read_datalink(path, root, resolve, m);
  read_aircraft(path, root, m);
  read_sensor(path, root, m);
  read_mission(path, root, m);

  Fields out(path, subtable(path, root, "output"), "output");
  sc.output_dir = resolve(out.text("directory", "", "a folder"));
  out.no_others();

  try {
    validate(m);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  return sc;
}

}  // namespace vigia::planner
