/* A fake libcupti for GPU-less tests: exactly the CUPTI functions wprof resolves, with activity
 * records laid out as the toolkit's real cupti.h structs, behaving as cupti_activity.h documents:
 *  - timestamps from CLOCK_REALTIME (steppable: fakecupti_clock_step), or from the callback
 *    registered with cuptiActivityRegisterTimestampCallback;
 *  - a buffer is completed when full (and all its records are complete), or by cuptiActivityFlushAll:
 *    flag 0 hands over only buffers whose records are all complete, CUPTI_ACTIVITY_FLAG_FLUSH_FORCED
 *    every buffer, incomplete records with start = end = 0, which are never delivered again;
 *  - FAKECUPTI_ASYNC=1: buffers are completed on the fake's own thread, as CUPTI's worker does
 *    (a flush still returns once its buffers were handed over).
 * The fake GPU's side is fakecupti_work.c. Other switches of the environment (the fake's own, not
 * wprof's): FAKECUPTI_OTHER_SUBSCRIBER=1, FAKECUPTI_API_VERSION=<n>, FAKECUPTI_NO_TIMESTAMP_CALLBACK=1,
 * FAKECUPTI_INCOMPLETE=invalid_kind (cuptiActivityGetNextRecord answers CUPTI_ERROR_INVALID_KIND at an
 * incomplete record, as cupti_activity.h allows, instead of handing it over with start = end = 0). */
#include "fakecupti.h"
#include "fakecupti_core.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_KINDS 64
#define MAX_CBIDS 1024
#define FIRST_DELIVERY_BYTES (64 * 1024) /* before any buffer size is known */
#define ASYNC_TICK_NS 2000000            /* the delivery thread looks at the queue this often */

enum delivery { DELIVER_FULL = 1, DELIVER_PLAIN, DELIVER_FORCED };

struct queued { union fk_record r; uint64_t ready_mono_ns; };

pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
  CUpti_BuffersCallbackRequestFunc requested;
  CUpti_BuffersCallbackCompleteFunc completed;
  CUpti_TimestampCallbackFunc timestamp;
  CUpti_CallbackFunc api_callback;
  void *api_userdata;
  int subscribed;
  unsigned char runtime_on[MAX_CBIDS], driver_on[MAX_CBIDS];
  int kind_on[MAX_KINDS];
  struct queued *queue;
  size_t n_queued, cap_queued, queued_bytes, last_buffer_bytes;
  int hold, reverse;
  uint64_t full_retry_mono;  /* a full buffer waits for an incomplete record until then */
  /* FAKECUPTI_ASYNC=1: the delivery thread and its flush requests */
  int async;
  pthread_t thread;
  pthread_cond_t wake, done;
  int request;
  uint64_t requests_done;
  /* fakecupti_deliver_async's one-shot thread */
  pthread_t late;
  int late_running;
} fk;

static _Atomic uint64_t dropped;
static _Atomic uint32_t next_correlation = 1;
static _Atomic int64_t clock_steps;

/* ---- clocks and ids ---- */

static uint64_t clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t fk_mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

uint64_t fk_now(void) {
  CUpti_TimestampCallbackFunc cb = __atomic_load_n(&fk.timestamp, __ATOMIC_ACQUIRE);
  if (cb) return cb();
  return clock_ns(CLOCK_REALTIME) + (uint64_t)atomic_load(&clock_steps);
}

uint32_t fk_next_correlation(void) { return atomic_fetch_add(&next_correlation, 1); }

FK_EXPORT int fakecupti_clock_step(int64_t ns) {
  atomic_fetch_add(&clock_steps, ns);
  return 0;
}

void fk_fire(CUpti_CallbackDomain domain, CUpti_CallbackId cbid, CUpti_ApiCallbackSite site, const char *function,
             const char *symbol, uint32_t correlation, int status) {
  unsigned char *on = domain == CUPTI_CB_DOMAIN_RUNTIME_API ? fk.runtime_on : fk.driver_on;
  if (!fk.subscribed || !fk.api_callback || cbid >= MAX_CBIDS || !on[cbid]) return;
  uint64_t correlation_data = 0;
  int ret = status;
  CUpti_CallbackData data = {.callbackSite = site, .functionName = function, .symbolName = symbol,
                             .contextUid = 1, .correlationData = &correlation_data,
                             .correlationId = correlation, .functionReturnValue = site == CUPTI_API_EXIT ? &ret : NULL};
  fk.api_callback(fk.api_userdata, domain, cbid, &data);
}

static size_t record_size(CUpti_ActivityKind kind) {
  size_t n;
  switch (kind) {
  case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: n = sizeof(CUpti_ActivityKernel10); break;
  case CUPTI_ACTIVITY_KIND_MEMCPY: n = sizeof(CUpti_ActivityMemcpy6); break;
  case CUPTI_ACTIVITY_KIND_MEMCPY2: n = sizeof(CUpti_ActivityMemcpyPtoP4); break;
  case CUPTI_ACTIVITY_KIND_MEMSET: n = sizeof(CUpti_ActivityMemset4); break;
  case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION: n = sizeof(CUpti_ActivitySynchronization2); break;
  case CUPTI_ACTIVITY_KIND_MEMORY2: n = sizeof(CUpti_ActivityMemory4); break;
  case CUPTI_ACTIVITY_KIND_OVERHEAD: n = sizeof(CUpti_ActivityOverhead3); break;
  default: return 0;
  }
  return (n + 7) & ~(size_t)7;
}

/* ---- delivery through the registered buffer callbacks ---- */

/* A record CUPTI hands over before it completed: its times are not known yet. */
static void strip_times(union fk_record *r) {
  switch (r->any.kind) {
  case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: r->kernel.start = r->kernel.end = r->kernel.completed = 0; break;
  case CUPTI_ACTIVITY_KIND_MEMCPY: r->memcpy.start = r->memcpy.end = 0; break;
  case CUPTI_ACTIVITY_KIND_MEMCPY2: r->peer.start = r->peer.end = 0; break;
  case CUPTI_ACTIVITY_KIND_MEMSET: r->memset.start = r->memset.end = 0; break;
  default: break;
  }
}

static size_t buffer_guess(void) { return fk.last_buffer_bytes ? fk.last_buffer_bytes : FIRST_DELIVERY_BYTES; }

/* The queue index after the records from `i` that fill one buffer of `bytes`. */
static size_t chunk_end(size_t i, size_t bytes) {
  for (size_t used = 0; i < fk.n_queued; i++) {
    size_t n = record_size(fk.queue[i].r.any.kind);
    if (used + n > bytes) break;
    used += n;
  }
  return i;
}

static int chunk_complete(size_t a, size_t b, uint64_t mono) {
  for (; a < b; a++)
    if (fk.queue[a].ready_mono_ns > mono) return 0;
  return 1;
}

/* With fk_lock held. Hands over buffers from the front of the queue: FULL only full buffers of
 * complete records, PLAIN also the last partial one when complete, FORCED everything. A refused
 * buffer drops what was queued, as CUPTI does. */
static void deliver_locked(enum delivery how) {
  if (how == DELIVER_FULL && fk.reverse) return; /* reversed delivery is the flushes' */
  for (size_t a = 0, b = fk.n_queued; fk.reverse && b > 1 && a < --b; a++) {
    struct queued t = fk.queue[a];
    fk.queue[a] = fk.queue[b];
    fk.queue[b] = t;
  }
  uint64_t mono = fk_mono_ns();
  size_t i = 0;
  while (i < fk.n_queued && fk.requested && fk.completed) {
    size_t end = chunk_end(i, buffer_guess());
    if (end == i) end = i + 1;
    if (how == DELIVER_FULL && end == fk.n_queued) break; /* the buffer being filled */
    if (how != DELIVER_FORCED && !chunk_complete(i, end, mono)) {
      for (size_t j = i; j < end; j++)
        if (fk.queue[j].ready_mono_ns > fk.full_retry_mono) fk.full_retry_mono = fk.queue[j].ready_mono_ns;
      break;
    }
    uint8_t *buf = NULL;
    size_t size = 0, max_records = 0;
    fk.requested(&buf, &size, &max_records);
    if (!buf || size < record_size(fk.queue[i].r.any.kind)) {
      atomic_fetch_add(&dropped, fk.n_queued - i);
      i = fk.n_queued;
      break;
    }
    fk.last_buffer_bytes = size;
    size_t used = 0, stop = how == DELIVER_FORCED ? fk.n_queued : end;
    for (; i < stop; i++) {
      union fk_record r = fk.queue[i].r;
      size_t n = record_size(r.any.kind);
      if (used + n > size) break;
      if (fk.queue[i].ready_mono_ns > mono) strip_times(&r);
      memcpy(buf + used, &r, sizeof r < n ? sizeof r : n);
      used += n;
    }
    fk.completed(NULL, 0, buf, size, used);
  }
  memmove(fk.queue, fk.queue + i, (fk.n_queued - i) * sizeof *fk.queue);
  fk.n_queued -= i;
  fk.queued_bytes = 0;
  for (size_t j = 0; j < fk.n_queued; j++) fk.queued_bytes += record_size(fk.queue[j].r.any.kind);
}

/* More than a buffer's worth queued, and not known to wait for an incomplete record. */
static int buffer_full_locked(void) {
  return !fk.hold && fk.queued_bytes > buffer_guess() && (!fk.full_retry_mono || fk_mono_ns() >= fk.full_retry_mono);
}

void fk_queue_locked(const union fk_record *r, uint64_t ready_mono_ns) {
  if (r->any.kind >= MAX_KINDS || !fk.kind_on[r->any.kind]) return;
  if (fk.n_queued == fk.cap_queued) {
    size_t cap = fk.cap_queued ? fk.cap_queued * 2 : 256;
    struct queued *q = realloc(fk.queue, cap * sizeof *q);
    if (!q) {
      atomic_fetch_add(&dropped, 1);
      return;
    }
    fk.queue = q;
    fk.cap_queued = cap;
  }
  fk.queue[fk.n_queued++] = (struct queued){*r, ready_mono_ns};
  fk.queued_bytes += record_size(r->any.kind);
  if (!buffer_full_locked()) return;
  if (fk.async) pthread_cond_signal(&fk.wake);
  else deliver_locked(DELIVER_FULL);
}

/* ---- FAKECUPTI_ASYNC=1: CUPTI's worker thread ---- */

static void *async_main(void *arg) {
  pthread_mutex_lock(&fk_lock);
  for (;;) {
    if (fk.request) {
      if (!fk.hold) deliver_locked((enum delivery)fk.request);
      fk.request = 0;
      fk.requests_done++;
      pthread_cond_broadcast(&fk.done);
    } else if (buffer_full_locked()) {
      deliver_locked(DELIVER_FULL);
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += ASYNC_TICK_NS;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    if (!fk.request) pthread_cond_timedwait(&fk.wake, &fk_lock, &until);
  }
  return NULL;
}

/* With fk_lock held, once: the environment decides, at the first buffer registration. */
static void async_start_locked(void) {
  const char *env = getenv("FAKECUPTI_ASYNC");
  if (fk.async || !env || strcmp(env, "1") != 0) return;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&fk.wake, &attr);
  pthread_cond_init(&fk.done, &attr);
  pthread_condattr_destroy(&attr);
  pthread_attr_t tattr;
  pthread_attr_init(&tattr);
  pthread_attr_setdetachstate(&tattr, PTHREAD_CREATE_DETACHED);
  fk.async = pthread_create(&fk.thread, &tattr, async_main, NULL) == 0;
  pthread_attr_destroy(&tattr);
}

/* ---- the driver interface's delivery controls (fakecupti.h) ---- */

FK_EXPORT int fakecupti_reverse(int on) {
  pthread_mutex_lock(&fk_lock);
  fk.reverse = on;
  pthread_mutex_unlock(&fk_lock);
  return 0;
}

FK_EXPORT int fakecupti_drop(uint64_t n) {
  atomic_fetch_add(&dropped, n);
  return 0;
}

FK_EXPORT int fakecupti_hold(int on) {
  pthread_mutex_lock(&fk_lock);
  fk.hold = on;
  pthread_mutex_unlock(&fk_lock);
  return 0;
}

static void *late_main(void *arg) {
  pthread_mutex_lock(&fk_lock);
  deliver_locked(DELIVER_FORCED);
  pthread_mutex_unlock(&fk_lock);
  return NULL;
}

FK_EXPORT int fakecupti_join(void) {
  if (!fk.late_running) return 0;
  fk.late_running = 0;
  return pthread_join(fk.late, NULL) == 0 ? 0 : -1;
}

FK_EXPORT int fakecupti_deliver_async(void) {
  if (fk.late_running) fakecupti_join();
  if (pthread_create(&fk.late, NULL, late_main, NULL) != 0) return -1;
  fk.late_running = 1;
  return 0;
}

/* ---- the CUPTI subset wprof resolves ---- */

FK_EXPORT CUptiResult cuptiGetVersion(uint32_t *version) {
  if (!version) return CUPTI_ERROR_INVALID_PARAMETER;
  const char *env = getenv("FAKECUPTI_API_VERSION");
  *version = env && *env ? (uint32_t)strtoul(env, NULL, 10) : CUPTI_API_VERSION;
  return CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiGetTimestamp(uint64_t *timestamp) {
  if (!timestamp) return CUPTI_ERROR_INVALID_PARAMETER;
  *timestamp = fk_now();
  return CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiActivityRegisterTimestampCallback(CUpti_TimestampCallbackFunc now) {
  if (!now) return CUPTI_ERROR_INVALID_PARAMETER;
  const char *env = getenv("FAKECUPTI_NO_TIMESTAMP_CALLBACK"); /* as a CUPTI without it */
  if (env && strcmp(env, "1") == 0) return CUPTI_ERROR_NOT_SUPPORTED;
  __atomic_store_n(&fk.timestamp, now, __ATOMIC_RELEASE);
  return CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiActivityEnable(CUpti_ActivityKind kind) {
  if ((unsigned)kind >= MAX_KINDS || !record_size(kind)) return CUPTI_ERROR_NOT_COMPATIBLE;
  pthread_mutex_lock(&fk_lock);
  fk.kind_on[kind] = 1;
  pthread_mutex_unlock(&fk_lock);
  return CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiActivityDisable(CUpti_ActivityKind kind) {
  if ((unsigned)kind >= MAX_KINDS) return CUPTI_ERROR_INVALID_KIND;
  pthread_mutex_lock(&fk_lock);
  fk.kind_on[kind] = 0;
  pthread_mutex_unlock(&fk_lock);
  return CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiActivityRegisterCallbacks(CUpti_BuffersCallbackRequestFunc requested,
                                                     CUpti_BuffersCallbackCompleteFunc completed) {
  if (!requested || !completed) return CUPTI_ERROR_INVALID_PARAMETER;
  pthread_mutex_lock(&fk_lock);
  fk.requested = requested;
  fk.completed = completed;
  async_start_locked();
  pthread_mutex_unlock(&fk_lock);
  return CUPTI_SUCCESS;
}

/* Blocking, as CUPTI's: the buffers are handed over (on the fake's thread when asynchronous) before
 * it returns. No CUDA synchronization: work still running stays incomplete. */
FK_EXPORT CUptiResult cuptiActivityFlushAll(uint32_t flag) {
  enum delivery how = flag & CUPTI_ACTIVITY_FLAG_FLUSH_FORCED ? DELIVER_FORCED : DELIVER_PLAIN;
  pthread_mutex_lock(&fk_lock);
  if (!fk.requested) {
    pthread_mutex_unlock(&fk_lock);
    return CUPTI_ERROR_INVALID_OPERATION;
  }
  if (!fk.async) {
    if (!fk.hold) deliver_locked(how);
  } else {
    while (fk.request) pthread_cond_wait(&fk.done, &fk_lock);
    fk.request = (int)how;
    uint64_t mine = fk.requests_done + 1;
    pthread_cond_signal(&fk.wake);
    while (fk.requests_done < mine) pthread_cond_wait(&fk.done, &fk_lock);
  }
  pthread_mutex_unlock(&fk_lock);
  return CUPTI_SUCCESS;
}

static int times_stripped(const CUpti_Activity *a) {
  const union fk_record *r = (const union fk_record *)a;
  switch (a->kind) {
  case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: return r->kernel.start == 0 && r->kernel.end == 0;
  case CUPTI_ACTIVITY_KIND_MEMCPY: return r->memcpy.start == 0 && r->memcpy.end == 0;
  case CUPTI_ACTIVITY_KIND_MEMCPY2: return r->peer.start == 0 && r->peer.end == 0;
  case CUPTI_ACTIVITY_KIND_MEMSET: return r->memset.start == 0 && r->memset.end == 0;
  default: return 0;
  }
}

/* Records sit back to back, each padded to 8 bytes; the kind says how long one is. */
FK_EXPORT CUptiResult cuptiActivityGetNextRecord(uint8_t *buffer, size_t valid, CUpti_Activity **record) {
  if (!buffer || !record) return CUPTI_ERROR_INVALID_PARAMETER;
  size_t at = 0;
  if (*record) at = (size_t)((uint8_t *)*record - buffer) + record_size((*record)->kind);
  if (at + sizeof(CUpti_Activity) > valid) return CUPTI_ERROR_MAX_LIMIT_REACHED;
  CUpti_Activity *next = (CUpti_Activity *)(buffer + at);
  size_t n = record_size(next->kind);
  if (!n || at + n > valid) return CUPTI_ERROR_INVALID_KIND;
  const char *mode = getenv("FAKECUPTI_INCOMPLETE");
  if (mode && strcmp(mode, "invalid_kind") == 0 && times_stripped(next)) return CUPTI_ERROR_INVALID_KIND;
  *record = next;
  return CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiActivityGetNumDroppedRecords(CUcontext context, uint32_t stream, size_t *n) {
  if (!n) return CUPTI_ERROR_INVALID_PARAMETER;
  *n = (size_t)atomic_exchange(&dropped, 0); /* CUPTI reports each drop once */
  return CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiSubscribe(CUpti_SubscriberHandle *subscriber, CUpti_CallbackFunc callback, void *userdata) {
  if (!subscriber) return CUPTI_ERROR_INVALID_PARAMETER;
  const char *other = getenv("FAKECUPTI_OTHER_SUBSCRIBER"); /* the fake's own switch, not wprof's */
  if (other && strcmp(other, "1") == 0) return CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED;
  pthread_mutex_lock(&fk_lock);
  int taken = fk.subscribed;
  if (!taken) {
    fk.subscribed = 1;
    fk.api_callback = callback;
    fk.api_userdata = userdata;
    *subscriber = (CUpti_SubscriberHandle)&fk;
  }
  pthread_mutex_unlock(&fk_lock);
  return taken ? CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED : CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiUnsubscribe(CUpti_SubscriberHandle subscriber) {
  if (subscriber != (CUpti_SubscriberHandle)&fk) return CUPTI_ERROR_INVALID_PARAMETER;
  pthread_mutex_lock(&fk_lock);
  fk.subscribed = 0;
  fk.api_callback = NULL;
  memset(fk.runtime_on, 0, sizeof fk.runtime_on);
  memset(fk.driver_on, 0, sizeof fk.driver_on);
  pthread_mutex_unlock(&fk_lock);
  return CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiEnableCallback(uint32_t enable, CUpti_SubscriberHandle subscriber,
                                          CUpti_CallbackDomain domain, CUpti_CallbackId cbid) {
  if (subscriber != (CUpti_SubscriberHandle)&fk || cbid >= MAX_CBIDS) return CUPTI_ERROR_INVALID_PARAMETER;
  unsigned char *on = domain == CUPTI_CB_DOMAIN_RUNTIME_API ? fk.runtime_on
                      : domain == CUPTI_CB_DOMAIN_DRIVER_API ? fk.driver_on : NULL;
  if (!on) return CUPTI_ERROR_INVALID_PARAMETER;
  on[cbid] = enable != 0;
  return CUPTI_SUCCESS;
}

FK_EXPORT CUptiResult cuptiGetResultString(CUptiResult result, const char **str) {
  if (!str) return CUPTI_ERROR_INVALID_PARAMETER;
  *str = result == CUPTI_SUCCESS ? "CUPTI_SUCCESS" : "CUPTI_ERROR (fake libcupti)";
  return CUPTI_SUCCESS;
}
