#pragma once
// Numbers as text for reports, file formats and messages.

#include <ios>
#include <sstream>
#include <string>

namespace vigia::geo {

/// `v` with exactly `decimals` digits after the point ("12.50"), independent of the
/// stream defaults.
inline std::string fixed(double v, int decimals) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(decimals);
  s << v;
  return s.str();
}

}  // namespace vigia::geo
