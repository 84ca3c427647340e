#pragma once
// Comma-separated list options shared by `svg2 inspect attention` and `svg2 bench attention`
// (--backends, --kernels, --top-p, --densities).
#include <string>
#include <vector>

namespace svg2::cli {

// "a,b,,c" -> {a, b, c}: empty items are dropped.
std::vector<std::string> split_comma_list(const std::string& text);

// Fractions in (0, 1], e.g. "0.5,0.9"; throws svg2::Error naming `flag`, the allowed range, an
// `example` and the offending item, or saying that the list names no value.
std::vector<double> parse_fraction_list(const std::string& text, const std::string& flag,
                                        const std::string& example);

}  // namespace svg2::cli
