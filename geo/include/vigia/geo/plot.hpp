#pragma once
// Charts written as PNG (Cairo): altitude profiles along routes, benchmark curves.
// Plain and legible at a glance: one or more panels stacked, each with axes, grid,
// tick labels, a title and a legend.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace vigia::geo {

struct Rgb {
  double r = 0.0, g = 0.0, b = 0.0;
};

struct Series {
  std::string label;  ///< empty: not in the legend
  std::vector<double> x, y;
  Rgb color;
  double width = 1.5;
  bool fill = false;  ///< fill down to the panel's bottom (terrain)
  bool dashed = false;
  bool markers = false;  ///< a dot at every point
};

struct Panel {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  /// Axis ranges; NaN = from the data.
  double x_min = NAN, x_max = NAN, y_min = NAN, y_max = NAN;
};

/// Writes the panels, stacked, into a PNG of `width` pixels and `panel_height` per
/// panel. Throws Error (Runtime) when the file cannot be written.
void write_chart_png(const std::string& path, const std::vector<Panel>& panels, int width = 1200,
                     int panel_height = 360);

/// An RGBA image (width x height, row-major, straight alpha) as a PNG.
void write_png_rgba(const std::string& path, int width, int height,
                    const std::vector<std::uint8_t>& rgba);

/// Things drawn over a quick-look map, in the background image's pixel coordinates.
struct MapLine {
  std::vector<double> x, y;
  Rgb color;
  double width = 2.0;
  bool dashed = false;
};
struct MapMarker {
  double x = 0.0, y = 0.0;
  Rgb color;
  double size = 6.0;
  std::string shape = "circle";  ///< circle, triangle, star
};
struct LegendEntry {
  std::string label;
  Rgb color;
  bool line = false;  ///< a line sample, else a filled box
};

/// A quick-look map: an RGBA background of width x height pixels (row-major), the
/// lines and markers over it, a title, a legend and a scale bar (`metres_per_pixel`).
void write_map_png(const std::string& path, int width, int height,
                   const std::vector<std::uint8_t>& rgba, const std::vector<MapLine>& lines,
                   const std::vector<MapMarker>& markers, const std::string& title,
                   const std::vector<LegendEntry>& legend, double metres_per_pixel);

}  // namespace vigia::geo
