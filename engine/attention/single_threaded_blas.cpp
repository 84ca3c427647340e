#include "attention/single_threaded_blas.h"

// MKL's C entry point (mkl_service.h maps mkl_set_num_threads_local to it; the lower-case symbol
// is the Fortran one, which takes a pointer), exported by libtorch_cpu when built with MKL.
extern "C" int MKL_Set_Num_Threads_Local(int nthreads) __attribute__((weak));

namespace svg2::attention {

SingleThreadedBlas::SingleThreadedBlas() {
  if (MKL_Set_Num_Threads_Local == nullptr) return;
  previous_ = MKL_Set_Num_Threads_Local(1);
  active_ = true;
}

SingleThreadedBlas::~SingleThreadedBlas() {
  if (active_) MKL_Set_Num_Threads_Local(previous_);
}

}  // namespace svg2::attention
