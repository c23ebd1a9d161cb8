// vigia plan SCENARIO.toml: one scenario file in, a complete mission package out
// (docs/plan.md, docs/scenario.md).

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "console.hpp"
#include "outputs.hpp"
#include "vigia/geo/error.hpp"
#include "vigia/terrain/viewshed.hpp"
#include "vigia/planner/package.hpp"
#include "vigia/planner/scenario.hpp"

namespace vigia::cli {

namespace {

struct PlanArgs {
  std::string scenario;
  std::string out;
  double time_limit = 0.0;  ///< used when --time-limit is given
  long long rounds = 0;      ///< used when --rounds is given
  int threads = 0;           ///< used when --threads is given
  bool time_limit_given = false, rounds_given = false, threads_given = false;
  bool overwrite = false;
  bool json = false;
  bool quiet = false;
};

int run(const PlanArgs& a) {
  planner::Scenario sc = planner::read_scenario(a.scenario);
  if (a.time_limit_given) sc.mission.route_time_limit_s = a.time_limit;
  if (a.rounds_given) sc.mission.route_rounds = a.rounds;
  if (a.threads_given) sc.mission.threads = a.threads;
  const std::string out = a.out.empty() ? sc.output_dir : a.out;
  if (out.empty())
    throw Error(a.scenario +
                ": no output folder (give [output] directory in the scenario, or --out DIR)");
  // Everything the plan reads: the package never replaces or holds them.
  std::vector<std::string> inputs{sc.path, sc.mission.stations, sc.mission.area.border,
                                  sc.mission.area.own_territory};
  for (const auto& d : sc.mission.area.dem) inputs.push_back(d);
  for (const auto& f : sc.mission.area.no_fly) inputs.push_back(f);
  StagingDir staging(out, a.overwrite, inputs);
  auto progress = make_progress(a.quiet || a.json);
  terrain::set_thread_count(sc.mission.threads);  // the whole command: package included
  const auto m = planner::run_mission(sc.mission, *progress);
  for (const auto& w : m->area.warnings) std::cerr << "vigia: warning: " << w << '\n';
  planner::PackageInfo info{sc.name, std::filesystem::absolute(sc.path).string(), sc.sha256,
                            command_line()};
  const auto files = planner::write_package(*m, info, staging.path(), *progress);
  progress->throw_if_cancelled();
  staging.commit();

  const nlohmann::json r = planner::mission_report(*m);
  if (a.json) {
    nlohmann::json j = r;
    j["output"] = staging.destination();
    nlohmann::json listing = nlohmann::json::array();
    for (const auto& f : files) listing.push_back(f.name);
    j["files"] = listing;
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::cout << "vigia plan: " << sc.name << '\n';
  std::cout << planner::mission_summary(r);
  std::cout << "  outputs in " << staging.destination() << "/ (" << files.size()
            << " files): report.md, plan.qgs (QGIS), plan.kmz (Google Earth), *.plan and "
               "*.waypoints (QGroundControl), quicklook.png\n";
  return 0;
}

}  // namespace

void add_plan_command(CLI::App& app, Runner& runner) {
  auto a = std::make_shared<PlanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "A whole mission from one scenario file: coverage, routes, link, package for QGIS, "
      "Google Earth and ground control");
  cmd->add_option("scenario", a->scenario, "Scenario file (TOML; see docs/scenario.md)")
      ->required();
  cmd->add_option("--out", a->out, "Output folder (default: [output] directory of the scenario)");
  cmd->add_option("--time-limit", a->time_limit,
                  "Cap in seconds on the route optimiser (default: the scenario's)");
  cmd->add_option("--rounds", a->rounds,
                  "Route optimiser rounds: its work, the same plan on any machine (default: the "
                  "scenario's, 100)");
  cmd->add_option("--threads", a->threads, "Threads (default: the scenario's, else all cores)");
  cmd->add_flag("--overwrite", a->overwrite, "Replace an existing output folder");
  cmd->add_flag("--json", a->json, "Print the report as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->callback([a, &runner, cmd] {
    a->time_limit_given = cmd->count("--time-limit") > 0;
    a->rounds_given = cmd->count("--rounds") > 0;
    a->threads_given = cmd->count("--threads") > 0;
    runner = [a] { return run(*a); };
  });
}

}  // namespace vigia::cli
