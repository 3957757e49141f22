/* Finalize's gather on rank 0: each rank's packed data is merged into the job as it arrives, in
 * batches of ranks bounded by WPROF_GATHER_MAX_MB (report_batched.c). */
#ifndef WPR_REPORT_BATCHED_H
#define WPR_REPORT_BATCHED_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "wpio_job.h"

/* Collective. On rank 0 `job` receives every rank's rows (a placeholder row for a missing or corrupt
 * rank); other ranks send `packed`. Returns a WPC_* code of the gather. */
int wpr_report_gather(struct wpr_session *s, const uint8_t *packed, size_t len, struct wpio_job *job);

/* Rank 0's merging of the ranks' data into the report's job (report.c). Each rank is decoded into
 * one scratch job that keeps its memory from rank to rank: thousands of ranks cost no allocation and
 * no freshly zeroed pages each. */
struct wpr_merger {
  struct wpio_job *job;
  struct wpio_job scratch;
};
void wpr_merger_init(struct wpr_merger *m, struct wpio_job *job);
/* Decodes and validates one rank's bytes into the job; NULL buf: the rank is missing. */
void wpr_merger_add(struct wpr_merger *m, int rank, const uint8_t *buf, size_t len);
void wpr_merger_free(struct wpr_merger *m);

#endif
