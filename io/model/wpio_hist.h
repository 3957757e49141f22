/* Log-linear duration histogram shared by the lite scopes (recording) and the report (merging):
 * values below 2^SUB_BITS ns have a bucket each; above, each power of two is split into
 * 2^SUB_BITS equal buckets, so a bucket's midpoint is within 1/2^(SUB_BITS+1) (0.78 %) of any value
 * in it. Buckets are plain counts, so histograms of several threads or ranks merge exactly by adding. */
#ifndef WPIO_HIST_H
#define WPIO_HIST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WPIO_HIST_SUB_BITS 6
#define WPIO_HIST_SUB (1u << WPIO_HIST_SUB_BITS)
/* Buckets per power-of-two group; group g >= 1 covers [2^(g+SUB_BITS-1), 2^(g+SUB_BITS)). */
#define WPIO_HIST_GROUPS (64 - WPIO_HIST_SUB_BITS + 1)
#define WPIO_HIST_BUCKETS (WPIO_HIST_GROUPS * WPIO_HIST_SUB)

/* Bucket of a value: group (0 for v < SUB) * SUB + sub-bucket. Branch-free apart from the clz. */
static inline uint32_t wpio_hist_bucket(uint64_t v) {
  if (v < WPIO_HIST_SUB) return (uint32_t)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);            /* >= SUB_BITS */
  unsigned group = msb - WPIO_HIST_SUB_BITS + 1;                /* >= 1 */
  uint32_t sub = (uint32_t)(v >> (msb - WPIO_HIST_SUB_BITS)) & (WPIO_HIST_SUB - 1);
  return group * WPIO_HIST_SUB + sub;
}

/* Smallest value in a bucket, and one past its largest (saturating at UINT64_MAX). */
uint64_t wpio_hist_lower(uint32_t bucket);
uint64_t wpio_hist_upper(uint32_t bucket);
/* The value reported for a bucket: its midpoint. */
uint64_t wpio_hist_value(uint32_t bucket);

struct wpio_hist_entry { uint32_t bucket; uint64_t count; };

/* Nearest-rank percentile (q in (0,1]) from entries sorted by bucket; the bucket midpoint clamped to
 * [min, max] of the data. Returns 0 for an empty histogram. */
uint64_t wpio_hist_percentile(const struct wpio_hist_entry *e, uint32_t n, double q,
                              uint64_t min, uint64_t max);

#ifdef __cplusplus
}
#endif
#endif
