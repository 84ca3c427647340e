#pragma once
// The Pareto plot of `svg2 inspect attention`: output error vs density, one curve per backend,
// drawn into an RGB buffer (axes, ticks, grid, legend, a built-in 5x7 font).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace svg2::tools {

struct PlotSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (density, relative L2 error)
};

struct PlotImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // rows top to bottom, width * height * 3
};

PlotImage draw_pareto_plot(const std::vector<PlotSeries>& series, const std::string& title);

}  // namespace svg2::tools
