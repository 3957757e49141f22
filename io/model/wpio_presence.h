/* Which ranks have rows in a per-rank table: what `wprof doctor` compares across tables, read from a
 * report (wpio_h5_read_presence, the rank_spans attribute or the rank column) or from rows in memory
 * (a spill directory's). No HDF5 here. */
#ifndef WPIO_PRESENCE_H
#define WPIO_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wpio_rank_presence {
  const char *name; /* the table's path, "/kernels" (static) */
  size_t rows;
  int32_t *ranks;   /* sorted, distinct; NULL when rows == 0 */
  size_t nranks;
};

/* From n rows of row_size bytes, each starting with its int32_t rank. 0, or -1 (out of memory). */
int wpio_presence_from_rows(struct wpio_rank_presence *p, const char *name, const void *rows, size_t n,
                            size_t row_size);
/* From nspans sorted [lo, hi] pairs (a rank_spans attribute). 0, or -1 when they are not spans of
 * ranks (or out of memory). */
int wpio_presence_from_spans(struct wpio_rank_presence *p, const int32_t *spans, size_t nspans);
/* Sorts and deduplicates p->ranks[0..n) into p->nranks. */
void wpio_presence_distinct(struct wpio_rank_presence *p, size_t n);
void wpio_presence_free(struct wpio_rank_presence *p);

#ifdef __cplusplus
}
#endif
#endif
