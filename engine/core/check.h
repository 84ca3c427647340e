#pragma once
// Formatted checks that throw svg2::Error. Use for anything a user can get wrong.
#include <fmt/format.h>

#include <utility>

#include "svg2/error.h"

namespace svg2 {

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace svg2

#define SVG2_CHECK(cond, ...)     \
  do {                            \
    if (!(cond)) {                \
      ::svg2::fail(__VA_ARGS__);  \
    }                             \
  } while (0)
