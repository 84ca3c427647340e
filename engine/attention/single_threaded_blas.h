#pragma once
// Keeps BLAS calls on the calling thread inside an at::parallel_for worker.
//
// ATen turns MKL's dynamic threading off (so MKL's threads survive between calls), which makes MKL
// start a nested team for every GEMM issued from inside an OpenMP parallel region. Our CPU
// attention kernels issue one small GEMM per (head, cluster) from each worker; nested teams on a
// 2-core machine made the QC-128 block-sparse call slower on 2 threads (62 ms) than on 1 (38 ms).
// MKL's thread-local setting is looked up weakly: a LibTorch without MKL has none, and then there
// is nothing to limit.

namespace svg2::attention {

class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int previous_ = 0;  // the thread's earlier MKL setting (0 = follow the global one)
  bool active_ = false;
};

}  // namespace svg2::attention
