/* Bucket bounds and nearest-rank percentiles of the log-linear histogram (wpio_hist.h); the
 * bucket index itself is computed inline on the recording hot path. */
#include <math.h>

#include "wpio_hist.h"

/* Width of a bucket: 1 in group 0 and 1, then doubling with each group. */
static uint64_t bucket_width(uint32_t group) { return group <= 1 ? 1 : 1ull << (group - 1); }

uint64_t wpio_hist_lower(uint32_t bucket) {
  uint32_t group = bucket / WPIO_HIST_SUB, sub = bucket % WPIO_HIST_SUB;
  if (group == 0) return sub;
  if (group >= WPIO_HIST_GROUPS) return UINT64_MAX;
  /* group g holds values with msb = g + SUB_BITS - 1: (SUB + sub) << (g - 1) */
  return ((uint64_t)WPIO_HIST_SUB + sub) << (group - 1);
}

uint64_t wpio_hist_upper(uint32_t bucket) {
  uint32_t group = bucket / WPIO_HIST_SUB;
  if (group >= WPIO_HIST_GROUPS) return UINT64_MAX;
  uint64_t lo = wpio_hist_lower(bucket), w = bucket_width(group);
  return lo > UINT64_MAX - w ? UINT64_MAX : lo + w;
}

uint64_t wpio_hist_value(uint32_t bucket) {
  uint32_t group = bucket / WPIO_HIST_SUB;
  if (group >= WPIO_HIST_GROUPS) return UINT64_MAX;
  /* values in [lo, lo + w): the midpoint lo + (w - 1) / 2 cannot overflow, unlike (lo + hi) / 2 */
  return wpio_hist_lower(bucket) + (bucket_width(group) - 1) / 2;
}

/* 1-based nearest rank: ceil(q * total), kept within [1, total]. */
static uint64_t nearest_rank(double q, uint64_t total) {
  double r = ceil(q * (double)total);
  if (!(r >= 1.0)) return 1; /* also catches NaN */
  if (r >= (double)total) return total;
  return (uint64_t)r;
}

uint64_t wpio_hist_percentile(const struct wpio_hist_entry *e, uint32_t n, double q,
                              uint64_t min, uint64_t max) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) total += e[i].count;
  if (total == 0) return 0;
  uint64_t rank = nearest_rank(q, total), seen = 0, v = 0;
  for (uint32_t i = 0; i < n; i++) {
    seen += e[i].count;
    if (seen >= rank) {
      v = wpio_hist_value(e[i].bucket);
      break;
    }
  }
  /* every value of the data lies in [min, max], so clamping only moves v closer to the truth */
  if (min <= max) {
    if (v < min) v = min;
    if (v > max) v = max;
  }
  return v;
}
