#include "attention/cluster_counts.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace svg2::attention {

ClusterCounts effective_cluster_counts(std::int64_t tokens, std::int64_t query_clusters,
                                       std::int64_t key_clusters) {
  SVG2_CHECK(tokens >= 1, "attention: sequence length must be >= 1, got {}", tokens);
  SVG2_CHECK(query_clusters >= 1, "attention: query_clusters (QC) must be >= 1, got {}", query_clusters);
  SVG2_CHECK(key_clusters >= 1, "attention: key_clusters (KC) must be >= 1, got {}", key_clusters);
  const std::int64_t largest = std::max(query_clusters, key_clusters);
  if (tokens >= largest) return {query_clusters, key_clusters};
  // Same factor for both, so few large query clusters / many small key clusters survives.
  const auto scale = [&](std::int64_t c) {
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::floor(static_cast<double>(c) * tokens / largest)));
  };
  return {scale(query_clusters), scale(key_clusters)};
}

}  // namespace svg2::attention
