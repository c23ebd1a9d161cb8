#pragma once
// The scenario file of `vigia plan`: one TOML file naming everything a mission
// needs (docs/scenario.md, field by field). Read into a MissionConfig with SI units;
// relative paths resolve against the scenario file's folder. Errors name the file,
// the line and the field, and say what is allowed.

#include <string>
#include <vector>

#include "vigia/planner/mission.hpp"

namespace vigia::planner {

struct Scenario {
  std::string path;    ///< the scenario file
  std::string sha256;  ///< of its bytes (provenance)
  std::string name;    ///< [scenario] name, or the file's stem
  MissionConfig mission;
  std::string output_dir;  ///< resolved; empty if the file names none
};

/// Reads and checks a scenario file. Throws Error ("FILE line N: [section] field:
/// problem (allowed: ...)") on any problem, including unknown fields.
Scenario read_scenario(const std::string& path);

/// SHA-256 of a file's bytes, hex (nettle).
std::string sha256_file(const std::string& path);

}  // namespace vigia::planner
