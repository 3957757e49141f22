/* Rank 0's report written beside PMPI_Finalize (runtime/report/report.c) in an application that makes
 * it hard: MPI_THREAD_SINGLE, a SIGALRM handler with a 200 us interval timer firing all through
 * finalize, and no wprof_finalize of its own (the MPI_Finalize wrapper finalizes). The session starts
 * at MPI_Init (WPROF_START=init); each of 3 steps enters 500 lite scopes once. After MPI_Finalize,
 * rank 0 checks that the report is already there (a user may copy it away at once) and prints
 * "report there after MPI_Finalize"; every rank fails when MPI_Finalize did.
 * With `sessions`, the steps go in a session of their own first (wprof_finalize called, the report
 * written at once), then WPROF_META becomes "run=2", wprof_set_window_iters(0, 4) is called, a
 * second session starts and takes the same steps, and MPI_Finalize finalizes that one (its
 * report, REPORT_PATH, is <output>.2.h5): the settings must be the second session's.
 *   finalize_defer_app REPORT_PATH [sessions] */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <wprof/wprof.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
  (void)sig;
  alarms++;
}

static void steps(void) {
  for (int step = 0; step < 3; step++) {
    for (int k = 0; k < 500; k++) {
      char name[64];
      snprintf(name, sizeof name, "defer.scope.%d", k);
      int id = wprof_scope_id(name);
      wprof_scope_begin(id);
      wprof_scope_end(id);
    }
    double x = 1, y = 0;
    MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    wprof_step();
  }
}

int main(int argc, char **argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SINGLE, &provided);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm; /* no SA_RESTART: a blocking call in wprof's way sees EINTR */
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval every = {{0, 200}, {0, 200}};
  setitimer(ITIMER_REAL, &every, NULL);
  int sessions = argc > 2 && strcmp(argv[2], "sessions") == 0 ? 2 : 1;
  for (int session = 0; session < sessions; session++) {
    if (session == 1) {
      if (wprof_finalize() != WPROF_OK) fprintf(stderr, "rank %d: the first session's finalize failed\n", rank);
      setenv("WPROF_META", "run=2", 1);
      wprof_set_window_iters(0, 4); /* before init: WPROF_START=init opens the window at once */
      wprof_init();
    }
    steps();
  }
  int rc = MPI_Finalize();
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  int there = argc > 1 && access(argv[1], R_OK) == 0;
  if (rank == 0) printf("rank 0: MPI_Finalize %d, report %s after MPI_Finalize, %d alarms\n", rc,
                        there ? "there" : "missing", (int)alarms);
  return rc != MPI_SUCCESS || (rank == 0 && !there);
}
