/* Benchmark of /stragglers at scale without a cluster: RANKS synthetic ranks (default 4096), each with
 * WINDOWS windows of CALLS collective calls + 2 sync points (rank 7 always last) and 200 /kernels rows
 * so the report is not trivially small, packed with the wire format, then rank 0's real path: decode +
 * merge (wpr_report_assemble, which folds the arrivals rank by rank), the rows (wpio_job_stragglers),
 * summaries and the HDF5 writer. Peak RSS includes every rank's packed buffer, held at once here (the
 * real finalize gathers them in batches under WPROF_GATHER_MAX_MB). Prints the stages' times and peak RSS; checks rank 7 is the straggler everywhere.
 *   stragglers_bench [RANKS [CALLS [REPORT.h5]]]   (the report is kept when a path is given, so
 *   `wprof report REPORT.h5 --stragglers` can be timed on it) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "report_merge.h"
#include "wpio_h5.h"
#include "wpio_job.h"
#include "wpio_wire.h"

#define WINDOWS 2
#define KERNELS 200
#define SLOW 7

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int make_rank(int rank, int world, int calls, struct wpio_job *j) {
  struct wpio_rank_row *r = WPIO_VEC_PUSH(j->ranks);
  if (!r) return -1;
  *r = (struct wpio_rank_row){.rank = rank, .hostname = strdup("node"), .status = strdup(WPIO_STATUS_OK),
                              .pid = rank, .device = -1, .collected = 1};
  if (wpio_job_set_attr_int(j, "world_size", world) || wpio_job_set_attr(j, "sync", "ok")) return -1;
  char name[32];
  for (int k = 0; k < KERNELS; k++) {
    struct wpio_kernel_row *kr = WPIO_VEC_PUSH(j->kernels);
    if (!kr) return -1;
    snprintf(name, sizeof name, "kernel_%03d", k);
    *kr = (struct wpio_kernel_row){.rank = rank, .window = 0, .name_id = wpio_strtab_intern(&j->names, name, strlen(name)),
                                   .calls = 10, .total_ns = 1000 + (uint64_t)rank, .min_ns = 90, .max_ns = 110,
                                   .graph_id = -1};
  }
  if (WPIO_VEC_RESERVE(j->strag_events, (size_t)WINDOWS * ((size_t)calls + 2))) return -1;
  for (int w = 0; w < WINDOWS; w++) {
    struct wpio_window_row *wr = WPIO_VEC_PUSH(j->windows);
    if (!wr) return -1;
    *wr = (struct wpio_window_row){rank, w, 0, 1000000000, calls, 0};
    for (int c = -2; c < calls; c++) { /* c < 0: the two sync points */
      int64_t at = (int64_t)(w * (calls + 2) + c + 2) * 1000000;
      int64_t entry = at + (rank == SLOW ? 500000 : rank % 1000);
      j->strag_events.v[j->strag_events.n++] = (struct wpio_strag_event){
          rank, w, c < 0 ? WPIO_STRAG_SYNC : 3, (uint32_t)(c < 0 ? c + 2 : c), entry, at + 600000};
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  int ranks = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 4096;
  int calls = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 100;
  const char *keep = argc > 3 ? argv[3] : NULL;
  if (ranks < SLOW + 1 || calls < 1) return 2;
  uint8_t **bufs = calloc((size_t)ranks, sizeof *bufs);
  size_t *lens = calloc((size_t)ranks, sizeof *lens);
  if (!bufs || !lens) return 1;
  for (int r = 0; r < ranks; r++) {
    struct wpio_job mine;
    wpio_job_init(&mine);
    int rc = make_rank(r, ranks, calls, &mine) == 0 && wpio_encode(&mine, &bufs[r], &lens[r]) == 0 ? 0 : -1;
    wpio_job_free(&mine);
    if (rc) return 1;
  }
  struct wpio_job job;
  wpio_job_init(&job);
  double t0 = now_s();
  wpr_report_assemble(&job, bufs, lens, ranks);
  for (int r = 0; r < ranks; r++) free(bufs[r]);
  free(bufs);
  free(lens);
  size_t events = (size_t)ranks * WINDOWS * ((size_t)calls + 2); /* folded as merged, not kept */
  double t1 = now_s();
  if (wpio_job_stragglers(&job) != 0) return 1;
  double t2 = now_s();
  if (wpio_job_summarize(&job) != 0) return 1;
  char path[256], err[512];
  snprintf(path, sizeof path, "%s", keep ? keep : "/tmp/wprof-stragglers-bench.h5");
  if (wpio_h5_write_report(&job, path, WPIO_H5_OVERWRITE, err, sizeof err) != 0) {
    fprintf(stderr, "stragglers_bench: %s\n", err);
    return 1;
  }
  double t3 = now_s();
  int ok = job.stragglers.n == (size_t)ranks * WINDOWS;
  for (size_t i = 0; i < job.stragglers.n; i++) {
    const struct wpio_straggler_row *s = &job.stragglers.v[i];
    if (s->rank == SLOW) ok &= s->arrived_last == (uint64_t)calls + 2 && s->waited_ns == 0;
    else ok &= s->arrived_last == 0 && s->instances == (uint64_t)calls + 2;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("stragglers_bench: %d ranks x %d windows x (%d calls + 2 sync points) = %zu arrivals: decode+merge+fold %.2f s, "
         "stragglers %.3f s, summaries+HDF5 write %.2f s; %zu /stragglers rows; peak RSS %.0f MB; %s\n",
         ranks, WINDOWS, calls, events, t1 - t0, t2 - t1, t3 - t2, job.stragglers.n, ru.ru_maxrss / 1024.0,
         ok ? "rank 7 is the straggler of every instance" : "WRONG ANSWER");
  wpio_job_free(&job);
  if (!keep) remove(path);
  return ok ? 0 : 1;
}
