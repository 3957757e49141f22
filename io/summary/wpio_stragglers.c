/* /stragglers from the ranks' raw arrivals (struct wpio_strag_event, all on rank 0's clock). For each
 * instance of a synchronizing call (window, func, seq) reached by two ranks or more:
 *  - the rank that entered last is its straggler (ties: the lowest rank); every other rank waited
 *    (last entry - its entry), and the sum of those waits is the wait the straggler caused;
 *  - the clock-free split: the shortest duration of the call across the ranks is taken as the
 *    transfer itself, the rest of each rank's duration as waiting (needs no clock alignment).
 *
 * Rank 0 must not hold every rank's arrivals (ranks x calls), so they are folded as each rank is
 * merged (wpio_job_merge, defined here so that the job model calls nothing of the summaries): per
 * instance only (entry base, last entry, its rank, sum of entries, count, shortest duration), per (rank, window, function) only (calls reached, sum of its entries relative to
 * each instance's base, sum of its durations). That suffices because a rank's kept calls of a function
 * are always its first k (runtime/mpi/stragglers.c keeps calls in order until its bound): the rank's waits
 * are then sum_{seq<k} last - sum of its entries, read off prefix sums over the instances. A group of
 * arrivals that is not such a prefix (damaged data) is left out. Memory on rank 0: instances + ranks x
 * windows x functions, not ranks x instances.
 * Pure: no MPI, no clocks. Used by rank 0 at finalize and by `wprof recover`. */
#include <stdlib.h>
#include <string.h>

#include "wpio_job.h"

/* Saturating arithmetic: damaged arrivals (a spill read by `wprof recover`) may hold any value. */
static int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}
static int64_t sat_sub(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_sub_overflow(a, b, &r) ? (b < 0 ? INT64_MAX : INT64_MIN) : r;
}
static int64_t sat_mul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? ((a < 0) != (b < 0) ? INT64_MIN : INT64_MAX) : r;
}

struct inst {
  int64_t base;     /* the first merged rank's entry: sums are relative to it, so they cannot overflow */
  int64_t last_rel, sum_rel, min_dur;
  int32_t last_rank;
  uint32_t n;
};

/* Prefix sums over seq of one series: last entries, shortest durations (all, and of the instances
 * two ranks or more reached), such shared instances. Built once all ranks are folded. */
struct prefix { int64_t *last; uint64_t *min_all, *min_shared, *shared; };

struct series { /* the instances of one (window, func), indexed by seq */
  int32_t window, func;
  struct inst *v;
  size_t n, cap;
  struct prefix p;
};

static void prefix_free(struct prefix *p) {
  free(p->last);
  free(p->min_all);
  free(p->min_shared);
  free(p->shared);
}

struct part_sum { int32_t window, rank, func; uint32_t k; int64_t sum_rel; uint64_t sum_dur; };
struct drop { int32_t window, rank; uint64_t count; };

struct wpio_strag_acc {
  struct series *series;
  size_t nseries, series_cap;
  uint32_t *slots; /* open addressing over (window, func): series index + 1, 0 = empty */
  size_t nslots;
  WPIO_VEC(struct part_sum) parts;
  WPIO_VEC(struct drop) drops;
};

static void strag_acc_free(struct wpio_strag_acc *a) {
  if (!a) return;
  for (size_t i = 0; i < a->nseries; i++) {
    free(a->series[i].v);
    prefix_free(&a->series[i].p);
  }
  free(a->series);
  free(a->slots);
  free(a->parts.v);
  free(a->drops.v);
  free(a);
}

static size_t slot_of(int32_t window, int32_t func, size_t nslots) {
  uint64_t h = ((uint64_t)(uint32_t)window << 32 | (uint32_t)func) * 0x9e3779b97f4a7c15ull;
  return (size_t)(h >> 17) & (nslots - 1);
}

static int rehash(struct wpio_strag_acc *a, size_t nslots) {
  uint32_t *slots = calloc(nslots, sizeof *slots);
  if (!slots) return -1;
  for (size_t i = 0; i < a->nseries; i++) {
    size_t s = slot_of(a->series[i].window, a->series[i].func, nslots);
    while (slots[s]) s = (s + 1) & (nslots - 1);
    slots[s] = (uint32_t)i + 1;
  }
  free(a->slots);
  a->slots = slots;
  a->nslots = nslots;
  return 0;
}

static struct series *series_get(struct wpio_strag_acc *a, int32_t window, int32_t func) {
  if (a->nslots < 2 * (a->nseries + 1) && rehash(a, a->nslots ? a->nslots * 2 : 64) != 0) return NULL;
  size_t s = slot_of(window, func, a->nslots);
  for (; a->slots[s]; s = (s + 1) & (a->nslots - 1)) {
    struct series *x = &a->series[a->slots[s] - 1];
    if (x->window == window && x->func == func) return x;
  }
  if (a->nseries == a->series_cap) {
    size_t cap = a->series_cap ? a->series_cap * 2 : 16;
    struct series *v = cap < UINT32_MAX - 1 ? realloc(a->series, cap * sizeof *v) : NULL;
    if (!v) return NULL;
    a->series = v;
    a->series_cap = cap;
  }
  a->series[a->nseries] = (struct series){.window = window, .func = func};
  a->slots[s] = (uint32_t)++a->nseries;
  return &a->series[a->nseries - 1];
}

static int cmp_event(const void *pa, const void *pb) {
  const struct wpio_strag_event *a = pa, *b = pb;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  if (a->window != b->window) return a->window < b->window ? -1 : 1;
  if (a->func != b->func) return a->func < b->func ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* One rank's arrivals at one (window, func), seq 0..k-1 in order: into the instances and one part sum. */
static int fold_group(struct wpio_strag_acc *a, const struct wpio_strag_event *e, size_t k) {
  struct series *s = series_get(a, e[0].window, e[0].func);
  if (!s) return -1;
  if (k > s->cap) {
    size_t cap = s->cap ? s->cap : 16;
    while (cap < k) cap *= 2;
    struct inst *v = realloc(s->v, cap * sizeof *v);
    if (!v) return -1;
    s->v = v;
    s->cap = cap;
  }
  for (; s->n < k; s->n++) memset(&s->v[s->n], 0, sizeof s->v[s->n]);
  struct part_sum *p = WPIO_VEC_PUSH(a->parts);
  if (!p) return -1;
  *p = (struct part_sum){.window = e[0].window, .rank = e[0].rank, .func = e[0].func, .k = (uint32_t)k};
  for (size_t i = 0; i < k; i++) {
    struct inst *x = &s->v[i];
    int64_t dur = e[i].exit_ns > e[i].entry_ns ? sat_sub(e[i].exit_ns, e[i].entry_ns) : 0;
    if (x->n == 0) {
      *x = (struct inst){.base = e[i].entry_ns, .min_dur = dur, .last_rank = e[i].rank};
    } else {
      int64_t rel = sat_sub(e[i].entry_ns, x->base);
      if (rel > x->last_rel || (rel == x->last_rel && e[i].rank < x->last_rank)) {
        x->last_rel = rel;
        x->last_rank = e[i].rank;
      }
      x->sum_rel = sat_add(x->sum_rel, rel);
      p->sum_rel = sat_add(p->sum_rel, rel);
      if (dur < x->min_dur) x->min_dur = dur;
    }
    x->n++;
    p->sum_dur += (uint64_t)dur;
  }
  return 0;
}

static int strag_fold(struct wpio_strag_acc **accp, const struct wpio_strag_event *ev, size_t n) {
  if (n == 0) return 0;
  if (!*accp && !(*accp = calloc(1, sizeof **accp))) return -1;
  struct wpio_strag_acc *a = *accp;
  struct wpio_strag_event *v = malloc(n * sizeof *v);
  if (!v) return -1;
  memcpy(v, ev, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_event);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0;) {
    size_t j = i + 1;
    while (j < n && v[j].rank == v[i].rank && v[j].window == v[i].window && v[j].func == v[i].func) j++;
    if (v[i].rank < 0 || v[i].window < 0) { /* cannot be placed: left out */
    } else if (v[i].func == WPIO_STRAG_DROPPED) {
      for (size_t q = i; q < j && rc == 0; q++) {
        struct drop *d = WPIO_VEC_PUSH(a->drops);
        if (!d) rc = -1;
        else *d = (struct drop){v[q].window, v[q].rank, v[q].seq};
      }
    } else {
      size_t q = i;
      while (q < j && v[q].seq == q - i) q++;
      if (q == j) rc = fold_group(a, v + i, j - i); /* else not the rank's first calls: left out */
    }
    i = j;
  }
  free(v);
  return rc;
}

/* Folds into the job's accumulator, which the job frees through the function left with it. */
static int job_fold(struct wpio_job *job, const struct wpio_strag_event *ev, size_t n) {
  int rc = strag_fold(&job->strag_acc, ev, n);
  if (job->strag_acc) job->strag_acc_free = strag_acc_free;
  return rc;
}

int wpio_job_merge(struct wpio_job *dst, const struct wpio_job *src) {
  if (wpio_job_append(dst, src) != 0) return -1;
  return job_fold(dst, src->strag_events.v, src->strag_events.n);
}

/* ---- the rows ---- */

static int cmp_part(const void *pa, const void *pb) {
  const struct part_sum *a = pa, *b = pb;
  if (a->window != b->window) return a->window < b->window ? -1 : 1;
  return a->rank < b->rank ? -1 : a->rank > b->rank;
}

static int cmp_row(const void *pa, const void *pb) {
  const struct wpio_straggler_row *a = pa, *b = pb;
  if (a->window != b->window) return a->window < b->window ? -1 : 1;
  return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* The row of (rank, window), appended when new. Rows are appended in (window, rank) order while the
 * sorted parts and drops are walked, so a lookup is a binary search. */
static struct wpio_straggler_row *row_find(struct wpio_job *job, size_t from, int32_t rank, int32_t window) {
  struct wpio_straggler_row key = {.rank = rank, .window = window};
  return bsearch(&key, job->stragglers.v + from, job->stragglers.n - from, sizeof key, cmp_row);
}

static struct wpio_straggler_row *row_get(struct wpio_job *job, size_t from, int32_t rank, int32_t window) {
  struct wpio_straggler_row *r = job->stragglers.n > from ? &job->stragglers.v[job->stragglers.n - 1] : NULL;
  if (r && r->rank == rank && r->window == window) return r;
  r = WPIO_VEC_PUSH(job->stragglers);
  if (r) {
    r->rank = rank;
    r->window = window;
  }
  return r;
}

static int prefix_build(struct series *s) {
  struct prefix *p = &s->p;
  size_t n = s->n + 1;
  p->last = malloc(n * sizeof *p->last);
  p->min_all = malloc(n * sizeof *p->min_all);
  p->min_shared = malloc(n * sizeof *p->min_shared);
  p->shared = malloc(n * sizeof *p->shared);
  if (!p->last || !p->min_all || !p->min_shared || !p->shared) return -1;
  p->last[0] = 0, p->min_all[0] = p->min_shared[0] = p->shared[0] = 0;
  for (size_t i = 0; i < s->n; i++) {
    const struct inst *x = &s->v[i];
    int shared = x->n >= 2;
    p->last[i + 1] = sat_add(p->last[i], x->last_rel);
    p->min_all[i + 1] = p->min_all[i] + (uint64_t)x->min_dur;
    p->min_shared[i + 1] = p->min_shared[i] + (shared ? (uint64_t)x->min_dur : 0);
    p->shared[i + 1] = p->shared[i] + (uint64_t)shared;
  }
  return 0;
}

static uint64_t nonneg(int64_t x) { return x > 0 ? (uint64_t)x : 0; }

/* Each rank's own columns (waited, transfer, waiting, instances) from its part sums, in (window, rank)
 * order so the rows come out sorted. */
static int add_parts(struct wpio_job *job, size_t from, struct wpio_strag_acc *a) {
  for (size_t i = 0; i < a->parts.n; i++) {
    const struct part_sum *ps = &a->parts.v[i];
    struct series *s = series_get(a, ps->window, ps->func);
    struct wpio_straggler_row *r = row_get(job, from, ps->rank, ps->window);
    if (!s || !r || ps->k > s->n) return -1;
    const struct prefix *p = &s->p;
    r->waited_ns += nonneg(sat_sub(p->last[ps->k], ps->sum_rel));
    r->instances += p->shared[ps->k];
    r->transfer_ns += p->min_shared[ps->k];
    r->waiting_ns += ps->sum_dur > p->min_all[ps->k] ? ps->sum_dur - p->min_all[ps->k] : 0;
  }
  return 0;
}

static int rows_from(struct wpio_job *job, struct wpio_strag_acc *a) {
  size_t from = job->stragglers.n;
  for (size_t i = 0; i < a->nseries; i++)
    if (prefix_build(&a->series[i]) != 0) return -1;
  qsort(a->parts.v, a->parts.n, sizeof *a->parts.v, cmp_part);
  if (add_parts(job, from, a) != 0) return -1;
  for (size_t i = 0; i < a->drops.n; i++) { /* a window where a rank lost calls but kept none */
    const struct drop *d = &a->drops.v[i];
    if (!row_find(job, from, d->rank, d->window)) {
      struct wpio_straggler_row *r = WPIO_VEC_PUSH(job->stragglers);
      if (!r) return -1;
      r->rank = d->rank;
      r->window = d->window;
      qsort(job->stragglers.v + from, job->stragglers.n - from, sizeof *r, cmp_row);
    }
    row_find(job, from, d->rank, d->window)->dropped += d->count;
  }
  for (size_t i = 0; i < a->nseries; i++) /* the stragglers' own columns */
    for (size_t q = 0; q < a->series[i].n; q++) {
      const struct inst *x = &a->series[i].v[q];
      if (x->n < 2) continue;
      struct wpio_straggler_row *r = row_find(job, from, x->last_rank, a->series[i].window);
      if (!r) continue; /* cannot happen: the last rank has a part sum */
      r->arrived_last++;
      r->wait_caused_ns += nonneg(sat_sub(sat_mul((int64_t)x->n, x->last_rel), x->sum_rel));
    }
  return 0;
}

int wpio_job_stragglers(struct wpio_job *job) {
  if (job_fold(job, job->strag_events.v, job->strag_events.n) != 0) return -1;
  free(job->strag_events.v);
  job->strag_events.v = NULL;
  job->strag_events.n = job->strag_events.cap = 0;
  if (!job->strag_acc) return 0; /* no arrivals: the rows stay as they are */
  job->stragglers.n = 0;
  int rc = rows_from(job, job->strag_acc);
  strag_acc_free(job->strag_acc);
  job->strag_acc = NULL;
  return rc;
}
