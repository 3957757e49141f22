/* The CUPTI functions the cupti backend uses, resolved from a dlopen'ed libcupti into one table, so
 * libwprof never links CUPTI and loads where CUDA is absent (tests load a fake with the same subset). */
#ifndef WPR_CUPTI_API_H
#define WPR_CUPTI_API_H

#include <stddef.h>
#include <cupti.h>

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
};

/* Loads `path` (the default "libcupti.so" also tries the toolkit's versioned soname) and resolves
 * every function. WPROF_OK, or WPROF_EBACKEND with the reason in err (nothing stays loaded). */
int wpr_cupti_api_load(struct wpr_cupti_api *api, const char *path, char *err, size_t errlen);
void wpr_cupti_api_unload(struct wpr_cupti_api *api);

/* CUPTI's text for a result code, never NULL. */
const char *wpr_cupti_result_text(const struct wpr_cupti_api *api, CUptiResult rc);

#endif
