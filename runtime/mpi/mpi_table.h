/* The MPI call table of one process: per thread, one block of (calls, time, bytes) cells per window,
 * written only by its thread (no locks on the call path), merged into /mpi rows at collect. */
#ifndef WPR_MPI_TABLE_H
#define WPR_MPI_TABLE_H

#include <stdint.h>

#include "config.h"
#include "late_rows.h"
#include "mpi_calls.h"
#include "step_hook.h"
#include "wpio_job.h"

struct wpr_mpi_cell { uint64_t calls, total_ns, min_ns, max_ns, bytes; };

/* One thread's cells for one window (-1: outside any window). */
struct wpr_mpi_block {
  int32_t window;
  uint32_t session;                  /* wpr_mpi_session when made: a later session's windows are new */
  struct wpr_mpi_cell cells[WPR_MPI_NFUNCS];
  struct wpr_mpi_block *thread_next; /* the same thread's blocks of other windows */
  struct wpr_mpi_block *all_next;    /* every block of the process, for collect */
};

extern __thread struct wpr_mpi_block *wpr_mpi_tls __attribute__((tls_model("initial-exec")));
extern int32_t wpr_mpi_window;  /* the window running now, -1 when none */
extern uint32_t wpr_mpi_session; /* bumped by wpr_mpi_new_session */
extern int wpr_mpi_step_id;     /* WPROF_STEP_MPI's function id, -1 when off */

/* First call of a thread, or first in a new window: finds or makes the block (NULL when out of memory). */
struct wpr_mpi_block *wpr_mpi_block_slow(int32_t window);

/* The block a call starting now is counted in: the window is the one running when the call starts. */
static inline struct wpr_mpi_block *wpr_mpi_enter(void) {
  int32_t window = __atomic_load_n(&wpr_mpi_window, __ATOMIC_RELAXED);
  struct wpr_mpi_block *b = wpr_mpi_tls;
  if (__builtin_expect(b != NULL && b->window == window &&
                           b->session == __atomic_load_n(&wpr_mpi_session, __ATOMIC_RELAXED), 1))
    return b;
  return wpr_mpi_block_slow(window);
}

static inline void wpr_mpi_add(uint64_t *p, uint64_t d) {
  /* single writer: a load and a store, not a locked read-modify-write */
  __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

/* Records one finished call of `id` that took `ns` and moved `bytes`; a call of the WPROF_STEP_MPI
 * function is a step too (on the thread that drives the session). */
static inline void wpr_mpi_leave(struct wpr_mpi_block *b, int id, uint64_t ns, uint64_t bytes) {
  if (__builtin_expect(b != NULL, 1)) {
    struct wpr_mpi_cell *c = &b->cells[id];
    wpr_mpi_add(&c->calls, 1);
    wpr_mpi_add(&c->total_ns, ns);
    wpr_mpi_add(&c->bytes, bytes);
    if (ns < c->min_ns) __atomic_store_n(&c->min_ns, ns, __ATOMIC_RELAXED);
    if (ns > c->max_ns) __atomic_store_n(&c->max_ns, ns, __ATOMIC_RELAXED);
    wpr_late_rows_check(b->window, __atomic_load_n(&wpr_mpi_window, __ATOMIC_RELAXED)); /* began in a closed window */
  }
  if (__builtin_expect(id == __atomic_load_n(&wpr_mpi_step_id, __ATOMIC_RELAXED), 0)) wpr_step_fire();
}

/* window.c: the window calls are counted in from now on. */
void wpr_mpi_set_window(int32_t window);

/* session_api.c: a session starts, with WPROF_STEP_MPI resolved to a function of the table; and
 * ends (no more steps from MPI calls). The thread that drives it is the step hook's (step_hook.h). */
void wpr_mpi_session_begin(const struct wpr_config *cfg);
void wpr_mpi_session_end(void);
/* A session after a finalized one: its windows count from 0 again, in blocks of their own (the
 * calls before it in blocks of window -1 that no session collects any more). */
void wpr_mpi_new_session(void);

/* report_pack.c: adds this process's /mpi rows, merged over threads by (window, function), for
 * `rank`: those of windows >= from_window (0: all). */
int wpr_mpi_collect(struct wpio_job *job, int32_t rank, int32_t from_window);

/* "MPI_Send" for WPR_MPI_ID_Send; the id of such a name, or -1. */
const char *wpr_mpi_name(int id);
int wpr_mpi_id_of(const char *name);

#endif
