/* Benchmark: the added cost of an intercepted MPI call (wprof's wrapper: window lookup, two TSC reads,
 * the per-thread cell update) against the same call made through PMPI_ directly, in the same run;
 * MPI_Comm_rank (tiny, so the wrapper dominates) and a 1-int MPI_Allreduce on a world of one. */
#include <ftw.h>
#include <mpi.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_common.h"

#define CALLS 2000000
#define TARGET_NS 60.0

static int sink;

static void rank_wrapped(void) { MPI_Comm_rank(MPI_COMM_WORLD, &sink); }
static void rank_direct(void) { PMPI_Comm_rank(MPI_COMM_WORLD, &sink); }
static void allreduce_wrapped(void) {
  int x = 1;
  MPI_Allreduce(&x, &sink, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
}
static void allreduce_direct(void) {
  int x = 1;
  PMPI_Allreduce(&x, &sink, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
}

static double loop_ns(void (*fn)(void), int calls) {
  uint64_t t0 = bench_now_ns();
  for (int i = 0; i < calls; i++) fn();
  return (double)(bench_now_ns() - t0) / calls;
}

/* Medians of alternating repetitions, so drift hits both sides alike. */
static void medians(void (*wrapped)(void), void (*direct)(void), int calls, double *value, double *baseline) {
  double v[BENCH_REPS], b[BENCH_REPS];
  for (int r = 0; r < BENCH_REPS; r++) {
    v[r] = loop_ns(wrapped, calls);
    b[r] = loop_ns(direct, calls);
  }
  *value = bench_median(v, BENCH_REPS);
  *baseline = bench_median(b, BENCH_REPS);
}

static int report_added(const char *figure, double wrapped, double direct) {
  double added = wrapped - direct;
  int pass = added <= TARGET_NS;
  printf("BENCH %s|%.1f ns|%.1f ns (PMPI_ direct)|-|<= %.0f ns|%s\n", figure, added, direct, TARGET_NS,
         pass ? "PASS" : "FAIL");
  return pass;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) { return remove(path); }

int main(int argc, char **argv) {
  char dir[] = "/tmp/wprof-bench-XXXXXX", out[64];
  if (!mkdtemp(dir)) return 1;
  snprintf(out, sizeof out, "%s/report.h5", dir);
  setenv("WPROF_OUTPUT", out, 1); /* the report the MPI_Finalize wrapper writes goes to scratch */
  setenv("WPROF_BACKEND", "host", 1);
  setenv("WPROF_LOG", "error", 1);
  MPI_Init(&argc, &argv); /* the wrapper initialises wprof: calls are counted from here on */
  double rw, rd, aw, ad;
  medians(rank_wrapped, rank_direct, CALLS, &rw, &rd);
  medians(allreduce_wrapped, allreduce_direct, CALLS / 4, &aw, &ad);
  MPI_Finalize();
  nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  report_added("MPI_Comm_rank added cost per intercepted call", rw, rd);
  report_added("MPI_Allreduce (1 int, 1 rank) added cost per intercepted call", aw, ad);
  return 0;
}
