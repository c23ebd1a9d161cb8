#pragma once
// Whole commands as a user runs them, for the viewshed benchmark: `vigia viewshed`
// against `gdal_viewshed`, `vigia info` against `gdalinfo -stats` (wall time and peak
// memory of the process, A/B alternated, medians), and the sample plan's total time.

#include <nlohmann/json.hpp>
#include <string>

namespace vigia::bench {

struct CommandJobs {
  std::string vigia_exe;
  std::string work;           ///< scratch folder (inputs generated here)
  std::string bolivia_utm;    ///< the Bolivian DEM in UTM 19S at 90 m
  std::string sample_plan;    ///< data/sample_scenario.toml
  int runs = 7;               ///< runs per tool and job (the median is kept)
  bool quick = false;         ///< smaller synthetic DEM, fewer runs
};

/// The benchmarks' synthetic DEM: n x n cells of 30 m from vigia's fractal generator
/// (seed 7), Float32, tiled, uncompressed; made in `work` once and reused.
std::string seeded_fractal(const std::string& work, int n);

/// Runs the jobs; returns their figures (see benchmarks/README.md).
nlohmann::json whole_commands(const CommandJobs& jobs);

/// The Markdown section of viewshed.md for whole_commands' figures.
std::string whole_commands_markdown(const nlohmann::json& figures);

}  // namespace vigia::bench
