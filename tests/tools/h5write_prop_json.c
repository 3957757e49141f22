/* The expected content of a property-test report as JSON (h5write_prop.c): every table in its file
 * form (the schema's columns in order, strings as text, enums as their numbers), /names and the
 * attributes, for check_h5write_prop.py to compare with what h5py reads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5_schema.h"
#include "wpio_hist.h"
#include "wpio_job.h"

int h5write_prop_json(const struct wpio_job *j, const char *path, int streamed);

static void jstr(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

static void value(FILE *f, const struct h5s_column *c, const unsigned char *row) {
  const unsigned char *at = row + c->offset;
  int32_t i32;
  uint32_t u32;
  int64_t i64;
  uint64_t u64;
  double d;
  const char *s;
  switch (c->type) {
  case H5S_I32:
  case H5S_KIND:
  case H5S_EVKIND:
  case H5S_MEMKIND: memcpy(&i32, at, 4); fprintf(f, "%d", (int)i32); break;
  case H5S_U32: memcpy(&u32, at, 4); fprintf(f, "%u", u32); break;
  case H5S_I64: memcpy(&i64, at, 8); fprintf(f, "%" PRId64, i64); break;
  case H5S_U64: memcpy(&u64, at, 8); fprintf(f, "%" PRIu64, u64); break;
  case H5S_F64: memcpy(&d, at, 8); fprintf(f, "%.17g", d); break;
  case H5S_STR: memcpy(&s, at, sizeof s); jstr(f, s); break;
  }
}

static void table(FILE *f, enum h5s_table_id id, const void *rows, size_t n, int *first) {
  const struct h5s_table *t = h5s_table(id);
  fprintf(f, "%s\n    ", *first ? "" : ",");
  *first = 0;
  jstr(f, t->path);
  fputs(": {\"columns\": [", f);
  for (size_t c = 0; c < t->ncols; c++) {
    if (c) fputs(", ", f);
    jstr(f, t->cols[c].name);
  }
  fputs("], \"rows\": [", f);
  for (size_t i = 0; i < n; i++) {
    fputs(i ? ",\n      [" : "\n      [", f);
    for (size_t c = 0; c < t->ncols; c++) {
      if (c) fputc(',', f);
      value(f, &t->cols[c], (const unsigned char *)rows + i * t->row_size);
    }
    fputc(']', f);
  }
  fputs("]}", f);
}

static void summary(FILE *f, const struct wpio_job *j, enum h5s_table_id id, const struct wpio_summary_row *src,
                    size_t n, int *first) {
  struct h5s_summary_mem *rows = calloc(n ? n : 1, sizeof *rows);
  for (size_t i = 0; i < n; i++) {
    const struct wpio_summary_row *s = &src[i];
    rows[i] = (struct h5s_summary_mem){
      .name = j->names.s[s->name_id], .ranks_present = s->ranks_present, .calls = s->calls,
      .total_ns = s->total_ns, .min_ns = s->min_rank_ns, .mean_ns = s->mean_rank_ns,
      .max_ns = s->max_rank_ns, .imbalance = s->imbalance, .slowest_rank = s->slowest_rank,
      .kind = s->kind, .bytes = s->bytes, .cpu_self_ns = s->cpu_self_ns, .cuda_self_ns = s->cuda_self_ns,
      .cuda_total_ns = s->cuda_total_ns, .p50_ns = s->p50_ns, .p90_ns = s->p90_ns, .p99_ns = s->p99_ns};
  }
  table(f, id, rows, n, first);
  free(rows);
}

static void attrs(FILE *f, const struct wpio_job *j, int meta) {
  size_t plen = strlen(WPIO_META_PREFIX);
  int first = 1;
  fputc('{', f);
  if (!meta) {
    fprintf(f, "\"%s\": %d", H5S_SCHEMA_ATTR, WPIO_SCHEMA_VERSION);
    first = 0;
  }
  for (size_t i = 0; i < j->attrs.n; i++) {
    const struct wpio_attr *a = &j->attrs.v[i];
    int is_meta = strncmp(a->key, WPIO_META_PREFIX, plen) == 0;
    if (is_meta != meta) continue;
    fputs(first ? "" : ", ", f);
    first = 0;
    jstr(f, a->key + (meta ? plen : 0));
    fputs(": ", f);
    if (a->is_int) fprintf(f, "%" PRId64, a->ival);
    else jstr(f, a->value);
  }
  fputc('}', f);
}

int h5write_prop_json(const struct wpio_job *j, const char *path, int streamed) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "{\"streamed\": %s,\n  \"attrs\": ", streamed ? "true" : "false");
  attrs(f, j, 0);
  fputs(",\n  \"meta\": ", f);
  attrs(f, j, 1);
  fputs(",\n  \"names\": [", f);
  for (size_t i = 0; i < j->names.n; i++) {
    fputs(i ? ",\n    " : "\n    ", f);
    jstr(f, j->names.s[i]);
  }
  fputs("],\n  \"tables\": {", f);
  int first = 1;
  table(f, H5S_RANKS, j->ranks.v, j->ranks.n, &first);
  table(f, H5S_WINDOWS, j->windows.v, j->windows.n, &first);
  table(f, H5S_KERNELS, j->kernels.v, j->kernels.n, &first);
  table(f, H5S_RANGES, j->ranges.v, j->ranges.n, &first);
  table(f, H5S_LITE, j->lite.v, j->lite.n, &first);
  table(f, H5S_MPI, j->mpi.v, j->mpi.n, &first);
  table(f, H5S_TIMELINE, j->timeline.v, j->timeline.n, &first);
  table(f, H5S_MEMORY, j->memory.v, j->memory.n, &first);
  table(f, H5S_STACKS, j->stacks.v, j->stacks.n, &first);
  table(f, H5S_STRAGGLERS, j->stragglers.v, j->stragglers.n, &first);
  table(f, H5S_BREAKDOWN, j->breakdown.v, j->breakdown.n, &first);
  table(f, H5S_LAUNCH_LATENCY, j->launch_latency.v, j->launch_latency.n, &first);
  table(f, H5S_CUPTI_OVERHEAD, j->cupti_overhead.v, j->cupti_overhead.n, &first);
  struct h5s_hist_mem *h = calloc(j->lite_hist.n + 1, sizeof *h);
  for (size_t i = 0; i < j->lite_hist.n; i++) {
    const struct wpio_hist_row *r = &j->lite_hist.v[i];
    h[i] = (struct h5s_hist_mem){r->rank, r->name_id, r->bucket, wpio_hist_lower(r->bucket),
                                 wpio_hist_upper(r->bucket), r->count};
  }
  table(f, H5S_LITE_HIST, h, j->lite_hist.n, &first);
  free(h);
  summary(f, j, H5S_SUM_KERNELS, j->sum_kernels.v, j->sum_kernels.n, &first);
  summary(f, j, H5S_SUM_RANGES, j->sum_ranges.v, j->sum_ranges.n, &first);
  summary(f, j, H5S_SUM_LITE, j->sum_lite.v, j->sum_lite.n, &first);
  summary(f, j, H5S_SUM_MPI, j->sum_mpi.v, j->sum_mpi.n, &first);
  struct h5s_memsum_mem *m = calloc(j->sum_memory.n + 1, sizeof *m);
  for (size_t i = 0; i < j->sum_memory.n; i++) {
    const struct wpio_memsum_row *s = &j->sum_memory.v[i];
    m[i] = (struct h5s_memsum_mem){j->names.s[s->name_id], s->ranks_present, s->allocations, s->frees,
                                   s->bytes_allocated, s->bytes_freed, s->peak_bytes, s->peak_rank};
  }
  table(f, H5S_SUM_MEMORY, m, j->sum_memory.n, &first);
  free(m);
  fputs("\n  }\n}\n", f);
  return fclose(f) == 0 ? 0 : -1;
}
