/* The step hook (step_hook.h): the API's step function and the thread that drives the session, set
 * at session begin; collectors' events become steps only on that thread. */
#include "step_hook.h"

#include <stddef.h>
#include <string.h>

/* The thread that drives the session is known by the address of its copy of this variable. */
static __thread char driver_marker __attribute__((tls_model("initial-exec")));
static const void *driver_thread;
/* Read only on the driving thread, which wrote them before it published itself as the driver. */
static wpr_step_fn step_fn;
static const char *step_range;

static int on_driver_thread(void) {
  return __atomic_load_n(&driver_thread, __ATOMIC_RELAXED) == (const void *)&driver_marker;
}

void wpr_step_hook_begin(wpr_step_fn step, const char *range) {
  step_fn = step;
  step_range = range;
  __atomic_store_n(&driver_thread, (const void *)&driver_marker, __ATOMIC_RELAXED);
}

void wpr_step_hook_end(void) { __atomic_store_n(&driver_thread, NULL, __ATOMIC_RELAXED); }

void wpr_step_fire(void) {
  if (on_driver_thread() && step_fn) step_fn();
}

void wpr_step_range_end(const char *name) {
  if (!name || !on_driver_thread() || !step_fn || !step_range) return;
  if (step_range[0] && strcmp(name, step_range) == 0) step_fn();
}
