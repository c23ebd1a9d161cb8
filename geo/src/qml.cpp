#include "vigia/geo/qml.hpp"

#include <sstream>

namespace vigia::geo {

namespace {

std::string colour(Rgba c) {
  return std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + "," +
         std::to_string(c.a);
}

/// The QML document around one symbol layer (QGIS 3 renderer-v2, single symbol).
std::string document(const std::string& type, const std::string& layer_class,
                     const std::string& props) {
  std::ostringstream q;
  q << "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    << "<qgis version=\"3.22.0\" styleCategories=\"Symbology\">\n"
    << " <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" enableorderby=\"0\" "
       "forceraster=\"0\">\n"
    << "  <symbols>\n"
    << "   <symbol type=\"" << type
    << "\" name=\"0\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
    << "    <layer class=\"" << layer_class << "\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
    << props << "    </layer>\n"
    << "   </symbol>\n"
    << "  </symbols>\n"
    << " </renderer-v2>\n"
    << "</qgis>\n";
  return q.str();
}

std::string prop(const std::string& k, const std::string& v) {
  return "     <prop k=\"" + k + "\" v=\"" + v + "\"/>\n";
}

}  // namespace

std::string qml_line(Rgba c, double width_mm, bool dashed) {
  return document("line", "SimpleLine",
                  prop("line_color", colour(c)) + prop("line_width", std::to_string(width_mm)) +
                      prop("line_width_unit", "MM") +
                      prop("line_style", dashed ? "dash" : "solid") + prop("capstyle", "round") +
                      prop("joinstyle", "round"));
}

std::string qml_marker(Rgba fill, double size_mm, const std::string& shape) {
  return document("marker", "SimpleMarker",
                  prop("color", colour(fill)) + prop("name", shape) +
                      prop("size", std::to_string(size_mm)) + prop("size_unit", "MM") +
                      prop("outline_color", "35,35,35,255") + prop("outline_width", "0.3") +
                      prop("outline_width_unit", "MM"));
}

std::string qml_fill(Rgba fill, Rgba outline, double outline_mm) {
  return document("fill", "SimpleFill",
                  prop("color", colour(fill)) + prop("style", "solid") +
                      prop("outline_color", colour(outline)) +
                      prop("outline_width", std::to_string(outline_mm)) +
                      prop("outline_width_unit", "MM") + prop("outline_style", "solid"));
}

std::string qml_renderer(const std::string& qml) {
  const auto a = qml.find("<renderer-v2");
  const std::string end = "</renderer-v2>";
  const auto b = qml.find(end);
  if (a == std::string::npos || b == std::string::npos) return {};
  return qml.substr(a, b + end.size() - a);
}

}  // namespace vigia::geo
