/* The backend registry: adding a backend is one file and one line in `gpu_backends`. Selection turns
 * WPROF_BACKEND into a backend that can run here, falling back to host (never NULL). */
#include "backend.h"

#include <string.h>

#include "config.h"

/* GPU backends in the order `auto` tries them; the host backend is the fallback, not listed. */
static const struct wpr_backend *const gpu_backends[] = {
    &wpr_backend_cupti,
    &wpr_backend_cuda_profiler,
};

#define N_GPU_BACKENDS (sizeof gpu_backends / sizeof gpu_backends[0])

static const struct wpr_backend *backend_named(const char *name) {
  for (size_t i = 0; i < N_GPU_BACKENDS; i++)
    if (gpu_backends[i] && strcmp(gpu_backends[i]->name, name) == 0) return gpu_backends[i];
  return NULL;
}

static int backend_init(const struct wpr_backend *b, const struct wpr_config *cfg) {
  return !b->init || b->init(cfg) == 0;
}

static const struct wpr_backend *first_available_gpu(const struct wpr_config *cfg) {
  for (size_t i = 0; i < N_GPU_BACKENDS; i++)
    if (gpu_backends[i]->available() && backend_init(gpu_backends[i], cfg)) return gpu_backends[i];
  return NULL;
}

const struct wpr_backend *wpr_backend_select(const struct wpr_config *cfg, int *fell_back) {
  int dummy;
  if (!fell_back) fell_back = &dummy;
  *fell_back = 0;
  if (cfg->backend == WPR_BACKEND_HOST) return &wpr_backend_host;
  if (cfg->backend == WPR_BACKEND_AUTO) {
    const struct wpr_backend *b = first_available_gpu(cfg);
    return b ? b : &wpr_backend_host; /* no usable GPU is what auto means by host: not a fallback */
  }
  const struct wpr_backend *b = backend_named(wpr_backend_kind_name(cfg->backend));
  if (b && backend_init(b, cfg)) return b;
  *fell_back = b && b->init && b->explains_failure ? 2 : 1;
  return &wpr_backend_host;
}
