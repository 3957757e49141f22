/* dlopen of libcupti and the one table of resolved functions (cupti_api.h). A missing library or
 * symbol is a reason in a string, never a crash: the session then runs on the host backend. */
#ifdef WPROF_HAVE_CUPTI
#include "cupti_api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "wprof/wprof.h"

#ifndef WPROF_CUPTI_SONAME
#define WPROF_CUPTI_SONAME "libcupti.so"
#endif
#define CUPTI_DEFAULT_NAME "libcupti.so"

struct symbol { const char *name; size_t offset; };
#define SYM(field, name) {name, offsetof(struct wpr_cupti_api, field)}

static const struct symbol symbols[] = {
    SYM(activity_enable, "cuptiActivityEnable"),
    SYM(activity_disable, "cuptiActivityDisable"),
    SYM(activity_register_callbacks, "cuptiActivityRegisterCallbacks"),
    SYM(activity_flush_all, "cuptiActivityFlushAll"),
    SYM(activity_get_next_record, "cuptiActivityGetNextRecord"),
    SYM(activity_get_num_dropped_records, "cuptiActivityGetNumDroppedRecords"),
    SYM(subscribe, "cuptiSubscribe"),
    SYM(unsubscribe, "cuptiUnsubscribe"),
    SYM(enable_callback, "cuptiEnableCallback"),
    SYM(get_timestamp, "cuptiGetTimestamp"),
    SYM(get_result_string, "cuptiGetResultString"),
};

/* RTLD_LOCAL: CUPTI's symbols must not satisfy the application's own lookups. */
static void *open_library(const char *path, char *err, size_t errlen) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h) return h;
  const char *why = dlerror();
  snprintf(err, errlen, "cannot load %s (%s)", path, why ? why : "unknown reason");
  /* Runtime installs ship only the versioned soname; an explicit path is taken as meant. */
  if (strcmp(path, CUPTI_DEFAULT_NAME) == 0 && strcmp(WPROF_CUPTI_SONAME, CUPTI_DEFAULT_NAME) != 0)
    h = dlopen(WPROF_CUPTI_SONAME, RTLD_NOW | RTLD_LOCAL);
  return h;
}

int wpr_cupti_api_load(struct wpr_cupti_api *api, const char *path, char *err, size_t errlen) {
  memset(api, 0, sizeof *api);
  api->handle = open_library(path && *path ? path : CUPTI_DEFAULT_NAME, err, errlen);
  if (!api->handle) return WPROF_EBACKEND;
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    void *fn = dlsym(api->handle, symbols[i].name);
    if (!fn) {
      snprintf(err, errlen, "%s lacks %s", path, symbols[i].name);
      wpr_cupti_api_unload(api);
      return WPROF_EBACKEND;
    }
    memcpy((char *)api + symbols[i].offset, &fn, sizeof fn);
  }
  return WPROF_OK;
}

/* Forgets the table but keeps the library mapped: libcupti may have started threads or registered
 * hooks once called, and unmapping code that still runs would crash the application. */
void wpr_cupti_api_unload(struct wpr_cupti_api *api) {
  memset(api, 0, sizeof *api);
}

const char *wpr_cupti_result_text(const struct wpr_cupti_api *api, CUptiResult rc) {
  const char *text = NULL;
  if (api->get_result_string && api->get_result_string(rc, &text) == CUPTI_SUCCESS && text) return text;
  return "unknown CUPTI error";
}
#endif
