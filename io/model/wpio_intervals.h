/* Sorted disjoint interval lists and the lengths of their unions and intersections: the pure
 * arithmetic behind /breakdown (runtime/cupti/breakdown.c). Intervals are half-open [start, end). */
#ifndef WPIO_INTERVALS_H
#define WPIO_INTERVALS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wpio_ival { int64_t start, end; };

/* Sorted by start, pairwise disjoint and not touching (touching intervals are merged). */
struct wpio_ivals {
  struct wpio_ival *v;
  size_t n, cap;
  size_t max;         /* bound on n (0: none); see wpio_ivals_add */
  uint64_t bridged_ns; /* gaps counted as covered because the bound was reached */
  size_t hint;         /* the interval the last add touched: where the next one likely goes */
};

/* Adds [start, end) (empty or reversed intervals are ignored), merging with what it overlaps or
 * touches. When the list holds `max` intervals and the new one overlaps none, it is joined to its
 * nearest neighbour instead: the gap between them then counts as covered (added to bridged_ns), so
 * a capped list overestimates its length by at most bridged_ns. 0, or -1 when out of memory (the
 * list is unchanged). */
int wpio_ivals_add(struct wpio_ivals *s, int64_t start, int64_t end);
/* Adds every interval of `src`. 0 or -1. */
int wpio_ivals_add_all(struct wpio_ivals *dst, const struct wpio_ivals *src);
void wpio_ivals_free(struct wpio_ivals *s);

/* Covered length within [lo, hi) of one list. */
int64_t wpio_ivals_length(const struct wpio_ivals *s, int64_t lo, int64_t hi);
/* Length within [lo, hi) covered by both lists (linear sweep). */
int64_t wpio_ivals_overlap(const struct wpio_ivals *a, const struct wpio_ivals *b, int64_t lo, int64_t hi);

#ifdef __cplusplus
}
#endif
#endif
