/* wprof's own cost, per phase of a session: how often each phase ran, its wall time and the CPU time
 * of the thread that ran it (CLOCK_THREAD_CPUTIME_ID, so a wait that naps costs wall but not CPU).
 * Read at phase boundaries only (init, sync points, stops, finalize), never on a hot path. At the end
 * of finalize each rank says them in one debug line (wpr_phase_say), which tests/bench/bench_finalize
 * parses: "phases: init 1x 1.234/0.900 ms, sync 6x 0.210/0.100 ms, ..." (wall/cpu, sums over the count). */
#ifndef WPR_PHASE_TIME_H
#define WPR_PHASE_TIME_H

#include <stdint.h>

enum wpr_phase {
  WPR_PH_INIT,        /* wprof_init_comm whole: communicator, node grouping, clock exchange, settings */
  WPR_PH_SYNC,        /* each start and end sync point */
  WPR_PH_SPILL,       /* each stop's crash spill (collect, pack, write) */
  WPR_PH_SPILL_OPEN,  /* each open-window spill (WPROF_SPILL_INTERVAL_MS), from a step */
  WPR_PH_STOP_TABLES, /* each stop's tables (and their gather when WPROF_PRINT asks) */
  WPR_PH_SYNC_FINAL,  /* finalize: telling ranks still on their way to a sync point */
  WPR_PH_CLOCK_FINAL, /* finalize: the clock exchange */
  WPR_PH_PACK,        /* finalize: this rank's tables packed */
  WPR_PH_RESPILL,     /* finalize: the last spill rewritten with the new clock fit */
  WPR_PH_GATHER,      /* finalize: rank 0 receiving (merge included), the others sending */
  WPR_PH_MERGE,       /* finalize, inside gather on rank 0: each rank's data decoded and merged */
  WPR_PH_SUMMARIES,   /* finalize, rank 0: stragglers and summaries over the merged job */
  WPR_PH_WRITE,       /* finalize, rank 0: the HDF5 report written */
  WPR_PH_SPILL_REMOVE,/* finalize, rank 0: the crash spills removed after a complete report */
  WPR_PH_TEARDOWN,    /* finalize: wprof's communicator freed, the hand-over to rank 0 finished */
  WPR_PH_WRITE_JOIN,  /* rank 0 under MPI_Finalize: the wait, after PMPI_Finalize, for the report's
                         summaries, write and spill removal, which then ran beside it on a thread */
  WPR_PH_COUNT
};

/* A phase in progress: its start on both clocks. */
struct wpr_phase_mark {
  uint64_t wall_ns, cpu_ns;
};

struct wpr_phase_mark wpr_phase_begin(void);
void wpr_phase_end(enum wpr_phase phase, struct wpr_phase_mark mark);

/* Says every phase that ran in one debug line (when WPROF_LOG=debug), then starts counting afresh. */
void wpr_phase_say(void);

/* Totals so far, for tests: count, wall and CPU ns of one phase. */
void wpr_phase_get(enum wpr_phase phase, uint64_t *count, uint64_t *wall_ns, uint64_t *cpu_ns);
const char *wpr_phase_name(enum wpr_phase phase);

#endif
