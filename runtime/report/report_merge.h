/* Rank 0's side of finalize after the gather: each rank's packed data decoded, validated and merged
 * into the report's job, and the report written (report_merge.c). When the merged rows would outgrow
 * a bound (WPROF_GATHER_MAX_MB), they are streamed into the report's datasets part by part and leave
 * memory, the summaries folded part by part; else the report is written in one go at the end. */
#ifndef WPR_REPORT_MERGE_H
#define WPR_REPORT_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "wpio_job.h"

struct wpc_ctx;

struct wpr_merger {
  struct wpio_job *job;
  struct wpio_job scratch;   /* each rank decoded here, its memory kept from rank to rank */
  char path[WPR_PATH_MAX + 16];
  unsigned flags;            /* WPIO_H5_* */
  uint64_t max_bytes;        /* merged rows held before they are streamed; 0: all of them */
  struct wpio_h5_stream *stream; /* open from the first part streamed on */
  struct wpio_summary_acc *acc;
  int parts;                 /* parts streamed so far */
  int stream_failed;         /* writing the stream failed: no report (said once) */
  char err[512];
  struct wpc_ctx *comm;      /* optional: a rank that left the session is missing without a warning */
  int world;                 /* ranks the merge takes (0: unknown), for the room made for them */
};

/* path: the report (empty: merging only, never streamed); max_bytes 0: never streamed. */
void wpr_merger_init(struct wpr_merger *m, struct wpio_job *job, const char *path, unsigned flags,
                     uint64_t max_bytes);
/* Decodes and validates one rank's bytes into the job; NULL buf: the rank is missing. */
void wpr_merger_add(struct wpr_merger *m, int rank, const uint8_t *buf, size_t len);
/* The job's stragglers and summaries (over every part), then the report: the stream closed, or the
 * whole job written. WPROF_OK, WPROF_ENOMEM or WPROF_EIO (said as a warning). */
int wpr_merger_write(struct wpr_merger *m);
void wpr_merger_free(struct wpr_merger *m);

/* The merge alone, for tests and benchmarks: decodes and validates each rank's bytes (NULL: never
 * arrived) into `job`; a rank that is missing or fails validation gets a `missing` / `corrupt` row,
 * the rest is kept. */
void wpr_report_assemble(struct wpio_job *job, uint8_t *const *bufs, const size_t *lens, int world_size);

#endif
