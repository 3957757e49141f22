/* Finalize: each rank packs its tables, rank 0 gathers them with a deadline, validates each rank's
 * data (a bad rank is marked, never fatal), adds the job's attributes and writes one HDF5 report.
 * Under MPI_Finalize the summaries, the write and the spills' removal run on a thread of rank 0 while
 * PMPI_Finalize runs (it waits for every rank's MPI teardown anyway), joined before it returns. */
#include "report.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wprof/wprof.h"
#include "clock_exchange.h"
#include "log.h"
#include "phase_time.h"
#include "report_batched.h"
#include "report_merge.h"
#include "report_pack.h"
#include "spill.h"
#include "timer.h"
#include "wpio_h5write.h"

/* The path of this session's report. A later session of the same process (wprof_init again after
 * wprof_finalize) must not replace the report an earlier one wrote: it gets "name.2.h5", "name.3.h5". */
static void report_path(const char *output, char *path, size_t len) {
  static char last_output[WPR_PATH_MAX];
  static int sessions;
  sessions = strcmp(output, last_output) == 0 ? sessions + 1 : 1;
  snprintf(last_output, sizeof(last_output), "%s", output);
  if (sessions == 1) {
    snprintf(path, len, "%s", output);
    return;
  }
  const char *slash = strrchr(output, '/');
  const char *dot = strrchr(slash ? slash : output, '.');
  int stem = dot && dot != output && dot != slash + 1 ? (int)(dot - output) : (int)strlen(output);
  snprintf(path, len, "%.*s.%d%s", stem, output, sessions, output + stem);
  WPR_WARN("this process wrote %s in an earlier session; this session's report goes to %s", output, path);
}

/* Rank 0's report once gathered: the merged job, and a copy of the session for the settings the spills'
 * removal reads (the session itself is released while a deferred write runs). */
struct report_task {
  struct wpr_session s;
  struct wpio_job job;
  struct wpr_merger merger;
  int complete, status;
};

static int defer_next;              /* wpr_report_defer_next: the next report's write may be deferred */
/* Only a small report with every rank's data is deferred: it ends within PMPI_Finalize's own few tens
 * of ms. A large one is written before, as the other ranks wait in PMPI_Finalize for rank 0: were one of them to
 * exit with an error meanwhile, the launcher's kill must not catch rank 0 mid-write. */
#define DEFER_MAX_BYTES (4u << 20)
static pthread_t writer;
static struct report_task *writing; /* the deferred write: started by wpr_report_start, joined by wpr_report_join */
static int writer_started;          /* `writer` runs `writing` (else it is still to be done) */
static struct report_task spare;    /* when no task can be allocated: the gather must still take place */

static void release_task(struct report_task *t) {
  if (t != &spare) free(t);
}

/* Summaries, the write, and the spills: removed only when every rank's data made it into the report,
 * since a missing rank's spill (written at its last stop) is all that is left of its windows. */
static void finish_report(struct report_task *t) {
  t->status = wpr_merger_write(&t->merger); /* ranks the gather could not take are marked missing */
  if (t->status == WPROF_OK && t->complete) {
    struct wpr_phase_mark mark = wpr_phase_begin();
    wpr_spill_remove(&t->s);
    wpr_phase_end(WPR_PH_SPILL_REMOVE, mark);
  } else if (t->status == WPROF_OK) {
    wpr_spill_keep_note(&t->s);
  }
  wpr_merger_free(&t->merger);
  wpio_job_free(&t->job);
}

/* The writer's head start for PMPI_Finalize: it waits this long, or until PMPI_Finalize returns,
 * before it writes. PMPI_Finalize does its own work first (Open MPI 4.1: ~3 ms of disconnecting and
 * unmapping at np 2), then mostly waits for the other ranks (~40 ms); a writer that ran at once shared
 * the cores with that first part and delayed the whole job's finalize by ~1.4 ms at np 2 on 2 cores,
 * where one that waited 5 ms delayed it by nothing measurable (docs/benchmarks.md). An MPI whose
 * finalize is shorter wakes the writer as it returns: the write then simply follows it. */
#define WRITER_HEAD_START_MS 5
static pthread_mutex_t head_start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t head_start_over; /* made on CLOCK_MONOTONIC by wpr_report_start */
static int finalize_returned;

static void *write_in_background(void *arg) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_nsec += WRITER_HEAD_START_MS * 1000000L;
  until.tv_sec += until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&head_start_lock);
  while (!finalize_returned && pthread_cond_timedwait(&head_start_over, &head_start_lock, &until) == 0) {
  }
  pthread_mutex_unlock(&head_start_lock);
  finish_report(arg);
  return NULL;
}

/* The job's attributes (read from the live session), then the rest now, or on a thread when deferred
 * (the application's signals stay with its own threads). Returns the status, WPROF_OK when deferred. */
static int write_job(struct wpr_session *s, struct report_task *t, int64_t wait_ms) {
  struct wpio_job *job = &t->job;
  wpr_report_set_attrs(s, job);
  wpio_job_set_attr_int(job, "finalize_wait_ms", wait_ms);
  t->complete = 1;
  for (size_t i = 0; i < job->ranks.n; i++)
    if (!job->ranks.v[i].status || strcmp(job->ranks.v[i].status, WPIO_STATUS_OK) != 0) t->complete = 0;
  t->s = *s;
  t->merger.comm = NULL; /* the gather is over: nothing below sends or receives */
  /* a rank missing from the report may have died: its launcher may then kill rank 0 inside
   * PMPI_Finalize, so such a report is written before, like a large one */
  if (defer_next && t->complete && !t->merger.stream && !t->merger.stream_failed &&
      wpio_job_row_bytes(job) <= DEFER_MAX_BYTES) {
    writing = t; /* its thread starts once this rank's own teardown is done: see wpr_report_start */
    writer_started = 0;
    return WPROF_OK;
  }
  finish_report(t);
  int status = t->status;
  release_task(t);
  return status;
}

void wpr_report_defer_next(int on) { defer_next = on; }

/* No thread: the deferred write done at once, before PMPI_Finalize. 1. */
static int write_now(void) {
  WPR_DEBUG("the report: no thread for its write, written before PMPI_Finalize");
  finish_report(writing);
  release_task(writing);
  writing = NULL;
  return 1;
}

/* Started only now, not as the gather ends, so that its head start (above) counts from PMPI_Finalize's
 * start and rank 0's teardown has the core to itself (a thread started earlier took it: 1.3-1.4 ms of
 * rank 0's wall time at np 2 on two cores). Without a thread the write is done here, at once. */
int wpr_report_start(void) {
  if (!writing || writer_started) return 0;
  static int cond_made;
  if (!cond_made) {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    cond_made = pthread_cond_init(&head_start_over, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!cond_made) return write_now();
  }
  finalize_returned = 0;
  sigset_t all, old; /* the application's signals stay with its own threads */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  writer_started = pthread_create(&writer, NULL, write_in_background, writing) == 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (writer_started) {
    WPR_DEBUG("the report: its write goes on beside PMPI_Finalize");
    return 0;
  }
  return write_now();
}

int wpr_report_join(void) {
  if (!writing) return 0;
  struct wpr_phase_mark mark = wpr_phase_begin();
  if (writer_started) {
    pthread_mutex_lock(&head_start_lock); /* PMPI_Finalize is over: no more head start */
    finalize_returned = 1;
    pthread_cond_signal(&head_start_over);
    pthread_mutex_unlock(&head_start_lock);
    pthread_join(writer, NULL);
  } else {
    finish_report(writing); /* not started: done here (wpr_report_start follows every deferral) */
  }
  wpr_phase_end(WPR_PH_WRITE_JOIN, mark);
  release_task(writing);
  writing = NULL;
  writer_started = 0;
  return 1;
}

int wpr_report_deferred(void) { return writing != NULL; }

int wpr_report_finalize(struct wpr_session *s) {
  wpr_report_join(); /* an earlier session's deferred write (none under MPI_Finalize: it comes last) */
  uint8_t *packed = NULL;
  size_t len = 0;
  uint64_t t0 = wpr_mono_ns();
  /* a rank still on its way to a sync point need not wait for rank 0 there: it holds no more */
  struct wpr_phase_mark mark = wpr_phase_begin();
  wpc_sync_final(&s->comm);
  wpr_phase_end(WPR_PH_SYNC_FINAL, mark);
  /* collective: the finalize clock exchange, before anything is packed */
  mark = wpr_phase_begin();
  int refit = wpr_clock_session_end(s);
  wpr_phase_end(WPR_PH_CLOCK_FINAL, mark);
  mark = wpr_phase_begin();
  if (s->backend->finish) s->backend->finish(); /* GPU work still running reaches its window and ranges */
  int packed_rc = wpr_report_pack_local(s, &packed, &len);
  wpr_pack_scratch_release(); /* the session's last pack: its job's memory is malloc's again for rank 0's merge */
  wpr_phase_end(WPR_PH_PACK, mark);
  if (packed_rc != 0) {
    WPR_WARN("out of memory packing this rank's tables; sending none");
    packed = NULL;
    len = 0;
  }
  /* The spill of the last stop was packed with the fit of then; a spill kept beside the report (or
   * recovered for a rank the report lacks) must carry the same aligned times as the report: it is
   * rewritten from this pack, before the gather (rank 0 removes the spills after it). */
  if (refit && s->backend_stops > 0) {
    mark = wpr_phase_begin();
    wpr_spill_write_packed(s, packed, len);
    wpr_phase_end(WPR_PH_RESPILL, mark);
  }
  uint64_t t_packed = wpr_mono_ns();

  /* rank 0 merges each rank's data as it arrives, in batches under WPROF_GATHER_MAX_MB, and streams
   * the merged rows to the report when they would outgrow that bound too */
  struct report_task *t = calloc(1, sizeof *t);
  if (!t) { /* no deferred write is running (joined above): the spare is free */
    memset(&spare, 0, sizeof spare);
    t = &spare;
  }
  wpio_job_init(&t->job);
  char path[WPR_PATH_MAX + 16] = "";
  if (s->comm.rank == 0) report_path(s->cfg.output, path, sizeof(path));
  wpr_merger_init(&t->merger, &t->job, path, s->cfg.overwrite ? WPIO_H5_OVERWRITE : 0,
                  (uint64_t)(s->cfg.gather_max_mb > 0 ? s->cfg.gather_max_mb : 1) << 20);
  t->merger.comm = &s->comm;
  mark = wpr_phase_begin();
  int rc = wpr_report_gather(s, packed, len, &t->merger);
  wpr_phase_end(WPR_PH_GATHER, mark);
  wpr_report_pack_done(packed);
  uint64_t t_gathered = wpr_mono_ns();
  int status = WPROF_OK;
  int left = s->comm.rank == 0 ? wpc_left_count(&s->comm) : 0;
  if (left > 0 && s->backend_starts == 0) {
    /* ranks left this session for sessions of their own before any window: it is one nobody used,
     * the automatic one of MPI_Init, and its report would only list them as missing */
    WPR_DEBUG("%d rank(s) left this session for another before any window: no report from it", left);
  } else if (s->comm.rank == 0) {
    /* how long rank 0 waited for the other ranks at finalize (its clock exchange and the gather) */
    int64_t wait_ms = (int64_t)((t_gathered - t0) / 1000000u);
    status = write_job(s, t, wait_ms); /* t is the writer's now */
    t = NULL;
  } else if (rc == WPC_EDROPPED) {
    WPR_DEBUG("this session's rank 0 left it for another: nothing to hand over");
  } else if (rc == WPC_PENDING) {
    WPR_DEBUG("rank 0 has not asked for this rank's data yet: it goes when rank 0 does, by MPI_Finalize");
  } else if (rc != WPC_OK) {
    WPR_WARN("rank 0 did not take this rank's data before the deadline");
    status = WPROF_ETIMEOUT;
  }
  if (t) {
    wpr_merger_free(&t->merger);
    wpio_job_free(&t->job);
    release_task(t);
  }
  uint64_t t_end = wpr_mono_ns();
  WPR_DEBUG("finalize: clock exchange + pack %.3f ms, gather %.3f ms, report %.3f ms%s", (double)(t_packed - t0) / 1e6,
            (double)(t_gathered - t_packed) / 1e6, (double)(t_end - t_gathered) / 1e6,
            writing ? " (its write deferred to the MPI_Finalize wrapper)" : "");
  return status;
}
