/* The CUPTI functions the cupti backend uses, resolved from a dlopen'ed libcupti into one table, so
 * libwprof never links CUPTI and loads where CUDA is absent (tests load a fake with the same subset). */
#ifndef WPR_CUPTI_API_H
#define WPR_CUPTI_API_H

#include <stddef.h>
#include <cupti.h>

#define WPR_CUPTI_PATH_MAX 4096

struct wpr_cupti_api {
  void *handle;
  CUptiResult (*activity_enable)(CUpti_ActivityKind kind);
  CUptiResult (*activity_disable)(CUpti_ActivityKind kind);
  CUptiResult (*activity_register_callbacks)(CUpti_BuffersCallbackRequestFunc requested,
                                             CUpti_BuffersCallbackCompleteFunc completed);
  CUptiResult (*activity_flush_all)(uint32_t flag);
  CUptiResult (*activity_get_next_record)(uint8_t *buffer, size_t valid_size, CUpti_Activity **record);
  CUptiResult (*activity_get_num_dropped_records)(CUcontext context, uint32_t stream_id, size_t *dropped);
  CUptiResult (*subscribe)(CUpti_SubscriberHandle *subscriber, CUpti_CallbackFunc callback, void *userdata);
  CUptiResult (*unsubscribe)(CUpti_SubscriberHandle subscriber);
  CUptiResult (*enable_callback)(uint32_t enable, CUpti_SubscriberHandle subscriber,
                                 CUpti_CallbackDomain domain, CUpti_CallbackId cbid);
  CUptiResult (*get_timestamp)(uint64_t *timestamp);
  CUptiResult (*get_result_string)(CUptiResult result, const char **str);
  CUptiResult (*get_version)(uint32_t *version);
  /* NULL when this CUPTI lacks it: GPU positions are then mapped by clock pairs (cupti_clock.h) */
  CUptiResult (*activity_register_timestamp_callback)(CUpti_TimestampCallbackFunc now);
  uint32_t version;                 /* cuptiGetVersion's */
  char path[WPR_CUPTI_PATH_MAX];    /* what was loaded */
};

/* Which libcupti the default name stands for (wpr_cupti_library_choose's answer). */
enum { WPR_CUPTI_LIB_EXPLICIT, WPR_CUPTI_LIB_LOADED, WPR_CUPTI_LIB_CUDART, WPR_CUPTI_LIB_DEFAULT };
int wpr_cupti_library_choose(const char *path, char *out, size_t outlen);
/* The CUDA major of a cuptiGetVersion answer (0: older than CUDA 12). */
int wpr_cupti_version_major(uint32_t version);

/* Loads `path` (for the default "libcupti.so": the libcupti already in the process, else the one
 * matching the loaded CUDA runtime, else the toolkit's versioned soname), resolves every function and
 * checks cuptiGetVersion's major (12 or 13). WPROF_OK, or WPROF_EBACKEND with the reason in err. */
int wpr_cupti_api_load(struct wpr_cupti_api *api, const char *path, char *err, size_t errlen);
void wpr_cupti_api_unload(struct wpr_cupti_api *api);

/* CUPTI's text for a result code, never NULL. */
const char *wpr_cupti_result_text(const struct wpr_cupti_api *api, CUptiResult rc);

#endif
