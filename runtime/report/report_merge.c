/* Rank 0 after the gather (report_merge.h): each rank's bytes decoded into one scratch job, checked
 * (a rank may only speak for itself) and merged; past the bound the merged rows go to the report's
 * datasets part by part, so rank 0's memory stays bounded at any number of ranks. */
#include "report_merge.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wprof/wprof.h"
#include "log.h"
#include "phase_time.h"
#include "timer.h"
#include "wpc.h"
#include "wpio_h5write.h"
#include "wpio_wire.h"

/* A rank may only speak for itself: every row of its data must carry its rank. */
#define ROWS_OF_RANK(vec, rank) rows_of_rank_((vec).v, (vec).n, sizeof(*(vec).v), rank)
static int rows_of_rank_(const void *rows, size_t n, size_t size, int32_t rank) {
  /* every row struct starts with its int32_t rank */
  for (size_t i = 0; i < n; i++)
    if (*(const int32_t *)((const char *)rows + i * size) != rank) return 0;
  return 1;
}

_Static_assert(offsetof(struct wpio_window_row, rank) == 0 && offsetof(struct wpio_kernel_row, rank) == 0 &&
                   offsetof(struct wpio_range_row, rank) == 0 && offsetof(struct wpio_lite_row, rank) == 0 &&
                   offsetof(struct wpio_hist_row, rank) == 0 && offsetof(struct wpio_mpi_row, rank) == 0 &&
                   offsetof(struct wpio_timeline_row, rank) == 0 && offsetof(struct wpio_memory_row, rank) == 0 &&
                   offsetof(struct wpio_stack_row, rank) == 0 && offsetof(struct wpio_strag_event, rank) == 0 &&
                   offsetof(struct wpio_breakdown_row, rank) == 0 &&
                   offsetof(struct wpio_launch_latency_row, rank) == 0 &&
                   offsetof(struct wpio_cupti_overhead_row, rank) == 0,
               "row structs start with their rank");

/* A rank whose settings differed from rank 0's says so in its own settings_agreement (it used rank 0's):
 * the report lists every such rank, in rank order, within the note's bound. */
static void merge_agreement(struct wpio_job *job, const struct wpio_job *part) {
  const struct wpio_attr *theirs = wpio_job_attr(part, "settings_agreement");
  if (!theirs || !theirs->value || strcmp(theirs->value, "ok") == 0) return;
  const struct wpio_attr *ours = wpio_job_attr(job, "settings_agreement");
  if (!ours || !ours->value || strcmp(ours->value, "ok") == 0) {
    wpio_job_set_attr(job, "settings_agreement", theirs->value);
    return;
  }
  if (strstr(ours->value, theirs->value)) return;
  char both[2048];
  int n = snprintf(both, sizeof(both), "%s; %s", ours->value, theirs->value);
  if (n >= (int)sizeof(both)) snprintf(both + sizeof(both) - 4, 4, "...");
  wpio_job_set_attr(job, "settings_agreement", both);
}

static int rows_all_of_rank(const struct wpio_job *part, int32_t rank) {
  return ROWS_OF_RANK(part->windows, rank) && ROWS_OF_RANK(part->kernels, rank) &&
         ROWS_OF_RANK(part->ranges, rank) && ROWS_OF_RANK(part->lite, rank) &&
         ROWS_OF_RANK(part->lite_hist, rank) && ROWS_OF_RANK(part->mpi, rank) &&
         ROWS_OF_RANK(part->timeline, rank) && ROWS_OF_RANK(part->memory, rank) &&
         ROWS_OF_RANK(part->stacks, rank) && ROWS_OF_RANK(part->strag_events, rank) &&
         ROWS_OF_RANK(part->breakdown, rank) && ROWS_OF_RANK(part->launch_latency, rank) &&
         ROWS_OF_RANK(part->cupti_overhead, rank);
}

/* Room in the job's row tables for `parts` more parts like this one, made before the first is
 * appended: ranks mostly send alike, so the merged tables are allocated once at about their final
 * size instead of doubling (each doubling a copy of what came before, into fresh pages). A hint
 * only: a table that cannot get the room grows as it goes. */
#define RESERVE_ROWS(vec, more) \
  ((vec).n + (more) > (vec).cap ? (void)wpio_vec_reserve(&(vec).v, &(vec).cap, sizeof *(vec).v, (vec).n + (more)) \
                                : (void)0)
static void reserve_parts(struct wpio_job *job, const struct wpio_job *part, size_t parts) {
#define RESERVE_TABLE(t) if (part->t.n && part->t.n <= SIZE_MAX / 4 / parts) RESERVE_ROWS(job->t, part->t.n * parts);
  RESERVE_TABLE(windows) RESERVE_TABLE(kernels) RESERVE_TABLE(ranges) RESERVE_TABLE(lite) RESERVE_TABLE(lite_hist)
  RESERVE_TABLE(mpi) RESERVE_TABLE(timeline) RESERVE_TABLE(memory) RESERVE_TABLE(stacks) RESERVE_TABLE(breakdown)
  RESERVE_TABLE(launch_latency) RESERVE_TABLE(cupti_overhead)
#undef RESERVE_TABLE
}

/* How many parts like `part` the job will take from here on (this one included): the ranks still to
 * come (they arrive in rank order), no more than fit under the streaming bound. */
static size_t parts_to_come(const struct wpr_merger *m, const struct wpio_job *part, int rank) {
  size_t parts = m->world > rank ? (size_t)(m->world - rank) : 1;
  size_t bytes = wpio_job_row_bytes(part), held = wpio_job_row_bytes(m->job);
  if (m->max_bytes && bytes) {
    size_t fit = held < m->max_bytes ? (size_t)((m->max_bytes - held) / bytes) + 1 : 1;
    if (fit < parts) parts = fit;
  }
  return parts;
}

/* Decodes one rank's bytes into the job; a missing or invalid rank becomes a placeholder row. */
static void merge_rank(struct wpr_merger *m, int rank, const uint8_t *buf, size_t len) {
  struct wpio_job *job = m->job, *part = &m->scratch;
  if (!buf) {
    WPR_WARN("rank %d sent no data before the deadline; it is marked missing in the report", rank);
    wpio_job_add_placeholder_rank(job, rank, WPIO_STATUS_MISSING);
    return;
  }
  wpio_job_clear(part);
  char err[256] = "";
  int bad = wpio_decode(buf, len, part, err, sizeof(err));
  if (!bad && (part->ranks.n != 1 || part->ranks.v[0].rank != rank)) {
    bad = 1;
    snprintf(err, sizeof(err), "its data names another rank");
  }
  if (!bad && !rows_all_of_rank(part, rank)) {
    bad = 1;
    snprintf(err, sizeof(err), "some of its rows belong to another rank");
  }
  if (!bad) {
    /* Rank 0 may see every sync point complete while another rank gave up waiting for it (rank 0
     * late): the report's sync says "broken" when any rank saw it broken, first such rank wins. */
    const struct wpio_attr *theirs = wpio_job_attr(part, "sync");
    const struct wpio_attr *ours = wpio_job_attr(job, "sync");
    if (theirs && theirs->value && strcmp(theirs->value, "ok") != 0 &&
        (!ours || !ours->value || strcmp(ours->value, "ok") == 0))
      wpio_job_set_attr(job, "sync", theirs->value);
    merge_agreement(job, part);
  }
  if (!bad) reserve_parts(job, part, parts_to_come(m, part, rank));
  if (bad) {
    WPR_WARN("data of rank %d is corrupt (%s); it is marked corrupt in the report", rank, err);
    wpio_job_add_placeholder_rank(job, rank, WPIO_STATUS_CORRUPT);
  } else if (wpio_job_merge(job, part) != 0) {
    WPR_WARN("out of memory merging rank %d; it is marked missing", rank);
    wpio_job_add_placeholder_rank(job, rank, WPIO_STATUS_MISSING);
  }
  wpio_job_clear(part); /* its rows' memory stays for the next rank */
}

/* ---- streaming: the merged rows past the bound go to the report's datasets ---- */

static void stream_fail(struct wpr_merger *m, const char *what) {
  if (!m->stream_failed) WPR_WARN("no report written to %s: %s", m->path, what);
  m->stream_failed = 1;
  if (m->stream) wpio_h5_stream_discard(m->stream);
  m->stream = NULL;
}

/* The rows so far, summarized into the running summaries, appended to the report and dropped. */
static void stream_part(struct wpr_merger *m) {
  if (!m->stream) {
    m->acc = wpio_summary_acc_new();
    if (!m->acc) {
      stream_fail(m, "out of memory");
      return;
    }
    m->stream = wpio_h5_stream_open(m->path, m->flags, m->err, sizeof m->err);
    if (!m->stream) {
      stream_fail(m, m->err);
      return;
    }
  }
  if (wpio_summary_acc_add(m->acc, m->job) != 0) {
    stream_fail(m, "out of memory summarizing the merged rows");
    return;
  }
  if (wpio_h5_stream_rows(m->stream, m->job, m->err, sizeof m->err) != 0) {
    stream_fail(m, m->err);
    return;
  }
  m->parts++;
  wpio_job_clear_rows(m->job);
}

void wpr_merger_init(struct wpr_merger *m, struct wpio_job *job, const char *path, unsigned flags,
                     uint64_t max_bytes) {
  memset(m, 0, sizeof *m);
  m->job = job;
  wpio_job_init(&m->scratch);
  snprintf(m->path, sizeof m->path, "%s", path ? path : "");
  m->flags = flags;
  m->max_bytes = m->path[0] ? max_bytes : 0;
}

void wpr_merger_add(struct wpr_merger *m, int rank, const uint8_t *buf, size_t len) {
  struct wpr_phase_mark mark = wpr_phase_begin();
  if (m->comm && m->world < m->comm->size) m->world = m->comm->size;
  if (!buf && m->comm && wpc_rank_left(m->comm, rank)) /* it profiles in a session of its own */
    wpio_job_add_placeholder_rank(m->job, rank, WPIO_STATUS_MISSING);
  else
    merge_rank(m, rank, buf, len);
  if (m->stream_failed) wpio_job_clear_rows(m->job); /* no report either way: hold nothing */
  else if (m->max_bytes && wpio_job_row_bytes(m->job) > m->max_bytes) stream_part(m);
  wpr_phase_end(WPR_PH_MERGE, mark);
}

/* The report in one go: summaries over the whole job, then io's writer. */
static int write_whole(struct wpr_merger *m) {
  uint64_t t0 = wpr_mono_ns();
  struct wpr_phase_mark mark = wpr_phase_begin();
  if (wpio_job_summarize(m->job) != 0) return WPROF_ENOMEM;
  wpr_phase_end(WPR_PH_SUMMARIES, mark);
  uint64_t t1 = wpr_mono_ns();
  mark = wpr_phase_begin();
  int written = wpio_h5_write_report(m->job, m->path, m->flags, m->err, sizeof m->err);
  wpr_phase_end(WPR_PH_WRITE, mark);
  if (written != 0) {
    WPR_WARN("no report written to %s: %s", m->path, m->err);
    return WPROF_EIO;
  }
  WPR_DEBUG("summaries in %.3f ms, report written in %.3f ms", (double)(t1 - t0) / 1e6,
            (double)(wpr_mono_ns() - t1) / 1e6);
  return WPROF_OK;
}

/* The last part, the summaries over all parts, and the rest of the report. */
static int write_streamed(struct wpr_merger *m) {
  struct wpr_phase_mark mark = wpr_phase_begin();
  if (!m->stream_failed &&
      (wpio_summary_acc_add(m->acc, m->job) != 0 || wpio_summary_acc_finish(m->acc, m->job) != 0))
    stream_fail(m, "out of memory summarizing the merged rows");
  if (m->stream_failed) return WPROF_EIO;
  int rc = wpio_h5_stream_close(m->stream, m->job, m->err, sizeof m->err);
  wpr_phase_end(WPR_PH_WRITE, mark); /* summaries and the last part together */
  m->stream = NULL;
  if (rc != 0) {
    WPR_WARN("no report written to %s: %s", m->path, m->err);
    return WPROF_EIO;
  }
  WPR_INFO("the merged rows outgrew WPROF_GATHER_MAX_MB: they went to the report in %d parts", m->parts + 1);
  return WPROF_OK;
}

int wpr_merger_write(struct wpr_merger *m) {
  struct wpr_phase_mark mark = wpr_phase_begin();
  int strag = wpio_job_stragglers(m->job); /* the arrivals become /stragglers */
  wpr_phase_end(WPR_PH_SUMMARIES, mark);
  if (strag != 0) return WPROF_ENOMEM;
  int status = m->stream || m->stream_failed ? write_streamed(m) : write_whole(m);
  if (status == WPROF_OK) WPR_INFO("report written to %s", m->path);
  return status;
}

void wpr_merger_free(struct wpr_merger *m) {
  if (m->stream) wpio_h5_stream_discard(m->stream);
  m->stream = NULL;
  wpio_summary_acc_free(m->acc);
  m->acc = NULL;
  wpio_job_free(&m->scratch);
}

void wpr_report_assemble(struct wpio_job *job, uint8_t *const *bufs, const size_t *lens, int world_size) {
  struct wpr_merger m;
  wpr_merger_init(&m, job, NULL, 0, 0);
  m.world = world_size;
  for (int r = 0; r < world_size; r++) wpr_merger_add(&m, r, bufs[r], lens[r]);
  wpr_merger_free(&m);
}
