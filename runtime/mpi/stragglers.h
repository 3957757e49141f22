/* Stragglers (issue 9), the runtime's half: the entry and exit of every intercepted blocking
 * collective call made inside a window on the thread that drives the session, and of the window's
 * two sync points, kept in a bounded per-window array and packed (on rank 0's clock) with the
 * finalize gather. Rank 0 turns them into /stragglers with io/summary/wpio_stragglers.c.
 *
 * Instances are matched across ranks by (window, function, k-th call of that function in the window):
 * this assumes every rank makes the same sequence of collective calls of a function per window (true
 * for a program whose collectives all run on one communicator, or on several in one order). Calls on
 * other threads are not recorded (their order across ranks is not defined). */
#ifndef WPR_STRAGGLERS_H
#define WPR_STRAGGLERS_H

#include <stdint.h>

#include "clock_align.h"
#include "mpi_calls.h"
#include "wpio_job.h"

/* 1 on the thread that drives the session (set at the first window open). */
extern __thread int wpr_strag_thread __attribute__((tls_model("initial-exec")));

/* The blocking collectives; non-blocking ones (Ibarrier, ...) return before the others arrive. */
static inline int wpr_strag_is_collective(int id) {
  switch (id) {
  case WPR_MPI_ID_Barrier: case WPR_MPI_ID_Bcast: case WPR_MPI_ID_Reduce: case WPR_MPI_ID_Allreduce:
  case WPR_MPI_ID_Scan: case WPR_MPI_ID_Gather: case WPR_MPI_ID_Gatherv: case WPR_MPI_ID_Scatter:
  case WPR_MPI_ID_Scatterv: case WPR_MPI_ID_Allgather: case WPR_MPI_ID_Allgatherv: case WPR_MPI_ID_Alltoall:
  case WPR_MPI_ID_Alltoallv: case WPR_MPI_ID_Reduce_scatter:
    return 1;
  default:
    return 0;
  }
}

void wpr_strag_note_call(int id, uint64_t t0_ticks, uint64_t t1_ticks);

/* mpi_wrap.c: after a call of `id` that ran from t0 to t1 (TSC ticks). For the table's other
 * functions this folds away at compile time (id is a constant in each wrapper). */
static inline void wpr_strag_note(int id, uint64_t t0_ticks, uint64_t t1_ticks) {
  if (wpr_strag_is_collective(id) && __builtin_expect(wpr_strag_thread, 0))
    wpr_strag_note_call(id, t0_ticks, t1_ticks);
}

/* session_api.c: a session starts a new log (a later session of the process numbers its windows from
 * 0 again). */
void wpr_strag_session_begin(void);

/* window.c, on the session's thread: a sync point of `window` (seq 0: before its start, 1: before
 * its end) ran from t0 to t1; a window opens (resets the per-window counts, bound `max_events`) and
 * closes (its dropped count is kept). */
void wpr_strag_sync(int32_t window, uint32_t seq, uint64_t t0_ticks, uint64_t t1_ticks);
void wpr_strag_window_open(int32_t window, int64_t max_events);
void wpr_strag_window_close(int32_t window);

/* report_pack.c: this rank's arrivals as wpio_strag_event rows, on rank 0's clock. 0 or -1 (OOM). */
int wpr_strag_collect(struct wpio_job *job, int32_t rank, const struct wpr_clock_fit *clock);

#endif
