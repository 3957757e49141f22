/* Summaries of a job whose rows go by part after part (rank 0 streams merged rows to the report when
 * they would outgrow WPROF_GATHER_MAX_MB): each part is summarized as a job of its own, and the parts'
 * summary rows are folded per name. That is exact because a rank's rows are never split between parts
 * and parts come in ascending rank order: counts and totals add, the extremes and their ranks keep
 * the first on ties as the one-pass summary does, and the lite percentiles come from the histograms
 * of all parts added bucket by bucket. Memory: one row per name, and per lite name its buckets. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_hist.h"
#include "wpio_job.h"
#include "wpio_summary_internal.h"
#include "wpio_summary_memory.h"

struct name_slot {
  int seen;
  struct wpio_summary_row s;
};
struct name_slots {
  struct name_slot *v;
  size_t n, cap;
};

struct memsum_slot {
  int seen;
  struct wpio_memsum_row s;
};

/* A lite name's merged extremes, for clamping its merged percentiles. */
struct lite_bounds {
  int seen;
  uint64_t min_ns, max_ns;
};

struct wpio_summary_acc {
  struct name_slots kernels, ranges, lite, mpi; /* indexed by name id */
  WPIO_VEC(struct memsum_slot) memory;
  WPIO_VEC(struct lite_bounds) bounds;
  WPIO_VEC(struct wpio_hist_row) hist; /* rank 0 stands for all: (name, bucket) unique, sorted */
};

struct wpio_summary_acc *wpio_summary_acc_new(void) { return calloc(1, sizeof(struct wpio_summary_acc)); }

void wpio_summary_acc_free(struct wpio_summary_acc *a) {
  if (!a) return;
  free(a->kernels.v), free(a->ranges.v), free(a->lite.v), free(a->mpi.v);
  free(a->memory.v), free(a->bounds.v), free(a->hist.v);
  free(a);
}

/* Grows a slot vector (zeroed) to hold index `id`. */
static void *slot_at(void **v, size_t *n, size_t *cap, size_t size, uint32_t id) {
  if ((size_t)id >= *n) {
    if (wpio_vec_reserve(v, cap, size, (size_t)id + 1) != 0) return NULL;
    memset((char *)*v + *n * size, 0, ((size_t)id + 1 - *n) * size);
    *n = (size_t)id + 1;
  }
  return (char *)*v + (size_t)id * size;
}

static void fold_row(struct wpio_summary_row *a, const struct wpio_summary_row *b) {
  if (b->min_rank_ns < a->min_rank_ns) a->min_rank_ns = b->min_rank_ns;
  if (b->max_rank_ns > a->max_rank_ns) { /* strict: an earlier part's (lower) rank wins a tie */
    a->max_rank_ns = b->max_rank_ns;
    a->slowest_rank = b->slowest_rank;
  }
  a->ranks_present += b->ranks_present;
  a->calls += b->calls;
  a->total_ns += b->total_ns;
  a->cpu_self_ns += b->cpu_self_ns;
  a->cuda_self_ns += b->cuda_self_ns;
  a->cuda_total_ns += b->cuda_total_ns;
  a->bytes += b->bytes;
}

static int fold_table(struct name_slots *slots, const struct wpio_summary_row *rows, size_t n) {
  for (size_t i = 0; i < n; i++) {
    struct name_slot *slot = slot_at((void **)&slots->v, &slots->n, &slots->cap, sizeof *slots->v, rows[i].name_id);
    if (!slot) return -1;
    if (!slot->seen) slot->s = rows[i], slot->seen = 1;
    else fold_row(&slot->s, &rows[i]);
  }
  return 0;
}

static int fold_memory(struct wpio_summary_acc *a, const struct wpio_job *part) {
  for (size_t i = 0; i < part->sum_memory.n; i++) {
    const struct wpio_memsum_row *b = &part->sum_memory.v[i];
    struct memsum_slot *slot = slot_at((void **)&a->memory.v, &a->memory.n, &a->memory.cap, sizeof *a->memory.v,
                                       b->name_id);
    if (!slot) return -1;
    if (!slot->seen) {
      slot->s = *b, slot->seen = 1;
      continue;
    }
    struct wpio_memsum_row *s = &slot->s;
    s->ranks_present += b->ranks_present;
    s->allocations += b->allocations, s->frees += b->frees;
    s->bytes_allocated += b->bytes_allocated, s->bytes_freed += b->bytes_freed;
    if (b->peak_bytes > s->peak_bytes) s->peak_bytes = b->peak_bytes, s->peak_rank = b->peak_rank;
  }
  return 0;
}

static int hist_cmp(const void *x, const void *y) {
  const struct wpio_hist_row *a = x, *b = y;
  if (a->name_id != b->name_id) return a->name_id < b->name_id ? -1 : 1;
  return (a->bucket > b->bucket) - (a->bucket < b->bucket);
}

/* The part's histograms and lite extremes added to the merged ones: appended, sorted, and equal
 * (name, bucket) entries summed, so the merged list stays one entry per bucket in use. */
static int fold_lite(struct wpio_summary_acc *a, const struct wpio_job *part) {
  for (size_t i = 0; i < part->lite.n; i++) {
    const struct wpio_lite_row *r = &part->lite.v[i];
    struct lite_bounds *b = slot_at((void **)&a->bounds.v, &a->bounds.n, &a->bounds.cap, sizeof *a->bounds.v,
                                    r->name_id);
    if (!b) return -1;
    if (!b->seen || r->min_ns < b->min_ns) b->min_ns = r->min_ns;
    if (!b->seen || r->max_ns > b->max_ns) b->max_ns = r->max_ns;
    b->seen = 1;
  }
  size_t n0 = a->hist.n, add = part->lite_hist.n;
  if (add == 0) return 0;
  if (WPIO_VEC_RESERVE(a->hist, n0 + add) != 0) return -1;
  for (size_t i = 0; i < add; i++) {
    struct wpio_hist_row h = part->lite_hist.v[i];
    h.rank = 0;
    a->hist.v[n0 + i] = h;
  }
  qsort(a->hist.v, n0 + add, sizeof *a->hist.v, hist_cmp);
  size_t w = 0;
  for (size_t i = 0; i < n0 + add; i++) {
    if (w > 0 && hist_cmp(&a->hist.v[w - 1], &a->hist.v[i]) == 0) a->hist.v[w - 1].count += a->hist.v[i].count;
    else a->hist.v[w++] = a->hist.v[i];
  }
  a->hist.n = w;
  return 0;
}

int wpio_summary_acc_add(struct wpio_summary_acc *a, struct wpio_job *part) {
  if (wpio_job_summarize(part) != 0) return -1; /* also the part's lite rows' own percentiles */
  if (fold_table(&a->kernels, part->sum_kernels.v, part->sum_kernels.n) != 0 ||
      fold_table(&a->ranges, part->sum_ranges.v, part->sum_ranges.n) != 0 ||
      fold_table(&a->lite, part->sum_lite.v, part->sum_lite.n) != 0 ||
      fold_table(&a->mpi, part->sum_mpi.v, part->sum_mpi.n) != 0)
    return -1;
  return fold_memory(a, part) != 0 || fold_lite(a, part) != 0 ? -1 : 0;
}

/* The lite summary's percentiles from the merged histograms: a job of one rank holding every
 * name's merged buckets and extremes goes through the one-pass summary, which merges exactly so. */
static int merged_percentiles(const struct wpio_summary_acc *a, const struct wpio_job *job,
                              struct wpio_summary_row *rows, size_t n) {
  struct wpio_job one;
  wpio_job_init(&one);
  one.names = job->names; /* borrowed: only read, and given back before the free below */
  int rc = 0;
  for (size_t id = 0; id < a->bounds.n && rc == 0; id++) {
    if (!a->bounds.v[id].seen) continue;
    struct wpio_lite_row *r = WPIO_VEC_PUSH(one.lite);
    if (!r) rc = -1;
    else *r = (struct wpio_lite_row){.rank = 0, .name_id = (uint32_t)id, .calls = 1,
                                     .min_ns = a->bounds.v[id].min_ns, .max_ns = a->bounds.v[id].max_ns};
  }
  one.lite_hist.v = a->hist.v, one.lite_hist.n = a->hist.n; /* borrowed likewise */
  if (rc == 0) rc = wpio_job_summarize(&one);
  /* one.sum_lite is in the summaries' order: find each name's row through its id */
  size_t *at = rc == 0 ? malloc((job->names.n ? job->names.n : 1) * sizeof *at) : NULL;
  if (rc == 0 && !at) rc = -1;
  for (size_t j = 0; rc == 0 && j < job->names.n; j++) at[j] = SIZE_MAX;
  for (size_t j = 0; rc == 0 && j < one.sum_lite.n; j++)
    if (one.sum_lite.v[j].name_id < job->names.n) at[one.sum_lite.v[j].name_id] = j;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    size_t j = rows[i].name_id < job->names.n ? at[rows[i].name_id] : SIZE_MAX;
    if (j == SIZE_MAX) continue;
    rows[i].p50_ns = one.sum_lite.v[j].p50_ns;
    rows[i].p90_ns = one.sum_lite.v[j].p90_ns;
    rows[i].p99_ns = one.sum_lite.v[j].p99_ns;
  }
  free(at);
  wpio_strtab_init(&one.names);
  one.lite_hist.v = NULL, one.lite_hist.n = 0;
  wpio_job_free(&one);
  return rc;
}

/* A summary table of the job (its rows, count and capacity), as emit_table fills it. */
struct sum_out {
  struct wpio_summary_row **v;
  size_t *n, *cap;
};
#define SUM_OUT(vec) ((struct sum_out){&(vec).v, &(vec).n, &(vec).cap})

/* One summary table from its slots, in name order, then the summaries' own order. */
static int emit_table(const struct name_slots *slots, const struct wpio_summary_acc *a, const struct wpio_job *job,
                      struct sum_out out, int lite) {
  *out.n = 0;
  for (size_t id = 0; id < slots->n; id++) {
    if (!slots->v[id].seen) continue;
    struct wpio_summary_row *r = wpio_vec_grow(out.v, out.n, out.cap, sizeof **out.v);
    if (!r) return -1;
    *r = slots->v[id].s;
    wpio_summary_row_finish(r);
  }
  if (lite && merged_percentiles(a, job, *out.v, *out.n) != 0) return -1;
  return wpio_summary_sort(job, *out.v, *out.n);
}

int wpio_summary_acc_finish(const struct wpio_summary_acc *a, struct wpio_job *job) {
  if (emit_table(&a->kernels, a, job, SUM_OUT(job->sum_kernels), 0) != 0 ||
      emit_table(&a->ranges, a, job, SUM_OUT(job->sum_ranges), 0) != 0 ||
      emit_table(&a->lite, a, job, SUM_OUT(job->sum_lite), 1) != 0 ||
      emit_table(&a->mpi, a, job, SUM_OUT(job->sum_mpi), 0) != 0)
    return -1;
  job->sum_memory.n = 0;
  for (size_t id = 0; id < a->memory.n; id++) {
    if (!a->memory.v[id].seen) continue;
    struct wpio_memsum_row *r = WPIO_VEC_PUSH(job->sum_memory);
    if (!r) return -1;
    *r = a->memory.v[id].s;
  }
  wpio_memsum_sort(job->sum_memory.v, job->sum_memory.n);
  return 0;
}
