/* Interval lists (wpio_intervals.h). Insertion is a binary search plus a memmove of the tail; GPU
 * records arrive nearly in time order per stream, so most inserts append or extend the last one. */
#include "wpio_intervals.h"

#include <stdlib.h>
#include <string.h>

/* First interval whose end is >= start (it overlaps or touches [start, ...) or lies after it). */
static size_t first_reaching(const struct wpio_ivals *s, int64_t start) {
  size_t lo = 0, hi = s->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->v[mid].end < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static int reserve_one(struct wpio_ivals *s) {
  if (s->n < s->cap) return 0;
  size_t cap = s->cap ? s->cap * 2 : 16;
  if (s->max && cap > s->max) cap = s->max;
  struct wpio_ival *v = realloc(s->v, cap * sizeof *v);
  if (!v) return -1;
  s->v = v;
  s->cap = cap;
  return 0;
}

/* At the bound: [start, end) overlaps nothing and sits before v[i]; widen the nearer neighbour. */
static void join_nearest(struct wpio_ivals *s, size_t i, int64_t start, int64_t end) {
  int64_t left_gap = i > 0 ? start - s->v[i - 1].end : INT64_MAX;
  int64_t right_gap = i < s->n ? s->v[i].start - end : INT64_MAX;
  if (left_gap <= right_gap) {
    s->v[i - 1].end = end;
    s->bridged_ns += (uint64_t)left_gap;
  } else {
    s->v[i].start = start;
    s->bridged_ns += (uint64_t)right_gap;
  }
}

/* Where [start, ...) goes: GPU records come nearly in time order, so the last interval and the one
 * touched last are tried before the binary search. */
static size_t position(const struct wpio_ivals *s, int64_t start) {
  if (s->n == 0 || start > s->v[s->n - 1].end) return s->n;
  if (start >= s->v[s->n - 1].start) return s->n - 1;
  for (size_t h = s->hint; h < s->n && h <= s->hint + 1; h++) /* v[h-1] ends before v[h] starts */
    if (s->v[h].start <= start && start <= s->v[h].end) return h;
  return first_reaching(s, start);
}

int wpio_ivals_add(struct wpio_ivals *s, int64_t start, int64_t end) {
  if (end <= start) return 0;
  size_t i = position(s, start), j = i;
  s->hint = i;
  while (j < s->n && s->v[j].start <= end) j++; /* [i, j) overlap or touch the new interval */
  if (i == j) {
    if (s->max && s->n >= s->max) {
      join_nearest(s, i, start, end);
      return 0;
    }
    if (reserve_one(s) != 0) return -1;
    memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof *s->v);
    s->v[i] = (struct wpio_ival){start, end};
    s->n++;
    return 0;
  }
  if (s->v[i].start < start) start = s->v[i].start;
  if (s->v[j - 1].end > end) end = s->v[j - 1].end;
  s->v[i] = (struct wpio_ival){start, end};
  if (j > i + 1) { /* it bridged several: close the gap they leave */
    memmove(&s->v[i + 1], &s->v[j], (s->n - j) * sizeof *s->v);
    s->n -= j - i - 1;
  }
  return 0;
}

int wpio_ivals_add_all(struct wpio_ivals *dst, const struct wpio_ivals *src) {
  for (size_t i = 0; i < src->n; i++)
    if (wpio_ivals_add(dst, src->v[i].start, src->v[i].end) != 0) return -1;
  dst->bridged_ns += src->bridged_ns;
  return 0;
}

void wpio_ivals_free(struct wpio_ivals *s) {
  free(s->v);
  s->v = NULL;
  s->n = s->cap = 0;
  s->bridged_ns = 0;
}

static int64_t clipped(int64_t start, int64_t end, int64_t lo, int64_t hi) {
  if (start < lo) start = lo;
  if (end > hi) end = hi;
  return end > start ? end - start : 0;
}

int64_t wpio_ivals_length(const struct wpio_ivals *s, int64_t lo, int64_t hi) {
  int64_t total = 0;
  for (size_t i = 0; i < s->n; i++) total += clipped(s->v[i].start, s->v[i].end, lo, hi);
  return total;
}

int64_t wpio_ivals_overlap(const struct wpio_ivals *a, const struct wpio_ivals *b, int64_t lo, int64_t hi) {
  int64_t total = 0;
  size_t i = 0, j = 0;
  while (i < a->n && j < b->n) {
    int64_t start = a->v[i].start > b->v[j].start ? a->v[i].start : b->v[j].start;
    int64_t end = a->v[i].end < b->v[j].end ? a->v[i].end : b->v[j].end;
    total += clipped(start, end, lo, hi);
    if (a->v[i].end < b->v[j].end) i++;
    else j++;
  }
  return total;
}
