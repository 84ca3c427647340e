# Third-party libraries from Debian packages (installers/bootstrap.sh installs them).
# Each optional dependency is AUTO/ON/OFF; ON fails loudly when missing.
find_package(PkgConfig REQUIRED)

find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)

function(svg2_optional_dep name found_var)
  if(SVG2_WITH_${name} STREQUAL "ON" AND NOT ${found_var})
    message(FATAL_ERROR "SVG2_WITH_${name}=ON but it was not found; run installers/bootstrap.sh")
  endif()
  if(SVG2_WITH_${name} STREQUAL "OFF")
    set(SVG2_HAVE_${name} OFF PARENT_SCOPE)
  elseif(${found_var})
    set(SVG2_HAVE_${name} ON PARENT_SCOPE)
  else()
    set(SVG2_HAVE_${name} OFF PARENT_SCOPE)
  endif()
endfunction()

pkg_check_modules(FFMPEG IMPORTED_TARGET libavcodec libavformat libavutil libswscale)
svg2_optional_dep(FFMPEG FFMPEG_FOUND)

pkg_check_modules(SENTENCEPIECE IMPORTED_TARGET sentencepiece)
find_library(SVG2_SPM_TRAIN_LIB sentencepiece_train)
if(SENTENCEPIECE_FOUND AND SVG2_SPM_TRAIN_LIB)
  set(_svg2_spm_found ON)
else()
  set(_svg2_spm_found OFF)
endif()
svg2_optional_dep(SENTENCEPIECE _svg2_spm_found)

if(SVG2_WITH_GUI)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets OpenGL OpenGLWidgets Test)
  find_package(OpenGL REQUIRED)
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
endif()
