/* Benchmark: io's own HDF5 writer on the small report of a typical job (the stand-in: every
 * table of the schema with 100 rows, enum members, rank spans, /summary, 60 names, 20 attributes),
 * written whole to a temporary and renamed, median of RUNS writes. Target: <= 1 ms (issue 17). The
 * baseline is the floor of any writer: the same number of bytes written to a new file and renamed.
 *   bench_h5write [runs]   (default 200) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_common.h"
#include "wpio_h5write.h"
#include "wpio_hist.h"
#include "wpio_job.h"

#define RUNS 200
#define ROWS 100
#define NAMES 60

#define FILL(vec, ...) \
  do { \
    (vec).v = calloc(ROWS, sizeof *(vec).v); \
    (vec).n = (vec).cap = ROWS; \
    for (int i = 0; i < ROWS; i++) (vec).v[i] = (__typeof__(*(vec).v)){__VA_ARGS__}; \
  } while (0)

static void build(struct wpio_job *j) {
  for (int i = 0; i < NAMES; i++) {
    char name[96];
    snprintf(name, sizeof name, "void kernel_%d<float, 128>(float const*, float*, int)", i);
    wpio_strtab_intern(&j->names, name, strlen(name));
  }
  for (int i = 0; i < 20; i++) {
    char key[32], value[64];
    snprintf(key, sizeof key, i % 4 ? "attr_%d" : WPIO_META_PREFIX "attr_%d", i);
    snprintf(value, sizeof value, "value of attribute %d", i);
    if (i % 2) wpio_job_set_attr(j, key, value);
    else wpio_job_set_attr_int(j, key, i * 1000);
  }
  j->ranks.v = calloc(8, sizeof *j->ranks.v);
  for (int r = 0; r < 8; r++)
    j->ranks.v[r] = (struct wpio_rank_row){.rank = r, .hostname = strdup("node-001"), .pid = 1000 + r,
                                           .status = strdup(WPIO_STATUS_OK), .collected = 1};
  j->ranks.n = j->ranks.cap = 8;
  FILL(j->windows, .rank = i % 8, .window = i / 8, .start_ns = i * 1000, .end_ns = i * 1000 + 900, .steps = 10);
  FILL(j->kernels, .rank = i % 8, .window = i / 8, .name_id = (uint32_t)(i % NAMES), .kind = i % 5, .calls = i,
       .total_ns = i * 100u, .grid_x = 128, .block_x = 256, .graph_id = -1);
  FILL(j->ranges, .rank = i % 8, .name_id = (uint32_t)(i % NAMES), .calls = i, .cpu_total_ns = 5u * i);
  FILL(j->lite, .rank = i % 8, .name_id = (uint32_t)(i % NAMES), .calls = i, .total_ns = 7u * i, .p50_ns = 3);
  FILL(j->lite_hist, .rank = i % 8, .name_id = (uint32_t)(i % NAMES), .bucket = (uint32_t)(i % WPIO_HIST_BUCKETS),
       .count = 1);
  FILL(j->mpi, .rank = i % 8, .name_id = (uint32_t)(i % NAMES), .calls = i, .bytes = 8u * i);
  FILL(j->timeline, .rank = i % 8, .kind = i % 3, .name_id = (uint32_t)(i % NAMES), .start_ns = i, .end_ns = i + 5);
  FILL(j->memory, .rank = i % 8, .name_id = (uint32_t)(i % NAMES), .kind = i % 3, .allocations = i);
  FILL(j->stacks, .rank = i % 8, .stack_id = (uint32_t)(i % NAMES), .name_id = (uint32_t)(i % NAMES), .calls = i);
  FILL(j->breakdown, .rank = i % 8, .window = i / 8, .window_ns = 1000, .overlap_share = 0.5);
  FILL(j->launch_latency, .rank = i % 8, .name_id = (uint32_t)(i % NAMES), .calls = i, .p50_ns = 5);
  FILL(j->cupti_overhead, .rank = i % 8, .name_id = (uint32_t)(i % NAMES), .count = i);
  FILL(j->stragglers, .rank = i % 8, .window = i / 8, .instances = i);
  FILL(j->sum_kernels, .name_id = (uint32_t)(i % NAMES), .kind = i % 5, .calls = i, .imbalance = 1.25);
  FILL(j->sum_ranges, .name_id = (uint32_t)(i % NAMES), .kind = -1, .calls = i);
  FILL(j->sum_lite, .name_id = (uint32_t)(i % NAMES), .kind = -1, .calls = i, .p99_ns = 9);
  FILL(j->sum_mpi, .name_id = (uint32_t)(i % NAMES), .kind = -1, .calls = i, .bytes = 64);
  FILL(j->sum_memory, .name_id = (uint32_t)(i % NAMES), .allocations = i, .peak_rank = i % 8);
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : RUNS;
  if (runs < 1 || runs > 100000) runs = RUNS;
  char dir[] = "/tmp/wprof-bench-h5w-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char path[256], raw[256], tmp[256], err[256];
  snprintf(path, sizeof path, "%s/report.h5", dir);
  snprintf(raw, sizeof raw, "%s/raw.bin", dir);
  snprintf(tmp, sizeof tmp, "%s/raw.tmp", dir);
  struct wpio_job job;
  wpio_job_init(&job);
  build(&job);
  double *w = malloc((size_t)runs * sizeof *w), *b = malloc((size_t)runs * sizeof *b);
  if (!w || !b) return 1;
  int failed = 0;
  for (int i = 0; i < runs && !failed; i++) {
    uint64_t t0 = bench_now_ns();
    failed = wpio_h5_write_report(&job, path, WPIO_H5_OVERWRITE, err, sizeof err) != 0;
    w[i] = (double)(bench_now_ns() - t0);
  }
  if (failed) {
    fprintf(stderr, "bench_h5write: %s\n", err);
    return 1;
  }
  struct stat st;
  size_t size = stat(path, &st) == 0 ? (size_t)st.st_size : 0;
  char *bytes = calloc(1, size ? size : 1);
  for (int i = 0; i < runs; i++) {
    uint64_t t0 = bench_now_ns();
    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || write(fd, bytes, size) != (ssize_t)size || close(fd) != 0 || rename(tmp, raw) != 0) failed = 1;
    b[i] = (double)(bench_now_ns() - t0);
  }
  double wm = bench_median(w, runs), bm = bench_median(b, runs);
  printf("small report (%zu bytes, 19 tables of %d rows, %d names): written in %.3f ms (median of %d), "
         "the same bytes written and renamed in %.3f ms\n", size, ROWS, NAMES, wm / 1e6, runs, bm / 1e6);
  int pass = bench_report("report write, small report (own HDF5 writer, median)", wm, bm, 1e6, 0);
  unlink(path), unlink(raw), rmdir(dir);
  free(bytes), free(w), free(b);
  wpio_job_free(&job);
  return failed || (runs >= 10 && !pass); /* a smoke run (a few writes) checks only that it works */
}
