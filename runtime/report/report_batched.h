/* Finalize's gather on rank 0: each rank's packed data is merged into the job as it arrives, in
 * batches of ranks bounded by WPROF_GATHER_MAX_MB (report_batched.c). */
#ifndef WPR_REPORT_BATCHED_H
#define WPR_REPORT_BATCHED_H

#include <stddef.h>
#include <stdint.h>

#include "report_merge.h"
#include "session.h"
#include "wpio_job.h"

/* Collective. On rank 0 the merger receives every rank's rows (a placeholder row for a missing or
 * corrupt rank); other ranks send `packed`. Returns a WPC_* code of the gather. */
int wpr_report_gather(struct wpr_session *s, const uint8_t *packed, size_t len, struct wpr_merger *merger);

#endif
