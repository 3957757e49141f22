/* The program bench_finalize runs with and without wprof: per rank 1000 lite scopes and 1000 ranges
 * in each of 3 windows, then MPI_Finalize. Built twice: linked with libwprof (the MPI_Init and
 * MPI_Finalize wrappers start wprof and write the report), and with -DFINALIZE_APP_PLAIN, where the
 * wprof calls are empty and nothing but MPI is linked. Rank 0 prints the wall time from the start
 * of main to the return of MPI_Finalize. */
#include <mpi.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#ifdef FINALIZE_APP_PLAIN
static int wprof_scope_id(const char *name) { return (int)name[0]; }
static void wprof_scope_begin(int id) { (void)id; }
static void wprof_scope_end(int id) { (void)id; }
static void wprof_range_push(const char *name) { (void)name; }
static void wprof_range_pop(void) {}
static int wprof_start(void) { return 0; }
static int wprof_step(void) { return 0; }
static int wprof_stop(void) { return 0; }
#else
#include "wprof/wprof.h"
#endif

#define SCOPES 1000
#define RANGES 1000
#define WINDOWS 3

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of this process, all threads (wprof's own threads included): on a shared machine the
 * wall time of a few milliseconds drowns in scheduling noise, CPU time much less. */
static uint64_t cpu_ns(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
         (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

static volatile uint64_t sink;

static void work(int i) {
  for (int k = 0; k < 20; k++) sink += (uint64_t)(i * k);
}

int main(int argc, char **argv) {
  uint64_t t0 = now_ns();
  MPI_Init(&argc, &argv);
  int rank;
  uint64_t t_init = now_ns();
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  static int ids[SCOPES];
  static char names[RANGES][32];
  for (int i = 0; i < SCOPES; i++) {
    char name[32];
    snprintf(name, sizeof name, "scope_%04d", i);
    ids[i] = wprof_scope_id(name);
  }
  for (int i = 0; i < RANGES; i++) snprintf(names[i], sizeof names[i], "range_%04d", i);
  for (int w = 0; w < WINDOWS; w++) {
    wprof_start();
    for (int step = 0; step < 2; step++) {
      for (int i = 0; i < SCOPES; i++) {
        wprof_scope_begin(ids[i]);
        work(i);
        wprof_scope_end(ids[i]);
      }
      for (int i = 0; i < RANGES; i++) {
        wprof_range_push(names[i]);
        work(i);
        wprof_range_pop();
      }
      MPI_Barrier(MPI_COMM_WORLD);
      wprof_step();
    }
    wprof_stop();
  }
  uint64_t t_fin = now_ns();
  MPI_Finalize();
  uint64_t t1 = now_ns();
  if (rank == 0)
    printf("ELAPSED_NS %llu INIT_NS %llu FINALIZE_NS %llu CPU_NS %llu\n", (unsigned long long)(t1 - t0),
           (unsigned long long)(t_init - t0), (unsigned long long)(t1 - t_fin), (unsigned long long)cpu_ns());
  return 0;
}
