#include "vigia/geo/raster.hpp"

#include <sys/mman.h>

#include <cstdlib>

namespace vigia::geo::detail {

void* allocate_pages(std::size_t bytes) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* p = nullptr;
  if (posix_memalign(&p, kHuge, rounded) != 0) throw std::bad_alloc();
  // Only advice: where transparent huge pages are off, ordinary pages serve.
  (void)madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

void free_pages(void* p) {
  std::free(p);
}

}  // namespace vigia::geo::detail
