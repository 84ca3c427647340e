#pragma once
// How many query/key clusters a sequence of S tokens gets (docs/attention.md "Cluster counts").
#include <cstdint>

namespace svg2::attention {

struct ClusterCounts {
  std::int64_t query = 1;
  std::int64_t key = 1;
};

// The configured counts when S >= both; otherwise both scaled by f = S / max(QC, KC), floor, at least 1,
// so the QC:KC ratio survives.
ClusterCounts effective_cluster_counts(std::int64_t tokens, std::int64_t query_clusters,
                                       std::int64_t key_clusters);

}  // namespace svg2::attention
