#pragma once
// The edge between vigia and GDAL's global state.

#include <string>

namespace vigia::geo {

/// Registers GDAL's drivers and routes GDAL's own messages away from stderr, so the
/// user sees vigia's one-line errors and never "ERROR 4: ..." noise. Idempotent and
/// thread-safe; every geo function that touches GDAL calls it.
void gdal_init();

/// The message of the last GDAL failure on this thread, without GDAL's prefixes,
/// or `fallback` if GDAL reported none. Resets GDAL's error state.
std::string gdal_last_error(const std::string& fallback = "");

}  // namespace vigia::geo
