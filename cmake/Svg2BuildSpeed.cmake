# Build-speed settings for 2-core machines: ccache (PCH-aware) and a faster linker.
find_program(SVG2_CCACHE ccache)
if(SVG2_CCACHE)
  # PCH with ccache needs these sloppiness flags or every PCH user misses the cache.
  set(_svg2_launcher ${CMAKE_COMMAND} -E env
      "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
      "CCACHE_BASEDIR=${CMAKE_SOURCE_DIR}" ${SVG2_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${_svg2_launcher})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${_svg2_launcher})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${_svg2_launcher})
endif()

include(CheckLinkerFlag)
check_linker_flag(CXX "-fuse-ld=gold" SVG2_HAVE_GOLD)
if(SVG2_HAVE_GOLD)
  add_link_options("-fuse-ld=gold")
endif()
