/* The cupti backend: GPU kernels, copies, sets, synchronizations and memory from CUPTI's activity
 * records, attributed to windows and ranges. Its body is the cupti/ folder (cupti_session.c); this
 * is its entry in the registry. Built without the CUDA toolkit's cupti.h it is never available, and
 * its init fails so the session uses host. */
#include "backend.h"

#include "wprof/wprof.h"

#ifdef WPROF_HAVE_CUPTI
#include "cuda_detect.h"
#include "cupti_session.h"

const struct wpr_backend wpr_backend_cupti = {
    .name = "cupti",
    .available = wpr_cuda_device_usable,
    .init = wpr_cupti_init,
    .start = wpr_cupti_start,
    .stop = wpr_cupti_stop,
    .flush = wpr_cupti_flush,
    .finish = wpr_cupti_finish,
    .collect = wpr_cupti_collect,
    .explains_failure = 1, /* every failed init warns once, with the reason (cupti_session.c) */
    .late_gpu_rows = 1,    /* kernels, memory, stacks, breakdown: GPU records come after their stop */
};
#else
static int cupti_unavailable(void) { return 0; }
static int cupti_refuse_init(const struct wpr_config *cfg) { return WPROF_EBACKEND; }
static int cupti_refuse_window(int32_t window) { return WPROF_EBACKEND; }

const struct wpr_backend wpr_backend_cupti = {
    .name = "cupti",
    .available = cupti_unavailable,
    .init = cupti_refuse_init,
    .start = cupti_refuse_window,
    .stop = cupti_refuse_window,
};
#endif
