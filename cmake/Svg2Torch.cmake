# Finds LibTorch through the torch wheel of the project venv (or SVG2_PYTHON), with no paths
# passed by the user. Defines the imported target svg2::torch.
if(NOT SVG2_PYTHON)
  if(EXISTS "${CMAKE_SOURCE_DIR}/.venv/bin/python")
    set(SVG2_PYTHON "${CMAKE_SOURCE_DIR}/.venv/bin/python")
  else()
    find_program(SVG2_PYTHON NAMES python3 python REQUIRED)
  endif()
endif()
execute_process(
  COMMAND "${SVG2_PYTHON}" -c "import torch,sys;sys.stdout.write(torch.utils.cmake_prefix_path+';'+torch.__version__+';'+str(torch.version.cuda))"
  OUTPUT_VARIABLE _svg2_torch_info RESULT_VARIABLE _svg2_torch_rc ERROR_VARIABLE _svg2_torch_err)
if(NOT _svg2_torch_rc EQUAL 0)
  message(FATAL_ERROR "Could not import torch with ${SVG2_PYTHON}: ${_svg2_torch_err}\n"
                      "Run installers/bootstrap.sh first (it creates .venv with torch 2.11.0).")
endif()
list(GET _svg2_torch_info 0 SVG2_TORCH_PREFIX)
list(GET _svg2_torch_info 1 SVG2_TORCH_VERSION)
list(GET _svg2_torch_info 2 SVG2_TORCH_CUDA)
list(APPEND CMAKE_PREFIX_PATH "${SVG2_TORCH_PREFIX}")
message(STATUS "LibTorch ${SVG2_TORCH_VERSION} (CUDA ${SVG2_TORCH_CUDA}) from ${SVG2_TORCH_PREFIX}")

# A CUDA build of LibTorch needs the CUDA toolkit at configure time; without nvcc we fall
# back to its CPU libraries only (every feature but the CUDA kernels works on the CPU).
find_program(SVG2_NVCC nvcc HINTS /usr/local/cuda/bin ENV CUDA_HOME PATH_SUFFIXES bin)
if(SVG2_TORCH_CUDA STREQUAL "None" OR NOT SVG2_NVCC)
  set(SVG2_TORCH_HAS_CUDA OFF)
else()
  set(SVG2_TORCH_HAS_CUDA ON)
  if(NOT CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_COMPILER "${SVG2_NVCC}")
  endif()
  # Torch's cmake still probes for these; give it the toolkit it will find.
  get_filename_component(_svg2_cuda_bin "${SVG2_NVCC}" DIRECTORY)
  get_filename_component(CUDAToolkit_ROOT "${_svg2_cuda_bin}" DIRECTORY)
endif()

if(SVG2_TORCH_HAS_CUDA)
  # Torch's config wants CUDA language support to find its CUDA libraries.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90a 80)
  endif()
  # Without an explicit list, torch's config try_run()s a GPU probe (fails on GPU-less CI).
  if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST} AND NOT TORCH_CUDA_ARCH_LIST)
    set(TORCH_CUDA_ARCH_LIST "8.0;9.0a")
  endif()
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  set(CMAKE_CUDA_EXTENSIONS OFF)
  find_package(Torch REQUIRED)
else()
  # CPU-only link: take torch's CPU libraries directly so no CUDA toolkit is needed.
  find_library(SVG2_LIBTORCH torch PATHS "${SVG2_TORCH_PREFIX}/../../lib" NO_DEFAULT_PATH REQUIRED)
  find_library(SVG2_LIBTORCH_CPU torch_cpu PATHS "${SVG2_TORCH_PREFIX}/../../lib" NO_DEFAULT_PATH REQUIRED)
  find_library(SVG2_LIBC10 c10 PATHS "${SVG2_TORCH_PREFIX}/../../lib" NO_DEFAULT_PATH REQUIRED)
  set(TORCH_LIBRARIES ${SVG2_LIBTORCH} ${SVG2_LIBTORCH_CPU} ${SVG2_LIBC10})
  get_filename_component(_svg2_torch_root "${SVG2_TORCH_PREFIX}/../.." ABSOLUTE)
  set(TORCH_INCLUDE_DIRS "${_svg2_torch_root}/include" "${_svg2_torch_root}/include/torch/csrc/api/include")
  set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=1")
endif()

add_library(svg2_torch INTERFACE)
add_library(svg2::torch ALIAS svg2_torch)
target_link_libraries(svg2_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(svg2_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
separate_arguments(_svg2_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
target_compile_options(svg2_torch INTERFACE $<$<COMPILE_LANGUAGE:CXX>:${_svg2_torch_flags}>)
# LibTorch's headers bundle fmt 12 but its libraries export none of it: use it header-only.
target_compile_definitions(svg2_torch INTERFACE FMT_HEADER_ONLY=1)
# The torch wheel's libtorch*.so export their own copy of std::filesystem (built with a newer
# GCC); a binary that resolves those symbols to it crashes (remove_all jumps to null). Making
# libstdc++ the first NEEDED entry makes the dynamic linker bind them to the system library.
add_link_options("LINKER:--push-state,--no-as-needed,-lstdc++,--pop-state")
get_filename_component(SVG2_TORCH_LIBDIR "${SVG2_TORCH_PREFIX}/../../lib" ABSOLUTE)
# Executables find libtorch at run time through their RPATH (the venv's torch/lib).
set(CMAKE_BUILD_RPATH "${SVG2_TORCH_LIBDIR}")
