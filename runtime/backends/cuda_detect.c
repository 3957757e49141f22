/* Is a CUDA device usable here? The driver (libcuda.so.1, dlopen'ed with RTLD_LOCAL, never linked) is
 * asked once: cuInit(0) then cuDeviceGetCount. Machines without a driver answer in a failed dlopen. */
#include "cuda_detect.h"

#include <dlfcn.h>
#include <pthread.h>

#include "log.h"

typedef int (*cu_init_fn)(unsigned int flags);
typedef int (*cu_device_get_count_fn)(int *count);

static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static int device_usable;

/* The driver stays loaded once cuInit has run: CUPTI and the runtime use it next, and unloading a
 * driver that initialised is not safe. */
static void detect(void) {
  void *cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!cuda) {
    WPR_DEBUG("no CUDA driver (libcuda.so.1: %s): no usable device", dlerror());
    return;
  }
  cu_init_fn cu_init = (cu_init_fn)dlsym(cuda, "cuInit");
  cu_device_get_count_fn get_count = (cu_device_get_count_fn)dlsym(cuda, "cuDeviceGetCount");
  if (!cu_init || !get_count) {
    WPR_DEBUG("libcuda.so.1 lacks cuInit/cuDeviceGetCount: no usable device");
    dlclose(cuda);
    return;
  }
  int rc = cu_init(0), count = 0;
  if (rc != 0) {
    WPR_DEBUG("cuInit failed (CUresult %d): no usable device", rc);
    return;
  }
  rc = get_count(&count);
  if (rc != 0 || count <= 0) {
    WPR_DEBUG("cuDeviceGetCount: CUresult %d, %d device(s): no usable device", rc, count);
    return;
  }
  WPR_DEBUG("%d CUDA device(s) usable", count);
  device_usable = 1;
}

int wpr_cuda_device_usable(void) {
  pthread_once(&detect_once, detect);
  return device_usable;
}
