/* Loads the HDF5 writer plugin (libwprof_h5.so) on rank 0 only: libwprof never links HDF5, so an
 * application's own HDF5 (often the parallel build) cannot clash with ours, and other ranks never
 * pay for loading it: rank 0 starts loading it on a background thread at init. The plugin is looked
 * for beside libwprof, then in the build and install trees. */
#include "plugin.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "wpio_h5.h"

/* RTLD_DEEPBIND keeps the plugin bound to its own HDF5 even when the application exports another;
 * sanitizer runtimes refuse it (their dlopen interceptor kills the process), so sanitizer builds go
 * without, and so does a normal libwprof inside an application built with a sanitizer: its runtime
 * is found by a symbol every sanitizer runtime exports. */
static int plugin_flags(void) {
  int flags = RTLD_NOW | RTLD_LOCAL;
#if !defined(WPROF_SANITIZER_BUILD) && defined(RTLD_DEEPBIND)
  if (!dlsym(RTLD_DEFAULT, "__sanitizer_print_stack_trace")) flags |= RTLD_DEEPBIND;
#endif
  return flags;
}

static int dir_of_this_library(char *dir, size_t len) {
  Dl_info info;
  if (!dladdr((void *)&wpr_h5_plugin_load, &info) || !info.dli_fname) return -1;
  const char *slash = strrchr(info.dli_fname, '/');
  if (!slash) return -1;
  size_t n = (size_t)(slash - info.dli_fname);
  if (n + 1 > len) return -1;
  memcpy(dir, info.dli_fname, n);
  dir[n] = '\0';
  return 0;
}

static void *try_open(const char *dir, char *tried, size_t tried_len) {
  char path[PATH_MAX];
  if (dir) snprintf(path, sizeof(path), "%s/%s", dir, WPIO_H5_PLUGIN_NAME);
  else snprintf(path, sizeof(path), "%s", WPIO_H5_PLUGIN_NAME);
  void *handle = dlopen(path, plugin_flags());
  if (!handle) {
    size_t used = strlen(tried);
    snprintf(tried + used, tried_len - used, "%s%s", used ? "; " : "", dlerror());
  }
  return handle;
}

/* Loaded once per process and kept for its life (HDF5 registers atexit handlers inside it). */
static pthread_once_t plugin_once = PTHREAD_ONCE_INIT;
static void *plugin_handle;
static char plugin_tried[1024];

/* The plugin's optional warm-up (io/h5/h5_write.c): HDF5's own initialisation, done here rather than in
 * finalize. Only when no HDF5 was visible in the process before ours: the application's HDF5 may be
 * the very library the plugin binds to, and a serial HDF5 must not be entered from two threads. */
#define WPIO_H5_WARM_UP_SYMBOL "wpio_h5_warm_up"

static void plugin_warm_up(void *handle, int hdf5_was_loaded) {
  int (*warm_up)(void) = (int (*)(void))dlsym(handle, WPIO_H5_WARM_UP_SYMBOL);
  if (warm_up && !hdf5_was_loaded) warm_up();
}

static void plugin_open(void) {
  char here[PATH_MAX];
  void *handle = NULL;
  int hdf5_was_loaded = dlsym(RTLD_DEFAULT, "H5open") != NULL;
  if (dir_of_this_library(here, sizeof(here)) == 0) handle = try_open(here, plugin_tried, sizeof(plugin_tried));
  if (!handle) handle = try_open(WPROF_BUILD_LIBDIR, plugin_tried, sizeof(plugin_tried));
  if (!handle) handle = try_open(WPROF_INSTALL_LIBDIR, plugin_tried, sizeof(plugin_tried));
  if (!handle) handle = try_open(NULL, plugin_tried, sizeof(plugin_tried));
  if (handle) plugin_warm_up(handle, hdf5_was_loaded);
  plugin_handle = handle;
}

static void *plugin_preload_main(void *arg) {
  (void)arg;
  pthread_once(&plugin_once, plugin_open);
  return NULL;
}

void wpr_h5_plugin_preload(void) {
  /* Loading libhdf5 and its ~35 libraries takes milliseconds: do it while the application runs,
   * not in finalize. If no thread can be made, finalize loads it. */
  static int started;
  pthread_t thread;
  if (__atomic_exchange_n(&started, 1, __ATOMIC_RELAXED)) return;
  if (pthread_create(&thread, NULL, plugin_preload_main, NULL) == 0) pthread_detach(thread);
}

/* The plugin's function `name`, loading the plugin first (or waiting for the preload); NULL with
 * the reason in err. */
static void *plugin_symbol(const char *name, char *err, size_t errlen) {
  pthread_once(&plugin_once, plugin_open); /* waits for a preload still running */
  void *handle = plugin_handle;
  if (!handle) {
    snprintf(err, errlen, "cannot load the HDF5 writer plugin %s (%s)", WPIO_H5_PLUGIN_NAME, plugin_tried);
    return NULL;
  }
  void *fn = dlsym(handle, name);
  if (!fn) snprintf(err, errlen, "%s has no %s", WPIO_H5_PLUGIN_NAME, name);
  return fn;
}

wpr_h5_write_fn wpr_h5_plugin_load(char *err, size_t errlen) {
  return (wpr_h5_write_fn)plugin_symbol(WPIO_H5_WRITE_SYMBOL, err, errlen);
}

int wpr_h5_plugin_stream_api(struct wpr_h5_stream_api *api, char *err, size_t errlen) {
  api->open = (struct wpio_h5_stream * (*)(const char *, unsigned, char *, size_t))
      plugin_symbol(WPIO_H5_STREAM_OPEN_SYMBOL, err, errlen);
  api->rows = (int (*)(struct wpio_h5_stream *, const struct wpio_job *, char *, size_t))
      plugin_symbol(WPIO_H5_STREAM_ROWS_SYMBOL, err, errlen);
  api->close = (int (*)(struct wpio_h5_stream *, const struct wpio_job *, char *, size_t))
      plugin_symbol(WPIO_H5_STREAM_CLOSE_SYMBOL, err, errlen);
  api->discard = (void (*)(struct wpio_h5_stream *))plugin_symbol(WPIO_H5_STREAM_DISCARD_SYMBOL, err, errlen);
  return api->open && api->rows && api->close && api->discard ? 0 : -1;
}
