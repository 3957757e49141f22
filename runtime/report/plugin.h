/* The HDF5 writer plugin (plugin.c): libwprof_h5.so, dlopened by rank 0 only, so libwprof never
 * links HDF5. */
#ifndef WPR_PLUGIN_H
#define WPR_PLUGIN_H

#include <stddef.h>

struct wpio_job;
struct wpio_h5_stream;

/* rank 0, at init: starts loading it on a background thread */
void wpr_h5_plugin_preload(void);

/* The whole-report writer; NULL with a reason in err when unavailable. */
typedef int (*wpr_h5_write_fn)(const struct wpio_job *job, const char *path, unsigned flags, char *err,
                               size_t errlen);
wpr_h5_write_fn wpr_h5_plugin_load(char *err, size_t errlen);

/* The plugin's streamed writer (wpio_h5.h), for a report whose rows outgrow WPROF_GATHER_MAX_MB on
 * rank 0. 0, or -1 with the reason in err (no plugin, or one without it). */
struct wpr_h5_stream_api {
  struct wpio_h5_stream *(*open)(const char *path, unsigned flags, char *err, size_t errlen);
  int (*rows)(struct wpio_h5_stream *s, const struct wpio_job *part, char *err, size_t errlen);
  int (*close)(struct wpio_h5_stream *s, const struct wpio_job *job, char *err, size_t errlen);
  void (*discard)(struct wpio_h5_stream *s);
};
int wpr_h5_plugin_stream_api(struct wpr_h5_stream_api *api, char *err, size_t errlen);

#endif
