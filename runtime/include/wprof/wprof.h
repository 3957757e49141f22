/* wprof: MPI-aware distributed profiling runtime for GPU programs. Public C API.
 * Every call returns a status (WPROF_OK or a negative WPROF_E* code) and never aborts the
 * application: a failure is warned about once and profiling degrades, the program goes on.
 *
 * Collective calls: wprof_init, wprof_finalize, and every wprof_start, wprof_step and wprof_stop that
 * opens or closes a window (a sync point) are made by all ranks of the session's communicator, or
 * their deadline (WPROF_SYNC_TIMEOUT_MS) passes and the call returns without the ranks that did not
 * come. Nothing waits forever.
 *
 * Threads: one thread drives the session, the one that set it up (wprof_init, or MPI_Init's
 * automatic session). wprof_start, wprof_stop, and wprof_step while a window is requested, return
 * WPROF_ETHREAD from any other thread and change nothing; wprof_step with no window requested does
 * nothing, from any thread. wprof_finalize may come from any thread (MPI_Finalize's is MPI's main
 * thread): it takes the session over and closes its open window. Lite scopes and ranges may be used
 * from every thread. */
#ifndef WPROF_H
#define WPROF_H

#ifdef __cplusplus
extern "C" {
#endif

#define WPROF_VERSION_MAJOR 0
#define WPROF_VERSION_MINOR 1
#define WPROF_VERSION_PATCH 0
#define WPROF_VERSION_STRING "0.1.0"

#define WPROF_OK 0
#define WPROF_EINVAL (-1)      /* bad argument (unknown scope id, NULL name, ...) */
#define WPROF_ENOMEM (-2)      /* out of memory; profiling degraded */
#define WPROF_ESTATE (-3)      /* call out of order (not initialised, finalised twice, ...) */
#define WPROF_EMPI (-4)        /* an MPI call failed */
#define WPROF_ETIMEOUT (-5)    /* a sync point or the gather passed its deadline */
#define WPROF_EIO (-6)         /* the report could not be written */
#define WPROF_EPLUGIN (-7)     /* kept for compatibility: no longer returned (the HDF5 writer is built in) */
#define WPROF_EBACKEND (-8)    /* the backend failed; host collectors used instead */
#define WPROF_ECORRUPT (-9)    /* packed data failed validation */
#define WPROF_EDISABLED (-10)  /* this rank does not collect (WPROF_RANKS) or wprof is off */
#define WPROF_ETHREAD (-11)    /* a window call from a thread other than the one driving the session */

/* Reads WPROF_* env; MPI_COMM_WORLD when MPI is up, else a world of 1. Collective over the world
 * unless the automatic session that MPI_Init set up is already on it (then nothing is exchanged). */
int wprof_init(void);
int wprof_finalize(void);  /* collective: shutdown, gather, write the report (rank 0) */

int wprof_start(void);     /* request a profiling window (collective when it opens one) */
int wprof_step(void);      /* one application iteration (collective when it opens or closes one) */
int wprof_stop(void);      /* collective when it closes a window */
int wprof_is_initialized(void); /* 1 between wprof_init (or the MPI_Init wrapper) and finalize */
int wprof_is_active(void);  /* 1 while a start is pending or running */
int wprof_is_running(void); /* 1 while a window is open (its collectors run, unless they failed to start) */

/* The window's delay and length for this process, overriding WPROF_DELAY_ITERS / WPROF_MAX_ITERS
 * (the same meaning; a negative value means the environment's, rank 0's in a session of several
 * ranks, and restores it in a live session after an earlier override). Each call sets both values. Callable before wprof_init (the
 * session set up later uses them) and while no window is requested (WPROF_ESTATE otherwise). Every
 * rank should pass the same values: the settings check at a window's start names a rank that differs.
 * The report's delay_iters and max_iters attributes show the values used. */
int wprof_set_window_iters(long long delay_iters, long long max_iters);

/* Lite scopes: register a name once (thread-safe), then begin/end on the hot path. Returns an id
 * >= 0 or a negative status. Scopes time the whole run, independent of windows. */
int wprof_scope_id(const char *name);
void wprof_scope_begin(int id);
void wprof_scope_end(int id);

/* Annotated ranges: a per-thread stack with CPU self/total time, emitted as NVTX ranges too. */
void wprof_range_push(const char *name);
void wprof_range_pop(void);

const char *wprof_strerror(int status);

/* Scoped lite timing for GCC and Clang: `{ WPROF_SCOPE("solve"); ... }` times the rest of the
 * enclosing block, however it is left (return and break included). The name is registered once per
 * call site. */
static inline int wprof_scope_enter_(int *cached_id, const char *name) {
  int id = __atomic_load_n(cached_id, __ATOMIC_RELAXED);
  if (id < 0) {
    id = wprof_scope_id(name);
    __atomic_store_n(cached_id, id, __ATOMIC_RELAXED);
  }
  wprof_scope_begin(id);
  return id;
}
static inline void wprof_scope_leave_(int *id) { wprof_scope_end(*id); }
#define WPROF_CAT2_(a, b) a##b
#define WPROF_CAT_(a, b) WPROF_CAT2_(a, b)
#define WPROF_SCOPE(name)                                                                  \
  static int WPROF_CAT_(wprof_scope_site_, __LINE__) = -1;                                 \
  __attribute__((cleanup(wprof_scope_leave_))) int WPROF_CAT_(wprof_scope_guard_, __LINE__) = \
      wprof_scope_enter_(&WPROF_CAT_(wprof_scope_site_, __LINE__), (name))

#ifdef __cplusplus
}
#endif
#endif
