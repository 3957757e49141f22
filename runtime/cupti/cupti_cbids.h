/* Which runtime- and driver-API calls the cupti backend listens to: launches (kernels, cooperative,
 * graphs) and memory copies and sets, whose records carry the correlation id of the call. */
#ifndef WPR_CUPTI_CBIDS_H
#define WPR_CUPTI_CBIDS_H

#include "cupti_api.h"

/* Enables (1) or disables (0) the callbacks; ids this CUPTI does not know are skipped. Returns the
 * number of callbacks changed. Enabled only while a window runs, so launches outside cost nothing. */
int wpr_cupti_callbacks_enable(const struct wpr_cupti_api *api, CUpti_SubscriberHandle subscriber, int enable);

/* The same for the allocation and free calls (cudaMalloc, cudaFree, cudaMallocAsync, cuMemAlloc, ...),
 * whose memory records carry their correlation id: enabled only with WPROF_MEMORY. */
int wpr_cupti_memory_callbacks_enable(const struct wpr_cupti_api *api, CUpti_SubscriberHandle subscriber,
                                      int enable);

/* 1 when (domain, cbid) launches kernels (a kernel or a graph): where call stacks are captured. */
int wpr_cupti_cbid_is_launch(CUpti_CallbackDomain domain, CUpti_CallbackId cbid);
/* 1 when the records of one such call are several (graph launches, multi-device cooperative launches,
 * batched copies): their correlation entry must outlive the first record. */
int wpr_cupti_cbid_has_many_records(CUpti_CallbackDomain domain, CUpti_CallbackId cbid);
/* 1 when (domain, cbid) is one the backend listens to: a launch, copy or set (what the unit test
 * compares with the toolkit's headers). */
int wpr_cupti_cbid_is_traced(CUpti_CallbackDomain domain, CUpti_CallbackId cbid);
/* 1 when (domain, cbid) allocates memory: where stacks are captured too with WPROF_MEMORY. */
int wpr_cupti_cbid_is_alloc(CUpti_CallbackDomain domain, CUpti_CallbackId cbid);

#endif
