#pragma once
// An output folder whose files are written whole or not at all.

#include <memory>
#include <string>
#include <vector>

#include "vigia/geo/raster_io.hpp"

namespace vigia::cli {

/// Creates `dir` if needed and stages files in it (see geo::OutputFiles). Refuses to
/// replace existing files unless `overwrite`. A folder it created is removed again
/// if the work fails before commit().
class OutputDir {
 public:
  OutputDir(std::string dir, bool overwrite);
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;
  /// The temporary path to write `name` to.
  std::string stage(const std::string& name);
  void commit() {
    files_->commit();
    committed_ = true;
  }
  [[nodiscard]] std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
  bool overwrite_;
  bool created_ = false;  ///< the folder did not exist before
  bool committed_ = false;
  std::unique_ptr<geo::OutputFiles> files_ = std::make_unique<geo::OutputFiles>();
};

}  // namespace vigia::cli
