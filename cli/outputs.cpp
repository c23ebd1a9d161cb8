#include "outputs.hpp"

#include <filesystem>

#include "vigia/geo/error.hpp"

namespace vigia::cli {

namespace fs = std::filesystem;

OutputDir::OutputDir(std::string dir, bool overwrite)
    : dir_(std::move(dir)), overwrite_(overwrite) {
  std::error_code ec;
  if (fs::exists(dir_) && !fs::is_directory(dir_))
    throw Error(dir_ + ": exists and is not a folder");
  if (!fs::exists(dir_)) {
    fs::create_directories(dir_, ec);
    if (ec) throw Error(dir_ + ": cannot create the output folder: " + ec.message());
    created_ = true;
  }
}

OutputDir::~OutputDir() {
  if (committed_ || !created_) return;
  files_.reset();  // removes the temporaries first
  std::error_code ec;
  fs::remove(dir_, ec);  // only if empty
}

std::string OutputDir::stage(const std::string& name) {
  const std::string dst = path(name);
  if (!overwrite_ && fs::exists(dst)) {
    throw Error(dst + ": already exists (allowed: another --out folder, or --overwrite)");
  }
  return files_->stage(dst);
}

}  // namespace vigia::cli
