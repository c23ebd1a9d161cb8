#pragma once
// The sortie optimiser's objective (internal to the planner): the weighted coverage
// of the union of what the routes' elements see, each visit and each leg an element
// with its footprint of target ids.

#include <cstdint>
#include <vector>

#include "vigia/planner/orienteering.hpp"
#include "vigia/planner/selection.hpp"

namespace vigia::planner {

/// Weighted coverage of the union of what the routes' elements see: each visit sees
/// what its candidate sees; each leg what the lattice candidates along it see. A
/// target counts while at least one element of the solution sees it.
///
/// Targets that the same elements see are one class: a class is seen exactly when
/// each of its targets is, and weighs their sum. The optimiser counts classes (about
/// 20 times fewer than targets on the bundled sample), so that valuing a move touches
/// a few hundred numbers per changed element instead of thousands.
class CoverageObjective : public RouteObjective {
 public:
  /// `footprint[e]`: element e's targets as merged runs; visits are elements 0..n-1,
  /// the leg i -> j is element n + i * n + j. `weight`: per target.
  CoverageObjective(const std::vector<double>& weight, int nodes,
                    const std::vector<std::vector<IdRun>>& footprint);

  [[nodiscard]] double value(const Routes& routes) const override;
  void commit(const Routes& routes) override;
  [[nodiscard]] double delta(const std::vector<int>& which, const Routes& changed) const override;

  [[nodiscard]] bool costly() const override { return true; }
  [[nodiscard]] std::size_t classes() const { return weight_.size(); }
  /// The weight that some element sees: what no set of routes can exceed.
  [[nodiscard]] double reachable() const;

 private:
  /// The elements of a route [start, visits..., end], sorted: its visits and legs.
  void elements_of(const std::vector<int>& r, std::vector<int>& out) const;
  int n_;
  std::vector<double> weight_;                     ///< per class
  std::vector<std::vector<std::uint32_t>> classes_;  ///< per element: its classes, ascending
  std::vector<int> count_;                         ///< per class: committed elements seeing it
  Routes committed_;
};

}  // namespace vigia::planner
