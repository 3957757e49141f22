/* Steps that collectors see: WPROF_STEP_MPI (after each call of one MPI function) and
 * WPROF_STEP_RANGE (at each end of a range of one name) count as wprof_step calls. The step itself
 * belongs to the API, above every collector; the API registers it here when a session begins, so a
 * collector fires this hook and never calls up into the API. */
#ifndef WPR_STEP_HOOK_H
#define WPR_STEP_HOOK_H

typedef int (*wpr_step_fn)(void);

/* Session begin, on the thread that drives the session: steps come from that thread only (events on
 * other threads have no order against its start/step/stop). `step_range` is WPROF_STEP_RANGE ("" when
 * off), kept by pointer: it is the session's setting and outlives the hook. */
void wpr_step_hook_begin(wpr_step_fn step, const char *step_range);
/* Session end: no more steps from collectors. */
void wpr_step_hook_end(void);

/* One step, when called on the driving thread while a session runs (the WPROF_STEP_MPI call ended). */
void wpr_step_fire(void);
/* A range named `name` ended: one step when it is WPROF_STEP_RANGE, on the driving thread. */
void wpr_step_range_end(const char *name);

#endif
