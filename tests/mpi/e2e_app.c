/* A configurable MPI application for the end-to-end tests: windows of steps with lite scopes and
 * nested ranges, and ways to misbehave (a rank that never starts, per-rank settings, a rank that is
 * late to stop or to finalize, a rank killed after its first window).
 *   e2e_app [--iters N] [--windows W] [--skip-start-rank R] [--rank-env R:NAME=VALUE]...
 *           [--work-us U] [--barrier 0|1] [--late-rank R --late-ms M --late-at stop|finalize]
 *           [--kill-rank R] [--skip-window-rank R] [--fail-start-rank R] [--reset-iters 0|1]
 *           [--kill-open-rank R --kill-after-steps S]
 * Per iteration: range "step" { range "inner" { scope "work" } }, then MPI_Barrier (unless
 * --barrier 0, which lets ranks drift apart: rank r works (r+1) times longer), then wprof_step.
 * --late-rank sleeps M ms before its stop of every window (or before wprof_finalize); --kill-rank
 * raises SIGKILL right after its first wprof_stop, as a crash would; --kill-open-rank raises it in the
 * last window, still open, right after its S-th wprof_step; --skip-window-rank makes no window
 * call in window 0 (it still steps and joins the barriers); --fail-start-rank makes that rank's
 * collectors fail to start in window 0 (a test hook); --reset-iters 1 calls wprof_set_window_iters(-1, -1)
 * after wprof_init on every rank (back to the environment's delay and max). Each rank prints the time it spent in
 * wprof_start/step/stop ("window calls") and in wprof_finalize. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wprof/wprof.h>

int wprof__fail_starts(int n); /* a test hook of libwprof (runtime/api/wprof_testing.h) */

struct options {
  long iters, windows, work_us;
  int skip_start_rank, barrier;
  int late_rank, late_at_finalize, kill_rank, skip_window_rank, fail_start_rank, reset_iters;
  int kill_open_rank;
  long kill_after_steps;
  long late_ms;
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double in_wprof_ms;  /* time spent in the window calls */
static double longest_ms;   /* the longest of them */

/* A window call, timed. */
static void timed(int (*call)(void)) {
  double t0 = now_ms();
  call();
  double dt = now_ms() - t0;
  in_wprof_ms += dt;
  if (dt > longest_ms) longest_ms = dt;
}

static void sleep_ms(long ms) {
  struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep(&t, &t) != 0) {}
}

static void spin_us(long us) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do clock_gettime(CLOCK_MONOTONIC, &t);
  while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

/* --rank-env R:NAME=VALUE sets NAME on rank R before wprof_init reads the environment. */
static void apply_rank_env(const char *spec, int rank) {
  char *end = NULL;
  long r = strtol(spec, &end, 10);
  if (end == spec || *end != ':' || r != rank) return;
  char buf[512];
  snprintf(buf, sizeof(buf), "%s", end + 1);
  char *eq = strchr(buf, '=');
  if (!eq) return;
  *eq = '\0';
  setenv(buf, eq + 1, 1);
}

static void parse(int argc, char **argv, int rank, struct options *o) {
  o->iters = 6; o->windows = 2; o->work_us = 200; o->skip_start_rank = -1; o->barrier = 1;
  o->late_rank = -1; o->late_ms = 0; o->late_at_finalize = 0; o->kill_rank = -1;
  o->skip_window_rank = -1;
  o->fail_start_rank = -1;
  o->reset_iters = 0;
  o->kill_open_rank = -1;
  o->kill_after_steps = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--iters")) o->iters = strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--windows")) o->windows = strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--work-us")) o->work_us = strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--skip-start-rank")) o->skip_start_rank = (int)strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--barrier")) o->barrier = (int)strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--rank-env")) apply_rank_env(argv[i + 1], rank);
    else if (!strcmp(argv[i], "--late-rank")) o->late_rank = (int)strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--late-ms")) o->late_ms = strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--late-at")) o->late_at_finalize = !strcmp(argv[i + 1], "finalize");
    else if (!strcmp(argv[i], "--kill-rank")) o->kill_rank = (int)strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--skip-window-rank")) o->skip_window_rank = (int)strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--fail-start-rank")) o->fail_start_rank = (int)strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--reset-iters")) o->reset_iters = (int)strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--kill-open-rank")) o->kill_open_rank = (int)strtol(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--kill-after-steps")) o->kill_after_steps = strtol(argv[i + 1], NULL, 10);
    else fprintf(stderr, "e2e_app: unknown option %s\n", argv[i]);
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  struct options o;
  parse(argc, argv, rank, &o);

  if (wprof_init() != WPROF_OK) fprintf(stderr, "e2e_app: wprof_init failed\n");
  if (rank == o.fail_start_rank) wprof__fail_starts(1);
  /* "the environment's delay and max", as a library layer might say on every rank after init */
  if (o.reset_iters && wprof_set_window_iters(-1, -1) != WPROF_OK)
    fprintf(stderr, "e2e_app: wprof_set_window_iters failed\n");
  int work = wprof_scope_id("work");
  for (long w = 0; w < o.windows; w++) {
    int starts = rank != o.skip_start_rank && !(w == 0 && rank == o.skip_window_rank);
    if (starts) timed(wprof_start);
    for (long i = 0; i < o.iters; i++) {
      wprof_range_push("step");
      wprof_range_push("inner");
      wprof_scope_begin(work);
      spin_us(o.work_us * (1 + rank));
      wprof_scope_end(work);
      wprof_range_pop();
      wprof_range_pop();
      if (o.barrier) MPI_Barrier(MPI_COMM_WORLD);
      if (starts) timed(wprof_step);
      if (rank == o.kill_open_rank && w == o.windows - 1 && i + 1 == o.kill_after_steps) {
        fprintf(stderr, "e2e_app rank %d: killing myself in open window %ld after %ld steps\n", rank, w, i + 1);
        raise(SIGKILL);
      }
    }
    if (rank == o.late_rank && !o.late_at_finalize) sleep_ms(o.late_ms);
    if (starts) timed(wprof_stop);
    if (rank == o.kill_rank) {
      fprintf(stderr, "e2e_app rank %d: killing myself after window %ld\n", rank, w);
      raise(SIGKILL);
    }
  }
  if (rank == o.late_rank && o.late_at_finalize) sleep_ms(o.late_ms);
  double t0 = now_ms();
  int status = wprof_finalize();
  double fin_ms = now_ms() - t0;
  printf("e2e_app rank %d: wprof_finalize: %s\n", rank, wprof_strerror(status));
  printf("e2e_app rank %d: window calls %.1f ms, wprof_finalize %.1f ms, longest call %.1f ms\n", rank, in_wprof_ms,
         fin_ms, fin_ms > longest_ms ? fin_ms : longest_ms);
  MPI_Finalize();
  return status == WPROF_OK ? 0 : 1;
}
