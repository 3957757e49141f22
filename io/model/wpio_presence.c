/* Ranks present in a table (wpio_presence.h). */
#include "wpio_presence.h"

#include <stdlib.h>

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

void wpio_presence_distinct(struct wpio_rank_presence *p, size_t n) {
  if (n > 1) qsort(p->ranks, n, sizeof *p->ranks, cmp_i32);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || p->ranks[k - 1] != p->ranks[i]) p->ranks[k++] = p->ranks[i];
  p->nranks = k;
}

int wpio_presence_from_rows(struct wpio_rank_presence *p, const char *name, const void *rows, size_t n,
                            size_t row_size) {
  *p = (struct wpio_rank_presence){name, n, NULL, 0};
  if (n == 0) return 0;
  p->ranks = malloc(n * sizeof *p->ranks);
  if (!p->ranks) return -1;
  for (size_t i = 0; i < n; i++) p->ranks[i] = *(const int32_t *)((const char *)rows + i * row_size);
  wpio_presence_distinct(p, n);
  return 0;
}

int wpio_presence_from_spans(struct wpio_rank_presence *p, const int32_t *spans, size_t nspans) {
  size_t total = 0;
  for (size_t i = 0; i < nspans; i++) {
    if (spans[2 * i] < 0 || spans[2 * i + 1] < spans[2 * i]) return -1;
    total += (size_t)(spans[2 * i + 1] - spans[2 * i]) + 1;
    if (total > ((size_t)1 << 31)) return -1;
  }
  p->ranks = malloc((total ? total : 1) * sizeof *p->ranks);
  if (!p->ranks) return -1;
  p->nranks = 0;
  for (size_t i = 0; i < nspans; i++)
    for (int32_t r = spans[2 * i]; r <= spans[2 * i + 1]; r++) p->ranks[p->nranks++] = r;
  wpio_presence_distinct(p, p->nranks);
  return 0;
}

void wpio_presence_free(struct wpio_rank_presence *p) {
  free(p->ranks);
  *p = (struct wpio_rank_presence){p->name, 0, NULL, 0};
}
