#pragma once
// An output folder whose files are written whole or not at all.

#include <memory>
#include <string>
#include <vector>

#include "vigia/geo/progress.hpp"
#include "vigia/geo/raster_io.hpp"

namespace vigia::cli {

/// Creates `dir` if needed and stages files in it (see geo::OutputFiles). Refuses to
/// replace existing files unless `overwrite`. A folder it created is removed again
/// if the work fails before commit().
class OutputDir {
 public:
  /// `inputs`: files this command reads; none of them is ever an output.
  OutputDir(std::string dir, bool overwrite, std::vector<std::string> inputs = {});
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;
  /// The temporary path to write `name` to.
  std::string stage(const std::string& name);
  void commit() {
    files_->commit();
    committed_ = true;
    if (created_) unregister_unfinished_output(dir_);
  }
  [[nodiscard]] std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
  bool overwrite_;
  std::vector<std::string> inputs_;
  bool created_ = false;  ///< the folder did not exist before
  bool committed_ = false;
  std::unique_ptr<geo::OutputFiles> files_ = std::make_unique<geo::OutputFiles>();
};

/// A whole output folder written at once: everything goes into a temporary sibling
/// folder, which commit() moves into place (replacing an existing folder only with
/// `overwrite`). Until then, on error or Ctrl-C, the destructor removes the
/// temporary folder: nothing half-written is ever left at the destination.
///
/// vigia never replaces what it did not write: the folder it writes holds a manifest
/// (`.vigia-package`, one file name a line); `overwrite` replaces an existing folder
/// only when it holds that manifest and nothing else than the files it lists, and
/// never a folder that holds (or is under) one of `inputs`.
class StagingDir {
 public:
  StagingDir(std::string destination, bool overwrite, const std::vector<std::string>& inputs = {});
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  /// The temporary folder to write into.
  [[nodiscard]] const std::string& path() const { return temp_; }
  [[nodiscard]] const std::string& destination() const { return dest_; }
  /// Writes the manifest of what the working folder holds, then moves it into place.
  void commit();

 private:
  std::string dest_, temp_;
  bool overwrite_;
  bool committed_ = false;
};

/// Throws Error when `output` is one of `inputs` (the same file by any path): vigia
/// never writes over what it reads.
void refuse_input_as_output(const std::string& output, const std::vector<std::string>& inputs,
                            const std::string& option);

}  // namespace vigia::cli
