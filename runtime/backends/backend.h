/* A backend is a struct of function pointers, one file each, registered in backends.c. The host
 * backend is always available; GPU backends fall back to it when they cannot start. */
#ifndef WPR_BACKEND_H
#define WPR_BACKEND_H

#include <stdint.h>
#include "config.h"
#include "wpio_job.h"

struct wpr_backend {
  const char *name;                  /* as in WPROF_BACKEND and the report's `backend` attribute */
  int (*available)(void);            /* 1 when it can run on this machine (what `auto` asks) */
  int (*init)(const struct wpr_config *cfg); /* once per session before the first start; NULL: none.
                                        WPROF_OK, or a negative status: the session uses host */
  int (*start)(int32_t window);      /* WPROF_OK or a negative status */
  int (*stop)(int32_t window);
  int (*flush)(void);                /* hand over buffered records (those complete: work still
                                        running at a stop stays for later, in its window) */
  int (*finish)(void);               /* at finalize, before this rank's tables are packed: wait
                                        (bounded) for work still running, then hand over
                                        everything; NULL: none */
  int (*collect)(struct wpio_job *job, int32_t rank); /* add its tables (e.g. /kernels) */
  int explains_failure;              /* a failed init warned once itself why, naming the fallback */
  int late_gpu_rows;                 /* its collect adds per-window rows that records arriving after a
                                        stop still change, uncounted by late_rows.h: a stop's spill
                                        then collects and compares every window's rows */
};

extern const struct wpr_backend wpr_backend_host;
extern const struct wpr_backend wpr_backend_cupti;
extern const struct wpr_backend wpr_backend_cuda_profiler;

/* The backend for cfg->backend, initialised: `auto` resolves to the first available GPU backend that
 * initialises, else host; an explicitly requested backend skips the availability check (so a fake
 * libcupti works without a device) and resolves to host with *fell_back set when its init fails:
 * 2 when the backend warned why itself (the caller adds no second line), else 1. Never NULL. */
const struct wpr_backend *wpr_backend_select(const struct wpr_config *cfg, int *fell_back);

#endif
