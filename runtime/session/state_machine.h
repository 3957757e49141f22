/* The profiling window state machine (the seed's delay/max semantics), a pure function of
 * (state, event) -> (state, actions): no MPI, no CUDA, no clocks. The caller performs the actions. */
#ifndef WPR_STATE_MACHINE_H
#define WPR_STATE_MACHINE_H

#include <stdint.h>

enum wpr_sm_event { WPR_SM_START, WPR_SM_STEP, WPR_SM_STOP, WPR_SM_SHUTDOWN };

enum wpr_sm_action {
  WPR_SM_NONE = 0,
  WPR_SM_BACKEND_START = 1 << 0,  /* open a window: sync point, then start the collectors */
  WPR_SM_BACKEND_STOP = 1 << 1,   /* close the window: sync point, then stop the collectors */
};

struct wpr_sm {
  int active;        /* a start is pending or running */
  int running;       /* collectors run */
  int64_t steps;     /* step() calls since start() */
  int64_t profiled;  /* profiled steps of the running window */
  int64_t closed_steps; /* `steps` (docs/design.md) of the window closed by the last BACKEND_STOP action */
};

static inline void wpr_sm_init(struct wpr_sm *sm) {
  sm->active = sm->running = 0;
  sm->steps = sm->profiled = sm->closed_steps = 0;
}

/* Applies `ev` with the given delay/max; returns the enum wpr_sm_action bits to perform. */
unsigned wpr_sm_apply(struct wpr_sm *sm, int64_t delay, int64_t max, enum wpr_sm_event ev);

/* `steps` of the running window so far (docs/design.md): step() calls while running, not counting the call
 * that opened a delayed window. After a BACKEND_STOP action, sm->closed_steps holds the final count. */
int64_t wpr_sm_window_steps(const struct wpr_sm *sm, int64_t delay);

const char *wpr_sm_event_name(enum wpr_sm_event ev);

#endif
