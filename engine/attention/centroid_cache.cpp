#include "attention/centroid_cache.h"

#include <limits>

namespace svg2::attention {
namespace {

// A different shape (another resolution, a changed config) cannot warm-start: start cold.
bool fits(const CachedCentroids& c, std::int64_t heads, std::int64_t query_clusters, std::int64_t key_clusters,
          std::int64_t dim) {
  return c.query.size(0) == heads && c.query.size(1) == query_clusters && c.query.size(2) == dim &&
         c.key.size(0) == heads && c.key.size(1) == key_clusters && c.key.size(2) == dim;
}

}  // namespace

const CachedCentroids* CentroidCache::find(const CentroidKey& key, std::int64_t heads,
                                           std::int64_t query_clusters, std::int64_t key_clusters,
                                           std::int64_t dim) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  return fits(it->second, heads, query_clusters, key_clusters, dim) ? &it->second : nullptr;
}

const CachedCentroids* CentroidCache::find_other_branch(const CentroidKey& key, std::int64_t heads,
                                                        std::int64_t query_clusters, std::int64_t key_clusters,
                                                        std::int64_t dim, int* branch) const {
  // Entries are ordered by (job, layer, branch): this layer's branches are one run of the map.
  for (auto it = entries_.lower_bound({key.job, key.layer, std::numeric_limits<int>::min()});
       it != entries_.end() && it->first.job == key.job && it->first.layer == key.layer; ++it) {
    if (it->first.branch == key.branch || !fits(it->second, heads, query_clusters, key_clusters, dim)) continue;
    if (branch != nullptr) *branch = it->first.branch;
    return &it->second;
  }
  return nullptr;
}

void CentroidCache::store(const CentroidKey& key, CachedCentroids centroids) {
  entries_[key] = std::move(centroids);
}

void CentroidCache::begin_job(std::uint64_t job) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->first.job == job ? std::next(it) : entries_.erase(it);
  }
}

}  // namespace svg2::attention
