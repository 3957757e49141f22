/* The profiling window state machine (docs/design.md, "The window state machine"): the seed's
 * delay/max semantics. Pure: it only updates `sm` and says which backend actions the caller owes. */
#include "state_machine.h"

static unsigned sm_start(struct wpr_sm *sm, int64_t delay) {
  if (sm->active) return WPR_SM_NONE;
  sm->active = 1;
  if (delay != 0) return WPR_SM_NONE;
  sm->running = 1;
  return WPR_SM_BACKEND_START;
}

static unsigned sm_step(struct wpr_sm *sm, int64_t delay, int64_t max) {
  unsigned actions = WPR_SM_NONE;
  if (!sm->active) return actions;
  sm->steps++;
  /* the start comes first, so the call that opens a delayed window is its profiled step 1 */
  if (!sm->running && delay > 0 && sm->steps == delay) {
    sm->running = 1;
    actions |= WPR_SM_BACKEND_START;
  }
  if (sm->running) sm->profiled++;
  if (max > 0 && sm->running && sm->profiled > max) {
    /* stays active: a later stop() resets the counters, and a delayed start cannot fire again */
    sm->closed_steps = wpr_sm_window_steps(sm, delay);
    sm->running = 0;
    actions |= WPR_SM_BACKEND_STOP;
  }
  return actions;
}

static unsigned sm_stop(struct wpr_sm *sm, int64_t delay) {
  if (!sm->active) return WPR_SM_NONE;
  int was_running = sm->running;
  if (was_running) sm->closed_steps = wpr_sm_window_steps(sm, delay);
  sm->active = sm->running = 0;
  sm->steps = sm->profiled = 0;
  return was_running ? WPR_SM_BACKEND_STOP : WPR_SM_NONE;
}

unsigned wpr_sm_apply(struct wpr_sm *sm, int64_t delay, int64_t max, enum wpr_sm_event ev) {
  switch (ev) {
  case WPR_SM_START: return sm_start(sm, delay);
  case WPR_SM_STEP: return sm_step(sm, delay, max);
  case WPR_SM_STOP: return sm_stop(sm, delay);
  case WPR_SM_SHUTDOWN: return sm->running ? sm_stop(sm, delay) : WPR_SM_NONE;
  }
  return WPR_SM_NONE;
}

int64_t wpr_sm_window_steps(const struct wpr_sm *sm, int64_t delay) {
  /* a delayed window was opened by a step() that counted itself as profiled step 1 */
  int64_t opening = delay > 0 ? 1 : 0;
  return sm->profiled > opening ? sm->profiled - opening : 0;
}

const char *wpr_sm_event_name(enum wpr_sm_event ev) {
  switch (ev) {
  case WPR_SM_START: return "start";
  case WPR_SM_STEP: return "step";
  case WPR_SM_STOP: return "stop";
  case WPR_SM_SHUTDOWN: return "shutdown";
  }
  return "unknown";
}
