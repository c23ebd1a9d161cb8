#pragma once
// Numbers as text for reports, file formats and messages; whole text files.

#include <cctype>
#include <cmath>
#include <fstream>
#include <ios>
#include <sstream>
#include <string>

#include "vigia/geo/error.hpp"

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

/// Whether `text` is a whole finite number (trailing blanks allowed); sets `out`.
inline bool parse_number(const std::string& text, double& out) {
  std::size_t pos = 0;
  try {
    out = std::stod(text, &pos);
  } catch (...) {
    return false;
  }
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  return pos == text.size() && std::isfinite(out);
}

/// Writes `text` as the whole file `path`; a file that cannot be written in full
/// (no folder, a full disk) throws, so a report is never silently short.
inline void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) throw Error(path + ": cannot be written", Error::Kind::Runtime);
}

}  // namespace vigia::geo
