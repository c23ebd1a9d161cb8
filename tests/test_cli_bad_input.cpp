// Bad input, every command and the scenario file, data-driven (issue 15): each case
// must end with exit code 2 and exactly one line on stderr, "vigia: error: ...",
// naming the option or field and what is allowed (or the file and line); nothing may
// be written (no new file or folder where the outputs would go, nothing on stdout) and
// every input must be left as it was on disk (size, modification time, content).
//
// A case is one row of a table: the command, the arguments that replace or add to
// that command's small, valid base arguments, the files to make first in a fresh
// temporary folder, and the fragments stderr must hold. Placeholders:
//   {tmp}        the case's temporary folder (inputs and outputs live there)
//   {dem}        data/S33W071_srtm3.tif (lon -71..-70, lat -33..-32)
//   {border}     data/chile_argentina_border_osm_S33W071.geojson
//   {countries}  data/countries_S33W071_osm.geojson (own side: A3 = 'CHL')
//   {line}       the first line of the scenario that the case's edits wrote
// An option followed by {none} removes that option of the base.
//
// The CSV files with a UTF-8 byte-order mark are read, not refused (their own
// TEST_CASE below), and a ';'-separated CSV is either read or refused clearly (its
// first line is data, not a header: a refusal names line 1).

#include <gdal_priv.h>

#include <sys/wait.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support.hpp"
#include "vigia/geo/gdal_session.hpp"

using namespace vigia;
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------
// Files a case makes before the run.

enum class Make {
  Text,       ///< `lines`, each ended by '\n' (placeholders expanded)
  Copy,       ///< a copy of `src`
  Head,       ///< the first `bytes` bytes of `src` (a truncated file)
  Rgb,        ///< a 3-band Byte RGB GeoTIFF around lon -70.5, lat -32.5
  ScaleZero,  ///< a 1-band Float32 GeoTIFF around lon -70.5, lat -32.5 whose band scale is 0
  Scenario,   ///< the bundled sample scenario, made small, with `lines` as edits (see edit())
  Dir,        ///< a folder
};

struct FileSpec {
  Make kind = Make::Text;
  std::string path;
  std::vector<std::string> lines = {};
  std::string src = {};
  std::size_t bytes = 0;
};

FileSpec text(std::string path, std::vector<std::string> lines) {
  return {Make::Text, std::move(path), std::move(lines)};
}
FileSpec copy(std::string path, std::string src) {
  return {Make::Copy, std::move(path), {}, std::move(src)};
}
FileSpec head(std::string path, std::string src, std::size_t bytes) {
  return {Make::Head, std::move(path), {}, std::move(src), bytes};
}
FileSpec rgb(std::string path) {
  return {Make::Rgb, std::move(path)};
}
FileSpec scale_zero(std::string path) {
  return {Make::ScaleZero, std::move(path)};
}
FileSpec dir(std::string path) {
  return {Make::Dir, std::move(path)};
}
/// The sample scenario with edits, one per string:
///   "[section] key = value"  set (replace the key's line, or add it under the header)
///   "-[section] key"         remove the key's line
///   "-[section]"             remove every [section] / [[section]] table
///   "+any text"              append a line
FileSpec scenario(std::string path, std::vector<std::string> edits) {
  return {Make::Scenario, std::move(path), std::move(edits)};
}

// ---------------------------------------------------------------------------------
// The commands: small, valid base arguments (a second or so each) and their inputs.

struct Opt {
  std::string name;   ///< "" for a positional
  std::string value;  ///< "" for a flag
};

struct Command {
  std::vector<Opt> base;
  std::vector<FileSpec> files;
};

const std::vector<Opt>& area_base() {
  static const std::vector<Opt> a = {{"", "{DEM}"},
                                     {"--border", "{border}"},
                                     {"--own-territory", "{countries}"},
                                     {"--own-where", "A3 = 'CHL'"}};
  return a;
}

std::vector<Opt> concat(std::vector<Opt> a, const std::vector<Opt>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> c = {
      {"info", {{{"", "{DEM}"}}, {}}},
      {"viewshed",
       {{{"", "{DEM}"},
         {"", "{OUT}"},
         {"--observer", "-70.5,-32.5"},
         {"--altitude", "500"},
         {"--max-distance", "5000"},
         {"-q", ""}},
        {}}},
      {"coverage",
       {{{"", "{DEM}"},
         {"", "{OUT}"},
         {"--observers", "{tmp}/obs.csv"},
         {"--max-distance", "5000"},
         {"-q", ""}},
        {text("obs.csv", {"-70.62,-32.84,500", "-70.70,-32.45,500"})}}},
      {"corridor", {concat(area_base(), {{"--out", "{OUT}"}, {"-q", ""}}), {}}},
      {"link",
       {{{"", "{DEM}"},
         {"--stations", "{tmp}/stations.csv"},
         {"--range-km", "30"},
         {"--out", "{OUT}"},
         {"-q", ""}},
        {text("stations.csv", {"-70.62,-32.84", "-70.70,-32.45"})}}},
      {"select",
       {concat(area_base(), {{"--spacing-km", "4"},
                             {"--tiers", "2"},
                             {"--aggregate", "4"},
                             {"--task", "vehicle-recognise"},
                             {"--count", "3"},
                             {"--time-limit", "2"},
                             {"--out", "{OUT}"},
                             {"-q", ""}}),
        {}}},
      {"route",
       {concat(area_base(), {{"--spacing-km", "4"},
                             {"--tiers", "2"},
                             {"--aggregate", "4"},
                             {"--task", "vehicle-recognise"},
                             {"--points", "8"},
                             {"--endurance-h", "4"},
                             {"--loiter-min", "2"},
                             {"--time-limit", "2"},
                             {"--base", "-70.61,-32.83"},
                             {"--out", "{OUT}"},
                             {"-q", ""}}),
        {}}},
      {"plan", {{{"", "{IN}"}, {"--out", "{OUT}"}, {"-q", ""}}, {scenario("scenario.toml", {})}}},
      {"check",
       {{{"", "{IN}"}, {"--dem", "{DEM}"}, {"-q", ""}},
        {text("mission.waypoints",
              {"QGC WPL 110", "0\t1\t0\t16\t0\t0\t0\t0\t-32.83\t-70.61\t820\t1",
               "1\t0\t3\t22\t15\t0\t0\t0\t-32.83\t-70.60\t300\t1",
               "2\t0\t3\t16\t0\t0\t0\t0\t-32.80\t-70.55\t1500\t1",
               "3\t0\t3\t21\t0\t0\t0\t0\t-32.83\t-70.61\t0\t1"})}}},
  };
  return c;
}

/// Default positionals and output of each command.
std::string default_dem(const std::string&) {
  return "{dem}";
}
std::string default_out(const std::string& cmd) {
  if (cmd == "viewshed") return "{tmp}/vs.tif";
  if (cmd == "coverage") return "{tmp}/cov.tif";
  if (cmd == "plan") return "{tmp}/pkg";
  return "{tmp}/out";
}
std::string default_in(const std::string& cmd) {
  if (cmd == "plan") return "{tmp}/scenario.toml";
  if (cmd == "check") return "{tmp}/mission.waypoints";
  return "";
}

// ---------------------------------------------------------------------------------
// The table row.

struct Case {
  std::string name;
  std::string cmd;
  std::vector<std::string> args;    ///< replace the base's options of the same names, or add
  std::vector<std::string> expect;  ///< fragments stderr must hold
  std::vector<FileSpec> files = {};
  std::string dem = {};  ///< positional DEM ({DEM}); default {dem}
  std::string out = {};  ///< output file or folder ({OUT}); default per command
  std::string in = {};   ///< scenario or mission ({IN}); default per command
};

struct Context {
  fs::path tmp;
  int line = 0;  ///< the last edited scenario line
};

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

const std::string& data_file(const std::string& name) {
  static std::map<std::string, std::string> paths;
  auto it = paths.find(name);
  if (it == paths.end()) it = paths.emplace(name, test::project_data(name)).first;
  return it->second;
}
const std::string& dem_file() {
  return data_file("S33W071_srtm3.tif");
}
const std::string& border_file() {
  return data_file("chile_argentina_border_osm_S33W071.geojson");
}
const std::string& countries_file() {
  return data_file("countries_S33W071_osm.geojson");
}
const std::string& sample_file() {
  return data_file("sample_scenario.toml");
}

std::string expand(std::string s, const Context& ctx) {
  replace_all(s, "{tmp}", ctx.tmp.string());
  replace_all(s, "{dem}", dem_file());
  replace_all(s, "{border}", border_file());
  replace_all(s, "{countries}", countries_file());
  replace_all(s, "{line}", std::to_string(ctx.line));
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// --- scenario edits ---

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool is_header(const std::string& line, const std::string& section) {
  const std::string t = trim(line.substr(0, line.find('#')));
  return t == "[" + section + "]" || t == "[[" + section + "]]";
}
bool is_any_header(const std::string& line) {
  return trim(line).rfind('[', 0) == 0;
}
bool is_key(const std::string& line, const std::string& key) {
  const std::string t = trim(line);
  if (t.rfind(key, 0) != 0) return false;
  const std::string rest = trim(t.substr(key.size()));
  return !rest.empty() && rest[0] == '=';
}

/// Applies one edit; returns the 1-based line it wrote (0 when it removed something).
int edit(std::vector<std::string>& lines, const std::string& e) {
  if (e.rfind('+', 0) == 0) {
    lines.push_back(e.substr(1));
    return static_cast<int>(lines.size());
  }
  const bool remove = e.rfind('-', 0) == 0;
  const std::string body = remove ? e.substr(1) : e;
  const auto close = body.find(']');
  REQUIRE((body.rfind('[', 0) == 0 && close != std::string::npos));
  const std::string section = body.substr(1, close - 1);
  const std::string rest = trim(body.substr(close + 1));
  if (remove && rest.empty()) {
    std::vector<std::string> kept;
    bool inside = false;
    for (const auto& l : lines) {
      if (is_any_header(l)) inside = is_header(l, section);
      if (!inside) kept.push_back(l);
    }
    REQUIRE(kept.size() < lines.size());
    lines = kept;
    return 0;
  }
  const std::string key = trim(rest.substr(0, rest.find('=')));
  std::size_t h = 0;
  while (h < lines.size() && !is_header(lines[h], section)) ++h;
  if (h == lines.size()) {
    REQUIRE_FALSE(remove);
    lines.push_back("[" + section + "]");
    lines.push_back(rest);
    return static_cast<int>(lines.size());
  }
  std::size_t end = h + 1;
  while (end < lines.size() && !is_any_header(lines[end])) ++end;
  for (std::size_t i = h + 1; i < end; ++i) {
    if (!is_key(lines[i], key)) continue;
    if (remove) {
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
      return 0;
    }
    lines[i] = rest;
    return static_cast<int>(i) + 1;
  }
  REQUIRE_FALSE(remove);
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(h) + 1, rest);
  return static_cast<int>(h) + 2;
}

/// The bundled sample with absolute paths, made quick (one aircraft, a coarse lattice,
/// no ground stations, a one-second optimiser), its package going to {tmp}/pkg.
const std::vector<std::string>& small_sample_edits() {
  static const std::vector<std::string> e = {
      "[dem] files = [\"{dem}\"]",
      "[border] file = \"{border}\"",
      "[own_side] territory = \"{countries}\"",
      "-[stations]",
      "[aircraft] count = 1",
      "[candidates] spacing_km = 6",
      "[candidates] tiers = 2",
      "[candidates] aggregate = 4",
      "[candidates] points = 4",
      "[mission] loiter_min = 2",
      "[mission] time_limit_s = 1",
      "[output] directory = \"{tmp}/pkg\"",
  };
  return e;
}

void make_file(const FileSpec& f, Context& ctx) {
  const fs::path path = ctx.tmp / expand(f.path, ctx);
  fs::create_directories(path.parent_path());
  switch (f.kind) {
    case Make::Text: {
      std::ofstream out(path, std::ios::binary);
      for (const auto& l : f.lines) out << expand(l, ctx) << '\n';
      break;
    }
    case Make::Copy:
      fs::copy_file(expand(f.src, ctx), path, fs::copy_options::overwrite_existing);
      break;
    case Make::Head: {
      const std::string all = slurp(expand(f.src, ctx));
      REQUIRE(all.size() > f.bytes);
      std::ofstream(path, std::ios::binary) << all.substr(0, f.bytes);
      break;
    }
    case Make::Rgb: {
      geo::gdal_init();
      GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
      REQUIRE(drv != nullptr);
      char** opts = CSLSetNameValue(nullptr, "PHOTOMETRIC", "RGB");
      GDALDataset* ds = drv->Create(path.c_str(), 100, 100, 3, GDT_Byte, opts);
      CSLDestroy(opts);
      REQUIRE(ds != nullptr);
      double gt[6] = {-70.6, 0.002, 0.0, -32.4, 0.0, -0.002};
      ds->SetGeoTransform(gt);
      OGRSpatialReference srs;
      REQUIRE(srs.SetFromUserInput("EPSG:4326") == OGRERR_NONE);
      ds->SetSpatialRef(&srs);
      std::vector<std::uint8_t> px(100 * 100);
      for (int b = 1; b <= 3; ++b) {
        for (std::size_t i = 0; i < px.size(); ++i)
          px[i] = static_cast<std::uint8_t>((i * b) % 251);
        REQUIRE(ds->GetRasterBand(b)->RasterIO(GF_Write, 0, 0, 100, 100, px.data(), 100, 100,
                                               GDT_Byte, 0, 0, nullptr) == CE_None);
      }
      GDALClose(ds);
      break;
    }
    case Make::ScaleZero: {
      test::GridSpec spec;
      spec.cols = 100;
      spec.rows = 100;
      spec.geotransform = {-70.6, 0.002, 0.0, -32.4, 0.0, -0.002};
      spec.scale = 0.0;
      std::vector<float> z(100 * 100);
      for (std::size_t i = 0; i < z.size(); ++i) z[i] = 1000.0f + static_cast<float>(i % 100);
      test::write_raster(path.string(), spec, z);
      break;
    }
    case Make::Scenario: {
      std::vector<std::string> lines;
      std::istringstream in(slurp(sample_file()));
      for (std::string l; std::getline(in, l);) lines.push_back(l);
      for (const auto& e : small_sample_edits()) edit(lines, expand(e, ctx));
      for (const auto& e : f.lines) {
        const int at = edit(lines, expand(e, ctx));
        if (at > 0 && ctx.line == 0) ctx.line = at;  // the first line an edit wrote
      }
      std::ofstream out(path, std::ios::binary);
      for (const auto& l : lines) out << l << '\n';
      break;
    }
    case Make::Dir:
      fs::create_directories(path);
      break;
  }
}

// ---------------------------------------------------------------------------------
// Running and the state of the disk.

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

std::string shown(const std::vector<std::string>& args) {
  std::string s = "vigia";
  for (const auto& a : args) s += " " + quote(a);
  return s;
}

/// test::run_vigia, but a command that starts the work it should have refused is
/// stopped after `limit_s` (exit 124) instead of holding the suite up.
test::CliResult run_capped(const std::vector<std::string>& args, int limit_s = 120) {
  test::TempDir io;
  std::string cmd = "timeout -k 5 " + std::to_string(limit_s) + " " + quote(test::vigia_exe());
  for (const auto& a : args) cmd.append(" ").append(quote(a));
  cmd.append(" >").append(quote(io.file("out"))).append(" 2>").append(quote(io.file("err")));
  cmd.append(" </dev/null");
  const int status = std::system(cmd.c_str());
  test::CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(io.path() / "out");
  r.err = slurp(io.path() / "err");
  return r;
}

struct FileState {
  std::uintmax_t size = 0;
  fs::file_time_type mtime;
  std::size_t hash = 0;
  bool operator==(const FileState& o) const {
    return size == o.size && mtime == o.mtime && hash == o.hash;
  }
};

struct DiskState {
  std::set<std::string> entries;           ///< everything under the case's folder
  std::map<std::string, FileState> files;  ///< every input file (the folder's and the team data)
};

DiskState snapshot(const fs::path& tmp, const std::vector<std::string>& data_files) {
  DiskState s;
  const auto add_file = [&](const fs::path& p) {
    s.files[p.string()] = {fs::file_size(p), fs::last_write_time(p),
                           std::hash<std::string>{}(slurp(p))};
  };
  for (const auto& e : fs::recursive_directory_iterator(tmp)) {
    s.entries.insert(fs::relative(e.path(), tmp).string() + (e.is_directory() ? "/" : ""));
    if (e.is_regular_file()) add_file(e.path());
  }
  for (const auto& f : data_files) add_file(f);
  for (const auto& e : fs::directory_iterator(fs::path(sample_file()).parent_path()))
    s.entries.insert("data:" + e.path().filename().string());
  return s;
}

std::string list(const std::set<std::string>& s) {
  std::string out;
  for (const auto& e : s) out += (out.empty() ? "" : ", ") + e;
  return out.empty() ? "(none)" : out;
}

/// The arguments of a case: the command's base with the case's options replacing those
/// of the same name, then the case's arguments.
std::vector<std::string> arguments(const Case& c, const Context& ctx) {
  const Command& cmd = commands().at(c.cmd);
  std::set<std::string> overridden;
  for (const auto& a : c.args) {
    if (a.rfind("--", 0) == 0) overridden.insert(a.substr(0, a.find('=')));
  }
  const auto fill = [&](std::string s) {
    replace_all(s, "{DEM}", c.dem.empty() ? default_dem(c.cmd) : c.dem);
    replace_all(s, "{OUT}", c.out.empty() ? default_out(c.cmd) : c.out);
    replace_all(s, "{IN}", c.in.empty() ? default_in(c.cmd) : c.in);
    return expand(s, ctx);
  };
  std::vector<std::string> args = {c.cmd};
  for (const auto& o : cmd.base) {
    if (!o.name.empty() && overridden.count(o.name)) continue;
    if (o.name.empty()) {
      args.push_back(fill(o.value));
    } else if (o.value.empty()) {
      args.push_back(o.name);
    } else {
      const std::string v = fill(o.value);
      if (v.rfind('-', 0) == 0) {
        args.push_back(o.name + "=" + v);  // a negative number is not taken for an option
      } else {
        args.push_back(o.name);
        args.push_back(v);
      }
    }
  }
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    const std::string& a = c.args[i];
    const bool option = a.rfind("--", 0) == 0 && a.find('=') == std::string::npos;
    const std::string next = i + 1 < c.args.size() ? c.args[i + 1] : "";
    if (option && next == "{none}") {
      ++i;  // the base's option is removed, nothing added
    } else if (option && next.rfind('-', 0) == 0 && next.rfind("--", 0) != 0) {
      args.push_back(a + "=" + fill(next));  // a negative number is not taken for an option
      ++i;
    } else {
      args.push_back(fill(a));
    }
  }
  return args;
}

/// Makes the case's files, runs it, and checks the whole bad-input contract.
void run_case(const Case& c) {
  test::TempDir tmp;
  Context ctx{tmp.path()};
  for (const auto& f : commands().at(c.cmd).files) make_file(f, ctx);
  ctx.line = 0;
  for (const auto& f : c.files) make_file(f, ctx);
  const std::vector<std::string> data = {dem_file(), border_file(), countries_file(),
                                         sample_file()};
  const std::vector<std::string> args = arguments(c, ctx);
  const DiskState before = snapshot(ctx.tmp, data);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_capped(args);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const DiskState after = snapshot(ctx.tmp, data);

  std::set<std::string> added, removed, changed;
  for (const auto& e : after.entries)
    if (!before.entries.count(e)) added.insert(e);
  for (const auto& e : before.entries)
    if (!after.entries.count(e)) removed.insert(e);
  for (const auto& [p, st] : before.files) {
    const auto it = after.files.find(p);
    if (it != after.files.end() && !(it->second == st)) changed.insert(p);
  }

  INFO("case: " << c.name);
  INFO("run: " << shown(args));
  INFO("exit " << r.code << " after " << seconds << " s; stderr (" << test::line_count(r.err)
               << " lines): " << r.err << "stdout: " << r.out.substr(0, 300));
  INFO("new: " << list(added) << "; gone: " << list(removed) << "; changed: " << list(changed));
  CHECK(r.code == 2);
  CHECK(test::line_count(r.err) == 1);
  CHECK_THAT(r.err, Catch::StartsWith("vigia: error: "));
  for (const auto& e : c.expect) CHECK_THAT(r.err, Catch::Contains(expand(e, ctx)));
  CHECK(r.out.empty());
  CHECK(added.empty());    // no output written (file, folder, working folder)
  CHECK(removed.empty());  // no input or user's file taken away
  CHECK(changed.empty());  // every input unchanged on disk
}

void run_table(const std::vector<Case>& cases) {
  std::set<std::string> names;
  for (const auto& c : cases) names.insert(c.name);
  REQUIRE(names.size() == cases.size());  // names are unique: they name the sections
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      run_case(c);
    }
  }
}

// ---------------------------------------------------------------------------------
// The tables.

// "allowed": every option error says what is allowed (docs/cli.md:
// `vigia: error: <file or option>: <problem> (allowed: ...)`).
const std::string kAllowed = "allowed";

const std::vector<Case>& number_cases() {
  static const std::vector<Case> t = {
      // viewshed
      {"viewshed --altitude nan", "viewshed", {"--altitude", "nan"}, {"--altitude", kAllowed}},
      {"viewshed --altitude inf", "viewshed", {"--altitude", "inf"}, {"--altitude", kAllowed}},
      {"viewshed --altitude 1e999", "viewshed", {"--altitude", "1e999"}, {"--altitude", kAllowed}},
      {"viewshed --altitude -inf --amsl",
       "viewshed",
       {"--altitude", "-inf", "--amsl"},
       {"--altitude", kAllowed}},
      {"viewshed --max-distance 0",
       "viewshed",
       {"--max-distance", "0"},
       {"--max-distance", kAllowed}},
      {"viewshed --max-distance -100",
       "viewshed",
       {"--max-distance", "-100"},
       {"--max-distance", kAllowed}},
      {"viewshed --max-distance nan",
       "viewshed",
       {"--max-distance", "nan"},
       {"--max-distance", kAllowed}},
      {"viewshed --min-distance above --max-distance",
       "viewshed",
       {"--min-distance", "6000"},
       {"--min-distance", "--max-distance"}},
      {"viewshed --tie-margin nan",
       "viewshed",
       {"--tie-margin", "nan"},
       {"--tie-margin", kAllowed}},
      {"viewshed --tie-margin -1", "viewshed", {"--tie-margin", "-1"}, {"--tie-margin", kAllowed}},
      {"viewshed --target-height nan",
       "viewshed",
       {"--target-height", "nan"},
       {"--target-height", kAllowed}},
      {"viewshed --max-slant-range inf",
       "viewshed",
       {"--max-slant-range", "inf"},
       {"--max-slant-range", kAllowed}},
      {"viewshed --k nan", "viewshed", {"--k", "nan"}, {"--k", kAllowed}},
      {"viewshed --min-grazing 95",
       "viewshed",
       {"--min-grazing", "95"},
       {"--min-grazing", kAllowed}},
      {"viewshed --azimuth nan,90", "viewshed", {"--azimuth", "nan,90"}, {"--azimuth", kAllowed}},
      {"viewshed --observer nan,-32.5",
       "viewshed",
       {"--observer", "nan,-32.5"},
       {"--observer", kAllowed}},
      {"viewshed --threads -1", "viewshed", {"--threads", "-1"}, {"--threads", kAllowed}},
      // coverage
      {"coverage --max-distance nan",
       "coverage",
       {"--max-distance", "nan"},
       {"--max-distance", kAllowed}},
      {"coverage --target-height inf",
       "coverage",
       {"--target-height", "inf"},
       {"--target-height", kAllowed}},
      {"coverage --tie-margin -1", "coverage", {"--tie-margin", "-1"}, {"--tie-margin", kAllowed}},
      {"coverage --threads -1", "coverage", {"--threads", "-1"}, {"--threads", kAllowed}},
      // corridor
      {"corridor --standoff-km nan",
       "corridor",
       {"--standoff-km", "nan"},
       {"--standoff-km", kAllowed}},
      {"corridor --standoff-km -1",
       "corridor",
       {"--standoff-km", "-1"},
       {"--standoff-km", kAllowed}},
      {"corridor --own-width-km nan",
       "corridor",
       {"--own-width-km", "nan"},
       {"--own-width-km", kAllowed}},
      {"corridor --own-width-km 0",
       "corridor",
       {"--own-width-km", "0"},
       {"--own-width-km", kAllowed}},
      {"corridor --far-width-km 1e999",
       "corridor",
       {"--far-width-km", "1e999"},
       {"--far-width-km", kAllowed}},
      {"corridor --edge-weight 2", "corridor", {"--edge-weight", "2"}, {"--edge-weight", kAllowed}},
      {"corridor --clearance nan", "corridor", {"--clearance", "nan"}, {"--clearance", kAllowed}},
      {"corridor --clearance -5", "corridor", {"--clearance", "-5"}, {"--clearance", kAllowed}},
      {"corridor --ceiling inf", "corridor", {"--ceiling", "inf"}, {"--ceiling", kAllowed}},
      {"corridor --ceiling 0", "corridor", {"--ceiling", "0"}, {"--ceiling", kAllowed}},
      {"corridor --weight-lines FILE:nan",
       "corridor",
       {"--weight-lines", "{border}:nan"},
       {"--weight-lines", kAllowed}},
      // link
      {"link --antenna nan", "link", {"--antenna", "nan"}, {"--antenna", kAllowed}},
      {"link --antenna -5", "link", {"--antenna", "-5"}, {"--antenna", kAllowed}},
      {"link --ceiling nan", "link", {"--ceiling", "nan"}, {"--ceiling", kAllowed}},
      {"link --ceiling -100", "link", {"--ceiling", "-100"}, {"--ceiling", kAllowed}},
      {"link --at-altitude nan", "link", {"--at-altitude", "nan"}, {"--at-altitude", kAllowed}},
      {"link --at-altitude inf", "link", {"--at-altitude", "inf"}, {"--at-altitude", kAllowed}},
      {"link --range-km nan", "link", {"--range-km", "nan"}, {"--range-km", kAllowed}},
      {"link --range-km 0", "link", {"--range-km", "0"}, {"--range-km", kAllowed}},
      {"link --k nan", "link", {"--k", "nan"}, {"--k", kAllowed}},
      {"link --fresnel 2", "link", {"--fresnel", "2"}, {"--fresnel", kAllowed}},
      {"link --threads -1", "link", {"--threads", "-1"}, {"--threads", kAllowed}},
      // select
      {"select --sensor-range-km nan",
       "select",
       {"--sensor-range-km", "nan"},
       {"--sensor-range-km", kAllowed}},
      {"select --sensor-range-km -5",
       "select",
       {"--sensor-range-km", "-5"},
       {"--sensor-range-km", kAllowed}},
      {"select --spacing-km nan", "select", {"--spacing-km", "nan"}, {"--spacing-km", kAllowed}},
      {"select --spacing-km 0", "select", {"--spacing-km", "0"}, {"--spacing-km", kAllowed}},
      {"select --aggregate 100000", "select", {"--aggregate", "100000"}, {"--aggregate", kAllowed}},
      {"select --aggregate 0", "select", {"--aggregate", "0"}, {"--aggregate", kAllowed}},
      {"select --tiers 0", "select", {"--tiers", "0"}, {"--tiers", kAllowed}},
      {"select --count 0", "select", {"--count", "0"}, {"--count", kAllowed}},
      {"select --time-limit nan", "select", {"--time-limit", "nan"}, {"--time-limit", kAllowed}},
      {"select --link-range-km nan",
       "select",
       {"--link-range-km", "nan"},
       {"--link-range-km", kAllowed}},
      {"select --threads -1", "select", {"--threads", "-1"}, {"--threads", kAllowed}},
      // route
      {"route --endurance-h nan", "route", {"--endurance-h", "nan"}, {"--endurance-h", kAllowed}},
      {"route --count 1000 (above the cap of 64)",
       "route",
       {"--count", "1000"},
       {"--count", "64", kAllowed}},
      {"route --time-limit nan", "route", {"--time-limit", "nan"}, {"--time-limit", kAllowed}},
      {"route --cruise-kmh inf", "route", {"--cruise-kmh", "inf"}, {"--cruise-kmh", kAllowed}},
      {"route --reserve nan", "route", {"--reserve", "nan"}, {"--reserve", kAllowed}},
      {"route --loiter-min nan", "route", {"--loiter-min", "nan"}, {"--loiter-min", kAllowed}},
      {"route --points 0", "route", {"--points", "0"}, {"--points", kAllowed}},
      {"route --persistent -1", "route", {"--persistent", "-1"}, {"--persistent", kAllowed}},
      {"route --clearance nan", "route", {"--clearance", "nan"}, {"--clearance", kAllowed}},
      {"route --ceiling nan", "route", {"--ceiling", "nan"}, {"--ceiling", kAllowed}},
      {"route --threads -1", "route", {"--threads", "-1"}, {"--threads", kAllowed}},
      // plan
      {"plan --time-limit nan", "plan", {"--time-limit", "nan"}, {"--time-limit", kAllowed}},
      {"plan --time-limit -5", "plan", {"--time-limit", "-5"}, {"--time-limit", kAllowed}},
      {"plan --threads -1", "plan", {"--threads", "-1"}, {"--threads", kAllowed}},
      // check
      {"check --clearance nan", "check", {"--clearance", "nan"}, {"--clearance", kAllowed}},
      {"check --ceiling 0", "check", {"--ceiling", "0"}, {"--ceiling", kAllowed}},
      {"check --loiter-radius nan",
       "check",
       {"--loiter-radius", "nan"},
       {"--loiter-radius", kAllowed}},
      {"check --endurance-h nan", "check", {"--endurance-h", "nan"}, {"--endurance-h", kAllowed}},
      {"check --reserve 1", "check", {"--reserve", "1"}, {"--reserve", kAllowed}},
      {"check --base-zone-km -1", "check", {"--base-zone-km", "-1"}, {"--base-zone-km", kAllowed}},
  };
  return t;
}

const std::vector<Case>& data_loss_cases() {
  static const std::vector<Case> t = {
      {"viewshed OUT is the DEM",
       "viewshed",
       {},
       {"dem.tif"},
       {copy("dem.tif", "{dem}")},
       "{tmp}/dem.tif",
       "{tmp}/dem.tif"},
      {"viewshed OUT is the DEM spelt another way",
       "viewshed",
       {},
       {"dem.tif"},
       {copy("dem.tif", "{dem}")},
       "{tmp}/dem.tif",
       "{tmp}/./dem.tif"},
      {"viewshed --rise is the DEM",
       "viewshed",
       {"--rise", "{tmp}/dem.tif"},
       {"dem.tif"},
       {copy("dem.tif", "{dem}")},
       "{tmp}/dem.tif"},
      {"viewshed --rise is OUT", "viewshed", {"--rise", "{tmp}/vs.tif"}, {"vs.tif"}},
      {"coverage OUT is the DEM",
       "coverage",
       {},
       {"dem.tif"},
       {copy("dem.tif", "{dem}")},
       "{tmp}/dem.tif",
       "{tmp}/dem.tif"},
      {"coverage OUT is the observers file", "coverage", {}, {"obs.csv"}, {}, {}, "{tmp}/obs.csv"},
      {"coverage --visible-sets is the DEM",
       "coverage",
       {"--visible-sets", "{tmp}/dem.tif"},
       {"dem.tif"},
       {copy("dem.tif", "{dem}")},
       "{tmp}/dem.tif"},
      {"plan --out a user's folder (thesis.tex) with --overwrite",
       "plan",
       {"--overwrite"},
       {"{tmp}/mine"},
       {dir("mine"), text("mine/thesis.tex", {"\\documentclass{article}"})},
       {},
       "{tmp}/mine"},
      {"plan --out a user's folder (thesis.tex) without --overwrite",
       "plan",
       {},
       {"{tmp}/mine"},
       {dir("mine"), text("mine/thesis.tex", {"\\documentclass{article}"})},
       {},
       "{tmp}/mine"},
      {"plan --out the folder holding the scenario, --overwrite",
       "plan",
       {"--overwrite"},
       {"{tmp}"},
       {},
       {},
       "{tmp}"},
      {"plan --out the folder holding the DEM, --overwrite",
       "plan",
       {"--overwrite"},
       {"{tmp}/demdir"},
       {copy("demdir/dem.tif", "{dem}"),
        scenario("scenario.toml", {"[dem] files = [\"{tmp}/demdir/dem.tif\"]"})},
       {},
       "{tmp}/demdir"},
      {"plan --out a folder above the DEM's, --overwrite",
       "plan",
       {"--overwrite"},
       {"{tmp}/work"},
       {copy("work/dem/dem.tif", "{dem}"),
        scenario("scenario.toml", {"[dem] files = [\"{tmp}/work/dem/dem.tif\"]"})},
       {},
       "{tmp}/work"},
      {"plan --out the scenario file",
       "plan",
       {"--overwrite"},
       {"scenario.toml"},
       {},
       {},
       "{tmp}/scenario.toml"},
      {"plan [output] directory is the scenario's folder, --overwrite",
       "plan",
       {"--overwrite", "--out", "{none}"},
       {"{tmp}"},
       {scenario("scenario.toml", {"[output] directory = \".\""})}},
      {"check --violations is the DEM",
       "check",
       {"--violations", "{tmp}/dem.tif"},
       {"dem.tif"},
       {copy("dem.tif", "{dem}")},
       "{tmp}/dem.tif"},
      {"check --profile is the mission file",
       "check",
       {"--profile", "{tmp}/mission.waypoints"},
       {"mission.waypoints"}},
      {"check --violations is the DEM spelt another way",
       "check",
       {"--violations", "{tmp}/./dem.tif"},
       {"dem.tif"},
       {copy("dem.tif", "{dem}")},
       "{tmp}/dem.tif"},
  };
  return t;
}

const std::vector<Case>& file_cases() {
  static const std::vector<Case> t = {
      // A truncated GeoTIFF: the first 300 bytes of the DEM.
      {"info truncated GeoTIFF",
       "info",
       {},
       {"trunc.tif"},
       {head("trunc.tif", "{dem}", 300)},
       "{tmp}/trunc.tif"},
      {"viewshed truncated GeoTIFF",
       "viewshed",
       {},
       {"trunc.tif"},
       {head("trunc.tif", "{dem}", 300)},
       "{tmp}/trunc.tif"},
      {"corridor truncated GeoTIFF",
       "corridor",
       {},
       {"trunc.tif"},
       {head("trunc.tif", "{dem}", 300)},
       "{tmp}/trunc.tif"},
      {"check --dem truncated GeoTIFF",
       "check",
       {},
       {"trunc.tif"},
       {head("trunc.tif", "{dem}", 300)},
       "{tmp}/trunc.tif"},
      // Truncated after the header: the file opens, its tiles are cut off.
      {"info GeoTIFF cut off in its tiles",
       "info",
       {},
       {"trunc.tif"},
       {head("trunc.tif", "{dem}", 700000)},
       "{tmp}/trunc.tif"},
      {"viewshed GeoTIFF cut off in its tiles",
       "viewshed",
       {},
       {"trunc.tif"},
       {head("trunc.tif", "{dem}", 700000)},
       "{tmp}/trunc.tif"},
      // A VRT whose source is missing.
      {"info VRT with a missing source",
       "info",
       {},
       {"broken.vrt"},
       {text("broken.vrt",
             {"<VRTDataset rasterXSize=\"100\" rasterYSize=\"100\">", "  <SRS>EPSG:4326</SRS>",
              "  <GeoTransform>-70.6, 0.002, 0, -32.4, 0, -0.002</GeoTransform>",
              "  <VRTRasterBand dataType=\"Float32\" band=\"1\">", "    <SimpleSource>",
              "      <SourceFilename relativeToVRT=\"1\">gone.tif</SourceFilename>",
              "      <SourceBand>1</SourceBand>", "    </SimpleSource>", "  </VRTRasterBand>",
              "</VRTDataset>"})},
       "{tmp}/broken.vrt"},
      {"viewshed VRT with a missing source",
       "viewshed",
       {},
       {"broken.vrt"},
       {text("broken.vrt",
             {"<VRTDataset rasterXSize=\"100\" rasterYSize=\"100\">", "  <SRS>EPSG:4326</SRS>",
              "  <GeoTransform>-70.6, 0.002, 0, -32.4, 0, -0.002</GeoTransform>",
              "  <VRTRasterBand dataType=\"Float32\" band=\"1\">", "    <SimpleSource>",
              "      <SourceFilename relativeToVRT=\"1\">gone.tif</SourceFilename>",
              "      <SourceBand>1</SourceBand>", "    </SimpleSource>", "  </VRTRasterBand>",
              "</VRTDataset>"})},
       "{tmp}/broken.vrt"},
      // A 3-band RGB picture given as the DEM.
      {"info 3-band RGB GeoTIFF",
       "info",
       {},
       {"rgb.tif", "band"},
       {rgb("rgb.tif")},
       "{tmp}/rgb.tif"},
      {"viewshed 3-band RGB GeoTIFF",
       "viewshed",
       {},
       {"rgb.tif", "band"},
       {rgb("rgb.tif")},
       "{tmp}/rgb.tif"},
      // A DEM whose band scale is 0 (every elevation would read 0).
      {"info DEM with band scale 0",
       "info",
       {},
       {"scale0.tif", "scale"},
       {scale_zero("scale0.tif")},
       "{tmp}/scale0.tif"},
      {"viewshed DEM with band scale 0",
       "viewshed",
       {},
       {"scale0.tif", "scale"},
       {scale_zero("scale0.tif")},
       "{tmp}/scale0.tif"},
      // Borders and other vector files.
      {"corridor --border empty file",
       "corridor",
       {"--border", "{tmp}/empty.geojson"},
       {"empty.geojson"},
       {text("empty.geojson", {})}},
      {"corridor --border without features",
       "corridor",
       {"--border", "{tmp}/none.geojson"},
       {"none.geojson"},
       {text("none.geojson", {R"({"type": "FeatureCollection", "features": []})"})}},
      {"corridor --no-fly empty file",
       "corridor",
       {"--no-fly", "{tmp}/empty.geojson"},
       {"empty.geojson"},
       {text("empty.geojson", {})}},
      {"check --airspace empty file",
       "check",
       {"--airspace", "{tmp}/empty.geojson"},
       {"empty.geojson"},
       {text("empty.geojson", {})}},
      {"corridor --own-point outside the DEM (far)",
       "corridor",
       {"--own-point", "-65,-32.5", "--own-territory", "{none}", "--own-where", "{none}"},
       {"--own-point", "DEM"}},
      {"corridor --own-point outside the DEM (just south)",
       "corridor",
       {"--own-point", "-70.9,-33.2", "--own-territory", "{none}", "--own-where", "{none}"},
       {"--own-point", "DEM"}},
      {"corridor bad --own-where filter",
       "corridor",
       {"--own-where", "A3 = = 'CHL'"},
       {"A3 = = 'CHL'"}},
      {"corridor bad --border-where filter",
       "corridor",
       {"--border-where", "nosuchfield = 1"},
       {"nosuchfield = 1"}},
      {"select bad --own-where filter",
       "select",
       {"--own-where", "A3 IN ('CHL'"},
       {"A3 IN ('CHL'"}},
      // Points outside the DEM, and bad point files.
      {"viewshed --observer outside the DEM",
       "viewshed",
       {"--observer", "-65,-32.5"},
       {"--observer", "DEM"}},
      {"coverage observer outside the DEM (file and line)",
       "coverage",
       {},
       {"obs.csv", "line 2"},
       {text("obs.csv", {"-70.62,-32.84,500", "-65.00,-32.50,500"})}},
      {"coverage observer altitude not a number (file and line)",
       "coverage",
       {},
       {"obs.csv", "line 2"},
       {text("obs.csv", {"-70.62,-32.84,500", "-70.70,-32.45,abc"})}},
      {"coverage observer altitude nan (file and line)",
       "coverage",
       {},
       {"obs.csv", "line 1"},
       {text("obs.csv", {"-70.62,-32.84,nan", "-70.70,-32.45,500"})}},
      {"coverage observers file missing",
       "coverage",
       {"--observers", "{tmp}/nowhere.csv"},
       {"nowhere.csv"}},
      {"link station outside the DEM (file and line)",
       "link",
       {},
       {"stations.csv", "line 2"},
       {text("stations.csv", {"-70.62,-32.84", "-65.00,-32.50"})}},
      {"link station antenna nan (file and line)",
       "link",
       {},
       {"stations.csv", "line 1"},
       {text("stations.csv", {"-70.62,-32.84,nan", "-70.70,-32.45"})}},
      {"link station latitude 95 (file and line)",
       "link",
       {},
       {"stations.csv", "line 2"},
       {text("stations.csv", {"-70.62,-32.84", "-70.70,95"})}},
      {"link stations file empty", "link", {}, {"stations.csv"}, {text("stations.csv", {})}},
      {"route --base outside the DEM", "route", {"--base", "-65,-32.5"}, {"--base", "DEM"}},
      {"check mission file with only a header",
       "check",
       {},
       {"mission.waypoints"},
       {text("mission.waypoints", {"QGC WPL 110"})}},
  };
  return t;
}

const std::vector<Case>& scenario_cases() {
  static const std::vector<Case> t = {
      // Unknown key or section.
      {"scenario unknown key",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[aircraft]", "endurence_h", kAllowed},
       {scenario("scenario.toml", {"[aircraft] endurence_h = 3"})}},
      {"scenario unknown section",
       "plan",
       {},
       {"scenario.toml", "line {line}", "aircarft", kAllowed},
       {scenario("scenario.toml", {"+[aircarft]", "+count = 2"})}},
      // Wrong type.
      {"scenario wrong type: count = \"two\"",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[aircraft] count", "1-64"},
       {scenario("scenario.toml", {"[aircraft] count = \"two\""})}},
      {"scenario wrong type: reserve = \"high\"",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[aircraft] reserve", "0-0.9"},
       {scenario("scenario.toml", {"[aircraft] reserve = \"high\""})}},
      {"scenario wrong type: spacing_km = \"2\"",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[candidates] spacing_km"},
       {scenario("scenario.toml", {"[candidates] spacing_km = \"2\""})}},
      {"scenario wrong type: mandatory = \"yes\"",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[datalink] mandatory"},
       {scenario("scenario.toml", {"[datalink] mandatory = \"yes\""})}},
      {"scenario wrong type: seed = 1.5",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[mission] seed"},
       {scenario("scenario.toml", {"[mission] seed = 1.5"})}},
      {"scenario wrong type: [dem] files = 3",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[dem] files"},
       {scenario("scenario.toml", {"[dem] files = 3"})}},
      // Out of range, nan, inf.
      {"scenario reserve = 1.5",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[aircraft] reserve", "0-0.9"},
       {scenario("scenario.toml", {"[aircraft] reserve = 1.5"})}},
      {"scenario count = 1000",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[aircraft] count", "64"},
       {scenario("scenario.toml", {"[aircraft] count = 1000"})}},
      {"scenario endurance_h = 0",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[aircraft] endurance_h"},
       {scenario("scenario.toml", {"[aircraft] endurance_h = 0"})}},
      {"scenario aggregate = 100000",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[candidates] aggregate"},
       {scenario("scenario.toml", {"[candidates] aggregate = 100000"})}},
      {"scenario time_limit_s = nan",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[mission] time_limit_s"},
       {scenario("scenario.toml", {"[mission] time_limit_s = nan"})}},
      {"scenario own_width_km = inf",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[corridor] own_width_km"},
       {scenario("scenario.toml", {"[corridor] own_width_km = inf"})}},
      {"scenario standoff_km = -1",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[airspace] standoff_km"},
       {scenario("scenario.toml", {"[airspace] standoff_km = -1"})}},
      {"scenario runway_heading_deg = 400",
       "plan",
       {},
       {"scenario.toml", "line {line}", "runway_heading_deg", "360"},
       {scenario("scenario.toml", {"[bases] runway_heading_deg = 400"})}},
      {"scenario threads = -1",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[mission] threads"},
       {scenario("scenario.toml", {"[mission] threads = -1"})}},
      {"scenario sensor task unknown",
       "plan",
       {},
       {"scenario.toml", "line {line}", "[sensor] task", "vehicle-detect"},
       {scenario("scenario.toml", {"[sensor] task = \"tank-detect\""})}},
      // Missing sections.
      {"scenario without [dem]",
       "plan",
       {},
       {"scenario.toml", "[dem]"},
       {scenario("scenario.toml", {"-[dem]"})}},
      {"scenario without [border]",
       "plan",
       {},
       {"scenario.toml", "[border]"},
       {scenario("scenario.toml", {"-[border]"})}},
      {"scenario without [own_side]",
       "plan",
       {},
       {"scenario.toml", "[own_side]"},
       {scenario("scenario.toml", {"-[own_side]"})}},
      {"scenario without [[bases]]",
       "plan",
       {},
       {"scenario.toml", "bases"},
       {scenario("scenario.toml", {"-[bases]"})}},
      // Not TOML at all.
      {"scenario syntax error",
       "plan",
       {},
       {"scenario.toml", "line {line}"},
       {scenario("scenario.toml", {"+count = = 3"})}},
      // Places outside the DEM, named by the scenario's section (and line).
      {"scenario base outside the DEM",
       "plan",
       {},
       {"scenario.toml", "bases", "DEM"},
       {scenario("scenario.toml", {"[bases] lon = -65.0"})}},
      {"scenario station outside the DEM",
       "plan",
       {},
       {"scenario.toml", "stations", "DEM"},
       {scenario("scenario.toml",
                 {"+[[stations]]", "+name = \"far\"", "+lon = -65.0", "+lat = -32.5"})}},
      {"scenario own_side point outside the DEM",
       "plan",
       {},
       {"scenario.toml", "[own_side] point", "DEM"},
       {scenario("scenario.toml", {"-[own_side] territory", "-[own_side] where",
                                   "[own_side] point = [-65.0, -32.5]"})}},
      // Files named in the scenario.
      {"scenario DEM file missing",
       "plan",
       {},
       {"nowhere.tif"},
       {scenario("scenario.toml", {"[dem] files = [\"{tmp}/nowhere.tif\"]"})}},
      {"scenario DEM truncated",
       "plan",
       {},
       {"trunc.tif"},
       {head("trunc.tif", "{dem}", 300),
        scenario("scenario.toml", {"[dem] files = [\"{tmp}/trunc.tif\"]"})}},
      {"scenario border file empty",
       "plan",
       {},
       {"empty.geojson"},
       {text("empty.geojson", {}),
        scenario("scenario.toml", {"[border] file = \"{tmp}/empty.geojson\""})}},
      {"scenario bad [own_side] where",
       "plan",
       {},
       {"A3 = = 'CHL'"},
       {scenario("scenario.toml", {"[own_side] where = \"A3 = = 'CHL'\""})}},
  };
  return t;
}

}  // namespace

TEST_CASE("Bad numbers on every command: exit 2, one line naming the option and what is allowed",
          "[cli][bad-input]") {
  run_table(number_cases());
}

TEST_CASE("Outputs that would overwrite inputs or a user's files are refused, inputs kept",
          "[cli][bad-input]") {
  run_table(data_loss_cases());
}

TEST_CASE("Bad files: DEMs, borders, point files, filters, points outside the DEM",
          "[cli][bad-input]") {
  run_table(file_cases());
}

TEST_CASE("Bad scenario files: unknown, wrong type, out of range, missing: file and field named",
          "[cli][bad-input]") {
  run_table(scenario_cases());
}

TEST_CASE("The bad-input tables cover every command and at least 60 cases", "[cli][bad-input]") {
  std::size_t n = 0;
  std::set<std::string> cmds;
  for (const auto* table :
       {&number_cases(), &data_loss_cases(), &file_cases(), &scenario_cases()}) {
    n += table->size();
    for (const auto& c : *table) cmds.insert(c.cmd);
  }
  CHECK(n >= 60);
  for (const auto& [name, cmd] : commands()) CHECK(cmds.count(name) == 1);
}

// ---------------------------------------------------------------------------------
// CSV files that are not bad input: a UTF-8 byte-order mark is read (the first row is
// not lost), and a ';'-separated file is either read or refused clearly.

namespace {

const std::string kBom = "\xEF\xBB\xBF";

/// Runs a command that must succeed and returns its JSON.
nlohmann::json run_json(const std::vector<std::string>& args) {
  const auto r = run_capped(args);
  INFO("run: " << shown(args) << "\nexit " << r.code << "; stderr: " << r.err);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("CSV files with a UTF-8 byte-order mark are read, first row included",
          "[cli][bad-input]") {
  const std::string dem = test::project_data("S33W071_srtm3.tif");
  test::TempDir tmp;
  SECTION("coverage observers, no header") {
    std::ofstream(tmp.file("obs.csv"), std::ios::binary)
        << kBom << "-70.62,-32.84,500\n-70.70,-32.45,500\n";
    const auto j = run_json({"coverage", dem, tmp.file("cov.tif"), "--observers",
                             tmp.file("obs.csv"), "--max-distance", "5000", "--json", "-q"});
    CHECK(j["observers"] == 2);
  }
  SECTION("coverage observers, with a header") {
    std::ofstream(tmp.file("obs.csv"), std::ios::binary)
        << kBom << "lon,lat,alt\n-70.62,-32.84,500\n-70.70,-32.45,500\n";
    const auto j = run_json({"coverage", dem, tmp.file("cov.tif"), "--observers",
                             tmp.file("obs.csv"), "--max-distance", "5000", "--json", "-q"});
    CHECK(j["observers"] == 2);
  }
  SECTION("link stations, no header") {
    std::ofstream(tmp.file("stations.csv"), std::ios::binary)
        << kBom << "-70.62,-32.84,15,30,GCS\n-70.70,-32.45,10,30,Relay\n";
    const auto j = run_json({"link", dem, "--stations", tmp.file("stations.csv"), "--out",
                             tmp.file("out"), "--json", "-q"});
    CHECK(j["stations"] == 2);
    CHECK(j["cells_served"].size() == 2);
  }
  SECTION("link stations, with a header") {
    std::ofstream(tmp.file("stations.csv"), std::ios::binary)
        << kBom << "lon,lat,antenna_m,range_km,name\n-70.62,-32.84,15,30,GCS\n"
        << "-70.70,-32.45,10,30,Relay\n";
    const auto j = run_json({"link", dem, "--stations", tmp.file("stations.csv"), "--out",
                             tmp.file("out"), "--json", "-q"});
    CHECK(j["stations"] == 2);
  }
}

TEST_CASE("A semicolon-separated CSV is read, or refused with one line naming the file and line 1",
          "[cli][bad-input]") {
  const std::string dem = test::project_data("S33W071_srtm3.tif");
  struct Semi {
    std::string name;
    std::string file;
    std::string content;
    std::vector<std::string> args;
    std::string count_key;
  };
  const std::vector<Semi> cases = {
      {"coverage observers",
       "obs.csv",
       "-70.62;-32.84;500\n-70.70;-32.45;500\n",
       {"coverage", dem, "{tmp}/cov.tif", "--observers", "{tmp}/obs.csv", "--max-distance", "5000",
        "--json", "-q"},
       "observers"},
      {"link stations",
       "stations.csv",
       "-70.62;-32.84;15;30;GCS\n-70.70;-32.45;10;30;Relay\n",
       {"link", dem, "--stations", "{tmp}/stations.csv", "--out", "{tmp}/out", "--json", "-q"},
       "stations"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      test::TempDir tmp;
      std::ofstream(tmp.file(c.file), std::ios::binary) << c.content;
      std::vector<std::string> args;
      for (auto a : c.args) {
        replace_all(a, "{tmp}", tmp.path().string());
        args.push_back(a);
      }
      const auto r = run_capped(args);
      INFO("run: " << shown(args) << "\nexit " << r.code << "; stderr: " << r.err);
      if (r.code == 0) {
        CHECK(nlohmann::json::parse(r.out)[c.count_key] == 2);  // both rows, the first included
      } else {
        // Clear: the first line is the one that is not 'lon,lat,...' (it is no header).
        CHECK(r.code == 2);
        CHECK(test::line_count(r.err) == 1);
        CHECK_THAT(r.err, Catch::StartsWith("vigia: error: "));
        CHECK_THAT(r.err, Catch::Contains(c.file + " line 1"));
        CHECK(r.out.empty());
        std::size_t entries = 0;
        for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(tmp.path()))
          ++entries;
        CHECK(entries == 1);  // only the CSV
      }
    }
  }
}
