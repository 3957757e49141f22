/* A backend is a struct of function pointers, one file each, registered in backends.c. The host
 * backend is always available; GPU backends fall back to it when they cannot start. */
#ifndef WPR_BACKEND_H
#define WPR_BACKEND_H

#include <stdint.h>
#include "wpio_job.h"

struct wpr_backend {
  const char *name;                  /* as in WPROF_BACKEND and the report's `backend` attribute */
  int (*available)(void);            /* 1 when it can run on this machine */
  int (*start)(int32_t window);      /* WPROF_OK or a negative status */
  int (*stop)(int32_t window);
  int (*flush)(void);                /* hand over buffered records */
  int (*collect)(struct wpio_job *job, int32_t rank); /* add its tables (e.g. /kernels) */
};

extern const struct wpr_backend wpr_backend_host;

/* The backend for a WPROF_BACKEND kind: `auto` resolves to the first available GPU backend, else host;
 * a requested backend that is not available resolves to host with *fell_back set. Never NULL. */
const struct wpr_backend *wpr_backend_select(int kind, int *fell_back);

#endif
