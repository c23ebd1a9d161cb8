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

/// A whole output folder written at once: everything goes into a temporary sibling
/// folder, which commit() moves into place (replacing an existing folder only with
/// `overwrite`). Until then, on error or Ctrl-C, the destructor removes the
/// temporary folder: nothing half-written is ever left at the destination.
class StagingDir {
 public:
  StagingDir(std::string destination, bool overwrite);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  /// The temporary folder to write into.
  [[nodiscard]] const std::string& path() const { return temp_; }
  [[nodiscard]] const std::string& destination() const { return dest_; }
  void commit();

 private:
  std::string dest_, temp_;
  bool overwrite_;
  bool committed_ = false;
};

}  // namespace vigia::cli
