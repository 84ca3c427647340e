#pragma once
// Where bundled resources (demo model, presets, icons) live at run time: the source tree in a
// build, the install prefix's share/svg2-studio after `cmake --install` / the .deb.
#include <string>

namespace svg2 {

std::string resources_dir();  // throws svg2::Error when none is found (names the places looked in)

}  // namespace svg2
