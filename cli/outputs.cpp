#include "outputs.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "vigia/geo/error.hpp"
#include "vigia/geo/progress.hpp"

namespace vigia::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifest = ".vigia-package";

/// The absolute, normal form of a path (symbolic links resolved where it exists).
fs::path normal(const std::string& p) {
  std::error_code ec;
  fs::path a = fs::weakly_canonical(fs::absolute(p), ec);
  if (ec) a = fs::absolute(p).lexically_normal();
  return a;
}

/// Is `inner` the folder `outer` or below it?
bool within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

}  // namespace

void refuse_input_as_output(const std::string& output, const std::vector<std::string>& inputs,
                            const std::string& option) {
  const fs::path out = normal(output);
  for (const auto& in : inputs) {
    if (in.empty()) continue;
    std::error_code ec;
    if (normal(in) == out || fs::equivalent(output, in, ec))
      throw Error(option + ": " + output + " is an input of this command (" + in +
                  "); write the output elsewhere");
  }
}

OutputDir::OutputDir(std::string dir, bool overwrite, std::vector<std::string> inputs)
    : dir_(std::move(dir)), overwrite_(overwrite), inputs_(std::move(inputs)) {
  std::error_code ec;
  if (fs::exists(dir_) && !fs::is_directory(dir_))
    throw Error(dir_ + ": exists and is not a folder");
  if (!fs::exists(dir_)) {
    fs::create_directories(dir_, ec);
    if (ec) throw Error(dir_ + ": cannot create the output folder: " + ec.message());
    created_ = true;
    register_unfinished_output(dir_);  // made by this run: removed if it stops at once
  }
}

OutputDir::~OutputDir() {
  if (created_) unregister_unfinished_output(dir_);
  if (committed_ || !created_) return;
  files_.reset();  // removes the temporaries first
  std::error_code ec;
  fs::remove(dir_, ec);  // only if empty
}

std::string OutputDir::stage(const std::string& name) {
  const std::string dst = path(name);
  refuse_input_as_output(dst, inputs_, dir_);
  if (!overwrite_ && fs::exists(dst)) {
    throw Error(dst + ": already exists (allowed: another --out folder, or --overwrite)");
  }
  return files_->stage(dst);
}

StagingDir::StagingDir(std::string destination, bool overwrite,
                       const std::vector<std::string>& inputs)
    : dest_(fs::absolute(destination).lexically_normal().string()), overwrite_(overwrite) {
  while (dest_.size() > 1 && dest_.back() == '/') dest_.pop_back();
  const fs::path dest = normal(dest_);
  for (const auto& in : inputs) {
    if (in.empty()) continue;
    if (within(normal(in), dest))
      throw Error(dest_ + ": holds an input of this plan (" + in +
                  "); the package goes into a folder of its own (allowed: another output "
                  "folder)");
  }
  if (fs::exists(dest_)) {
    if (!fs::is_directory(dest_)) throw Error(dest_ + ": exists and is not a folder");
    if (!overwrite_)
      throw Error(dest_ + ": already exists (allowed: another output folder, or --overwrite)");
    // Replace only a package vigia wrote, holding nothing else.
    std::ifstream manifest(fs::path(dest_) / kManifest);
    if (!manifest)
      throw Error(dest_ + ": is not a package vigia wrote (no " + kManifest +
                  "); --overwrite replaces only those (allowed: another output folder)");
    std::set<std::string> listed{kManifest};
    for (std::string line; std::getline(manifest, line);) listed.insert(line);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dest_, ec))
      if (!listed.count(e.path().filename().string()))
        throw Error(dest_ + ": holds " + e.path().filename().string() +
                    ", which vigia did not write; --overwrite keeps it (allowed: another "
                    "output folder, or move it out)");
  }
  std::error_code ec;
  const fs::path parent = fs::path(dest_).parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw Error(parent.string() + ": cannot create the folder: " + ec.message());
  temp_ = dest_ + ".partial-" + std::to_string(::getpid());
  fs::remove_all(temp_, ec);
  if (!fs::create_directory(temp_, ec) || ec)
    throw Error(temp_ + ": cannot create the working folder: " + ec.message());
  register_unfinished_output(temp_);
}

StagingDir::~StagingDir() {
  unregister_unfinished_output(temp_);
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

void StagingDir::commit() {
  std::error_code ec;
  std::string old;
  {
    std::ostringstream list;
    for (const auto& e : fs::directory_iterator(temp_, ec))
      list << e.path().filename().string() << '\n';
    std::ofstream out(fs::path(temp_) / kManifest);
    out << list.str();
    if (!out) throw Error(temp_ + ": cannot write the package manifest", Error::Kind::Runtime);
  }
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
  unregister_unfinished_output(temp_);
  if (!old.empty()) fs::remove_all(old, ec);
}

}  // namespace vigia::cli
