#include "vigia/geo/plot.hpp"

#include <cairo.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "vigia/geo/error.hpp"

namespace vigia::geo {

namespace {

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `n` ticks.
double tick_step(double span, int n) {
  if (!(span > 0.0)) return 1.0;
  const double raw = span / n;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10.0 * p;
}

std::string tick_label(double v, double step) {
  char buf[32];
  const int decimals = step >= 1.0 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::abs(v) < step * 1e-9 ? 0.0 : v);
  return buf;
}

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
};

void draw_panel(cairo_t* cr, const Panel& p, double x0, double y0, double w, double h) {
  // Margins for tick labels, axis labels and the title.
  const double left = 78, right = 18, top = 34, bottom = 52;
  const double px = x0 + left, py = y0 + top, pw = w - left - right, ph = h - top - bottom;
  Range rx, ry;
  for (const auto& s : p.series) {
    for (double v : s.x) rx.add(v);
    for (double v : s.y) ry.add(v);
  }
  if (!std::isnan(p.x_min)) rx.lo = p.x_min;
  if (!std::isnan(p.x_max)) rx.hi = p.x_max;
  if (!std::isnan(p.y_min)) ry.lo = p.y_min;
  if (!std::isnan(p.y_max)) ry.hi = p.y_max;
  if (!(rx.hi > rx.lo)) {
    rx.lo = std::isfinite(rx.lo) ? rx.lo - 1 : 0;
    rx.hi = rx.lo + 2;
  }
  if (!(ry.hi > ry.lo)) {
    ry.lo = std::isfinite(ry.lo) ? ry.lo - 1 : 0;
    ry.hi = ry.lo + 2;
  }
  const double ystep = tick_step(ry.hi - ry.lo, 6);
  if (std::isnan(p.y_min)) ry.lo = std::floor(ry.lo / ystep) * ystep;
  if (std::isnan(p.y_max)) ry.hi = std::ceil(ry.hi / ystep) * ystep;
  const double xstep = tick_step(rx.hi - rx.lo, 8);
  const auto X = [&](double v) { return px + (v - rx.lo) / (rx.hi - rx.lo) * pw; };
  const auto Y = [&](double v) { return py + ph - (v - ry.lo) / (ry.hi - ry.lo) * ph; };

  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);
  cairo_text_extents_t te;
  // Grid and tick labels.
  cairo_set_line_width(cr, 1.0);
  for (double v = std::ceil(ry.lo / ystep) * ystep; v <= ry.hi + ystep * 1e-9; v += ystep) {
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, px, std::round(Y(v)) + 0.5);
    cairo_line_to(cr, px + pw, std::round(Y(v)) + 0.5);
    cairo_stroke(cr);
    const std::string t = tick_label(v, ystep);
    cairo_text_extents(cr, t.c_str(), &te);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_move_to(cr, px - 6 - te.x_advance, Y(v) + te.height / 2);
    cairo_show_text(cr, t.c_str());
  }
  for (double v = std::ceil(rx.lo / xstep) * xstep; v <= rx.hi + xstep * 1e-9; v += xstep) {
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, std::round(X(v)) + 0.5, py);
    cairo_line_to(cr, std::round(X(v)) + 0.5, py + ph);
    cairo_stroke(cr);
    const std::string t = tick_label(v, xstep);
    cairo_text_extents(cr, t.c_str(), &te);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_move_to(cr, X(v) - te.x_advance / 2, py + ph + 16);
    cairo_show_text(cr, t.c_str());
  }
  // Series, clipped to the plot area.
  cairo_save(cr);
  cairo_rectangle(cr, px, py, pw, ph);
  cairo_clip(cr);
  for (const auto& s : p.series) {
    if (s.x.empty()) continue;
    const std::size_t n = std::min(s.x.size(), s.y.size());
    cairo_set_source_rgb(cr, s.color.r, s.color.g, s.color.b);
    if (s.fill) {
      cairo_move_to(cr, X(s.x[0]), py + ph);
      for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(s.y[i])) cairo_line_to(cr, X(s.x[i]), Y(s.y[i]));
      cairo_line_to(cr, X(s.x[n - 1]), py + ph);
      cairo_close_path(cr);
      cairo_fill(cr);
      continue;
    }
    cairo_set_line_width(cr, s.width);
    const double dash[] = {6.0, 4.0};
    cairo_set_dash(cr, dash, s.dashed ? 2 : 0, 0.0);
    bool pen = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) {
        pen = false;
        continue;
      }
      if (pen) {
        cairo_line_to(cr, X(s.x[i]), Y(s.y[i]));
      } else {
        cairo_move_to(cr, X(s.x[i]), Y(s.y[i]));
      }
      pen = true;
    }
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0.0);
    if (s.markers) {
      for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(s.y[i])) continue;
        cairo_arc(cr, X(s.x[i]), Y(s.y[i]), 3.5, 0, 2 * 3.14159265358979);
        cairo_fill(cr);
      }
    }
  }
  cairo_restore(cr);
  // Frame, title, axis labels.
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, px + 0.5, py + 0.5, pw, ph);
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_set_font_size(cr, 14);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_move_to(cr, px, y0 + 22);
  cairo_show_text(cr, p.title.c_str());
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);
  cairo_text_extents(cr, p.x_label.c_str(), &te);
  cairo_move_to(cr, px + pw / 2 - te.x_advance / 2, py + ph + 36);
  cairo_show_text(cr, p.x_label.c_str());
  cairo_save(cr);
  cairo_text_extents(cr, p.y_label.c_str(), &te);
  cairo_move_to(cr, x0 + 16, py + ph / 2 + te.x_advance / 2);
  cairo_rotate(cr, -3.14159265358979 / 2);
  cairo_show_text(cr, p.y_label.c_str());
  cairo_restore(cr);
  // Legend, top right inside the plot.
  double ly = py + 8;
  double widest = 0.0;
  for (const auto& s : p.series) {
    if (s.label.empty()) continue;
    cairo_text_extents(cr, s.label.c_str(), &te);
    widest = std::max(widest, te.x_advance);
  }
  if (widest > 0.0) {
    int entries = 0;
    for (const auto& s : p.series) entries += s.label.empty() ? 0 : 1;
    const double lx = px + pw - widest - 44;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, lx - 6, ly - 4, widest + 46, entries * 17 + 6);
    cairo_fill(cr);
    for (const auto& s : p.series) {
      if (s.label.empty()) continue;
      cairo_set_source_rgb(cr, s.color.r, s.color.g, s.color.b);
      if (s.fill) {
        cairo_rectangle(cr, lx, ly + 3, 26, 9);
        cairo_fill(cr);
      } else {
        cairo_set_line_width(cr, s.width);
        const double dash[] = {6.0, 4.0};
        cairo_set_dash(cr, dash, s.dashed ? 2 : 0, 0.0);
        cairo_move_to(cr, lx, ly + 8);
        cairo_line_to(cr, lx + 26, ly + 8);
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0.0);
      }
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      cairo_move_to(cr, lx + 32, ly + 12);
      cairo_show_text(cr, s.label.c_str());
      ly += 17;
    }
  }
}

}  // namespace

void write_chart_png(const std::string& path, const std::vector<Panel>& panels, int width,
                     int panel_height) {
  if (panels.empty()) throw Error("a chart needs at least one panel");
  const int height = panel_height * static_cast<int>(panels.size());
  const std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height), cairo_surface_destroy);
  const std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface.get()),
                                                              cairo_destroy);
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());
  for (std::size_t i = 0; i < panels.size(); ++i)
    draw_panel(cr.get(), panels[i], 0, static_cast<double>(i) * panel_height, width, panel_height);
  cairo_surface_flush(surface.get());
  if (cairo_surface_write_to_png(surface.get(), path.c_str()) != CAIRO_STATUS_SUCCESS)
    throw Error(path + ": cannot write the PNG chart", Error::Kind::Runtime);
}

namespace {
/// A Cairo ARGB32 surface holding an RGBA image (premultiplied, native words).
std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> argb_surface(
    int width, int height, const std::vector<std::uint8_t>& rgba) {
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> image(
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height), cairo_surface_destroy);
  cairo_surface_flush(image.get());
  unsigned char* dst = cairo_image_surface_get_data(image.get());
  const int stride = cairo_image_surface_get_stride(image.get());
  for (int y = 0; y < height; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(dst + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = 0; x < width; ++x) {
      const std::uint8_t* p = &rgba[(static_cast<std::size_t>(y) * width + x) * 4];
      const std::uint32_t a = p[3];
      row[x] = (a << 24) | ((p[0] * a / 255) << 16) | ((p[1] * a / 255) << 8) | (p[2] * a / 255);
    }
  }
  cairo_surface_mark_dirty(image.get());
  return image;
}
}  // namespace

void write_png_rgba(const std::string& path, int width, int height,
                    const std::vector<std::uint8_t>& rgba) {
  if (width <= 0 || height <= 0 ||
      rgba.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4)
    throw Error("an image needs width x height x 4 bytes", Error::Kind::Runtime);
  const auto image = argb_surface(width, height, rgba);
  if (cairo_surface_write_to_png(image.get(), path.c_str()) != CAIRO_STATUS_SUCCESS)
    throw Error(path + ": cannot write the PNG image", Error::Kind::Runtime);
}

void write_map_png(const std::string& path, int width, int height,
                   const std::vector<std::uint8_t>& rgba, const std::vector<MapLine>& lines,
                   const std::vector<MapMarker>& markers, const std::string& title,
                   const std::vector<LegendEntry>& legend, double metres_per_pixel) {
  if (width <= 0 || height <= 0 ||
      rgba.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4)
    throw Error("a map image needs width x height x 4 bytes", Error::Kind::Runtime);
  const int top = 36;  // title band
  const std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height + top), cairo_surface_destroy);
  const auto image = argb_surface(width, height, rgba);
  const std::unique_ptr<cairo_t, decltype(&cairo_destroy)> owner(cairo_create(surface.get()),
                                                                 cairo_destroy);
  cairo_t* cr = owner.get();
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_surface(cr, image.get(), 0, top);
  cairo_paint(cr);
  cairo_translate(cr, 0, top);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (const auto& l : lines) {
    if (l.x.size() < 2) continue;
    // A white casing under the line keeps it legible over any background.
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 0) {
        cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
        cairo_set_line_width(cr, l.width + 2.5);
      } else {
        cairo_set_source_rgb(cr, l.color.r, l.color.g, l.color.b);
        cairo_set_line_width(cr, l.width);
      }
      const double dash[] = {7.0, 5.0};
      cairo_set_dash(cr, dash, l.dashed && pass == 1 ? 2 : 0, 0.0);
      cairo_move_to(cr, l.x[0], l.y[0]);
      for (std::size_t i = 1; i < std::min(l.x.size(), l.y.size()); ++i)
        cairo_line_to(cr, l.x[i], l.y[i]);
      cairo_stroke(cr);
    }
    cairo_set_dash(cr, nullptr, 0, 0.0);
  }
  for (const auto& m : markers) {
    cairo_new_path(cr);
    const double s = m.size;
    if (m.shape == "triangle") {
      cairo_move_to(cr, m.x, m.y - s);
      cairo_line_to(cr, m.x + 0.87 * s, m.y + 0.5 * s);
      cairo_line_to(cr, m.x - 0.87 * s, m.y + 0.5 * s);
      cairo_close_path(cr);
    } else if (m.shape == "star") {
      for (int k = 0; k < 10; ++k) {
        const double a = -3.14159265358979 / 2 + k * 3.14159265358979 / 5;
        const double r = k % 2 == 0 ? s : 0.45 * s;
        if (k == 0) {
          cairo_move_to(cr, m.x + r * std::cos(a), m.y + r * std::sin(a));
        } else {
          cairo_line_to(cr, m.x + r * std::cos(a), m.y + r * std::sin(a));
        }
      }
      cairo_close_path(cr);
    } else {
      cairo_arc(cr, m.x, m.y, s / 1.6, 0, 2 * 3.14159265358979);
    }
    cairo_set_source_rgb(cr, m.color.r, m.color.g, m.color.b);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
  }
  // Legend, bottom left.
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);
  cairo_text_extents_t te;
  double widest = 0.0;
  for (const auto& e : legend) {
    cairo_text_extents(cr, e.label.c_str(), &te);
    widest = std::max(widest, te.x_advance);
  }
  if (!legend.empty()) {
    const double h = static_cast<double>(legend.size()) * 17 + 8;
    const double x0 = 10, y0 = height - h - 10;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, x0, y0, widest + 50, h);
    cairo_fill(cr);
    double y = y0 + 6;
    for (const auto& e : legend) {
      cairo_set_source_rgb(cr, e.color.r, e.color.g, e.color.b);
      if (e.line) {
        cairo_set_line_width(cr, 2.5);
        cairo_move_to(cr, x0 + 6, y + 7);
        cairo_line_to(cr, x0 + 32, y + 7);
        cairo_stroke(cr);
      } else {
        cairo_rectangle(cr, x0 + 6, y + 2, 26, 10);
        cairo_fill(cr);
      }
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      cairo_move_to(cr, x0 + 40, y + 11);
      cairo_show_text(cr, e.label.c_str());
      y += 17;
    }
  }
  // Scale bar, bottom right: a round length near a fifth of the width.
  if (metres_per_pixel > 0.0) {
    const double target = width / 5.0 * metres_per_pixel;
    const double p10 = std::pow(10.0, std::floor(std::log10(target)));
    double len = p10;
    for (double m : {2.0, 5.0, 10.0})
      if (m * p10 <= target) len = m * p10;
    const double px = len / metres_per_pixel;
    const double x1 = width - 20, x0 = x1 - px, y = height - 20;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, x0 - 8, y - 22, px + 16, 30);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
    const std::string t =
        len >= 1000 ? tick_label(len / 1000, 1) + " km" : tick_label(len, 1) + " m";
    cairo_text_extents(cr, t.c_str(), &te);
    cairo_move_to(cr, (x0 + x1) / 2 - te.x_advance / 2, y - 8);
    cairo_show_text(cr, t.c_str());
  }
  // Title band.
  cairo_translate(cr, 0, -top);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, 15);
  cairo_move_to(cr, 10, 24);
  cairo_show_text(cr, title.c_str());
  cairo_surface_flush(surface.get());
  if (cairo_surface_write_to_png(surface.get(), path.c_str()) != CAIRO_STATUS_SUCCESS)
    throw Error(path + ": cannot write the PNG map", Error::Kind::Runtime);
}

}  // namespace vigia::geo
