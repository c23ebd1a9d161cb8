#pragma once
#include <string_view>

namespace vigia {
/// Semantic version of this build, e.g. "0.1.0".
std::string_view version() noexcept;
/// Short git hash of the source tree this build came from ("-dirty" when modified).
std::string_view git_hash() noexcept;
}  // namespace vigia
