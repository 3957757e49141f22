/* `wprof report --breakdown`: issue 9's time breakdown. Across ranks, per window, each share of the
 * window (GPU busy, compute, memory, comm, idle, host in MPI, host outside MPI) and the share of comm
 * overlapped with compute as mean / min / max over ranks (with the ranks holding min and max); with
 * --rank R, that rank's /breakdown rows. Then CUPTI's overhead per kind, and the ranks where another
 * tool held CUPTI. One sort of the rows by window, then one pass: linear in the rows after that. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_format_internal.h"

enum { M_BUSY, M_COMPUTE, M_MEMORY, M_COMM, M_IDLE, M_OVERLAP, M_MPI, M_OUTSIDE, M_COUNT };
static const char *const metric_name[M_COUNT] = {"gpu_busy", "compute", "memory", "comm", "gpu_idle",
                                                 "comm_overlapped", "host_mpi", "host_outside_mpi"};

/* The share of metric m in a row (of the window, or of comm for the overlap); -1: not defined. */
static double share_of(const struct wpio_breakdown_row *r, int m) {
  if (m == M_OVERLAP) return r->comm_ns > 0 ? r->overlap_share : -1.0;
  if (r->window_ns <= 0) return -1.0;
  int64_t v[M_COUNT] = {r->gpu_busy_ns, r->compute_ns, r->memory_ns, r->comm_ns, r->gpu_idle_ns, 0,
                        r->host_mpi_ns, r->host_outside_mpi_ns};
  return (double)v[m] / (double)r->window_ns;
}

struct stat { double sum, min, max; int32_t min_rank, max_rank; uint32_t n; };

static void stat_add(struct stat *s, double v, int32_t rank) {
  if (v < 0) return;
  if (s->n == 0 || v < s->min) s->min = v, s->min_rank = rank;
  if (s->n == 0 || v > s->max) s->max = v, s->max_rank = rank;
  s->sum += v;
  s->n++;
}

static const struct wpio_breakdown_row *sort_rows;
static int by_window_rank(const void *a, const void *b) {
  const struct wpio_breakdown_row *x = &sort_rows[*(const size_t *)a], *y = &sort_rows[*(const size_t *)b];
  if (x->window != y->window) return x->window < y->window ? -1 : 1;
  return (x->rank > y->rank) - (x->rank < y->rank);
}

static void print_window(FILE *out, int32_t window, uint32_t ranks, int64_t mean_window_ns, const struct stat *st,
                         int csv) {
  char w[48];
  if (!csv) {
    wpio_format_time(w, sizeof w, (double)mean_window_ns);
    fprintf(out, "window %d: %u ranks, mean length %s\n", (int)window, ranks, w);
    fprintf(out, "  %-18s %8s %8s %8s  %8s %8s\n", "share", "mean", "min", "max", "min rank", "max rank");
  }
  for (int m = 0; m < M_COUNT; m++) {
    const struct stat *s = &st[m];
    if (csv) {
      if (s->n)
        fprintf(out, "breakdown,all ranks,%d,%s,%u,%.6f,%.6f,%.6f,%d,%d\n", (int)window, metric_name[m], s->n,
                s->sum / s->n, s->min, s->max, (int)s->min_rank, (int)s->max_rank);
      continue;
    }
    if (!s->n) {
      fprintf(out, "  %-18s %8s\n", metric_name[m], "-");
      continue;
    }
    fprintf(out, "  %-18s %7.1f%% %7.1f%% %7.1f%%  %8d %8d\n", metric_name[m], 100 * s->sum / s->n, 100 * s->min,
            100 * s->max, (int)s->min_rank, (int)s->max_rank);
  }
}

static int print_cross_rank(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o, int csv) {
  size_t n = job->breakdown.n, *idx = malloc((n ? n : 1) * sizeof *idx);
  if (!idx) return -1;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (o->window < 0 || job->breakdown.v[i].window == o->window) idx[k++] = i;
  sort_rows = job->breakdown.v;
  qsort(idx, k, sizeof *idx, by_window_rank);
  if (csv) fputs("table,scope,window,share,ranks,mean,min,max,min_rank,max_rank\n", out);
  for (size_t i = 0; i < k;) {
    int32_t window = job->breakdown.v[idx[i]].window;
    struct stat st[M_COUNT];
    memset(st, 0, sizeof st);
    uint32_t ranks = 0;
    double window_sum = 0;
    for (; i < k && job->breakdown.v[idx[i]].window == window; i++, ranks++) {
      const struct wpio_breakdown_row *r = &job->breakdown.v[idx[i]];
      window_sum += (double)r->window_ns;
      for (int m = 0; m < M_COUNT; m++) stat_add(&st[m], share_of(r, m), r->rank);
    }
    print_window(out, window, ranks, (int64_t)(window_sum / ranks), st, csv);
  }
  if (k == 0 && !csv) fputs("  (no /breakdown rows)\n", out);
  free(idx);
  return 0;
}

static int print_rank(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o, int csv) {
  static const char *const heads[] = {"window", "window_ns", "gpu_busy_ns", "compute_ns", "memory_ns", "comm_ns",
                                      "gpu_idle_ns", "comm_overlap_ns", "overlap_share", "host_mpi_ns",
                                      "host_outside_mpi_ns"};
  if (csv) {
    fputs("table,scope", out);
    for (size_t c = 0; c < WPIO_NCOLS(heads); c++) fprintf(out, ",%s", heads[c]);
    fputc('\n', out);
  } else {
    fprintf(out, "  %6s %12s %12s %12s %12s %12s %12s %12s %8s %12s %12s\n", "window", "window", "gpu busy",
            "compute", "memory", "comm", "gpu idle", "overlap", "overlap%", "host MPI", "outside MPI");
  }
  for (size_t i = 0; i < job->breakdown.n; i++) {
    const struct wpio_breakdown_row *r = &job->breakdown.v[i];
    if (r->rank != o->rank || (o->window >= 0 && r->window != o->window)) continue;
    int64_t v[] = {r->window_ns, r->gpu_busy_ns, r->compute_ns, r->memory_ns, r->comm_ns, r->gpu_idle_ns,
                   r->comm_overlap_ns};
    if (csv) {
      fprintf(out, "breakdown,rank %d,%d", o->rank, (int)r->window);
      for (size_t c = 0; c < 7; c++) fprintf(out, ",%" PRId64, v[c]);
      fprintf(out, ",%.6f,%" PRId64 ",%" PRId64 "\n", r->overlap_share, r->host_mpi_ns, r->host_outside_mpi_ns);
      continue;
    }
    fprintf(out, "  %6d", (int)r->window);
    char t[48];
    for (size_t c = 0; c < 7; c++) {
      wpio_format_time(t, sizeof t, (double)v[c]);
      fprintf(out, " %12s", t);
    }
    fprintf(out, " %7.1f%%", 100 * r->overlap_share);
    wpio_format_time(t, sizeof t, (double)r->host_mpi_ns);
    fprintf(out, " %12s", t);
    wpio_format_time(t, sizeof t, (double)r->host_outside_mpi_ns);
    fprintf(out, " %12s\n", t);
  }
  return 0;
}

/* CUPTI's own overhead per kind over the ranks in scope, and the ranks where another tool held CUPTI. */
static void print_cupti(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o, int csv) {
  size_t others = 0;
  for (size_t i = 0; i < job->cupti_overhead.n; i++) {
    const struct wpio_cupti_overhead_row *r = &job->cupti_overhead.v[i];
    if (o->rank >= 0 && r->rank != o->rank) continue;
    const char *kind = r->name_id < job->names.n ? job->names.s[r->name_id] : "?";
    if (strcmp(kind, WPIO_CUPTI_OTHER_SUBSCRIBER) == 0) {
      if (!csv) fprintf(out, "%s%d", others++ ? ", " : "CUPTI was in use by another tool (another subscriber) on rank ", (int)r->rank);
      else fprintf(out, "cupti,rank %d,%s,1,0\n", (int)r->rank, kind);
      continue;
    }
    if (csv) {
      fprintf(out, "cupti,rank %d,%s,%" PRIu64 ",%" PRIu64 "\n", (int)r->rank, kind, r->count, r->total_ns);
    } else if (!strcmp(kind, WPIO_CUPTI_CORRELATION_LOST) || !strcmp(kind, WPIO_CUPTI_INCOMPLETE) ||
               !strcmp(kind, WPIO_CUPTI_UNCORRELATED) || !strcmp(kind, WPIO_CUPTI_NO_RECORD) ||
               !strcmp(kind, WPIO_CUPTI_TRUNCATED)) {
      fprintf(out, "CUPTI records without attribution, rank %d: %s %" PRIu64 "\n", (int)r->rank, kind, r->count);
    } else {
      char t[48];
      wpio_format_time(t, sizeof t, (double)r->total_ns);
      fprintf(out, "CUPTI overhead, rank %d: %s %" PRIu64 " x, %s\n", (int)r->rank, kind, r->count, t);
    }
  }
  if (others && !csv) fputs(": no GPU activity from those ranks\n", out);
}

int wpio_format_breakdown(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o) {
  int csv = o->format == WPIO_OUT_CSV;
  if (!csv) {
    if (o->rank < 0) fputs("Time breakdown, all ranks: shares of each window (overlap: of comm)", out);
    else fprintf(out, "Time breakdown, rank %d", o->rank);
    if (o->window >= 0) fprintf(out, " (window %d)\n", o->window);
    else fputs(" (all windows)\n", out);
  }
  int rc = o->rank < 0 ? print_cross_rank(out, job, o, csv) : print_rank(out, job, o, csv);
  if (rc == 0) print_cupti(out, job, o, csv);
  if (!csv) fputc('\n', out);
  return rc;
}
