/* Unit test of the cross-rank summaries and of merging: a hand-built 3-rank job where one rank lacks
 * a name (min/mean/max over present ranks only), sums across windows, slowest rank and tie rules,
 * lite percentiles per rank and merged; then two jobs merged with their name ids remapped. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wptest_check.h"
#include "wpio_hist.h"
#include "wpio_job.h"

static int near(double a, double b) { return fabs(a - b) <= 1e-9 * (fabs(b) + 1); }

static const struct wpio_summary_row *find_row(const struct wpio_job *job, const struct wpio_summary_row *rows,
                                               size_t n, const char *name) {
  uint32_t id = wpio_strtab_find(&job->names, name);
  for (size_t i = 0; i < n; i++)
    if (rows[i].name_id == id) return &rows[i];
  return NULL;
}

static int add_kernel(struct wpio_job *j, int32_t rank, int32_t win, uint32_t name, int32_t kind, uint64_t calls,
                      uint64_t total, uint64_t bytes) {
  struct wpio_kernel_row *k = WPIO_VEC_PUSH(j->kernels);
  CHECK(k);
  *k = (struct wpio_kernel_row){.rank = rank, .window = win, .name_id = name, .kind = kind, .calls = calls,
                                .total_ns = total, .min_ns = 1, .max_ns = total, .bytes = bytes, .graph_id = -1};
  return 0;
}

static int add_range(struct wpio_job *j, int32_t rank, int32_t win, uint32_t name, uint64_t calls, uint64_t cpu_total) {
  struct wpio_range_row *r = WPIO_VEC_PUSH(j->ranges);
  CHECK(r);
  *r = (struct wpio_range_row){rank, win, name, calls, cpu_total, cpu_total / 2, cpu_total / 4, cpu_total / 3};
  return 0;
}

static int u64_cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static uint64_t exact(uint64_t *v, size_t n, double q) {
  qsort(v, n, sizeof *v, u64_cmp);
  double r = ceil(q * (double)n);
  return v[(r < 1 ? 1 : (size_t)r) - 1];
}

static int within1(uint64_t got, uint64_t want) { return fabs((double)got - (double)want) <= 0.01 * (double)want; }

/* A lite scope on one rank: n samples drawn with `scale`, as lite row + hist rows. Appends the samples
 * to `all` for the exact cross-rank answer. */
static int add_lite_rows(struct wpio_job *j, int32_t rank, uint32_t name, size_t n, double scale, uint64_t *seed,
                         uint64_t *all, size_t *nall, int ascending) {
  uint64_t *counts = calloc(WPIO_HIST_BUCKETS, sizeof *counts), *mine = malloc(n * sizeof *mine);
  CHECK(counts && mine);
  struct wpio_lite_row *l = WPIO_VEC_PUSH(j->lite);
  CHECK(l);
  *l = (struct wpio_lite_row){rank, name, n, 0, UINT64_MAX, 0, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    uint64_t v = 1 + (uint64_t)(scale * -log(1 - wptest_unit(seed)));
    mine[i] = all[(*nall)++] = v;
    counts[wpio_hist_bucket(v)]++;
    l->total_ns += v;
    if (v < l->min_ns) l->min_ns = v;
    if (v > l->max_ns) l->max_ns = v;
  }
  /* hist rows in descending bucket order unless asked: the library must not rely on their order */
  for (uint32_t k = WPIO_HIST_BUCKETS; k-- > 0;) {
    uint32_t b = ascending ? WPIO_HIST_BUCKETS - 1 - k : k;
    if (counts[b]) {
      struct wpio_hist_row *h = WPIO_VEC_PUSH(j->lite_hist);
      CHECK(h);
      *h = (struct wpio_hist_row){rank, name, b, counts[b]};
    }
  }
  struct wpio_lite_row *row = &j->lite.v[j->lite.n - 1];
  uint64_t want50 = exact(mine, n, 0.5), want90 = exact(mine, n, 0.9), want99 = exact(mine, n, 0.99);
  free(counts);
  free(mine);
  /* stash the expected values in the row's percentiles; summarize must overwrite them with close ones */
  row->p50_ns = want50, row->p90_ns = want90, row->p99_ns = want99;
  return 0;
}

static int add_lite(struct wpio_job *j, int32_t rank, uint32_t name, size_t n, double scale, uint64_t *seed,
                    uint64_t *all, size_t *nall) {
  return add_lite_rows(j, rank, name, n, scale, seed, all, nall, 0);
}

static int same_summary(const struct wpio_summary_row *x, const struct wpio_summary_row *y) {
  return x->name_id == y->name_id && x->ranks_present == y->ranks_present && x->calls == y->calls &&
         x->total_ns == y->total_ns && x->min_rank_ns == y->min_rank_ns && x->max_rank_ns == y->max_rank_ns &&
         x->mean_rank_ns == y->mean_rank_ns && x->slowest_rank == y->slowest_rank && x->p50_ns == y->p50_ns &&
         x->p90_ns == y->p90_ns && x->p99_ns == y->p99_ns;
}

/* A merged job's lite rows (rank by rank, a rank's histogram rows of a name together, buckets
 * ascending) are summarized in one pass; the same rows reversed go the sorting way. Both give every
 * row and summary the same percentiles, close to the exact ones, and the same summary rows. */
static int test_lite_in_order(void) {
  enum { RANKS = 6, NAMES = 40, MAXN = 400 };
  struct wpio_job a, b;
  wpio_job_init(&a);
  wpio_job_init(&b);
  char name[32];
  for (int n = 0; n < NAMES; n++) {
    snprintf(name, sizeof name, "scope_%d", n);
    CHECK(wpio_strtab_intern(&a.names, name, strlen(name)) == (uint32_t)n);
  }
  uint64_t seed = 11;
  static uint64_t all[NAMES][RANKS * MAXN];
  size_t nall[NAMES] = {0};
  for (int r = 0; r < RANKS; r++)
    for (int n = 0; n < NAMES; n++) {
      if ((n + r) % 5 == 0) continue; /* some ranks lack some names */
      size_t count = 50 + (size_t)(n * 7 + r * 13) % (MAXN - 50);
      CHECK(add_lite_rows(&a, r, (uint32_t)n, count, 1e3 * (1 + n % 4), &seed, all[n], &nall[n], 1) == 0);
    }
  CHECK(wpio_job_append(&b, &a) == 0);
  for (size_t i = 0, k = b.lite.n - 1; i < k; i++, k--) { /* rank 5 first: not rank by rank */
    struct wpio_lite_row t = b.lite.v[i];
    b.lite.v[i] = b.lite.v[k], b.lite.v[k] = t;
  }
  for (size_t i = 0, k = b.lite_hist.n - 1; i < k; i++, k--) {
    struct wpio_hist_row t = b.lite_hist.v[i];
    b.lite_hist.v[i] = b.lite_hist.v[k], b.lite_hist.v[k] = t;
  }
  CHECK(wpio_job_summarize(&a) == 0 && wpio_job_summarize(&b) == 0);
  CHECK(a.lite.n == b.lite.n && a.sum_lite.n == NAMES && b.sum_lite.n == NAMES);
  for (size_t i = 0; i < a.lite.n; i++) {
    const struct wpio_lite_row *x = &a.lite.v[i], *y = &b.lite.v[a.lite.n - 1 - i];
    CHECK(x->rank == y->rank && x->name_id == y->name_id);
    CHECK(x->p50_ns == y->p50_ns && x->p90_ns == y->p90_ns && x->p99_ns == y->p99_ns);
  }
  for (size_t i = 0; i < NAMES; i++) {
    const struct wpio_summary_row *s = &a.sum_lite.v[i];
    CHECK(same_summary(s, &b.sum_lite.v[i]));
    uint64_t *v = all[s->name_id];
    size_t nv = nall[s->name_id];
    CHECK(within1(s->p50_ns, exact(v, nv, 0.5)) && within1(s->p90_ns, exact(v, nv, 0.9)) &&
          within1(s->p99_ns, exact(v, nv, 0.99)));
  }
  wpio_job_free(&a);
  wpio_job_free(&b);
  return 0;
}

static int test_three_ranks(void) {
  struct wpio_job j;
  wpio_job_init(&j);
  uint32_t a = wpio_strtab_intern(&j.names, "a", 1), b = wpio_strtab_intern(&j.names, "b", 1);
  uint32_t c = wpio_strtab_intern(&j.names, "c", 1), z = wpio_strtab_intern(&j.names, "zero", 4);
  for (int r = 2; r >= 0; r--) CHECK(wpio_job_add_placeholder_rank(&j, r, WPIO_STATUS_OK) == 0);

  /* kernels: name a on every rank (rank 0 over two windows), b not on rank 1 */
  CHECK(add_kernel(&j, 1, 0, a, WPIO_KIND_MEMCPY, 3, 300, 7) == 0); /* first row of a: its kind wins */
  CHECK(add_kernel(&j, 0, 0, a, WPIO_KIND_KERNEL, 1, 100, 10) == 0);
  CHECK(add_kernel(&j, 0, 1, a, WPIO_KIND_KERNEL, 2, 50, 5) == 0);
  CHECK(add_kernel(&j, 2, 1, a, WPIO_KIND_KERNEL, 1, 300, 0) == 0); /* ties rank 1: lowest rank wins */
  CHECK(add_kernel(&j, 2, 0, b, WPIO_KIND_KERNEL, 1, 200, 0) == 0);
  CHECK(add_kernel(&j, 0, 0, b, WPIO_KIND_KERNEL, 4, 1000, 0) == 0);
  CHECK(add_kernel(&j, 2, 1, b, WPIO_KIND_KERNEL, 1, 200, 0) == 0);
  CHECK(add_kernel(&j, 1, 0, c, WPIO_KIND_MEMSET, 1, 750, 0) == 0); /* same total as a: name order */
  CHECK(add_kernel(&j, 1, 0, z, WPIO_KIND_SYNC, 5, 0, 0) == 0);

  /* ranges: a on ranks 0 and 2 only */
  CHECK(add_range(&j, 0, 0, a, 1, 40) == 0);
  CHECK(add_range(&j, 0, 1, a, 1, 80) == 0);
  CHECK(add_range(&j, 2, 0, a, 2, 360) == 0);

  /* lite: a on all ranks, b on rank 1 only */
  uint64_t seed = 99, *all = malloc(30000 * sizeof *all);
  size_t nall = 0;
  CHECK(all);
  CHECK(add_lite(&j, 0, a, 5000, 1e3, &seed, all, &nall) == 0);
  CHECK(add_lite(&j, 1, a, 8000, 1e5, &seed, all, &nall) == 0);
  CHECK(add_lite(&j, 2, a, 3000, 1e4, &seed, all, &nall) == 0);
  size_t na = nall;
  uint64_t *onlyb = all + na, nb0 = nall;
  CHECK(add_lite(&j, 1, b, 2000, 50, &seed, all, &nall) == 0);
  size_t nb = nall - nb0;
  uint64_t want[4][3]; /* per lite row: stashed exact p50/p90/p99 */
  for (size_t i = 0; i < 4; i++)
    want[i][0] = j.lite.v[i].p50_ns, want[i][1] = j.lite.v[i].p90_ns, want[i][2] = j.lite.v[i].p99_ns;

  CHECK(wpio_job_summarize(&j) == 0);

  for (int r = 0; r < 3; r++) CHECK(j.ranks.v[r].rank == r && j.ranks.v[r].pid == -1 && j.ranks.v[r].device == -1);

  CHECK(j.sum_kernels.n == 4);
  const struct wpio_summary_row *sa = find_row(&j, j.sum_kernels.v, j.sum_kernels.n, "a");
  const struct wpio_summary_row *sb = find_row(&j, j.sum_kernels.v, j.sum_kernels.n, "b");
  const struct wpio_summary_row *sz = find_row(&j, j.sum_kernels.v, j.sum_kernels.n, "zero");
  CHECK(sa && sb && sz);
  CHECK(sa->ranks_present == 3 && sa->calls == 7 && sa->total_ns == 750 && sa->bytes == 22);
  CHECK(near(sa->min_rank_ns, 150) && near(sa->mean_rank_ns, 250) && near(sa->max_rank_ns, 300));
  CHECK(near(sa->imbalance, 1.2) && sa->slowest_rank == 1 && sa->kind == WPIO_KIND_MEMCPY);
  CHECK(sb->ranks_present == 2 && sb->calls == 6 && sb->total_ns == 1400);
  CHECK(near(sb->min_rank_ns, 400) && near(sb->mean_rank_ns, 700) && near(sb->max_rank_ns, 1000));
  CHECK(near(sb->imbalance, 1000.0 / 700.0) && sb->slowest_rank == 0);
  CHECK(sz->ranks_present == 1 && sz->imbalance == 0 && sz->kind == WPIO_KIND_SYNC && sz->slowest_rank == 1);
  /* order: total descending, then name */
  CHECK(j.sum_kernels.v[0].name_id == b && j.sum_kernels.v[1].name_id == a);
  CHECK(j.sum_kernels.v[2].name_id == c && j.sum_kernels.v[3].name_id == z);

  CHECK(j.sum_ranges.n == 1);
  const struct wpio_summary_row *ra = &j.sum_ranges.v[0];
  CHECK(ra->name_id == a && ra->ranks_present == 2 && ra->calls == 4 && ra->total_ns == 480);
  CHECK(near(ra->min_rank_ns, 120) && near(ra->mean_rank_ns, 240) && near(ra->max_rank_ns, 360));
  CHECK(near(ra->imbalance, 1.5) && ra->slowest_rank == 2 && ra->kind == -1 && ra->bytes == 0);
  CHECK(ra->cpu_self_ns == 20 + 40 + 180 && ra->cuda_self_ns == 10 + 20 + 90 && ra->cuda_total_ns == 13 + 26 + 120);

  /* lite: each row's percentiles from its own histogram, the summary's from the merged ones */
  for (size_t i = 0; i < 4; i++) {
    const struct wpio_lite_row *l = &j.lite.v[i];
    CHECK(within1(l->p50_ns, want[i][0]) && within1(l->p90_ns, want[i][1]) && within1(l->p99_ns, want[i][2]));
  }
  CHECK(j.sum_lite.n == 2);
  const struct wpio_summary_row *la = find_row(&j, j.sum_lite.v, j.sum_lite.n, "a");
  const struct wpio_summary_row *lb = find_row(&j, j.sum_lite.v, j.sum_lite.n, "b");
  CHECK(la && lb && la->ranks_present == 3 && la->calls == 16000 && lb->ranks_present == 1);
  CHECK(la->total_ns == j.lite.v[0].total_ns + j.lite.v[1].total_ns + j.lite.v[2].total_ns);
  CHECK(la->slowest_rank == 1 && near(la->mean_rank_ns, (double)la->total_ns / 3));
  uint64_t e50 = exact(all, na, 0.5), e90 = exact(all, na, 0.9), e99 = exact(all, na, 0.99);
  CHECK(within1(la->p50_ns, e50) && within1(la->p90_ns, e90) && within1(la->p99_ns, e99));
  CHECK(within1(lb->p50_ns, exact(onlyb, nb, 0.5)) && lb->p99_ns == j.lite.v[3].p99_ns);

  /* summarizing again replaces, not appends */
  CHECK(wpio_job_summarize(&j) == 0);
  CHECK(j.sum_kernels.n == 4 && j.sum_ranges.n == 1 && j.sum_lite.n == 2);
  free(all);
  wpio_job_free(&j);
  return 0;
}

/* /summary/mpi: per name across ranks, each rank's rows of windows -1 and 0 summed first. */
static int test_mpi(void) {
  struct wpio_job j;
  wpio_job_init(&j);
  CHECK(wpio_strtab_intern(&j.names, "MPI_Allreduce", 13) == 0 && wpio_strtab_intern(&j.names, "MPI_Send", 8) == 1);
  static const struct wpio_mpi_row rows[] = {
    {0, -1, 0, 5, 500, 10, 200, 40}, {0, 0, 0, 3, 300, 20, 150, 24}, /* rank 0: 8 calls, 800 ns */
    {1, -1, 0, 8, 1600, 30, 400, 64},                                /* rank 1: 8 calls, 1600 ns */
    {1, 0, 1, 2, 50, 20, 30, 16},                                    /* Send on rank 1 only */
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    struct wpio_mpi_row *r = WPIO_VEC_PUSH(j.mpi);
    CHECK(r);
    *r = rows[i];
  }
  CHECK(wpio_job_summarize(&j) == 0);
  CHECK(j.sum_mpi.n == 2 && j.sum_mpi.v[0].name_id == 0); /* by total, descending */
  const struct wpio_summary_row *a = &j.sum_mpi.v[0], *b = &j.sum_mpi.v[1];
  CHECK(a->ranks_present == 2 && a->calls == 16 && a->total_ns == 2400 && a->bytes == 128);
  CHECK(near(a->min_rank_ns, 800) && near(a->mean_rank_ns, 1200) && near(a->max_rank_ns, 1600));
  CHECK(near(a->imbalance, 1600.0 / 1200.0) && a->slowest_rank == 1 && a->kind == -1);
  CHECK(b->ranks_present == 1 && b->calls == 2 && b->bytes == 16 && b->slowest_rank == 1);
  wpio_job_free(&j);
  return 0;
}

static int test_empty(void) {
  struct wpio_job j;
  wpio_job_init(&j);
  CHECK(wpio_job_summarize(&j) == 0);
  CHECK(j.sum_kernels.n == 0 && j.sum_ranges.n == 0 && j.sum_lite.n == 0);
  wpio_job_free(&j);
  return 0;
}

/* Two jobs with overlapping names in a different order: rows keep their names after merging. */
static int test_merge(void) {
  struct wpio_job d, s;
  wpio_job_init(&d);
  wpio_job_init(&s);
  CHECK(wpio_strtab_intern(&d.names, "x", 1) == 0 && wpio_strtab_intern(&d.names, "y", 1) == 1);
  CHECK(wpio_strtab_intern(&s.names, "y", 1) == 0 && wpio_strtab_intern(&s.names, "z", 1) == 1);
  CHECK(wpio_strtab_intern(&s.names, "x", 1) == 2);
  CHECK(add_kernel(&d, 0, 0, 1, 0, 1, 10, 0) == 0);
  CHECK(add_kernel(&s, 1, 0, 0, 0, 1, 20, 0) == 0); /* y */
  CHECK(add_kernel(&s, 1, 0, 1, 0, 1, 30, 0) == 0); /* z */
  CHECK(add_range(&s, 1, 0, 2, 1, 40) == 0);         /* x */
  struct wpio_lite_row *l = WPIO_VEC_PUSH(s.lite);
  struct wpio_hist_row *h = WPIO_VEC_PUSH(s.lite_hist);
  struct wpio_window_row *w = WPIO_VEC_PUSH(s.windows);
  CHECK(l && h && w);
  *l = (struct wpio_lite_row){1, 1, 1, 5, 5, 5, 5, 5, 5};
  *h = (struct wpio_hist_row){1, 1, wpio_hist_bucket(5), 1};
  *w = (struct wpio_window_row){1, 0, 10, 20, 3, 0};
  CHECK(wpio_job_set_attr(&d, "backend", "host") == 0);
  CHECK(wpio_job_set_attr(&s, "backend", "cupti") == 0);
  CHECK(wpio_job_set_attr_int(&s, "world_size", 2) == 0);
  CHECK(wpio_job_add_placeholder_rank(&s, 1, WPIO_STATUS_CORRUPT) == 0);
  s.ranks.v[0].hostname[0] = '\0';

  CHECK(wpio_job_merge(&d, &s) == 0);
  wpio_job_free(&s); /* dst owns copies of everything */

  CHECK(d.names.n == 3 && strcmp(d.names.s[2], "z") == 0);
  CHECK(d.kernels.n == 3 && d.kernels.v[1].name_id == 1 && d.kernels.v[2].name_id == 2);
  CHECK(d.ranges.n == 1 && d.ranges.v[0].name_id == 0);
  CHECK(d.lite.n == 1 && d.lite.v[0].name_id == 2 && d.lite_hist.v[0].name_id == 2);
  CHECK(d.windows.n == 1 && d.windows.v[0].steps == 3);
  CHECK(strcmp(wpio_job_attr(&d, "backend")->value, "host") == 0); /* dst's value kept */
  CHECK(wpio_job_attr(&d, "world_size")->is_int && wpio_job_attr(&d, "world_size")->ival == 2);
  CHECK(d.ranks.n == 1 && strcmp(d.ranks.v[0].status, "corrupt") == 0 && d.ranks.v[0].collected == 0);

  /* a source row whose name_id is outside its names is refused */
  struct wpio_job bad;
  wpio_job_init(&bad);
  CHECK(add_kernel(&bad, 0, 0, 3, 0, 1, 1, 0) == 0);
  CHECK(wpio_job_merge(&d, &bad) == -1);
  CHECK(d.kernels.n == 3);
  wpio_job_free(&bad);
  wpio_job_free(&d);
  return 0;
}

/* Many ranks and names, rows in scrambled order: the summary matches a direct computation. */
static int test_scale(void) {
  enum { RANKS = 512, NAMES = 300, WINDOWS = 3 };
  struct wpio_job j;
  wpio_job_init(&j);
  char name[32];
  for (int n = 0; n < NAMES; n++) {
    snprintf(name, sizeof name, "kernel_%d", n);
    CHECK(wpio_strtab_intern(&j.names, name, strlen(name)) == (uint32_t)n);
  }
  uint64_t seed = 5;
  static uint64_t per[NAMES][RANKS];
  for (int w = 0; w < WINDOWS; w++)
    for (int r = RANKS - 1; r >= 0; r--)
      for (int n = 0; n < NAMES; n++) {
        if ((n + r) % 7 == 0) continue; /* some ranks lack some names */
        uint64_t t = wptest_rand(&seed) % 100000;
        per[n][r] += t;
        CHECK(add_kernel(&j, r, w, (uint32_t)n, 0, 1, t, 0) == 0);
      }
  CHECK(wpio_job_summarize(&j) == 0);
  CHECK(j.sum_kernels.n == NAMES);
  for (size_t i = 0; i < j.sum_kernels.n; i++) {
    const struct wpio_summary_row *s = &j.sum_kernels.v[i];
    if (i) CHECK(j.sum_kernels.v[i - 1].total_ns >= s->total_ns);
    uint64_t sum = 0, mx = 0;
    uint32_t present = 0;
    int32_t slow = -1;
    for (int r = 0; r < RANKS; r++) {
      if ((s->name_id + r) % 7 == 0) continue;
      present++;
      sum += per[s->name_id][r];
      if (slow < 0 || per[s->name_id][r] > mx) mx = per[s->name_id][r], slow = r;
    }
    CHECK(s->ranks_present == present && s->total_ns == sum && s->slowest_rank == slow);
    CHECK(near(s->mean_rank_ns, (double)sum / present) && near(s->max_rank_ns, (double)mx));
  }
  wpio_job_free(&j);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, test_empty);
  RUN(fails, test_three_ranks);
  RUN(fails, test_merge);
  RUN(fails, test_scale);
  RUN(fails, test_mpi);
  RUN(fails, test_lite_in_order);
  return fails ? 1 : 0;
}
