/* Inside the fake libcupti: the state its two halves share. fakecupti.c is CUPTI's side (the cupti*
 * functions, buffers, flushes, the timebase, the delivery thread); fakecupti_work.c the fake GPU's
 * (the fakecupti_* driver interface of fakecupti.h: calls, callbacks, records). */
#ifndef FAKECUPTI_CORE_H
#define FAKECUPTI_CORE_H

#include <pthread.h>
#include <stdint.h>

#include <cupti.h>

#define FK_EXPORT __attribute__((visibility("default")))

union fk_record {
  CUpti_Activity any;
  CUpti_ActivityKernel10 kernel;
  CUpti_ActivityMemcpy6 memcpy;
  CUpti_ActivityMemcpyPtoP4 peer;
  CUpti_ActivityMemset4 memset;
  CUpti_ActivitySynchronization2 sync;
  CUpti_ActivityMemory4 memory;
  CUpti_ActivityOverhead3 overhead;
};

extern pthread_mutex_t fk_lock;

/* CUPTI's timestamp now: the registered timestamp callback's, else CLOCK_REALTIME plus the steps of
 * fakecupti_clock_step (CUPTI's default on Linux). */
uint64_t fk_now(void);
/* CLOCK_MONOTONIC: when incomplete records complete (real time, unaffected by steps). */
uint64_t fk_mono_ns(void);
/* A new correlation id: every API call takes one, traced or not, as in CUPTI. */
uint32_t fk_next_correlation(void);
/* The API callback of (domain, cbid) at `site` when the subscriber enabled it. `status` is what the
 * call returns (the callback data's functionReturnValue). */
void fk_fire(CUpti_CallbackDomain domain, CUpti_CallbackId cbid, CUpti_ApiCallbackSite site, const char *function,
             const char *symbol, uint32_t correlation, int status);
/* With fk_lock held: queues a record of an enabled kind. ready_mono_ns: when it becomes complete
 * (CLOCK_MONOTONIC), 0: complete now. Delivery of full buffers follows (here or on the fake's thread). */
void fk_queue_locked(const union fk_record *r, uint64_t ready_mono_ns);

#endif
