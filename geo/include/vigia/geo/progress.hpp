#pragma once
// Progress of long work, reported through a callback the caller passes in: the
// libraries never draw anything; the CLI decides between a terminal bar and
// silence. Safe to call from many threads at once.

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace vigia {

class Progress {
 public:
  /// Receives the stage name and the fraction done in [0, 1]. Returns false to ask
  /// the work to stop.
  using Callback = std::function<bool(std::string_view stage, double fraction)>;

  Progress() = default;  ///< silent, never cancels
  explicit Progress(Callback callback) : callback_(std::move(callback)) {}

  /// Reports progress; returns false once cancellation was asked for. Callbacks are
  /// serialised, so the callback itself need not be thread-safe.
  bool report(std::string_view stage, double fraction) const;

  /// True once the callback has asked to stop (or cancel() was called).
  [[nodiscard]] bool cancelled() const noexcept { return cancelled_.load(); }
  void cancel() const noexcept { cancelled_.store(true); }

  /// Throws Error{Kind::Cancelled} if cancelled; call it outside parallel regions.
  void throw_if_cancelled() const;

 private:
  Callback callback_;
  mutable std::mutex mutex_;
  mutable std::atomic<bool> cancelled_{false};
};

/// Counts finished work items from many threads and reports about every 0.5 %.
class ProgressCounter {
 public:
  ProgressCounter(const Progress& progress, std::string stage, long long total);
  /// Adds `n` finished items; returns false if the work should stop.
  bool add(long long n = 1);
  void finish();

 private:
  const Progress& progress_;
  std::string stage_;
  long long total_;
  long long step_;
  std::atomic<long long> done_{0};
};

/// Files and folders being written that are not yet in place (staged temporaries,
/// working folders): removed by remove_unfinished_outputs() when the process must stop
/// at once (a second Ctrl-C, or a stop that outlasts its grace period). Thread-safe.
void register_unfinished_output(const std::string& path);
void unregister_unfinished_output(const std::string& path);
/// Removes every registered path (files, and folders with what they hold). Meant for
/// the last moment of the process; safe to call from a watchdog thread.
void remove_unfinished_outputs() noexcept;

}  // namespace vigia
