#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

int main(int argc, char** argv) {
  // The vigia processes the CLI tests start inherit this: LeakSanitizer ignores the
  // font cache Fontconfig keeps for the process's lifetime (tests/lsan.supp).
  setenv("LSAN_OPTIONS", "suppressions=" VIGIA_LSAN_SUPPRESSIONS, 0);
  return Catch::Session().run(argc, argv);
}
