#include "vigia/terrain/coverage.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <memory>
#include <unordered_map>

#include "vigia/geo/error.hpp"
#include "vigia/geo/raster_io.hpp"

namespace vigia::terrain {

namespace {

constexpr int kTile = 256;

/// One thread's counts: 256 x 256 tiles of uint32, allocated when first touched.
class TileCounts {
 public:
  TileCounts(const geo::Window& w) : w_(w), tiles_x_((w.cols + kTile - 1) / kTile) {}

  void add_row(int row, int col, int length) {
    const int r = row - w_.row;
    int c = col - w_.col;
    int left = length;
    while (left > 0) {
      const int tx = c / kTile;
      const int ty = r / kTile;
      std::uint32_t* t = tile(tx, ty);
      const int in_tile = std::min(left, kTile - c % kTile);
      std::uint32_t* p = t + static_cast<std::size_t>(r % kTile) * kTile + c % kTile;
      for (int i = 0; i < in_tile; ++i) ++p[i];
      c += in_tile;
      left -= in_tile;
    }
  }

  [[nodiscard]] std::size_t bytes() const {
    return tiles_.size() * sizeof(std::uint32_t) * kTile * kTile;
  }

  template <class Fn>
  void for_each_tile(Fn&& fn) const {
    for (const auto& [key, data] : tiles_) fn(key % tiles_x_, key / tiles_x_, data.get());
  }

 private:
  std::uint32_t* tile(int tx, int ty) {
    const long long key = static_cast<long long>(ty) * tiles_x_ + tx;
    auto it = tiles_.find(key);
    if (it == tiles_.end()) {
      it = tiles_
               .emplace(key,
                        std::make_unique<std::uint32_t[]>(static_cast<std::size_t>(kTile) * kTile))
               .first;
    }
    return it->second.get();
  }

  geo::Window w_;
  int tiles_x_;
  std::unordered_map<long long, std::unique_ptr<std::uint32_t[]>> tiles_;
};

}  // namespace

VisibleSet encode_visible(const Viewshed& vs) {
  VisibleSet set;
  for (int r = 0; r < vs.visible.rows(); ++r) {
    const std::uint8_t* p = vs.visible.row(r);
    int c = 0;
    const int n = vs.visible.cols();
    while (c < n) {
      while (c < n && p[c] != 1) ++c;
      const int start = c;
      while (c < n && p[c] == 1) ++c;
      if (c > start) set.runs.push_back({vs.window.row + r, vs.window.col + start, c - start});
    }
  }
  set.runs.shrink_to_fit();
  return set;
}

Coverage compute_coverage(const Dem& dem, std::span<const Observer> observers,
                          const CoverageOptions& options, const Progress& progress) {
  if (observers.empty()) throw Error("no observers given (allowed: one or more)");
  check_options(options.viewshed);
  // Validate everything before any work, so a bad observer fails fast and clearly.
  const double range = horizontal_range(options.viewshed.limits);
  geo::Window all{};
  bool first = true;
  for (std::size_t i = 0; i < observers.size(); ++i) {
    try {
      (void)eye_altitude(dem, observers[i]);
    } catch (const Error& e) {
      throw Error("observer " + std::to_string(i + 1) + ": " + e.what());
    }
    const geo::Window w = range_window(dem, observers[i].position, range);
    if (first) {
      all = w;
      first = false;
    } else {
      const int c0 = std::min(all.col, w.col);
      const int r0 = std::min(all.row, w.row);
      const int c1 = std::max(all.col + all.cols, w.col + w.cols);
      const int r1 = std::max(all.row + all.rows, w.row + w.rows);
      all = {c0, r0, c1 - c0, r1 - r0};
    }
  }

  Coverage cov;
  cov.window = all;
  if (options.keep_visible_sets) cov.visible_sets.resize(observers.size());
  const int threads = omp_get_max_threads();  // set_thread_count or a ThreadCount decides
  std::vector<std::unique_ptr<TileCounts>> counts(static_cast<std::size_t>(threads));
  std::vector<CoverageStats> per_thread(static_cast<std::size_t>(threads));
  ProgressCounter counter(progress, "coverage", static_cast<long long>(observers.size()));
  const auto n = static_cast<long long>(observers.size());

#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    counts[t] = std::make_unique<TileCounts>(all);
    CoverageStats& st = per_thread[t];
#pragma omp for schedule(dynamic, 1)
    for (long long i = 0; i < n; ++i) {
      if (progress.cancelled()) continue;
      const Viewshed vs =
          compute_viewshed(dem, observers[static_cast<std::size_t>(i)], options.viewshed);
      VisibleSet set = encode_visible(vs);
      for (const Run& r : set.runs) counts[t]->add_row(r.row, r.col, r.length);
      st.cells_computed += vs.stats.cells_in_range;
      st.visible_cells += vs.stats.visible;
      st.retested += vs.stats.retested;
      if (options.keep_visible_sets) {
        st.visible_set_bytes += set.bytes();
        cov.visible_sets[static_cast<std::size_t>(i)] = std::move(set);
      }
      counter.add();
    }
  }
  progress.throw_if_cancelled();
  counter.finish();

  // Sum the threads' tiles into the UInt16 product.
  cov.count = geo::Raster<std::uint16_t>(all.cols, all.rows, 0);
  cov.count.transform = dem.elevation.transform.shifted(all.col, all.row);
  cov.count.crs_wkt = dem.elevation.crs_wkt;
  cov.count.nodata = 65535.0;
  std::vector<std::uint32_t> sum(static_cast<std::size_t>(all.cols) * all.rows, 0);
  for (const auto& tc : counts) {
    cov.stats.accumulator_bytes += tc->bytes();
    tc->for_each_tile([&](int tx, int ty, const std::uint32_t* data) {
      for (int r = 0; r < kTile; ++r) {
        const int row = ty * kTile + r;
        if (row >= all.rows) break;
        for (int c = 0; c < kTile; ++c) {
          const int col = tx * kTile + c;
          if (col >= all.cols) break;
          sum[static_cast<std::size_t>(row) * all.cols + col] +=
              data[static_cast<std::size_t>(r) * kTile + c];
        }
      }
    });
  }
  for (int r = 0; r < all.rows; ++r) {
    const float* z = dem.elevation.row(all.row + r) + all.col;
    for (int c = 0; c < all.cols; ++c) {
      cov.count(r, c) = std::isnan(z[c])
                            ? 65535
                            : static_cast<std::uint16_t>(std::min<std::uint32_t>(
                                  sum[static_cast<std::size_t>(r) * all.cols + c], 65534));
    }
  }
  for (const auto& st : per_thread) {
    cov.stats.cells_computed += st.cells_computed;
    cov.stats.visible_cells += st.visible_cells;
    cov.stats.retested += st.retested;
    cov.stats.visible_set_bytes += st.visible_set_bytes;
  }
  cov.stats.observers = n;
  return cov;
}

namespace {
constexpr char kMagic[8] = {'V', 'I', 'G', 'I', 'A', 'V', 'S', '1'};

template <class T>
void put(std::ofstream& out, const T& v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
void get(std::ifstream& in, T& v, const std::string& path) {
  in.read(reinterpret_cast<char*>(&v), sizeof v);
  if (!in) throw Error(path + ": truncated visible-set file");
}
}  // namespace

void write_visible_sets(const std::string& path, const std::vector<VisibleSet>& sets,
                        const Dem& grid) {
  geo::OutputFiles files;
  const std::string tmp = files.stage(path);
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(kMagic, sizeof kMagic);
    put(out, static_cast<std::uint32_t>(1));
    put(out, static_cast<std::uint32_t>(sets.size()));
    put(out, static_cast<std::int32_t>(grid.cols()));
    put(out, static_cast<std::int32_t>(grid.rows()));
    for (double g : grid.elevation.transform.to_gdal()) put(out, g);
    put(out, static_cast<std::uint32_t>(grid.elevation.crs_wkt.size()));
    out.write(grid.elevation.crs_wkt.data(),
              static_cast<std::streamsize>(grid.elevation.crs_wkt.size()));
    for (const VisibleSet& s : sets) {
      put(out, static_cast<std::uint32_t>(s.runs.size()));
      out.write(reinterpret_cast<const char*>(s.runs.data()),
                static_cast<std::streamsize>(s.runs.size() * sizeof(Run)));
    }
    out.flush();
    if (!out) throw Error(path + ": write failed (disk full?)", Error::Kind::Runtime);
  }
  files.commit();
}

VisibleSetFile read_visible_sets(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot be read");
  char magic[8];
  in.read(magic, sizeof magic);
  if (!in || !std::equal(magic, magic + 8, kMagic))
    throw Error(path + ": not a vigia visible-set file");
  std::uint32_t version = 0;
  std::uint32_t count = 0;
  get(in, version, path);
  if (version != 1)
    throw Error(path + ": unsupported visible-set version " + std::to_string(version));
  get(in, count, path);
  VisibleSetFile f;
  std::int32_t cols = 0;
  std::int32_t rows = 0;
  get(in, cols, path);
  get(in, rows, path);
  f.cols = cols;
  f.rows = rows;
  std::array<double, 6> gt{};
  for (double& g : gt) get(in, g, path);
  f.transform = geo::GeoTransform::from_gdal(gt);
  std::uint32_t wkt_len = 0;
  get(in, wkt_len, path);
  f.crs_wkt.resize(wkt_len);
  in.read(f.crs_wkt.data(), wkt_len);
  f.sets.resize(count);
  for (auto& s : f.sets) {
    std::uint32_t n = 0;
    get(in, n, path);
    s.runs.resize(n);
    in.read(reinterpret_cast<char*>(s.runs.data()), static_cast<std::streamsize>(n * sizeof(Run)));
    if (!in) throw Error(path + ": truncated visible-set file");
  }
  return f;
}

}  // namespace vigia::terrain
