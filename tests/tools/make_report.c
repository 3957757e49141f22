/* Test helper: builds a synthetic 3-rank job through the io API (long and non-ASCII names, windows,
 * every kernel kind, ranges, lite scopes with histograms), writes it with the HDF5 writer and,
 * on request, prints the job as JSON so the tests can compare every value they read back.
 *
 * usage: make_report OUT.h5 [--json EXPECTED.json] [--bulk N] [--degraded] [--read-back]
 *                    [--ranks N] [--scale NAME=FACTOR]... [--timeline] [--no-gpu] [--lite-only] [--mpi]
 *                    [--lite-calls N] [--seed N] [--defect KIND]...
 * --ranks: world size (default 3); --scale: every time of the rows named NAME (kernels, ranges,
 * lite, timeline) multiplied by FACTOR, to make a second report that differs in known ways;
 * --no-gpu: no kernel rows and no CUDA time in ranges (a CPU-only job); --lite-only: lite scopes only;
 * --timeline: /timeline events (windows, ranges, lite, MPI calls, kernels on two streams);
 * --mpi: /mpi rows (MPI_Allreduce, MPI_Barrier per rank and window, scaled like the others);
 * --lite-calls N: calls of the lite scope data_load per rank (default 400); --seed N: another draw of
 * the lite scopes' pseudo-random call times (default 0), i.e. another run with the same spread;
 * --defect KIND (repeatable; dropped, sync, settings, clock, steps, absent, corrupt): one kind of damage
 * a real job can leave, for `wprof doctor`'s tests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_h5.h"
#include "wpio_hist.h"
#include "wpio_job.h"

#define NWINDOWS 2
#define MAX_SCALES 16

static int nranks = 3;
static struct { const char *name; double factor; } scales[MAX_SCALES];
static int nscales;
static int no_gpu, lite_only; /* --no-gpu, --lite-only */
static int with_mpi;          /* --mpi */
static int lite_calls = 400;  /* --lite-calls */
static uint64_t lite_seed;    /* --seed */

/* The --scale factor of a name (1 when none applies). */
static double scale_of(const char *n) {
  for (int i = 0; i < nscales; i++)
    if (strcmp(scales[i].name, n) == 0) return scales[i].factor;
  return 1.0;
}

static uint64_t scaled(const char *n, uint64_t v) { return (uint64_t)((double)v * scale_of(n)); }

static uint32_t name(struct wpio_job *job, const char *s) {
  return wpio_strtab_intern(&job->names, s, strlen(s));
}

static char long_name[700];

static void make_long_name(void) {
  strcpy(long_name, "void at::native::vectorized_elementwise_kernel<4, at::native::");
  while (strlen(long_name) + 40 < sizeof long_name)
    strcat(long_name, "BinaryFunctor<float, float, float, at::native::MulFunctor<float>>, ");
  strcat(long_name, "std::array<char*, 3>>(int)");
}

static void add_attrs(struct wpio_job *job) {
  wpio_job_set_attr(job, "wprof_version", "0.1.0");
  wpio_job_set_attr(job, "created", "2024-05-01T12:00:00Z");
  wpio_job_set_attr_int(job, "world_size", nranks);
  wpio_job_set_attr(job, "backend", "host");
  wpio_job_set_attr(job, "backend_requested", "auto");
  wpio_job_set_attr_int(job, "delay_iters", 2);
  wpio_job_set_attr_int(job, "max_iters", 3);
  wpio_job_set_attr(job, "command", "make_report --synthetic");
  wpio_job_set_attr(job, "sync", "ok");
}

static void add_rank(struct wpio_job *job, int r, int degraded) {
  char host[32];
  snprintf(host, sizeof host, "node-%d", r / 2);
  struct wpio_rank_row *row = WPIO_VEC_PUSH(job->ranks);
  row->rank = r;
  row->hostname = strdup(host);
  row->pid = 4000 + r;
  row->device = r == 2 ? -1 : r;
  row->clock_offset_ns = r * 1500 - 700;
  row->clock_drift_ppm = 0.25 * r;
  row->clock_residual_ns = 40 + r;
  row->dropped_records = degraded && r == 1 ? 1234 : 0;
  row->status = strdup(WPIO_STATUS_OK);
  row->collected = 1;
}

static void add_windows(struct wpio_job *job, int r) {
  for (int w = 0; w < NWINDOWS; w++) {
    struct wpio_window_row *row = WPIO_VEC_PUSH(job->windows);
    *row = (struct wpio_window_row){ r, w, 1000000000LL * (w + 1) + r * 1000,
                                     1000000000LL * (w + 1) + 500000000LL + r * 1000, 3, 0 };
  }
}

static void add_kernel(struct wpio_job *job, int r, int w, uint32_t id, int kind, uint64_t calls,
                       uint64_t each, uint64_t bytes) {
  each = scaled(job->names.s[id], each);
  struct wpio_kernel_row *k = WPIO_VEC_PUSH(job->kernels);
  *k = (struct wpio_kernel_row){ .rank = r, .window = w, .name_id = id, .kind = kind, .calls = calls,
                                 .total_ns = calls * each + (uint64_t)r * 1000, .min_ns = each - 100,
                                 .max_ns = each + 100 + (uint64_t)r * 1000, .bytes = bytes, .graph_id = -1 };
  if (kind == WPIO_KIND_KERNEL) { /* a launch configuration, as the cupti backend records */
    k->grid_x = 108, k->grid_y = k->grid_z = 1, k->block_x = 256, k->block_y = k->block_z = 1;
    k->registers_per_thread = 64, k->dynamic_shared_bytes = 4096;
  }
}

/* GPU memory of one rank in one window: a range's allocations and one outside any range. */
static void add_memory(struct wpio_job *job, int r, int w) {
  struct wpio_memory_row *m = WPIO_VEC_PUSH(job->memory);
  *m = (struct wpio_memory_row){ r, w, name(job, "forward"), 0, WPIO_MEM_DEVICE, 4, 2, 4u << 20, 1u << 20,
                                 (3u << 20) + (uint64_t)r * 4096, 1000000 + (int64_t)w * 1000 };
  m = WPIO_VEC_PUSH(job->memory);
  *m = (struct wpio_memory_row){ r, w, name(job, WPIO_MEMORY_NO_RANGE), 0, WPIO_MEM_PINNED, 1, 0, 65536, 0,
                                 65536, 1000500 + (int64_t)w * 1000 };
}

static void add_kernels(struct wpio_job *job, int r, int w) {
  uint64_t scale = 1 + (uint64_t)r; /* rank-dependent work, so imbalance shows */
  add_kernel(job, r, w, name(job, "gemm_kernel"), WPIO_KIND_KERNEL, 10, 250000 * scale, 0);
  add_kernel(job, r, w, name(job, long_name), WPIO_KIND_KERNEL, 20, 4000, 0);
  add_kernel(job, r, w, name(job, "Memcpy HtoD (Pageable -> Device)"), WPIO_KIND_MEMCPY, 4, 90000,
             4 << 20);
  add_kernel(job, r, w, name(job, "Memset (Device)"), WPIO_KIND_MEMSET, 2, 3000, 1 << 16);
  add_kernel(job, r, w, name(job, "cudaDeviceSynchronize"), WPIO_KIND_SYNC, 1, 70000, 0);
  add_kernel(job, r, w, name(job, "cuda_graph_other"), WPIO_KIND_OTHER, 1, 500, 0);
}

static void add_range(struct wpio_job *job, int r, int w, const char *n, uint64_t calls,
                      uint64_t cpu_total, uint64_t cpu_self, uint64_t cuda_self, uint64_t cuda_total) {
  struct wpio_range_row *row = WPIO_VEC_PUSH(job->ranges);
  if (no_gpu) cuda_self = cuda_total = 0;
  *row = (struct wpio_range_row){ r, w, name(job, n), calls, scaled(n, cpu_total), scaled(n, cpu_self),
                                  scaled(n, cuda_self), scaled(n, cuda_total) };
}

static void add_ranges(struct wpio_job *job, int r, int w) {
  uint64_t s = 1 + (uint64_t)r;
  add_range(job, r, w, "train_step", 3, 90000000 * s, 1000000, 0, 8000000 * s);
  add_range(job, r, w, "forward", 3, 50000000 * s, 20000000, 3000000 * s, 3000000 * s);
  add_range(job, r, w, "backward", 3, 38000000 * s, 30000000, 5000000 * s, 5000000 * s);
  add_range(job, r, w, "Ünïcødé range: 時間 ✓", 6, 1200 + (uint64_t)r, 1200 + (uint64_t)r, 0, 0);
}

/* MPI calls of one rank in one window, rank-dependent like the kernels. */
static void add_mpi(struct wpio_job *job, int r, int w) {
  static const struct { const char *name; uint64_t calls, each, bytes; } calls[] = {
    { "MPI_Allreduce", 3, 500000, 1 << 20 }, { "MPI_Barrier", 1, 20000, 0 } };
  for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
    uint64_t each = scaled(calls[i].name, calls[i].each * (1 + (uint64_t)r));
    struct wpio_mpi_row *m = WPIO_VEC_PUSH(job->mpi);
    *m = (struct wpio_mpi_row){ .rank = r, .window = w, .name_id = name(job, calls[i].name),
                                .calls = calls[i].calls, .total_ns = calls[i].calls * each,
                                .min_ns = each, .max_ns = each, .bytes = calls[i].calls * calls[i].bytes };
  }
}

/* A lite scope: deterministic samples recorded into count/total/min/max and histogram rows. */
static void add_lite(struct wpio_job *job, int r, const char *n, uint64_t base, int samples) {
  static uint64_t counts[WPIO_HIST_BUCKETS];
  memset(counts, 0, sizeof counts);
  struct wpio_lite_row *row = WPIO_VEC_PUSH(job->lite);
  uint32_t id = name(job, n);
  *row = (struct wpio_lite_row){ .rank = r, .name_id = id, .min_ns = UINT64_MAX };
  uint64_t x = 88172645463325252ull + (uint64_t)r + lite_seed * 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < samples; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    uint64_t v = scaled(n, base + x % (base * (uint64_t)(r + 1)));
    row->calls++;
    row->total_ns += v;
    if (v < row->min_ns) row->min_ns = v;
    if (v > row->max_ns) row->max_ns = v;
    counts[wpio_hist_bucket(v)]++;
  }
  for (uint32_t b = 0; b < WPIO_HIST_BUCKETS; b++) {
    if (!counts[b]) continue;
    struct wpio_hist_row *h = WPIO_VEC_PUSH(job->lite_hist);
    *h = (struct wpio_hist_row){ r, id, b, counts[b] };
  }
}

/* Many extra kernel rows on rank 0 (and as many names), to make tables chunked. */
static void add_bulk(struct wpio_job *job, int n) {
  char buf[64];
  for (int i = 0; i < n; i++) {
    snprintf(buf, sizeof buf, "bulk_kernel_%05d", i);
    add_kernel(job, 0, 0, name(job, buf), WPIO_KIND_KERNEL, 1, 1000 + (uint64_t)i, 0);
  }
}

static void add_event(struct wpio_job *job, int r, int kind, const char *n, int64_t track, int64_t start,
                      int64_t dur) {
  struct wpio_timeline_row *e = WPIO_VEC_PUSH(job->timeline);
  *e = (struct wpio_timeline_row){ r, kind, name(job, n), track, start, start + (int64_t)scaled(n, (uint64_t)dur) };
}

/* Per window: the window itself, a train_step range with forward/backward nested on the main thread,
 * a lite scope on a second thread, an MPI_Allreduce, and kernels on two GPU streams. */
static void add_timeline(struct wpio_job *job, int r) {
  int64_t tid = 5000 + r, tid2 = 6000 + r;
  for (int w = 0; w < NWINDOWS; w++) {
    int64_t t0 = 1000000000LL * (w + 1) + r * 1000;
    add_event(job, r, WPIO_EV_WINDOW, "window", tid, t0, 500000000);
    add_event(job, r, WPIO_EV_RANGE, "train_step", tid, t0 + 1000, 90000000);
    add_event(job, r, WPIO_EV_RANGE, "forward", tid, t0 + 2000, 40000000);
    add_event(job, r, WPIO_EV_RANGE, "backward", tid, t0 + 50000000, 38000000);
    add_event(job, r, WPIO_EV_LITE, "data_load", tid2, t0 + 3000, 20000);
    add_event(job, r, WPIO_EV_MPI, "MPI_Allreduce", tid, t0 + 89000000, 500000);
    add_event(job, r, WPIO_EV_KERNEL, "gemm_kernel", WPIO_TRACK_STREAM(7), t0 + 5000, 250000);
    add_event(job, r, WPIO_EV_MEMCPY, "Memcpy HtoD (Pageable -> Device)", WPIO_TRACK_STREAM(13),
              t0 + 4000, 90000);
  }
}

/* --defect KIND (for `wprof doctor`'s tests): one kind of damage a real job can leave in a report. */
static const char *defects[8];
static int ndefects;
static int has_defect(const char *kind) {
  for (int i = 0; i < ndefects; i++)
    if (strcmp(defects[i], kind) == 0) return 1;
  return 0;
}

static void apply_defects(struct wpio_job *job) {
  size_t one = job->ranks.n > 1 ? 1 : 0; /* rank 1's row (rows are added in rank order) */
  if (has_defect("dropped")) job->ranks.v[one].dropped_records = 1234, job->ranks.v[one].timeline_dropped = 77;
  if (has_defect("sync")) wpio_job_set_attr(job, "sync", "broken at sync point 3 (rank 1 did not arrive)");
  if (has_defect("settings")) wpio_job_set_attr(job, "settings_agreement", "rank 1: WPROF_MAX_ITERS differs");
  if (has_defect("clock")) job->ranks.v[one].clock_residual_ns = 50000000; /* 10 % of a 0.5 s window */
  if (has_defect("steps"))
    for (size_t i = 0; i < job->windows.n; i++)
      if (job->windows.v[i].rank == 1 && job->windows.v[i].window == 0) job->windows.v[i].steps = 2;
  if (has_defect("absent")) { /* rank 1 has no /ranges rows */
    size_t k = 0;
    for (size_t i = 0; i < job->ranges.n; i++)
      if (job->ranges.v[i].rank != 1) job->ranges.v[k++] = job->ranges.v[i];
    job->ranges.n = k;
  }
}

static int build(struct wpio_job *job, int bulk, int degraded, int timeline) {
  make_long_name();
  add_attrs(job);
  for (int r = 0; r < nranks; r++) {
    if (degraded && r == 2) {
      wpio_job_add_placeholder_rank(job, r, WPIO_STATUS_MISSING);
      continue;
    }
    if (has_defect("corrupt") && r == nranks - 1) {
      wpio_job_add_placeholder_rank(job, r, WPIO_STATUS_CORRUPT);
      continue;
    }
    add_rank(job, r, degraded);
    add_windows(job, r);
    for (int w = 0; w < NWINDOWS; w++) {
      if (!no_gpu && !lite_only) add_kernels(job, r, w);
      if (!no_gpu && !lite_only) add_memory(job, r, w);
      if (!lite_only) add_ranges(job, r, w);
      if (with_mpi) add_mpi(job, r, w);
    }
    add_lite(job, r, "data_load", 20000, lite_calls);
    add_lite(job, r, "スコープ/ünïcødé", 900, 50 + 10 * r);
    if (timeline) add_timeline(job, r);
  }
  add_bulk(job, bulk);
  apply_defects(job); /* before the summaries, which then describe the damaged tables */
  return wpio_job_summarize(job);
}

/* ---- the expected values as JSON ---- */

static void jstr(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

static void dump_summary(FILE *f, const struct wpio_job *job, const char *key,
                         const struct wpio_summary_row *s, size_t n, int last) {
  fprintf(f, "  \"%s\": [\n", key);
  for (size_t i = 0; i < n; i++) {
    fputs("    {\"name\": ", f);
    jstr(f, job->names.s[s[i].name_id]);
    fprintf(f, ", \"kind\": %d, \"ranks_present\": %u, \"calls\": %" PRIu64 ", \"total_ns\": %" PRIu64
            ", \"min_ns\": %.17g, \"mean_ns\": %.17g, \"max_ns\": %.17g, \"imbalance\": %.17g, "
            "\"slowest_rank\": %d, \"bytes\": %" PRIu64 ", \"cpu_self_ns\": %" PRIu64
            ", \"cuda_self_ns\": %" PRIu64 ", \"cuda_total_ns\": %" PRIu64 ", \"p50_ns\": %" PRIu64
            ", \"p90_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64 "}%s\n",
            (int)s[i].kind, s[i].ranks_present, s[i].calls, s[i].total_ns, s[i].min_rank_ns,
            s[i].mean_rank_ns, s[i].max_rank_ns, s[i].imbalance, (int)s[i].slowest_rank,
            s[i].bytes, s[i].cpu_self_ns, s[i].cuda_self_ns, s[i].cuda_total_ns, s[i].p50_ns,
            s[i].p90_ns, s[i].p99_ns, i + 1 < n ? "," : "");
  }
  fprintf(f, "  ]%s\n", last ? "" : ",");
}

static void dump_attrs_names(FILE *f, const struct wpio_job *job) {
  fputs("{\n  \"attrs\": {", f);
  for (size_t i = 0; i < job->attrs.n; i++) {
    fputs(i ? ", " : "", f);
    jstr(f, job->attrs.v[i].key);
    fputs(": ", f);
    if (job->attrs.v[i].is_int) fprintf(f, "%" PRId64, job->attrs.v[i].ival);
    else jstr(f, job->attrs.v[i].value);
  }
  fputs("},\n  \"names\": [", f);
  for (size_t i = 0; i < job->names.n; i++) {
    fputs(i ? ", " : "", f);
    jstr(f, job->names.s[i]);
  }
  fputs("],\n", f);
}

static void dump_rows(FILE *f, const struct wpio_job *job) {
  fputs("  \"ranks\": [", f);
  for (size_t i = 0; i < job->ranks.n; i++) {
    const struct wpio_rank_row *r = &job->ranks.v[i];
    fprintf(f, "%s\n    {\"rank\": %d, \"hostname\": ", i ? "," : "", (int)r->rank);
    jstr(f, r->hostname);
    fprintf(f, ", \"pid\": %" PRId64 ", \"device\": %d, \"clock_offset_ns\": %" PRId64
            ", \"clock_drift_ppm\": %.17g, \"clock_residual_ns\": %" PRId64
            ", \"dropped_records\": %" PRIu64 ", \"status\": ", r->pid, (int)r->device,
            r->clock_offset_ns, r->clock_drift_ppm, r->clock_residual_ns, r->dropped_records);
    jstr(f, r->status);
    fprintf(f, ", \"collected\": %d}", (int)r->collected);
  }
  fputs("],\n  \"windows\": [", f);
  for (size_t i = 0; i < job->windows.n; i++) {
    const struct wpio_window_row *w = &job->windows.v[i];
    fprintf(f, "%s[%d, %d, %" PRId64 ", %" PRId64 ", %" PRId64 ", %d]", i ? ", " : "", (int)w->rank,
            (int)w->window, w->start_ns, w->end_ns, w->steps, (int)w->cut_short);
  }
  fputs("],\n  \"kernels\": [", f);
  for (size_t i = 0; i < job->kernels.n; i++) {
    const struct wpio_kernel_row *k = &job->kernels.v[i];
    fprintf(f, "%s[%d, %d, %u, %d, %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
            ", %u, %u, %u, %u, %u, %u, %u, %u, %u, %" PRId64 "]",
            i ? ", " : "", (int)k->rank, (int)k->window, k->name_id, (int)k->kind, k->calls,
            k->total_ns, k->min_ns, k->max_ns, k->bytes, k->grid_x, k->grid_y, k->grid_z, k->block_x,
            k->block_y, k->block_z, k->registers_per_thread, k->static_shared_bytes,
            k->dynamic_shared_bytes, k->graph_id);
  }
  fputs("],\n  \"memory\": [", f);
  for (size_t i = 0; i < job->memory.n; i++) {
    const struct wpio_memory_row *m = &job->memory.v[i];
    fprintf(f, "%s[%d, %d, %u, %d, %d, %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
            ", %" PRId64 "]", i ? ", " : "", (int)m->rank, (int)m->window, m->name_id, (int)m->device,
            (int)m->kind, m->allocations, m->frees, m->bytes_allocated, m->bytes_freed, m->peak_bytes,
            m->peak_time_ns);
  }
  fputs("],\n  \"ranges\": [", f);
  for (size_t i = 0; i < job->ranges.n; i++) {
    const struct wpio_range_row *g = &job->ranges.v[i];
    fprintf(f, "%s[%d, %d, %u, %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 "]",
            i ? ", " : "", (int)g->rank, (int)g->window, g->name_id, g->calls, g->cpu_total_ns,
            g->cpu_self_ns, g->cuda_self_ns, g->cuda_total_ns);
  }
  fputs("],\n  \"lite\": [", f);
  for (size_t i = 0; i < job->lite.n; i++) {
    const struct wpio_lite_row *l = &job->lite.v[i];
    fprintf(f, "%s[%d, %u, %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
            ", %" PRIu64 "]", i ? ", " : "", (int)l->rank, l->name_id, l->calls, l->total_ns,
            l->min_ns, l->max_ns, l->p50_ns, l->p90_ns, l->p99_ns);
  }
  fputs("],\n  \"lite_hist\": [", f);
  for (size_t i = 0; i < job->lite_hist.n; i++) {
    const struct wpio_hist_row *h = &job->lite_hist.v[i];
    fprintf(f, "%s[%d, %u, %u, %" PRIu64 ", %" PRIu64 ", %" PRIu64 "]", i ? ", " : "", (int)h->rank,
            h->name_id, h->bucket, wpio_hist_lower(h->bucket), wpio_hist_upper(h->bucket), h->count);
  }
  fputs("],\n", f);
}

static int dump_json(const struct wpio_job *job, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    return -1;
  }
  dump_attrs_names(f, job);
  dump_rows(f, job);
  fputs("  \"summary\": {\n", f);
  dump_summary(f, job, "kernels", job->sum_kernels.v, job->sum_kernels.n, 0);
  dump_summary(f, job, "ranges", job->sum_ranges.v, job->sum_ranges.n, 0);
  dump_summary(f, job, "lite", job->sum_lite.v, job->sum_lite.n, 1);
  fputs("  }\n}\n", f);
  return fclose(f) == 0 ? 0 : -1;
}

/* Reads the report back through the reader and checks every table's size and a few values, so
 * the sanitizer build also runs the reader's allocations and frees (the command's child _exits). */
static int read_back(const struct wpio_job *job, const char *path) {
  struct wpio_job got;
  wpio_job_init(&got);
  char err[512];
  int rc = wpio_h5_read_report(path, &got, err, sizeof err);
  if (rc < 0) fprintf(stderr, "make_report: read back: %s\n", err);
  else if (got.names.n != job->names.n || got.ranks.n != job->ranks.n ||
           got.windows.n != job->windows.n || got.kernels.n != job->kernels.n ||
           got.ranges.n != job->ranges.n || got.lite.n != job->lite.n ||
           got.lite_hist.n != job->lite_hist.n || got.timeline.n != job->timeline.n ||
           got.sum_kernels.n != job->sum_kernels.n ||
           got.sum_ranges.n != job->sum_ranges.n || got.sum_lite.n != job->sum_lite.n ||
           (job->kernels.n && memcmp(got.kernels.v, job->kernels.v,
                                     job->kernels.n * sizeof(*job->kernels.v)) != 0) ||
           (job->sum_lite.n && got.sum_lite.v[0].p99_ns != job->sum_lite.v[0].p99_ns)) {
    fprintf(stderr, "make_report: read back: the tables differ from what was written\n");
    rc = -1;
  }
  wpio_job_free(&got);
  return rc;
}

static int usage(void) {
  fprintf(stderr, "usage: make_report OUT.h5 [--json EXPECTED.json] [--bulk N] [--degraded] [--read-back] "
                  "[--ranks N] [--scale NAME=F]... [--timeline] [--no-gpu] [--lite-only] [--mpi] [--lite-calls N] "
                  "[--seed N] [--defect KIND]...\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *out = NULL, *json = NULL;
  int bulk = 0, degraded = 0, check = 0, timeline = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) json = argv[++i];
    else if (strcmp(argv[i], "--ranks") == 0 && i + 1 < argc) nranks = (int)strtol(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--timeline") == 0) timeline = 1;
    else if (strcmp(argv[i], "--no-gpu") == 0) no_gpu = 1;
    else if (strcmp(argv[i], "--lite-only") == 0) lite_only = 1;
    else if (strcmp(argv[i], "--mpi") == 0) with_mpi = 1;
    else if (strcmp(argv[i], "--lite-calls") == 0 && i + 1 < argc) lite_calls = (int)strtol(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) lite_seed = strtoull(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc && nscales < MAX_SCALES &&
             strchr(argv[i + 1], '=')) {
      char *eq = strrchr(argv[++i], '=');
      *eq = '\0';
      scales[nscales].name = argv[i];
      scales[nscales++].factor = strtod(eq + 1, NULL);
    }
    else if (strcmp(argv[i], "--bulk") == 0 && i + 1 < argc) bulk = (int)strtol(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--degraded") == 0) degraded = 1;
    else if (strcmp(argv[i], "--read-back") == 0) check = 1;
    else if (strcmp(argv[i], "--defect") == 0 && i + 1 < argc && ndefects < 8) defects[ndefects++] = argv[++i];
    else if (!out) out = argv[i];
    else {
      return usage();
    }
  }
  if (!out || nranks < 1 || nranks > 1000000 || lite_calls < 1 || lite_calls > 10000000) {
    return usage();
  }
  struct wpio_job job;
  wpio_job_init(&job);
  char err[512];
  int rc = 0;
  if (build(&job, bulk, degraded, timeline) < 0) {
    fprintf(stderr, "make_report: cannot build the job\n");
    rc = 1;
  } else if (wpio_h5_write_report(&job, out, 0, err, sizeof err) < 0) {
    fprintf(stderr, "make_report: %s\n", err);
    rc = 1;
  } else if (json && dump_json(&job, json) < 0) {
    rc = 1;
  } else if (check && read_back(&job, out) < 0) {
    rc = 1;
  }
  wpio_job_free(&job);
  return rc;
}
