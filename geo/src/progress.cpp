#include "vigia/geo/progress.hpp"

#include <filesystem>
#include <set>

#include <algorithm>

#include "vigia/geo/error.hpp"

namespace vigia {

bool Progress::report(std::string_view stage, double fraction) const {
  if (cancelled_.load()) return false;
  if (!callback_) return true;
  std::lock_guard lock(mutex_);
  if (!callback_(stage, std::clamp(fraction, 0.0, 1.0))) cancelled_.store(true);
  return !cancelled_.load();
}

void Progress::throw_if_cancelled() const {
  if (cancelled_.load()) throw Error("interrupted by the user", Error::Kind::Cancelled);
}

ProgressCounter::ProgressCounter(const Progress& progress, std::string stage, long long total)
    : progress_(progress),
      stage_(std::move(stage)),
      total_(std::max(total, 1LL)),
      step_(std::max(total_ / 200, 1LL)) {
  progress_.report(stage_, 0.0);
}

bool ProgressCounter::add(long long n) {
  const long long before = done_.fetch_add(n);
  const long long after = before + n;
  if (after / step_ != before / step_) {
    return progress_.report(stage_, static_cast<double>(after) / static_cast<double>(total_));
  }
  return !progress_.cancelled();
}

void ProgressCounter::finish() {
  progress_.report(stage_, 1.0);
}

namespace {
std::mutex& unfinished_mutex() {
  static std::mutex m;
  return m;
}
std::set<std::string>& unfinished() {
  static std::set<std::string> s;
  return s;
}
}  // namespace

void register_unfinished_output(const std::string& path) {
  std::lock_guard lock(unfinished_mutex());
  unfinished().insert(path);
}

void unregister_unfinished_output(const std::string& path) {
  std::lock_guard lock(unfinished_mutex());
  unfinished().erase(path);
}

void remove_unfinished_outputs() noexcept {
  std::lock_guard lock(unfinished_mutex());
  for (const auto& p : unfinished()) {
    std::error_code ec;
    std::filesystem::remove_all(p, ec);
    std::filesystem::remove(p + ".aux.xml", ec);
    std::filesystem::remove(p + ".ovr", ec);
  }
  unfinished().clear();
}

}  // namespace vigia
