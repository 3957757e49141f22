/* Preloaded into the sanitized test runs only: dlclose does nothing, so the Open MPI and HDF5 modules
 * that allocate at init stay mapped at exit and LeakSanitizer can name them (a leak from an unloaded
 * module has no name, and no suppression can match it). Never part of libwprof. */
#include <dlfcn.h>

int dlclose(void *handle) {
  (void)handle;
  return 0;
}
