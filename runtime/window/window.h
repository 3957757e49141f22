/* Windows across ranks (window.c): what the API hands the state machine's actions to. */
#ifndef WPR_WINDOW_H
#define WPR_WINDOW_H

struct wpr_session;

/* Performs the state machine's actions (enum wpr_sm_action bits): a sync point on wprof's
 * communicator, then the backend's start or stop; after a stop, the spill and the stop tables. */
void wpr_window_perform(struct wpr_session *s, unsigned actions);
/* wprof_step, once s->spill_due has passed: spills the open window so far (cut short) and sets the
 * next due time, WPROF_SPILL_INTERVAL_MS on. */
void wpr_window_spill_open(struct wpr_session *s);

#endif
