/* The host backend: always available, collects nothing of its own. The window rows are recorded by
 * window.c for every backend, and lite scopes and ranges run independently, so start/stop just
 * succeed. */
#include "backend.h"

#include "wprof/wprof.h"

static int host_available(void) { return 1; }
static int host_start(int32_t window) { return WPROF_OK; }
static int host_stop(int32_t window) { return WPROF_OK; }
static int host_flush(void) { return WPROF_OK; }
static int host_collect(struct wpio_job *job, int32_t rank) { return WPROF_OK; }

const struct wpr_backend wpr_backend_host = {
    .name = "host",
    .available = host_available,
    .start = host_start,
    .stop = host_stop,
    .flush = host_flush,
    .collect = host_collect,
};
