#pragma once
// svg2::Error for the LibTorch-free readers (safetensors header, zip, pickle). They are also
// compiled by clang for the fuzzers, without LibTorch's bundled fmt, so messages are built with
// a stream instead of fmt.
#include <sstream>
#include <string>
#include <utility>

#include "svg2/error.h"

namespace svg2::io {

template <typename... Parts>
[[noreturn]] void fail_plain(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  throw Error(out.str());
}

}  // namespace svg2::io
