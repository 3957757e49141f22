/* Launch latency histograms and CUPTI overhead totals (launch_latency.h). A (window, name) row holds
 * a sparse log-linear histogram (io/model/wpio_hist.h): the buckets it saw, sorted, so a kernel whose
 * latency sits in a few buckets costs a few entries; the row's last bucket is checked first. */
#include "launch_latency.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wpio_hist.h"

struct lat_row {
  int32_t window;
  uint32_t name;
  int used;
  uint64_t calls, min_ns, max_ns;
  struct wpio_hist_entry *buckets; /* sorted by bucket */
  uint32_t n_buckets, cap_buckets, last;
};

static struct {
  struct lat_row *rows;
  size_t n_rows, n_slots; /* open addressing, n_slots a power of two */
  uint64_t lost;
} lat;

static uint64_t mix(int32_t window, uint32_t name) {
  uint64_t x = (uint64_t)(uint32_t)window << 32 | name;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

static int grow(void) {
  size_t n_slots = lat.n_slots ? lat.n_slots * 2 : 64;
  struct lat_row *rows = calloc(n_slots, sizeof *rows);
  if (!rows) return -1;
  for (size_t i = 0; i < lat.n_slots; i++) {
    if (!lat.rows[i].used) continue;
    size_t j = mix(lat.rows[i].window, lat.rows[i].name) & (n_slots - 1);
    while (rows[j].used) j = (j + 1) & (n_slots - 1);
    rows[j] = lat.rows[i];
  }
  free(lat.rows);
  lat.rows = rows;
  lat.n_slots = n_slots;
  return 0;
}

static struct lat_row *row_of(int32_t window, uint32_t name) {
  if (lat.n_slots) {
    size_t j = mix(window, name) & (lat.n_slots - 1);
    for (; lat.rows[j].used; j = (j + 1) & (lat.n_slots - 1))
      if (lat.rows[j].window == window && lat.rows[j].name == name) return &lat.rows[j];
  }
  if (lat.n_rows >= WPR_LAUNCH_LATENCY_MAX_ROWS) return NULL;
  if ((lat.n_rows + 1) * 2 > lat.n_slots && grow() != 0) return NULL;
  size_t j = mix(window, name) & (lat.n_slots - 1);
  while (lat.rows[j].used) j = (j + 1) & (lat.n_slots - 1);
  lat.rows[j] = (struct lat_row){.window = window, .name = name, .used = 1, .min_ns = UINT64_MAX};
  lat.n_rows++;
  return &lat.rows[j];
}

static int count_bucket(struct lat_row *r, uint32_t bucket) {
  if (r->last < r->n_buckets && r->buckets[r->last].bucket == bucket) {
    r->buckets[r->last].count++;
    return 0;
  }
  uint32_t i = 0;
  while (i < r->n_buckets && r->buckets[i].bucket < bucket) i++;
  if (i < r->n_buckets && r->buckets[i].bucket == bucket) {
    r->buckets[i].count++;
    r->last = i;
    return 0;
  }
  if (r->n_buckets == r->cap_buckets) {
    uint32_t cap = r->cap_buckets ? r->cap_buckets * 2 : 8;
    struct wpio_hist_entry *b = realloc(r->buckets, cap * sizeof *b);
    if (!b) return -1;
    r->buckets = b;
    r->cap_buckets = cap;
  }
  memmove(&r->buckets[i + 1], &r->buckets[i], (r->n_buckets - i) * sizeof *r->buckets);
  r->buckets[i] = (struct wpio_hist_entry){bucket, 1};
  r->n_buckets++;
  r->last = i;
  return 0;
}

void wpr_launch_latency_add(int32_t window, uint32_t name, uint64_t latency_ns) {
  struct lat_row *r = row_of(window, name);
  if (!r || count_bucket(r, wpio_hist_bucket(latency_ns)) != 0) {
    lat.lost++;
    return;
  }
  r->calls++;
  if (latency_ns < r->min_ns) r->min_ns = latency_ns;
  if (latency_ns > r->max_ns) r->max_ns = latency_ns;
}

/* ---- graph launches: one latency per launch, from its earliest node ---- */

#define GRAPH_PENDING_MAX 4096 /* launches awaiting more nodes; the older half is settled beyond */
#define GRAPH_SEARCH 256       /* a launch's nodes arrive together: only the newest are searched */

struct graph_launch { int32_t window; uint32_t correlation, name; int64_t latency; };
static struct { struct graph_launch *v; size_t n, cap; } graphs;

static void graphs_settle(size_t k) {
  if (k == 0) return; /* also: nothing pending, graphs.v may be NULL */
  for (size_t i = 0; i < k; i++) {
    const struct graph_launch *g = &graphs.v[i];
    wpr_launch_latency_add(g->window, g->name, g->latency > 0 ? (uint64_t)g->latency : 0);
  }
  memmove(graphs.v, graphs.v + k, (graphs.n - k) * sizeof *graphs.v);
  graphs.n -= k;
}

void wpr_launch_latency_graph_node(int32_t window, uint32_t correlation, uint32_t name, int64_t latency_ns) {
  for (size_t i = graphs.n; i-- > 0 && graphs.n - i <= GRAPH_SEARCH;) {
    struct graph_launch *g = &graphs.v[i];
    if (g->correlation != correlation || g->window != window) continue;
    if (latency_ns < g->latency) { /* an earlier node, delivered later */
      g->latency = latency_ns;
      g->name = name;
    }
    return;
  }
  if (graphs.n == GRAPH_PENDING_MAX) graphs_settle(GRAPH_PENDING_MAX / 2);
  if (graphs.n == graphs.cap) {
    size_t cap = graphs.cap ? graphs.cap * 2 : 64;
    struct graph_launch *v = realloc(graphs.v, cap * sizeof *v);
    if (!v) {
      lat.lost++;
      return;
    }
    graphs.v = v;
    graphs.cap = cap;
  }
  graphs.v[graphs.n++] = (struct graph_launch){window, correlation, name, latency_ns};
}

int wpr_launch_latency_collect(struct wpio_job *job, int32_t rank, const char *(*name_of)(uint32_t), int final) {
  if (final) graphs_settle(graphs.n);
  for (size_t i = 0; i < lat.n_slots; i++) {
    const struct lat_row *r = &lat.rows[i];
    const char *name = r->used ? name_of(r->name) : NULL;
    if (!name) continue;
    uint32_t id = wpio_strtab_intern(&job->names, name, strlen(name));
    struct wpio_launch_latency_row *out = id == UINT32_MAX ? NULL : WPIO_VEC_PUSH(job->launch_latency);
    if (!out) return -1;
    *out = (struct wpio_launch_latency_row){
        .rank = rank, .window = r->window, .name_id = id, .calls = r->calls,
        .p50_ns = wpio_hist_percentile(r->buckets, r->n_buckets, 0.50, r->min_ns, r->max_ns),
        .p99_ns = wpio_hist_percentile(r->buckets, r->n_buckets, 0.99, r->min_ns, r->max_ns)};
  }
  static int warned;
  if (lat.lost)
    wpr_warn_once(&warned, "launch latency: %llu launches not counted (more than %d (window, kernel) pairs, "
                  "or out of memory)", (unsigned long long)lat.lost, WPR_LAUNCH_LATENCY_MAX_ROWS);
  return 0;
}

/* ---- CUPTI overhead ---- */

#define MAX_OVERHEAD_KINDS 16

static struct {
  const char *kind[MAX_OVERHEAD_KINDS];
  uint64_t count[MAX_OVERHEAD_KINDS], total_ns[MAX_OVERHEAD_KINDS];
  int n;
  _Atomic int other_subscriber;
} ovh;

void wpr_cupti_overhead_add(const char *kind_name, uint64_t ns) {
  int i = 0;
  while (i < ovh.n && ovh.kind[i] != kind_name && strcmp(ovh.kind[i], kind_name) != 0) i++;
  if (i == ovh.n) {
    if (ovh.n == MAX_OVERHEAD_KINDS) i = MAX_OVERHEAD_KINDS - 1; /* the last slot takes the rest */
    else ovh.kind[ovh.n++] = kind_name;
  }
  ovh.count[i]++;
  ovh.total_ns[i] += ns;
}

void wpr_cupti_note_other_subscriber(void) { atomic_store(&ovh.other_subscriber, 1); }

static int push_overhead(struct wpio_job *job, int32_t rank, const char *kind, uint64_t count, uint64_t ns);

int wpr_cupti_losses_collect(struct wpio_job *job, int32_t rank, const struct wpr_cupti_losses *l) {
  const struct { const char *kind; uint64_t count; } rows[] = {
      {WPIO_CUPTI_CORRELATION_LOST, l->correlation_lost}, {WPIO_CUPTI_INCOMPLETE, l->incomplete},
      {WPIO_CUPTI_UNCORRELATED, l->uncorrelated}, {WPIO_CUPTI_NO_RECORD, l->no_record},
      {WPIO_CUPTI_TRUNCATED, l->truncated}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    if (rows[i].count && push_overhead(job, rank, rows[i].kind, rows[i].count, 0) != 0) return -1;
  return 0;
}

static int push_overhead(struct wpio_job *job, int32_t rank, const char *kind, uint64_t count, uint64_t ns) {
  uint32_t id = wpio_strtab_intern(&job->names, kind, strlen(kind));
  struct wpio_cupti_overhead_row *out = id == UINT32_MAX ? NULL : WPIO_VEC_PUSH(job->cupti_overhead);
  if (!out) return -1;
  *out = (struct wpio_cupti_overhead_row){.rank = rank, .name_id = id, .count = count, .total_ns = ns};
  return 0;
}

int wpr_cupti_overhead_collect(struct wpio_job *job, int32_t rank) {
  for (int i = 0; i < ovh.n; i++)
    if (push_overhead(job, rank, ovh.kind[i], ovh.count[i], ovh.total_ns[i]) != 0) return -1;
  return 0;
}

int wpr_cupti_other_subscriber_collect(struct wpio_job *job, int32_t rank) {
  if (atomic_load(&ovh.other_subscriber) && push_overhead(job, rank, WPIO_CUPTI_OTHER_SUBSCRIBER, 1, 0) != 0)
    return -1;
  return 0;
}
