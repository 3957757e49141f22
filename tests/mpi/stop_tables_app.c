/* Tables at stop (WPROF_PRINT, WPROF_TABLE_DIR): windows of steps with more range and lite names than
 * a top 5 shows, of different lengths, so the printed top N is a real choice.
 *   stop_tables_app [--windows W] [--iters N] [--work-us U]
 * Per iteration, for i in 0..7: range "region_i" { scope "lite_i" (i < 7) { spin (i+1)*U us } }, then
 * MPI_Barrier and wprof_step. Each window is wprof_start, N iterations, wprof_stop. Each rank prints
 * the mean and largest time its wprof_stop calls took (what a stop costs the program). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wprof/wprof.h>

#define N_REGIONS 8
#define N_LITE 7

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void spin_us(long us) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do clock_gettime(CLOCK_MONOTONIC, &t);
  while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  long windows = 3, iters = 3, work_us = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--windows")) windows = strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--iters")) iters = strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--work-us")) work_us = strtol(argv[i + 1], NULL, 10);
  }
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (wprof_init() != WPROF_OK) fprintf(stderr, "stop_tables_app: wprof_init failed\n");
  char name[32];
  int lite[N_LITE];
  for (int i = 0; i < N_LITE; i++) {
    snprintf(name, sizeof name, "lite_%d", i);
    lite[i] = wprof_scope_id(name);
  }
  double stop_total_ms = 0, stop_max_ms = 0;
  for (long w = 0; w < windows; w++) {
    wprof_start();
    for (long it = 0; it < iters; it++) {
      for (int i = 0; i < N_REGIONS; i++) {
        snprintf(name, sizeof name, "region_%d", i);
        wprof_range_push(name);
        if (i < N_LITE) wprof_scope_begin(lite[i]);
        spin_us(work_us * (i + 1));
        if (i < N_LITE) wprof_scope_end(lite[i]);
        wprof_range_pop();
      }
      MPI_Barrier(MPI_COMM_WORLD);
      wprof_step();
    }
    double t0 = now_ms();
    wprof_stop();
    double took = now_ms() - t0;
    stop_total_ms += took;
    if (took > stop_max_ms) stop_max_ms = took;
  }
  printf("stop_tables_app rank %d: wprof_stop mean %.3f ms max %.3f ms over %ld stops\n", rank,
         windows ? stop_total_ms / (double)windows : 0.0, stop_max_ms, windows);
  int status = wprof_finalize();
  printf("stop_tables_app rank %d: wprof_finalize: %s\n", rank, wprof_strerror(status));
  MPI_Finalize();
  return status == WPROF_OK ? 0 : 1;
}
