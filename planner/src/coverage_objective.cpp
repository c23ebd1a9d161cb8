#include "coverage_objective.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace vigia::planner {

double CoverageObjective::reachable() const {
  double v = 0.0;
  for (double w : weight_) v += w;
  return v;
}

CoverageObjective::CoverageObjective(const std::vector<double>& weight, int nodes,
                                     const std::vector<std::vector<IdRun>>& footprint)
    : n_(nodes) {
  // Partition refinement: every target starts in class 0 (seen by no element); each
  // element in turn splits every class it meets into the part it sees (a new class)
  // and the rest. What is left are the targets that the same elements see.
  const std::size_t nt = weight.size();
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> cls(nt, 0);
  std::vector<std::uint32_t> split_by{kNone}, split_to{0};  // per class, this element's split
  for (std::size_t e = 0; e < footprint.size(); ++e) {
    const auto ev = static_cast<std::uint32_t>(e);
    for (const IdRun& run : footprint[e])
      for (std::uint32_t t = run.first; t < run.first + run.count; ++t) {
        const std::uint32_t c = cls[t];
        if (split_by[c] != ev) {
          split_by[c] = ev;
          split_to[c] = static_cast<std::uint32_t>(split_by.size());
          split_by.push_back(kNone);
          split_to.push_back(0);
        }
        cls[t] = split_to[c];
      }
  }
  // Classes numbered by their first target; class 0 (seen by nothing) dropped.
  std::vector<std::uint32_t> number(split_by.size(), kNone);
  for (std::size_t t = 0; t < nt; ++t) {
    const std::uint32_t c = cls[t];
    if (c == 0) continue;
    if (number[c] == kNone) {
      number[c] = static_cast<std::uint32_t>(weight_.size());
      weight_.push_back(0.0);
    }
    weight_[number[c]] += weight[t];
  }
  classes_.resize(footprint.size());
  for (std::size_t e = 0; e < footprint.size(); ++e) {
    auto& out = classes_[e];
    for (const IdRun& run : footprint[e])
      for (std::uint32_t t = run.first; t < run.first + run.count; ++t) {
        const std::uint32_t k = number[cls[t]];
        if (out.empty() || out.back() != k) out.push_back(k);
      }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  count_.assign(weight_.size(), 0);
}

void CoverageObjective::elements_of(const std::vector<int>& r, std::vector<int>& out) const {
  for (std::size_t k = 0; k + 1 < r.size(); ++k) {
    if (k > 0) out.push_back(r[k]);
    out.push_back(n_ + r[k] * n_ + r[k + 1]);
  }
}

double CoverageObjective::value(const Routes& routes) const {
  std::vector<int> count(weight_.size(), 0);
  std::vector<int> elements;
  for (const auto& r : routes) elements_of(r, elements);
  for (int e : elements)
    for (std::uint32_t c : classes_[static_cast<std::size_t>(e)]) ++count[c];
  double v = 0.0;
  for (std::size_t c = 0; c < count.size(); ++c)
    if (count[c] > 0) v += weight_[c];
  return v;
}

void CoverageObjective::commit(const Routes& routes) {
  std::fill(count_.begin(), count_.end(), 0);
  committed_ = routes;
  std::vector<int> elements;
  for (const auto& r : routes) elements_of(r, elements);
  for (int e : elements)
    for (std::uint32_t c : classes_[static_cast<std::size_t>(e)]) ++count_[c];
}

double CoverageObjective::delta(const std::vector<int>& which, const Routes& changed) const {
  // Per thread: the element lists and each class's change of count (all zero
  // between calls).
  thread_local std::vector<int> before, after, removed, added, diff;
  before.clear();
  after.clear();
  for (std::size_t i = 0; i < which.size(); ++i) {
    elements_of(committed_[static_cast<std::size_t>(which[i])], before);
    elements_of(changed[i], after);
  }
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  // Only what differs matters.
  removed.clear();
  added.clear();
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(removed));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  if (diff.size() < count_.size()) diff.resize(count_.size(), 0);
  double d = 0.0;
  for (int e : removed)
    for (std::uint32_t c : classes_[static_cast<std::size_t>(e)])
      if (count_[c] + --diff[c] == 0) d -= weight_[c];
  for (int e : added)
    for (std::uint32_t c : classes_[static_cast<std::size_t>(e)])
      if (count_[c] + diff[c]++ == 0) d += weight_[c];
  for (int e : removed)
    for (std::uint32_t c : classes_[static_cast<std::size_t>(e)]) diff[c] = 0;
  for (int e : added)
    for (std::uint32_t c : classes_[static_cast<std::size_t>(e)]) diff[c] = 0;
  return d;
}

}  // namespace vigia::planner
