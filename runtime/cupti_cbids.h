/* Which runtime- and driver-API calls the cupti backend listens to: launches (kernels, cooperative,
 * graphs) and memory copies and sets, whose records carry the correlation id of the call. */
#ifndef WPR_CUPTI_CBIDS_H
#define WPR_CUPTI_CBIDS_H

#include "cupti_api.h"

/* Enables (1) or disables (0) the callbacks; ids this CUPTI does not know are skipped. Returns the
 * number of callbacks changed. Enabled only while a window runs, so launches outside cost nothing. */
int wpr_cupti_callbacks_enable(const struct wpr_cupti_api *api, CUpti_SubscriberHandle subscriber, int enable);

#endif
