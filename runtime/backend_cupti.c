/* Placeholder until the GPU issue's cupti backend lands: never available, fails to start. */
#include "backend.h"
#include "wprof/wprof.h"

static int unavailable(void) { return 0; }
static int refuse_init(const struct wpr_config *cfg) { return WPROF_EBACKEND; }
static int refuse_window(int32_t window) { return WPROF_EBACKEND; }

const struct wpr_backend wpr_backend_cupti = {
    .name = "cupti",
    .available = unavailable,
    .init = refuse_init,
    .start = refuse_window,
    .stop = refuse_window,
};
