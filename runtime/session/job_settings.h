/* Rank 0's settings are the job's (job_settings.c): what every rank adopts at init. */
#ifndef WPR_JOB_SETTINGS_H
#define WPR_JOB_SETTINGS_H

#include <stdint.h>

struct wpr_session;
/* Collective, at init after the clock exchange: rank 0 hands out the settings that shape windows
 * (WPROF_DELAY_ITERS, WPROF_MAX_ITERS, WPROF_PRINT, WPROF_BACKEND, WPROF_RANKS); a rank whose own
 * differ warns once, in one line naming the variables and itself, notes it for the report's
 * settings_agreement, and uses rank 0's. A rank that hears nothing from rank 0 keeps its own.
 * env_iters: this rank's WPROF_DELAY_ITERS and WPROF_MAX_ITERS as its environment has them (what
 * wprof_set_window_iters(-1, -1) goes back to); on return, rank 0's, so going back to them later
 * keeps every rank's windows alike. */
void wpr_job_settings_adopt(struct wpr_session *s, int64_t env_iters[2]);

#endif
