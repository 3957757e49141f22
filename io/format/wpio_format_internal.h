/* Private to the wpio_format*.c files: the fields a view's columns name, and the helpers the view
 * builder, the sorter and the printers share. */
#ifndef WPIO_FORMAT_INTERNAL_H
#define WPIO_FORMAT_INTERNAL_H

#include <stddef.h>

#include "wpio_format.h"

/* What a column shows: struct wpio_column's `field`. */
enum wpio_field {
  F_NAME, F_KIND, F_SELF_CUDA, F_SELF_PCT, F_CUDA_TOTAL, F_CPU_SELF, F_CPU_TOTAL, F_CALLS, F_AVG,
  F_MIN, F_MAX, F_BYTES, F_TOTAL, F_P50, F_P90, F_P99, F_RANKS, F_IMB, F_SLOWEST, F_RMIN, F_RMEAN,
  F_RMAX
};

#define WPIO_NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* Orders a built view's rows for a --sort key (enum wpio_sort); wpio_format_sort.c. */
void wpio_view_sort(struct wpio_view *v, int key);

/* A row of `rank` and `window` is in the --rank/--window scope of o (-1: any). */
static inline int wpio_in_scope(const struct wpio_format_opts *o, int32_t rank, int32_t window) {
  return (o->rank < 0 || rank == o->rank) && (o->window < 0 || window == o->window);
}

/* Writes msg into err (when there is one) and returns -1; wpio_format.c. */
int wpio_format_fail(char *err, size_t errlen, const char *msg);

#endif
