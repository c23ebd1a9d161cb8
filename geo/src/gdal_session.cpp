#include "vigia/geo/gdal_session.hpp"

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>

#include <mutex>

namespace vigia::geo {

void gdal_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    // GDAL keeps the last error per thread even with the quiet handler; vigia reads
    // it with gdal_last_error() and words its own message.
    CPLSetErrorHandler(CPLQuietErrorHandler);
    GDALAllRegister();
  });
}

std::string gdal_last_error(const std::string& fallback) {
  std::string msg = CPLGetLastErrorMsg();
  CPLErrorReset();
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ' || msg.back() == '.'))
    msg.pop_back();
  return msg.empty() ? fallback : msg;
}

}  // namespace vigia::geo
