#include "outputs.hpp"

#include <unistd.h>

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

StagingDir::StagingDir(std::string destination, bool overwrite)
    : dest_(fs::absolute(destination).lexically_normal().string()), overwrite_(overwrite) {
  while (dest_.size() > 1 && dest_.back() == '/') dest_.pop_back();
  if (fs::exists(dest_)) {
    if (!fs::is_directory(dest_)) throw Error(dest_ + ": exists and is not a folder");
    if (!overwrite_)
      throw Error(dest_ + ": already exists (allowed: another output folder, or --overwrite)");
  }
  std::error_code ec;
  const fs::path parent = fs::path(dest_).parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw Error(parent.string() + ": cannot create the folder: " + ec.message());
  temp_ = dest_ + ".partial-" + std::to_string(::getpid());
  fs::remove_all(temp_, ec);
  if (!fs::create_directory(temp_, ec) || ec)
    throw Error(temp_ + ": cannot create the working folder: " + ec.message());
}

StagingDir::~StagingDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

void StagingDir::commit() {
  std::error_code ec;
  std::string old;
  if (fs::exists(dest_) && !overwrite_)
    throw Error(dest_ +
                ": appeared while planning; kept (allowed: another output folder, or "
                "--overwrite)");
  if (fs::exists(dest_)) {
    old = dest_ + ".old-" + std::to_string(::getpid());
    fs::rename(dest_, old, ec);
    if (ec) throw Error(dest_ + ": cannot replace the existing folder: " + ec.message());
  }
  fs::rename(temp_, dest_, ec);
  if (ec) {
    std::string problem = ec.message();
    if (!old.empty()) {
      std::error_code back;
      fs::rename(old, dest_, back);
      if (back) problem += "; the previous folder is kept as " + old;
    }
    throw Error(dest_ + ": cannot move the results into place: " + problem, Error::Kind::Runtime);
  }
  committed_ = true;
  if (!old.empty()) fs::remove_all(old, ec);
}

}  // namespace vigia::cli
