/* Scale of `wprof report --breakdown` (issue 9: <= 5 s at 4096 ranks). Writes a synthetic report of
 * `ranks` ranks with bench_scale's per-rank load (1000 kernel rows, 1000 range rows in window 0) plus
 * `windows` windows per rank, each with a /breakdown row, 20 /launch_latency rows and 4 /mpi rows,
 * then times `wprof report FILE --breakdown` (wall, the whole command: read + format).
 *   analysis_scale WPROF_BIN OUT.h5 [ranks [windows]]      (default 4096 ranks, 10 windows)
 * Exit status: that of `wprof report`, so a smoke test at a few ranks checks it runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "wpio_h5.h"
#include "wpio_job.h"

#define KERNELS 1000
#define RANGES 1000
#define LATENCY_NAMES 20
#define MPI_NAMES 4

static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static uint32_t intern(struct wpio_job *j, const char *fmt, int i) {
  char name[64];
  snprintf(name, sizeof name, fmt, i);
  return wpio_strtab_intern(&j->names, name, strlen(name));
}

static int add_window(struct wpio_job *j, int rank, int w) {
  int64_t len = 10000000 + (int64_t)(mix((uint64_t)rank << 20 | (uint64_t)w) % 1000000);
  struct wpio_window_row *win = WPIO_VEC_PUSH(j->windows);
  struct wpio_breakdown_row *b = WPIO_VEC_PUSH(j->breakdown);
  if (!win || !b) return -1;
  *win = (struct wpio_window_row){rank, w, (int64_t)w * 20000000, (int64_t)w * 20000000 + len, 1, 0};
  int64_t compute = len / 2, comm = len / 5, memory = len / 20, overlap = comm / 3 + rank % 7 * 1000;
  int64_t busy = compute + comm + memory - overlap, mpi = len / 10 + rank % 13 * 1000;
  *b = (struct wpio_breakdown_row){rank, w, len, busy, compute, memory, comm, len - busy, overlap,
                                   (double)overlap / (double)comm, mpi, len - mpi};
  for (int i = 0; i < LATENCY_NAMES; i++) {
    struct wpio_launch_latency_row *l = WPIO_VEC_PUSH(j->launch_latency);
    if (!l) return -1;
    *l = (struct wpio_launch_latency_row){rank, w, intern(j, "kernel_%04d", i), 100, 5000 + (uint64_t)i, 90000};
  }
  for (int i = 0; i < MPI_NAMES; i++) {
    struct wpio_mpi_row *m = WPIO_VEC_PUSH(j->mpi);
    if (!m) return -1;
    *m = (struct wpio_mpi_row){rank, w, intern(j, "MPI_%d", i), 10, (uint64_t)mpi / MPI_NAMES, 1000, 9000, 0};
  }
  return 0;
}

static int add_rank(struct wpio_job *j, int rank, int windows) {
  struct wpio_rank_row *r = WPIO_VEC_PUSH(j->ranks);
  if (!r) return -1;
  *r = (struct wpio_rank_row){.rank = rank, .hostname = strdup("node"), .status = strdup(WPIO_STATUS_OK),
                              .pid = rank, .device = 0, .collected = 1};
  for (int w = 0; w < windows; w++)
    if (add_window(j, rank, w) != 0) return -1;
  for (int i = 0; i < KERNELS; i++) {
    struct wpio_kernel_row *k = WPIO_VEC_PUSH(j->kernels);
    if (!k) return -1;
    *k = (struct wpio_kernel_row){.rank = rank, .window = 0, .name_id = intern(j, "kernel_%04d", i), .calls = 10,
                                  .total_ns = 10000 + mix((uint64_t)rank * KERNELS + (uint64_t)i) % 5000,
                                  .min_ns = 900, .max_ns = 1100, .graph_id = -1};
  }
  for (int i = 0; i < RANGES; i++) {
    struct wpio_range_row *g = WPIO_VEC_PUSH(j->ranges);
    if (!g) return -1;
    *g = (struct wpio_range_row){.rank = rank, .window = 0, .name_id = intern(j, "range_%04d", i), .calls = 5,
                                 .cpu_total_ns = 50000, .cpu_self_ns = 25000};
  }
  if (rank % 64 == 0) { /* a few ranks with CUPTI overhead rows */
    struct wpio_cupti_overhead_row *o = WPIO_VEC_PUSH(j->cupti_overhead);
    if (!o) return -1;
    *o = (struct wpio_cupti_overhead_row){rank, intern(j, "cupti_buffer_flush", 0), 3, 15000};
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: analysis_scale WPROF_BIN OUT.h5 [ranks [windows]]\n");
    return 2;
  }
  int ranks = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 4096, windows = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 10;
  struct wpio_job job;
  wpio_job_init(&job);
  if (wpio_job_set_attr_int(&job, "world_size", ranks) || wpio_job_set_attr(&job, "sync", "ok") ||
      wpio_job_set_attr(&job, "backend", "cupti"))
    return 1;
  for (int r = 0; r < ranks; r++)
    if (add_rank(&job, r, windows) != 0) {
      fprintf(stderr, "analysis_scale: out of memory\n");
      return 1;
    }
  char err[256];
  if (wpio_job_summarize(&job) != 0 || wpio_h5_write_report(&job, argv[2], 0, err, sizeof err) != 0) {
    fprintf(stderr, "analysis_scale: cannot write %s: %s\n", argv[2], err);
    return 1;
  }
  size_t rows = job.kernels.n + job.ranges.n + job.windows.n + job.breakdown.n + job.launch_latency.n + job.mpi.n;
  wpio_job_free(&job);
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' report '%s' --breakdown > /dev/null", argv[1], argv[2]);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int st = system(cmd);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("wprof report --breakdown: %d ranks x %d windows (%zu rows): %.2f s wall\n", ranks, windows, rows, s);
  return st == 0 ? 0 : 1;
}
