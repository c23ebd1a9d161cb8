// The orienteering benchmark of the routes issue: the solver core of vigia route on
// the classic instances (Tsiligirides 1984 sets 1-3; Chao, Golden & Wasil 1996 set
// 64), each with a fixed seed and stall limit (and a time limit that, when it ends a
// run first, the results say), against the best-known scores. The thread count
// (--threads, default 1) is recorded: the solver takes the same moves on any.
// Writes results/orienteering.{json,md}.
//
//   vigia_bench_orienteering --data ../shared/data/op --out benchmarks/results

#include <omp.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "bench_common.hpp"
#include "vigia/planner/orienteering.hpp"

using namespace vigia;
using nlohmann::json;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  CLI::App app{"vigia orienteering benchmark"};
  std::string data = "../shared/data/op";
  std::string out = "benchmarks/results";
  double time_limit = 9.0;
  long long stall = 2000;
  unsigned seed = 1;
  app.add_option("--data", data, "Folder of instance folders and best_known.csv");
  app.add_option("--out", out);
  app.add_option("--time-limit", time_limit,
                 "Seconds per instance (default 9, so that each run stays within the 10 s target)");
  app.add_option("--stall", stall,
                 "Stop after this many rounds without improvement (default 2000)");
  app.add_option("--seed", seed);
  int threads = 1;
  app.add_option("--threads", threads, "Solver threads (default 1, the one-core target)")
      ->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);
  omp_set_num_threads(threads);

  // best_known.csv: instance,set,budget,nodes,best_known_score,source
  std::map<std::string, double> best;
  {
    std::ifstream in(data + "/best_known.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      std::string part;
      while (std::getline(ss, part, ',')) f.push_back(part);
      if (f.size() >= 5) best[f[0]] = std::stod(f[4]);
    }
  }
  std::vector<fs::path> files;
  for (const auto& dir : fs::directory_iterator(data)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() == ".txt") files.push_back(f.path());
    }
  }
  std::sort(files.begin(), files.end());
  json r;
  r["machine"] = bench::machine();
  r["time_limit_s"] = time_limit;
  r["stall_limit"] = stall;
  r["seed"] = seed;
  r["threads"] = threads;
  r["instances"] = json::array();
  int equal = 0, within1 = 0, n = 0, capped = 0;
  double worst_gap = 0.0, slowest = 0.0;
  for (const auto& f : files) {
    const planner::OrienteeringInstance inst = planner::read_orienteering_instance(f.string());
    const planner::OrienteeringProblem p = planner::to_problem(inst);
    planner::ScoreObjective obj(inst.score);
    planner::OrienteeringOptions o;
    o.time_limit_s = time_limit;
    o.stall_limit = stall;
    o.seed = seed;
    const planner::OrienteeringSolution s = planner::solve_orienteering(p, obj, o);
    // Independent check from the instance itself (not the solver's tables): every
    // route starts at point 0 and ends at point 1, each within the budget by
    // Euclidean length, no point visited twice; the score is recounted from the
    // visits, and only a valid solution counts.
    const auto dist = [&](int a, int b) {
      const auto i = static_cast<std::size_t>(a), j = static_cast<std::size_t>(b);
      return std::hypot(inst.x[i] - inst.x[j], inst.y[i] - inst.y[j]);
    };
    bool valid = static_cast<int>(s.routes.size()) <= inst.paths;
    double length = 0.0, score = 0.0;
    std::vector<int> seen(static_cast<std::size_t>(p.nodes), 0);
    for (const auto& route : s.routes) {
      if (route.size() < 2 || route.front() != 0 || route.back() != 1) {
        valid = false;
        continue;
      }
      double route_length = 0.0;
      for (std::size_t k = 1; k < route.size(); ++k) route_length += dist(route[k - 1], route[k]);
      valid = valid && route_length <= inst.budget + 1e-9;
      length += route_length;
      for (std::size_t k = 1; k + 1 < route.size(); ++k) {
        const auto v = static_cast<std::size_t>(route[k]);
        valid = valid && route[k] >= 2 && ++seen[v] == 1;
        score += inst.score[v];
      }
    }
    const auto it = best.find(inst.name);
    const double bk = it == best.end() ? NAN : it->second;
    const double gap = std::isnan(bk) || bk == 0 ? 0.0 : (bk - score) / bk;
    ++n;
    if (valid) {
      equal += score >= bk - 1e-9;
      within1 += gap <= 0.01 + 1e-12;
    }
    worst_gap = std::max(worst_gap, valid ? gap : 1.0);
    slowest = std::max(slowest, s.seconds);
    capped += s.time_capped ? 1 : 0;
    r["instances"].push_back({{"instance", inst.name},
                              {"budget", inst.budget},
                              {"points", inst.x.size()},
                              {"score", score},
                              {"solver_score", s.value},
                              {"best_known", bk},
                              {"gap", gap},
                              {"seconds", s.seconds},
                              {"iterations", s.iterations},
                              {"time_capped", s.time_capped},
                              {"length", length},
                              {"valid", valid}});
    std::cerr << inst.name << ": " << s.value << " / " << bk << " in " << s.seconds << " s\n";
  }
  r["summary"] = {{"instances", n},
                  {"equal_to_best_known", equal},
                  {"within_1_percent", within1},
                  {"worst_gap", worst_gap},
                  {"slowest_seconds", slowest},
                  {"time_capped", capped}};
  std::filesystem::create_directories(out);
  std::ofstream(out + "/orienteering.json") << r.dump(2) << "\n";
  std::ostringstream md;
  md << "# Orienteering benchmark\n\nMachine: " << r["machine"]["cpu"].get<std::string>()
     << ", " << threads << (threads == 1 ? " thread" : " threads") << "; vigia " << r["machine"]["vigia_version"].get<std::string>() << " ("
     << r["machine"]["git_hash"].get<std::string>() << "); time limit " << time_limit
     << " s per instance, stop after " << stall << " rounds without improvement, seed " << seed
     << ".\n\n"
     << n << " instances: " << equal << " equal to the best-known score, " << within1
     << " within 1 %, worst gap " << worst_gap * 100.0 << " %, slowest " << slowest << " s; "
     << capped << " ended by the time limit (the others by the stall limit: the same on any machine).\n\n"
     << "| instance | budget | score | best known | gap | seconds | route length "
        "|\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (const json& i : r["instances"]) {
    md << "| " << i["instance"].get<std::string>() << " | " << i["budget"].get<double>() << " | "
       << i["score"].get<double>() << " | " << i["best_known"].get<double>() << " | "
       << (i["gap"].get<double>() > 0 ? geo::fixed(i["gap"].get<double>() * 100.0, 2) + " %" : "0")
       << " | " << geo::fixed(i["seconds"].get<double>(), 2) << " | "
       << geo::fixed(i["length"].get<double>(), 3) << (i["valid"].get<bool>() ? "" : " INVALID")
       << " |\n";
  }
  std::ofstream(out + "/orienteering.md") << md.str();
  std::cout << md.str();
  return 0;
}
