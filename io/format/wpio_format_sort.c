/* Options and sort keys of the formatter: parsing --sort, and ordering a view's rows by the key's
 * nearest columns of each table. */
#include <stdlib.h>
#include <string.h>

#include "wpio_format_internal.h"

/* ---- options and sort keys ---- */

static const struct { const char *name; int key; } sort_names[] = {
  { "self_cuda", WPIO_SORT_SELF_CUDA }, { "cuda_total", WPIO_SORT_CUDA_TOTAL },
  { "cpu_self", WPIO_SORT_CPU_SELF },   { "cpu_total", WPIO_SORT_CPU_TOTAL },
  { "calls", WPIO_SORT_CALLS },         { "avg", WPIO_SORT_AVG },
  { "name", WPIO_SORT_NAME },           { "total", WPIO_SORT_TOTAL },
  { "mean", WPIO_SORT_MEAN },           { "p99", WPIO_SORT_P99 },
  { "count", WPIO_SORT_COUNT },         { "imbalance", WPIO_SORT_IMBALANCE },
};

int wpio_sort_parse(const char *s) {
  for (size_t i = 0; s && i < WPIO_NCOLS(sort_names); i++)
    if (strcmp(s, sort_names[i].name) == 0) return sort_names[i].key;
  return -1;
}

const char *wpio_sort_keys(void) {
  return "self_cuda, cuda_total, cpu_self, cpu_total, calls, avg, name, total, mean, p99, count, "
         "imbalance";
}

void wpio_format_opts_init(struct wpio_format_opts *o) {
  *o = (struct wpio_format_opts){ .rank = -1, .window = -1, .sort = WPIO_SORT_DEFAULT, .top = 0,
                                  .format = WPIO_OUT_TABLE, .name_width = WPIO_NAME_WIDTH };
}

/* ---- sorting ---- */

static double key_of(const struct wpio_view_row *r, enum wpio_field f) {
  switch (f) {
  case F_SELF_CUDA: return (double)r->self_cuda_ns;
  case F_CUDA_TOTAL: return (double)r->cuda_total_ns;
  case F_CPU_SELF: return (double)r->cpu_self_ns;
  case F_CPU_TOTAL: return (double)r->cpu_total_ns;
  case F_CALLS: return (double)r->calls;
  case F_AVG: return (double)r->avg_ns;
  case F_TOTAL: return (double)r->total_ns;
  case F_P99: return (double)r->p99_ns;
  case F_IMB: return r->imbalance;
  default: return 0;
  }
}

/* The table's (first, second) sort columns for a key; F_NAME means by name alone. */
static void sort_fields(enum wpio_table t, int key, enum wpio_field *f1, enum wpio_field *f2) {
  if (key == WPIO_SORT_NAME) { *f1 = *f2 = F_NAME; return; }
  if (key == WPIO_SORT_CALLS || key == WPIO_SORT_COUNT) { *f1 = F_CALLS; *f2 = F_TOTAL; }
  else if (key == WPIO_SORT_AVG || key == WPIO_SORT_MEAN) { *f1 = F_AVG; *f2 = F_CALLS; }
  else if (key == WPIO_SORT_IMBALANCE) { *f1 = F_IMB; *f2 = F_TOTAL; }
  else if (t == WPIO_TABLE_LITE) { *f1 = key == WPIO_SORT_P99 ? F_P99 : F_TOTAL; *f2 = F_CALLS; }
  else if (t == WPIO_TABLE_KERNELS || t == WPIO_TABLE_MPI) { *f1 = F_TOTAL; *f2 = F_CALLS; }
  else {
    *f2 = F_CPU_TOTAL;
    switch (key) {
    case WPIO_SORT_CUDA_TOTAL: *f1 = F_CUDA_TOTAL; break;
    case WPIO_SORT_CPU_SELF: *f1 = F_CPU_SELF; break;
    case WPIO_SORT_CPU_TOTAL: case WPIO_SORT_TOTAL: *f1 = F_CPU_TOTAL; *f2 = F_CALLS; break;
    default: *f1 = F_SELF_CUDA; break;
    }
  }
  if (t == WPIO_TABLE_RANGES && *f2 == F_TOTAL) *f2 = F_CPU_TOTAL;
}

static int cmp_rows(const void *a, const void *b) {
  const struct wpio_view_row *x = a, *y = b;
  if (x->key1 != y->key1) return x->key1 < y->key1 ? 1 : -1;
  if (x->key2 != y->key2) return x->key2 < y->key2 ? 1 : -1;
  int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
  if (c) return c;
  return (x->kind > y->kind) - (x->kind < y->kind);
}

void wpio_view_sort(struct wpio_view *v, int key) {
  enum wpio_field f1, f2;
  sort_fields(v->table, key, &f1, &f2);
  for (size_t i = 0; i < v->n; i++) {
    v->rows[i].key1 = f1 == F_NAME ? 0 : key_of(&v->rows[i], f1);
    v->rows[i].key2 = f2 == F_NAME ? 0 : key_of(&v->rows[i], f2);
  }
  if (v->n > 1) qsort(v->rows, v->n, sizeof(*v->rows), cmp_rows);
}
