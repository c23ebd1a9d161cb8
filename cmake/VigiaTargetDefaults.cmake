# One place for the compiler settings every vigia target gets: C++20, warnings
# as errors, and the sanitizers when VIGIA_SANITIZE is on. Nothing global.
function(vigia_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wcast-align -Wnull-dereference -Wimplicit-fallthrough -Werror
    # GCC 12 reports false -Wrestrict errors inside std::string's operator+ (GCC bug
    # 105329, fixed in 13); the warning stays on for other compilers.
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
  if(VIGIA_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
      # GCC's flow analysis gives false maybe-uninitialized warnings on sanitized
      # code (in libstdc++'s <regex>, used by Catch2); the Release build keeps it.
      -Wno-maybe-uninitialized)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
