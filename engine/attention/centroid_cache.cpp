#include "attention/centroid_cache.h"

namespace svg2::attention {

const CachedCentroids* CentroidCache::find(const CentroidKey& key, std::int64_t heads,
                                           std::int64_t query_clusters, std::int64_t key_clusters,
                                           std::int64_t dim) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  const CachedCentroids& c = it->second;
  // A different shape (another resolution, a changed config) cannot warm-start: start cold.
  const bool fits = c.query.size(0) == heads && c.query.size(1) == query_clusters && c.query.size(2) == dim &&
                    c.key.size(0) == heads && c.key.size(1) == key_clusters && c.key.size(2) == dim;
  return fits ? &c : nullptr;
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
