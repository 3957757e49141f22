/* Lite scopes: cheap host timings for the whole run. wprof_scope_begin/end (defined in lite.c) touch
 * only the calling thread's table: no locks, no allocation after a thread's first use of a scope. */
#ifndef WPR_LITE_H
#define WPR_LITE_H

#include <stdint.h>
#include "wpio_job.h"

/* Enables or disables recording (WPROF_LITE and WPROF_RANKS); scopes record from the first
 * wprof_scope_id call, before wprof_init too. */
void wpr_lite_set_enabled(int enabled);
/* A session's report has the counts so far: they start again (each thread's at its next call), for the
 * next session. */
void wpr_lite_new_session(void);

/* Adds one /lite row per scope with calls (merged over all threads) and its /lite_hist buckets,
 * named through job->names, for `rank`. Percentile columns are left for wpio_job_summarize. */
int wpr_lite_collect(struct wpio_job *job, int32_t rank);

/* Test hook: records one duration of `ns` for scope `id` on the calling thread, as wprof_scope_end
 * would, so tests can feed controlled data through the collect path. WPROF_OK or WPROF_EINVAL. */
int wpr_lite_record_ns(int id, uint64_t ns);

#endif
