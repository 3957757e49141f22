/* The cuda-profiler-api backend: windows become cudaProfilerStart/Stop calls, so an external profiler
 * (nsys --capture-range=cudaProfilerApi) captures windows synchronized across ranks. The CUDA runtime
 * is dlopen'ed (never linked); it collects no tables of its own. */
#include <dlfcn.h>
#include <stddef.h>

#include "backend.h"
#include "cuda_detect.h"
#include "log.h"
#include "wprof/wprof.h"

typedef int (*cuda_call_fn)(void);
typedef int (*cuda_get_device_count_fn)(int *count);

static struct {
  void *lib;
  cuda_call_fn start, stop;
  cuda_get_device_count_fn device_count;
} rt;

/* The toolkit's soname first (an application built with that toolkit has it loaded already), then
 * whatever libcudart the loader or the toolkit's folder offers. */
static const char *const runtime_names[] = {
#ifdef WPROF_CUDART_SONAME
    WPROF_CUDART_SONAME,
#endif
    "libcudart.so",
#ifdef WPROF_CUDART_DIR
    WPROF_CUDART_DIR "/libcudart.so",
#endif
};

static void *runtime_open(void) {
  for (size_t i = 0; i < sizeof runtime_names / sizeof runtime_names[0]; i++) {
    void *lib = dlopen(runtime_names[i], RTLD_NOW | RTLD_LOCAL);
    if (lib) return lib;
    WPR_DEBUG("cuda-profiler-api: %s", dlerror());
  }
  return NULL;
}

static int runtime_resolve(void *lib) {
  rt.start = (cuda_call_fn)dlsym(lib, "cudaProfilerStart");
  rt.stop = (cuda_call_fn)dlsym(lib, "cudaProfilerStop");
  rt.device_count = (cuda_get_device_count_fn)dlsym(lib, "cudaGetDeviceCount");
  return rt.start && rt.stop && rt.device_count;
}

/* Loads the runtime once per process and checks a device answers; the reason for a failure goes to
 * the info log, and the session's one warning says the backend fell back to host. */
static int profiler_init(const struct wpr_config *cfg) {
  (void)cfg;
  if (!rt.lib) {
    void *lib = runtime_open();
    if (!lib) {
      WPR_INFO("cuda-profiler-api: the CUDA runtime (libcudart) could not be loaded");
      return WPROF_EBACKEND;
    }
    if (!runtime_resolve(lib)) {
      WPR_INFO("cuda-profiler-api: libcudart lacks cudaProfilerStart/cudaProfilerStop/cudaGetDeviceCount");
      dlclose(lib);
      return WPROF_EBACKEND;
    }
    rt.lib = lib;
  }
  int count = 0, rc = rt.device_count(&count);
  if (rc != 0 || count <= 0) {
    WPR_INFO("cuda-profiler-api: no usable device (cudaGetDeviceCount: error %d, %d device(s))", rc, count);
    return WPROF_EBACKEND;
  }
  return WPROF_OK;
}

static int profiler_call(cuda_call_fn fn, const char *what, int32_t window) {
  if (!fn) return WPROF_EBACKEND;
  int rc = fn();
  if (rc == 0) return WPROF_OK;
  WPR_DEBUG("%s failed (cudaError %d) at window %d", what, rc, (int)window);
  return WPROF_EBACKEND;
}

static int profiler_available(void) { return wpr_cuda_device_usable(); }
static int profiler_start(int32_t window) { return profiler_call(rt.start, "cudaProfilerStart", window); }
static int profiler_stop(int32_t window) { return profiler_call(rt.stop, "cudaProfilerStop", window); }
static int profiler_flush(void) { return WPROF_OK; }
static int profiler_collect(struct wpio_job *job, int32_t rank) {
  (void)job;
  (void)rank;
  return WPROF_OK;
}

const struct wpr_backend wpr_backend_cuda_profiler = {
    .name = "cuda-profiler-api",
    .available = profiler_available,
    .init = profiler_init,
    .start = profiler_start,
    .stop = profiler_stop,
    .flush = profiler_flush,
    .collect = profiler_collect,
};
