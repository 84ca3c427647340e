#pragma once
// Launchers of the block-sparse attention kernels (one translation unit each), called by
// sparse_attention.cu after it has built the work list.
#include <cuda_runtime_api.h>

#include "svg2k/status.h"

namespace svg2k::detail {

struct AttentionParams;

int ampere_rows_per_block();
int hopper_rows_per_block();
int ampere_smem_bytes(int dim, int key_clusters);
int hopper_smem_bytes(int dim, int key_clusters);

Status launch_sparse_attention_ampere(const AttentionParams& p, int dim, int slots, cudaStream_t stream);
Status launch_sparse_attention_hopper(const AttentionParams& p, int dim, bool ping_pong, int slots,
                                      cudaStream_t stream);
// hopper-tma-ov; falls back to launch_sparse_attention_hopper (no ping-pong) when K/V are not
// cluster-ordered or their view cannot be described by a TMA tensor map.
Status launch_sparse_attention_hopper_tma_ov(const AttentionParams& p, int dim, int slots,
                                             cudaStream_t stream);

}  // namespace svg2k::detail
