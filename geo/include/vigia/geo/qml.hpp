#pragma once
// QGIS layer styles (QML) for the layers vigia writes, so that they open in QGIS
// drawn sensibly without any fiddling: stored in the GeoPackage's layer_styles table.

#include <string>

namespace vigia::geo {

struct Rgba {
  int r = 0, g = 0, b = 0, a = 255;
};

/// A single-symbol line style; width in millimetres.
std::string qml_line(Rgba color, double width_mm, bool dashed = false);
/// A single-symbol point style: shape "circle", "triangle", "square", "star", "diamond".
std::string qml_marker(Rgba fill, double size_mm, const std::string& shape = "circle");
/// A single-symbol polygon style: fill (with its alpha) and outline.
std::string qml_fill(Rgba fill, Rgba outline, double outline_mm = 0.4);

/// The <renderer-v2> element of a style, for embedding in a QGIS project.
std::string qml_renderer(const std::string& qml);

}  // namespace vigia::geo
