/* Cross-rank summaries (/summary/{kernels,ranges,lite,mpi}) and the lite percentiles: one pass per
 * table accumulating by name id, and the percentiles from each rank's and each name's histogram rows
 * as they lie, when each name's rows come rank by rank (a merged job); else rows are sorted once by
 * (name, rank) and walked once. Nothing here is quadratic in ranks or names. */
#include <stdlib.h>
#include <string.h>

#include "wpio_hist.h"
#include "wpio_job.h"
#include "wpio_summary_internal.h"

/* Sort key of a table row: by name, then rank, then `sub` (the row index, or the hist bucket). */
struct row_key {
  uint32_t name;
  uint32_t rankb; /* rank with the sign bit flipped, so unsigned order is signed order */
  uint64_t sub;
};

/* The columns of one row that the summary reads, whatever its table. */
struct row_vals {
  int32_t kind;
  uint64_t calls, main_ns, cpu_self_ns, cuda_self_ns, cuda_total_ns, bytes;
};

enum table { T_KERNELS, T_RANGES, T_LITE, T_MPI };

static uint32_t rank_bias(int32_t rank) { return (uint32_t)rank ^ 0x80000000u; }
static int32_t rank_unbias(uint32_t b) { return (int32_t)(b ^ 0x80000000u); }

static int key_cmp(const void *a, const void *b) {
  const struct row_key *x = a, *y = b;
  if (x->name != y->name) return x->name < y->name ? -1 : 1;
  if (x->rankb != y->rankb) return x->rankb < y->rankb ? -1 : 1;
  return (x->sub > y->sub) - (x->sub < y->sub);
}

static int same_group(const struct row_key *x, const struct row_key *y) {
  return x->name == y->name && x->rankb == y->rankb;
}

/* Sorts keys as qsort with key_cmp would (keys are unique, `sub` holding the row index, so the
 * order is the same): a stable counting sort by name id, which leaves a merged job's keys sorted
 * already (its rows come rank by rank, a rank's histogram rows bucket by bucket), checked in one
 * pass; qsort only when that check fails (qsort's calls of key_cmp for every lite and histogram
 * row of every rank were a fifth of rank 0's summaries). */
static void sort_keys(struct row_key **keys, size_t n, size_t nnames) {
  struct row_key *k = *keys;
  size_t *start = n > 1 && nnames ? calloc(nnames + 1, sizeof *start) : NULL;
  struct row_key *out = start ? malloc(n * sizeof *out) : NULL;
  int by_name = out != NULL;
  for (size_t i = 0; by_name && i < n; i++) {
    if (k[i].name >= nnames) by_name = 0;
    else start[k[i].name + 1]++;
  }
  if (by_name) {
    for (size_t id = 0; id < nnames; id++) start[id + 1] += start[id];
    for (size_t i = 0; i < n; i++) out[start[k[i].name]++] = k[i];
    free(k);
    *keys = k = out;
    out = NULL;
  }
  free(start);
  free(out);
  for (size_t i = 1; i < n; i++)
    if (key_cmp(&k[i - 1], &k[i]) > 0) {
      qsort(k, n, sizeof *k, key_cmp);
      break;
    }
}

static size_t table_rows(const struct wpio_job *job, enum table t) {
  return t == T_KERNELS ? job->kernels.n : t == T_RANGES ? job->ranges.n : t == T_LITE ? job->lite.n : job->mpi.n;
}

static struct row_vals row_values(const struct wpio_job *job, enum table t, size_t i) {
  struct row_vals v = {.kind = -1};
  if (t == T_KERNELS) {
    const struct wpio_kernel_row *r = &job->kernels.v[i];
    v.kind = r->kind, v.calls = r->calls, v.main_ns = r->total_ns, v.bytes = r->bytes;
  } else if (t == T_RANGES) {
    const struct wpio_range_row *r = &job->ranges.v[i];
    v.calls = r->calls, v.main_ns = r->cpu_total_ns, v.cpu_self_ns = r->cpu_self_ns;
    v.cuda_self_ns = r->cuda_self_ns, v.cuda_total_ns = r->cuda_total_ns;
  } else if (t == T_LITE) {
    const struct wpio_lite_row *r = &job->lite.v[i];
    v.calls = r->calls, v.main_ns = r->total_ns;
  } else {
    const struct wpio_mpi_row *r = &job->mpi.v[i];
    v.calls = r->calls, v.main_ns = r->total_ns, v.bytes = r->bytes;
  }
  return v;
}

static void row_identity(const struct wpio_job *job, enum table t, size_t i, uint32_t *name, int32_t *rank) {
  if (t == T_KERNELS) *name = job->kernels.v[i].name_id, *rank = job->kernels.v[i].rank;
  else if (t == T_RANGES) *name = job->ranges.v[i].name_id, *rank = job->ranges.v[i].rank;
  else if (t == T_LITE) *name = job->lite.v[i].name_id, *rank = job->lite.v[i].rank;
  else *name = job->mpi.v[i].name_id, *rank = job->mpi.v[i].rank;
}

/* Row keys of a table sorted by (name, rank, row index); NULL with *n = 0 for an empty table. */
static int sorted_row_keys(const struct wpio_job *job, enum table t, struct row_key **out) {
  size_t n = table_rows(job, t);
  *out = NULL;
  if (n == 0) return 0;
  struct row_key *k = malloc(n * sizeof *k);
  if (!k) return -1;
  for (size_t i = 0; i < n; i++) {
    int32_t rank;
    row_identity(job, t, i, &k[i].name, &rank);
    k[i].rankb = rank_bias(rank);
    k[i].sub = i;
  }
  sort_keys(&k, n, job->names.n);
  *out = k;
  return 0;
}

/* Folds one rank's total of a name into the summary row (ranks arrive in ascending order, so a
 * strict comparison keeps the lowest rank on ties). */
static void add_rank_total(struct wpio_summary_row *s, int32_t rank, uint64_t rank_total) {
  double t = (double)rank_total;
  if (s->ranks_present == 0 || t < s->min_rank_ns) s->min_rank_ns = t;
  if (s->ranks_present == 0 || t > s->max_rank_ns) {
    s->max_rank_ns = t;
    s->slowest_rank = rank;
  }
  s->ranks_present++;
}

static void add_row(struct wpio_summary_row *s, const struct row_vals *v) {
  s->calls += v->calls;
  s->total_ns += v->main_ns;
  s->cpu_self_ns += v->cpu_self_ns;
  s->cuda_self_ns += v->cuda_self_ns;
  s->cuda_total_ns += v->cuda_total_ns;
  s->bytes += v->bytes;
}

void wpio_summary_row_finish(struct wpio_summary_row *s) {
  s->mean_rank_ns = s->ranks_present ? (double)s->total_ns / s->ranks_present : 0.0;
  s->imbalance = s->mean_rank_ns > 0.0 ? s->max_rank_ns / s->mean_rank_ns : 0.0;
}

/* Builds one summary row for the name group keys[*pos ..] and advances *pos past it. */
static void summarize_name(const struct wpio_job *job, enum table t, const struct row_key *k, size_t n,
                           size_t *pos, struct wpio_summary_row *s) {
  size_t i = *pos;
  uint64_t first_idx = UINT64_MAX;
  memset(s, 0, sizeof *s);
  s->name_id = k[i].name;
  s->kind = -1;
  while (i < n && k[i].name == s->name_id) {
    size_t g = i;
    uint64_t rank_total = 0;
    for (; i < n && same_group(&k[g], &k[i]); i++) {
      struct row_vals v = row_values(job, t, k[i].sub);
      if (k[i].sub < first_idx) first_idx = k[i].sub, s->kind = v.kind;
      rank_total += v.main_ns;
      add_row(s, &v);
    }
    add_rank_total(s, rank_unbias(k[g].rankb), rank_total);
  }
  wpio_summary_row_finish(s);
  *pos = i;
}

/* One of the job's summary vectors (each WPIO_VEC is its own anonymous type, so address the fields). */
struct sum_vec {
  struct wpio_summary_row **v;
  size_t *n, *cap;
};
#define SUM_VEC(vec) ((struct sum_vec){&(vec).v, &(vec).n, &(vec).cap})

/* Summary rows of a table in ascending name order, from its sorted keys. */
static int summarize_table(const struct wpio_job *job, enum table t, const struct row_key *k, size_t n,
                           struct sum_vec out) {
  size_t pos = 0;
  while (pos < n) {
    struct wpio_summary_row *s = wpio_vec_grow(out.v, out.n, out.cap, sizeof *s);
    if (!s) return -1;
    summarize_name(job, t, k, n, &pos, s);
  }
  return 0;
}

/* Sorting the summary by total descending needs the names for ties, so sort keys that carry them. */
struct sum_order {
  uint64_t total;
  const char *name;
  uint32_t name_id; /* then by id (two ids may spell the same name in a job read back), so the order
                     * does not depend on the order the rows came in */
  size_t idx;
};

static int sum_order_cmp(const void *a, const void *b) {
  const struct sum_order *x = a, *y = b;
  if (x->total != y->total) return x->total > y->total ? -1 : 1;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  if (x->name_id != y->name_id) return x->name_id < y->name_id ? -1 : 1;
  return (x->idx > y->idx) - (x->idx < y->idx);
}

int wpio_summary_sort(const struct wpio_job *job, struct wpio_summary_row *rows, size_t n) {
  if (n < 2) return 0;
  struct sum_order *o = malloc(n * sizeof *o);
  if (!o) return -1;
  for (size_t i = 0; i < n; i++) {
    uint32_t id = rows[i].name_id;
    o[i] = (struct sum_order){rows[i].total_ns, id < job->names.n ? job->names.s[id] : "", id, i};
  }
  qsort(o, n, sizeof *o, sum_order_cmp);
  /* row i takes row o[i].idx: each cycle of that permutation moved in place through one spare row (a
   * copy of the whole table was fresh memory as large as it) */
  for (size_t i = 0; i < n; i++) {
    if (o[i].idx == SIZE_MAX || o[i].idx == i) continue;
    struct wpio_summary_row spare = rows[i];
    size_t j = i;
    while (o[j].idx != i) {
      size_t from = o[j].idx;
      rows[j] = rows[from];
      o[j].idx = SIZE_MAX;
      j = from;
    }
    rows[j] = spare;
    o[j].idx = SIZE_MAX;
  }
  free(o);
  return 0;
}

/* ---- lite percentiles ---- */

static int sorted_hist_keys(const struct wpio_job *job, struct row_key **out) {
  size_t n = job->lite_hist.n;
  *out = NULL;
  if (n == 0) return 0;
  struct row_key *k = malloc(n * sizeof *k);
  if (!k) return -1;
  for (size_t i = 0; i < n; i++) {
    const struct wpio_hist_row *h = &job->lite_hist.v[i];
    k[i] = (struct row_key){h->name_id, rank_bias(h->rank), ((uint64_t)h->bucket << 32) | (i & 0xffffffffu)};
  }
  sort_keys(&k, n, job->names.n);
  *out = k;
  return 0;
}

/* The hist row behind a key: the low 32 bits of `sub` are its index (tables past 2^32 rows are
 * out of reach of the 32-bit name ids anyway). */
static const struct wpio_hist_row *hist_row(const struct wpio_job *job, const struct row_key *k) {
  return &job->lite_hist.v[k->sub & 0xffffffffu];
}

static void set_percentiles(uint64_t p[3], const struct wpio_hist_entry *e, uint32_t n, uint64_t min,
                            uint64_t max) {
  p[0] = wpio_hist_percentile(e, n, 0.50, min, max);
  p[1] = wpio_hist_percentile(e, n, 0.90, min, max);
  p[2] = wpio_hist_percentile(e, n, 0.99, min, max);
}

/* p50/p90/p99 of every /lite row from its rank's histogram of the name (rows without a histogram
 * keep what they had). Walks the sorted lite keys and hist keys side by side. */
static int fill_row_percentiles(struct wpio_job *job, const struct row_key *lk, size_t nl,
                                const struct row_key *hk, size_t nh) {
  struct wpio_hist_entry *e = nh ? malloc(nh * sizeof *e) : NULL;
  if (nh && !e) return -1;
  size_t h = 0;
  for (size_t i = 0; i < nl;) {
    size_t g = i;
    while (i < nl && same_group(&lk[g], &lk[i])) i++;
    while (h < nh && key_cmp(&hk[h], &(struct row_key){lk[g].name, lk[g].rankb, 0}) < 0) h++;
    uint32_t ne = 0;
    for (; h < nh && same_group(&hk[h], &lk[g]); h++) {
      const struct wpio_hist_row *r = hist_row(job, &hk[h]);
      e[ne++] = (struct wpio_hist_entry){r->bucket, r->count};
    }
    if (ne == 0) continue;
    for (size_t j = g; j < i; j++) {
      struct wpio_lite_row *row = &job->lite.v[lk[j].sub];
      uint64_t p[3];
      set_percentiles(p, e, ne, row->min_ns, row->max_ns);
      row->p50_ns = p[0], row->p90_ns = p[1], row->p99_ns = p[2];
    }
  }
  free(e);
  return 0;
}

/* Scratch for merging the histograms of one name across ranks: dense counts by bucket plus the
 * list of buckets touched, so resetting costs what was used. */
struct merge_scratch {
  uint64_t *counts;
  uint32_t *touched;
  uint32_t ntouched;
  struct wpio_hist_entry *e;
};

static int u32_cmp(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static void scratch_add(struct merge_scratch *m, const struct wpio_hist_row *r) {
  if (r->bucket >= WPIO_HIST_BUCKETS || r->count == 0) return;
  if (m->counts[r->bucket] == 0) m->touched[m->ntouched++] = r->bucket;
  m->counts[r->bucket] += r->count;
}

/* Sorted entries of the merged histogram; clears the scratch for the next name. */
static uint32_t scratch_drain(struct merge_scratch *m) {
  qsort(m->touched, m->ntouched, sizeof *m->touched, u32_cmp);
  uint32_t n = m->ntouched;
  for (uint32_t i = 0; i < n; i++) {
    m->e[i] = (struct wpio_hist_entry){m->touched[i], m->counts[m->touched[i]]};
    m->counts[m->touched[i]] = 0;
  }
  m->ntouched = 0;
  return n;
}

/* min/max of the lite rows per name_id, to clamp the merged percentiles. */
static int lite_bounds(const struct wpio_job *job, uint64_t **min_out, uint64_t **max_out) {
  size_t nn = job->names.n ? job->names.n : 1;
  uint64_t *mn = malloc(nn * sizeof *mn), *mx = calloc(nn, sizeof *mx);
  if (!mn || !mx) {
    free(mn);
    free(mx);
    return -1;
  }
  for (size_t i = 0; i < nn; i++) mn[i] = UINT64_MAX;
  for (size_t i = 0; i < job->lite.n; i++) {
    const struct wpio_lite_row *r = &job->lite.v[i];
    if (r->name_id >= job->names.n) continue;
    if (r->min_ns < mn[r->name_id]) mn[r->name_id] = r->min_ns;
    if (r->max_ns > mx[r->name_id]) mx[r->name_id] = r->max_ns;
  }
  *min_out = mn;
  *max_out = mx;
  return 0;
}

/* Summary p50/p90/p99 from the histograms of all ranks merged exactly (counts added). `sum` is in
 * ascending name order, as are the hist keys. */
static int fill_summary_percentiles(struct wpio_job *job, const struct row_key *hk, size_t nh) {
  if (nh == 0 || job->sum_lite.n == 0) return 0;
  struct merge_scratch m = {calloc(WPIO_HIST_BUCKETS, sizeof(uint64_t)),
                            malloc(WPIO_HIST_BUCKETS * sizeof(uint32_t)), 0,
                            malloc(WPIO_HIST_BUCKETS * sizeof(struct wpio_hist_entry))};
  uint64_t *mn = NULL, *mx = NULL;
  int rc = (m.counts && m.touched && m.e) ? lite_bounds(job, &mn, &mx) : -1;
  size_t h = 0;
  for (size_t s = 0; rc == 0 && s < job->sum_lite.n; s++) {
    struct wpio_summary_row *row = &job->sum_lite.v[s];
    while (h < nh && hk[h].name < row->name_id) h++;
    for (; h < nh && hk[h].name == row->name_id; h++) scratch_add(&m, hist_row(job, &hk[h]));
    uint32_t ne = scratch_drain(&m);
    if (ne == 0) continue;
    int known = row->name_id < job->names.n;
    uint64_t lo = known ? mn[row->name_id] : 1, hi = known ? mx[row->name_id] : 0; /* lo > hi: no clamp */
    uint64_t p[3];
    set_percentiles(p, m.e, ne, lo, hi);
    row->p50_ns = p[0], row->p90_ns = p[1], row->p99_ns = p[2];
  }
  free(m.counts);
  free(m.touched);
  free(m.e);
  free(mn);
  free(mx);
  return rc;
}

/* ---- lite percentiles without sorting (a merged job) ---- */

/* Whether the lite rows come rank by rank in ascending order. */
static int lite_ranks_ascending(const struct wpio_job *job) {
  for (size_t i = 1; i < job->lite.n; i++)
    if (job->lite.v[i].rank < job->lite.v[i - 1].rank) return 0;
  return 1;
}

/* The same p50/p90/p99 as fill_row_percentiles and fill_summary_percentiles, without sorting keys (their
 * two arrays of 16 bytes per row, fresh memory, were most of the lite summary's cost): exact when both
 * tables come rank by rank in ascending order, a rank's lite rows with distinct names and its
 * histogram rows of a name together, buckets ascending, as a merged job has them. A rank's lite rows
 * are found by name through an array stamped with the rank's turn; the summary's merged histograms
 * walk each name's histogram rows through a chain. Returns 1 when the rows are not so (what was
 * written is then written again by the sorting path), 0, or -1 (out of memory). */
static int lite_percentiles_in_order(struct wpio_job *job) {
  size_t nl = job->lite.n, nh = job->lite_hist.n, nn = job->names.n;
  if (nh == 0 || nl == 0) return 0; /* no histogram, or no row to give percentiles to */
  if (!lite_ranks_ascending(job)) return 1;
  const struct wpio_lite_row *lite = job->lite.v;
  const struct wpio_hist_row *hist = job->lite_hist.v;
  uint32_t *at = malloc(nn * sizeof *at), *lite_turn = calloc(nn, sizeof *lite_turn);
  uint32_t *hist_turn = calloc(nn, sizeof *hist_turn), *head = calloc(nn, sizeof *head);
  uint32_t *next = malloc(nh * sizeof *next);
  struct wpio_hist_entry *e = malloc(WPIO_HIST_BUCKETS * sizeof *e);
  int rc = at && lite_turn && hist_turn && head && next && e && nh < UINT32_MAX ? 0 : -1;
  uint32_t turn = 0;
  int32_t rank = 0;
  for (size_t h = 0, li = 0; rc == 0 && h < nh;) {
    if (turn == 0 || hist[h].rank != rank) { /* a new rank: its lite rows by name */
      if (turn && hist[h].rank < rank) {
        rc = 1;
        break;
      }
      rank = hist[h].rank, turn++;
      while (li < nl && lite[li].rank < rank) li++;
      for (; rc == 0 && li < nl && lite[li].rank == rank; li++) {
        uint32_t name = lite[li].name_id;
        if (name >= nn) continue; /* no histogram row of a valid name matches it */
        if (lite_turn[name] == turn) rc = 1;
        lite_turn[name] = turn, at[name] = (uint32_t)li;
      }
    }
    size_t g = h;
    uint32_t name = hist[h].name_id;
    while (h < nh && hist[h].rank == rank && hist[h].name_id == name) h++;
    if (rc != 0 || name >= nn) continue;
    if (hist_turn[name] == turn || h - g > WPIO_HIST_BUCKETS) {
      rc = 1;
      break;
    }
    hist_turn[name] = turn;
    for (size_t k = g; k < h; k++) { /* the summary's chain of the name's rows, newest first */
      next[k] = head[name];
      head[name] = (uint32_t)k + 1;
    }
    if (lite_turn[name] != turn) continue;
    uint32_t ne = 0;
    for (size_t k = g; k < h && rc == 0; k++) {
      if (ne && hist[k].bucket <= e[ne - 1].bucket) rc = 1;
      e[ne++] = (struct wpio_hist_entry){hist[k].bucket, hist[k].count};
    }
    if (rc != 0) break;
    struct wpio_lite_row *row = &job->lite.v[at[name]];
    uint64_t p[3];
    set_percentiles(p, e, ne, row->min_ns, row->max_ns);
    row->p50_ns = p[0], row->p90_ns = p[1], row->p99_ns = p[2];
  }
  free(at), free(lite_turn), free(hist_turn), free(e);
  struct merge_scratch m = {NULL, NULL, 0, NULL};
  uint64_t *mn = NULL, *mx = NULL;
  if (rc == 0) {
    m = (struct merge_scratch){calloc(WPIO_HIST_BUCKETS, sizeof(uint64_t)),
                               malloc(WPIO_HIST_BUCKETS * sizeof(uint32_t)), 0,
                               malloc(WPIO_HIST_BUCKETS * sizeof(struct wpio_hist_entry))};
    rc = m.counts && m.touched && m.e ? lite_bounds(job, &mn, &mx) : -1;
  }
  for (size_t s = 0; rc == 0 && s < job->sum_lite.n; s++) {
    struct wpio_summary_row *row = &job->sum_lite.v[s];
    for (uint32_t k = row->name_id < nn ? head[row->name_id] : 0; k; k = next[k - 1])
      scratch_add(&m, &hist[k - 1]);
    uint32_t ne = scratch_drain(&m);
    if (ne == 0) continue;
    uint64_t p[3];
    set_percentiles(p, m.e, ne, mn[row->name_id], mx[row->name_id]);
    row->p50_ns = p[0], row->p90_ns = p[1], row->p99_ns = p[2];
  }
  free(head), free(next), free(m.counts), free(m.touched), free(m.e), free(mn), free(mx);
  return rc;
}

/* ---- the entry point ---- */

static int rank_row_cmp(const void *a, const void *b) {
  const struct wpio_rank_row *x = a, *y = b;
  return (x->rank > y->rank) - (x->rank < y->rank);
}

/* ---- one pass by name id (the common case) ---- */

/* Per summary row: the rank whose rows are being added, and its total so far. */
struct name_cur {
  int32_t rank;
  uint64_t rank_total;
};

/* Summary rows in one pass over the table, accumulating by name id straight into `out` (a name's row
 * made at its first row; slot[id] = its index + 1), in the order names first appear: the final
 * order (wpio_summary_sort) does not depend on it. Memory: the rows themselves, 4 bytes per name and
 * 16 per row made (a summary row per name of /names, most of them untouched, was a third of the
 * summaries' page faults). Exact only when each name's rows come rank by rank in ascending order, as
 * a job merged rank after rank has them: returns 1 (nothing kept) when they do not, so the caller
 * takes the sorting path. */
static int summarize_by_name(const struct wpio_job *job, enum table t, struct sum_vec out) {
  size_t n = table_rows(job, t), nn = job->names.n;
  if (n == 0) return 0;
  uint32_t *slot = calloc(nn ? nn : 1, sizeof *slot);
  struct name_cur *cur = NULL;
  size_t ncur = 0;
  /* a row per name at most: room for them at once, so growing never copies the rows made so far */
  int rc = slot && wpio_vec_reserve(out.v, out.cap, sizeof **out.v, n < nn ? n : nn) == 0 ? 0 : -1;
  for (size_t i = 0; i < n && rc == 0; i++) {
    uint32_t name;
    int32_t rank;
    row_identity(job, t, i, &name, &rank);
    if (name >= nn) {
      rc = 1; /* a bad id: the sorting path keeps it as it always did */
      break;
    }
    struct row_vals v = row_values(job, t, i);
    struct wpio_summary_row *s;
    struct name_cur *c;
    if (!slot[name]) {
      if (*out.n == ncur) {
        size_t cap = ncur ? 2 * ncur : 64;
        struct name_cur *grown = realloc(cur, cap * sizeof *grown);
        if (!grown || !(s = wpio_vec_grow(out.v, out.n, out.cap, sizeof *s))) {
          free(grown ? grown : cur);
          cur = NULL;
          rc = -1;
          break;
        }
        cur = grown, ncur = cap;
      } else if (!(s = wpio_vec_grow(out.v, out.n, out.cap, sizeof *s))) {
        rc = -1;
        break;
      }
      slot[name] = (uint32_t)*out.n;
      s->name_id = name, s->kind = v.kind;
      c = &cur[*out.n - 1];
      *c = (struct name_cur){rank, 0};
    } else {
      s = &(*out.v)[slot[name] - 1];
      c = &cur[slot[name] - 1];
      if (rank != c->rank) {
        if (rank < c->rank) rc = 1;
        add_rank_total(s, c->rank, c->rank_total);
        *c = (struct name_cur){rank, 0};
      }
    }
    c->rank_total += v.main_ns;
    add_row(s, &v);
  }
  for (size_t k = 0; rc == 0 && k < *out.n; k++) {
    add_rank_total(&(*out.v)[k], cur[k].rank, cur[k].rank_total);
    wpio_summary_row_finish(&(*out.v)[k]);
  }
  free(slot);
  free(cur);
  return rc;
}

/* Summary of one table: sorted keys, the name-ordered rows, (lite) percentiles, final order. */
static int summarize_one(struct wpio_job *job, enum table t, struct sum_vec out) {
  struct row_key *k = NULL, *hk = NULL;
  size_t n = table_rows(job, t);
  *out.n = 0;
  int rc = summarize_by_name(job, t, out);
  if (rc == 0 && t == T_LITE) rc = lite_percentiles_in_order(job);
  int by_keys = rc == 1;
  if (by_keys) { /* rows in another order: the name-ordered rows from sorted keys */
    *out.n = 0;
    rc = sorted_row_keys(job, t, &k);
    if (rc == 0) rc = summarize_table(job, t, k, n, out);
  }
  if (rc == 0 && by_keys && t == T_LITE) {
    rc = sorted_hist_keys(job, &hk);
    if (rc == 0) rc = fill_row_percentiles(job, k, n, hk, job->lite_hist.n);
    if (rc == 0) rc = fill_summary_percentiles(job, hk, job->lite_hist.n);
  }
  if (rc == 0) rc = wpio_summary_sort(job, *out.v, *out.n);
  free(k);
  free(hk);
  return rc;
}

int wpio_job_summarize(struct wpio_job *job) {
  /* a job summarized part by part (wpio_summary_acc.c) is sorted already after its first part */
  int sorted = 1;
  for (size_t i = 1; sorted && i < job->ranks.n; i++) sorted = rank_row_cmp(&job->ranks.v[i - 1], &job->ranks.v[i]) <= 0;
  if (!sorted) qsort(job->ranks.v, job->ranks.n, sizeof *job->ranks.v, rank_row_cmp);
  if (summarize_one(job, T_KERNELS, SUM_VEC(job->sum_kernels)) != 0) return -1;
  if (summarize_one(job, T_RANGES, SUM_VEC(job->sum_ranges)) != 0) return -1;
  if (summarize_one(job, T_LITE, SUM_VEC(job->sum_lite)) != 0) return -1;
  if (wpio_job_summarize_memory(job) != 0) return -1;
  return summarize_one(job, T_MPI, SUM_VEC(job->sum_mpi));
}
