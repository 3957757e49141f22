/* dlopen of libcupti and the one table of resolved functions (cupti_api.h). A missing library or
 * symbol, or a CUPTI whose records this build cannot read, is a reason in a string, never a crash:
 * the session then runs on the host backend. */
#ifdef WPROF_HAVE_CUPTI
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dl_iterate_phdr */
#endif
#include "cupti_api.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
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
    SYM(get_version, "cuptiGetVersion"),
};

/* RTLD_LOCAL: CUPTI's symbols must not satisfy the application's own lookups. */
static void *open_library(const char *path, char *err, size_t errlen) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h) return h;
  const char *why = dlerror();
  snprintf(err, errlen, "cannot load %s (%s)", path, why ? why : "unknown reason");
  return NULL;
}

/* The first object mapped in the process whose file name starts with `prefix` (its path in out). */
struct loaded_search { const char *prefix; char *out; size_t outlen; int found; };

static int find_loaded(struct dl_phdr_info *info, size_t size, void *arg) {
  struct loaded_search *q = arg;
  const char *name = info->dlpi_name;
  if (!name || !*name) return 0;
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  if (strncmp(base, q->prefix, strlen(q->prefix)) != 0) return 0;
  snprintf(q->out, q->outlen, "%s", name);
  q->found = 1;
  return 1;
}

static int loaded_path(const char *prefix, char *out, size_t outlen) {
  struct loaded_search q = {prefix, out, outlen, 0};
  dl_iterate_phdr(find_loaded, &q);
  return q.found;
}

/* The default library: the libcupti the process already has (a second copy beside the application's
 * own, e.g. PyTorch's, would be a second CUPTI in one process), else the one of the CUDA runtime the
 * application loaded (libcudart.so.12 -> libcupti.so.12), else the toolkit's versioned soname, else
 * the unversioned name. An explicit path is taken as meant. */
int wpr_cupti_library_choose(const char *path, char *out, size_t outlen) {
  if (path && *path && strcmp(path, CUPTI_DEFAULT_NAME) != 0) {
    snprintf(out, outlen, "%s", path);
    return WPR_CUPTI_LIB_EXPLICIT;
  }
  if (loaded_path("libcupti.so", out, outlen)) return WPR_CUPTI_LIB_LOADED;
  char cudart[WPR_CUPTI_PATH_MAX];
  if (loaded_path("libcudart.so.", cudart, sizeof cudart)) {
    const char *base = strrchr(cudart, '/');
    const char *digits = strstr(base ? base : cudart, "libcudart.so.") + strlen("libcudart.so.");
    char *end = NULL;
    long major = strtol(digits, &end, 10); /* "12" of libcudart.so.12[.8.90]; no digits: no major */
    if (end != digits && major > 0 && major < 1000) {
      snprintf(out, outlen, "libcupti.so.%ld", major);
      return WPR_CUPTI_LIB_CUDART;
    }
  }
  snprintf(out, outlen, "%s", WPROF_CUPTI_SONAME);
  return WPR_CUPTI_LIB_DEFAULT;
}

int wpr_cupti_version_major(uint32_t version) {
  if (version >= 10000) return (int)(version / 10000); /* CUDA 13 on: xxyyzz */
  if (version >= 19) return 12;                        /* v19 (12.0) .. v28 (12.9 update 1) */
  return 0;                                            /* CUDA 11 or older */
}

/* The majors whose records the CUDA 13 structs read correctly: each record CUDA 12 delivers is its
 * CUDA 13 version without the trailing fields (Kernel9/Kernel10, Memcpy5/Memcpy6 before 12.8,
 * Memory3/Memory4, Synchronization/Synchronization2; compared in the 12.4, 12.8 and 13.0 headers),
 * and records are walked by cuptiActivityGetNextRecord, which knows their real size. */
static int major_known(int major) { return major == 12 || major == 13; }

int wpr_cupti_api_load(struct wpr_cupti_api *api, const char *path, char *err, size_t errlen) {
  memset(api, 0, sizeof *api);
  char chosen[WPR_CUPTI_PATH_MAX];
  int how = wpr_cupti_library_choose(path, chosen, sizeof chosen);
  api->handle = open_library(chosen, err, errlen);
  if (!api->handle && how != WPR_CUPTI_LIB_EXPLICIT && strcmp(chosen, CUPTI_DEFAULT_NAME) != 0)
    api->handle = open_library(CUPTI_DEFAULT_NAME, err, errlen); /* a toolkit with the plain name only */
  if (!api->handle) return WPROF_EBACKEND;
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    void *fn = dlsym(api->handle, symbols[i].name);
    if (!fn) {
      snprintf(err, errlen, "%s lacks %s", chosen, symbols[i].name);
      wpr_cupti_api_unload(api);
      return WPROF_EBACKEND;
    }
    memcpy((char *)api + symbols[i].offset, &fn, sizeof fn);
  }
  /* optional: CUPTI's timestamps in wprof's own clock (cupti_session.c) */
  *(void **)&api->activity_register_timestamp_callback = dlsym(api->handle, "cuptiActivityRegisterTimestampCallback");
  if (api->get_version(&api->version) != CUPTI_SUCCESS || !major_known(wpr_cupti_version_major(api->version))) {
    snprintf(err, errlen, "%s is CUPTI API version %u (CUDA %d), whose activity records this wprof (built with "
             "CUDA %d's headers, reading CUDA 12 and 13) cannot read; GPU activity is not collected",
             chosen, (unsigned)api->version, wpr_cupti_version_major(api->version), CUDA_VERSION / 1000);
    wpr_cupti_api_unload(api);
    return WPROF_EBACKEND;
  }
  snprintf(api->path, sizeof api->path, "%s", chosen);
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
