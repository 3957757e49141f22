/* A fake libcupti for GPU-less tests: exactly the CUPTI functions wprof resolves, with activity
 * records laid out as the toolkit's real cupti.h structs and real runtime-API callbacks, driven by
 * the fakecupti_* interface (fakecupti.h). Its GPU clock is CLOCK_MONOTONIC plus a large offset. */
#include "fakecupti.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cupti.h>

#define EXPORT __attribute__((visibility("default")))
#define GPU_CLOCK_OFFSET_NS 5000000123457ULL /* the host and GPU clocks differ, as on hardware */
#define MAX_KINDS 64
#define MAX_CBIDS 1024
#define FIRST_DELIVERY_BYTES (64 * 1024) /* before any buffer size is known */

union record {
  CUpti_Activity any;
  CUpti_ActivityKernel10 kernel;
  CUpti_ActivityMemcpy6 memcpy;
  CUpti_ActivityMemset4 memset;
  CUpti_ActivitySynchronization2 sync;
  CUpti_ActivityMemory4 memory;
  CUpti_ActivityOverhead3 overhead;
};

#define MAX_LIVE_ALLOCS 4096

struct name { struct name *next; char text[]; };

static struct {
  pthread_mutex_t lock;
  CUpti_BuffersCallbackRequestFunc requested;
  CUpti_BuffersCallbackCompleteFunc completed;
  CUpti_CallbackFunc api_callback;
  void *api_userdata;
  int subscribed;
  unsigned char runtime_on[MAX_CBIDS], driver_on[MAX_CBIDS];
  int kind_on[MAX_KINDS];
  union record *queue;
  size_t n_queued, cap_queued, queued_bytes, last_buffer_bytes;
  uint64_t stream_free_at;
  int hold;
  struct name *names;
  pthread_t async;
  int async_running;
  int reverse;
  struct { uint64_t address, bytes; } live[MAX_LIVE_ALLOCS];
  size_t n_live;
  uint64_t next_address;
  uint32_t next_graph;
  uint64_t anchor;
} fk = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Atomic uint64_t dropped;
static _Atomic uint32_t next_correlation = 1;

static uint64_t gpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + GPU_CLOCK_OFFSET_NS;
}

static size_t record_size(CUpti_ActivityKind kind) {
  size_t n;
  switch (kind) {
  case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: n = sizeof(CUpti_ActivityKernel10); break;
  case CUPTI_ACTIVITY_KIND_MEMCPY: n = sizeof(CUpti_ActivityMemcpy6); break;
  case CUPTI_ACTIVITY_KIND_MEMSET: n = sizeof(CUpti_ActivityMemset4); break;
  case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION: n = sizeof(CUpti_ActivitySynchronization2); break;
  case CUPTI_ACTIVITY_KIND_MEMORY2: n = sizeof(CUpti_ActivityMemory4); break;
  case CUPTI_ACTIVITY_KIND_OVERHEAD: n = sizeof(CUpti_ActivityOverhead3); break;
  default: return 0;
  }
  return (n + 7) & ~(size_t)7;
}

/* ---- delivery through the registered buffer callbacks ---- */

/* With fk.lock held. A refused buffer drops what was queued, as CUPTI does. */
static void deliver_locked(void) {
  size_t i = 0;
  for (size_t a = 0, b = fk.n_queued; fk.reverse && b > 1 && a < --b; a++) {
    union record t = fk.queue[a];
    fk.queue[a] = fk.queue[b];
    fk.queue[b] = t;
  }
  while (i < fk.n_queued && fk.requested && fk.completed) {
    uint8_t *buf = NULL;
    size_t size = 0, max_records = 0;
    fk.requested(&buf, &size, &max_records);
    if (!buf || size < record_size(fk.queue[i].any.kind)) {
      atomic_fetch_add(&dropped, fk.n_queued - i);
      break;
    }
    fk.last_buffer_bytes = size;
    size_t used = 0;
    for (; i < fk.n_queued; i++) {
      size_t n = record_size(fk.queue[i].any.kind);
      if (used + n > size) break;
      memcpy(buf + used, &fk.queue[i], sizeof fk.queue[i] < n ? sizeof fk.queue[i] : n);
      used += n;
    }
    fk.completed(NULL, 0, buf, size, used);
  }
  fk.n_queued = 0;
  fk.queued_bytes = 0;
}

/* With fk.lock held: queues a record of an enabled kind; a full buffer's worth is delivered now. */
static void queue_locked(const union record *r) {
  if (r->any.kind >= MAX_KINDS || !fk.kind_on[r->any.kind]) return;
  if (fk.n_queued == fk.cap_queued) {
    size_t cap = fk.cap_queued ? fk.cap_queued * 2 : 256;
    union record *q = realloc(fk.queue, cap * sizeof *q);
    if (!q) {
      atomic_fetch_add(&dropped, 1);
      return;
    }
    fk.queue = q;
    fk.cap_queued = cap;
  }
  fk.queue[fk.n_queued++] = *r;
  fk.queued_bytes += record_size(r->any.kind);
  size_t threshold = fk.last_buffer_bytes ? fk.last_buffer_bytes : FIRST_DELIVERY_BYTES;
  if (!fk.hold && fk.queued_bytes + sizeof(union record) > threshold) deliver_locked();
}

/* ---- the fake GPU ---- */

static const char *intern_locked(const char *text) {
  for (struct name *n = fk.names; n; n = n->next)
    if (strcmp(n->text, text) == 0) return n->text;
  struct name *n = malloc(sizeof *n + strlen(text) + 1);
  if (!n) return "<out of memory>";
  strcpy(n->text, text);
  n->next = fk.names;
  fk.names = n;
  return n->text;
}

static void fire(CUpti_CallbackDomain domain, CUpti_CallbackId cbid, CUpti_ApiCallbackSite site,
                 const char *function, const char *symbol, uint32_t correlation) {
  unsigned char *on = domain == CUPTI_CB_DOMAIN_RUNTIME_API ? fk.runtime_on : fk.driver_on;
  if (!fk.subscribed || !fk.api_callback || cbid >= MAX_CBIDS || !on[cbid]) return;
  uint64_t correlation_data = 0;
  CUpti_CallbackData data = {.callbackSite = site, .functionName = function, .symbolName = symbol,
                             .contextUid = 1, .correlationData = &correlation_data,
                             .correlationId = correlation};
  fk.api_callback(fk.api_userdata, domain, cbid, &data);
}

/* The stream runs one thing at a time: work starts when the previous is done, or now. */
static void schedule_locked(uint64_t duration_ns, uint64_t *start, uint64_t *end) {
  uint64_t now = gpu_now();
  *start = fk.stream_free_at > now ? fk.stream_free_at : now;
  *end = *start + duration_ns;
  fk.stream_free_at = *end;
}

/* One runtime-API call that queues one record built by `fill`. */
static int api_call(CUpti_CallbackId cbid, const char *function, const char *symbol,
                    void (*fill)(union record *, uint32_t, const void *), const void *arg) {
  uint32_t correlation = atomic_fetch_add(&next_correlation, 1);
  fire(CUPTI_CB_DOMAIN_RUNTIME_API, cbid, CUPTI_API_ENTER, function, symbol, correlation);
  union record r;
  memset(&r, 0, sizeof r);
  pthread_mutex_lock(&fk.lock);
  fill(&r, correlation, arg);
  queue_locked(&r);
  pthread_mutex_unlock(&fk.lock);
  fire(CUPTI_CB_DOMAIN_RUNTIME_API, cbid, CUPTI_API_EXIT, function, symbol, correlation);
  return 0;
}

struct work { const char *name; uint64_t bytes, duration_ns; };

static void fill_kernel(union record *r, uint32_t correlation, const void *arg) {
  const struct work *w = arg;
  CUpti_ActivityKernel10 *k = &r->kernel;
  k->kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
  schedule_locked(w->duration_ns, &k->start, &k->end);
  k->completed = k->end;
  k->streamId = 7;
  k->gridX = k->gridY = k->gridZ = k->blockX = k->blockY = k->blockZ = 1;
  k->correlationId = correlation;
  k->name = intern_locked(w->name);
}

static void fill_memcpy(union record *r, uint32_t correlation, const void *arg) {
  const struct work *w = arg;
  CUpti_ActivityMemcpy6 *m = &r->memcpy;
  m->kind = CUPTI_ACTIVITY_KIND_MEMCPY;
  m->copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_HTOD;
  m->srcKind = CUPTI_ACTIVITY_MEMORY_KIND_PAGEABLE;
  m->dstKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
  m->bytes = w->bytes;
  schedule_locked(w->duration_ns, &m->start, &m->end);
  m->streamId = 7;
  m->correlationId = correlation;
  m->copyCount = 1;
}

static void fill_memset(union record *r, uint32_t correlation, const void *arg) {
  const struct work *w = arg;
  CUpti_ActivityMemset4 *m = &r->memset;
  m->kind = CUPTI_ACTIVITY_KIND_MEMSET;
  m->bytes = w->bytes;
  schedule_locked(w->duration_ns, &m->start, &m->end);
  m->streamId = 7;
  m->correlationId = correlation;
  m->memoryKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
}

EXPORT int fakecupti_launch(const char *kernel, uint64_t duration_ns) {
  if (!kernel) return -1;
  struct work w = {.name = kernel, .duration_ns = duration_ns};
  return api_call(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, "cudaLaunchKernel", kernel, fill_kernel, &w);
}

EXPORT int fakecupti_memcpy(uint64_t bytes, uint64_t duration_ns) {
  struct work w = {.bytes = bytes, .duration_ns = duration_ns};
  return api_call(CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy_v3020, "cudaMemcpy", NULL, fill_memcpy, &w);
}

EXPORT int fakecupti_memset(uint64_t bytes, uint64_t duration_ns) {
  struct work w = {.bytes = bytes, .duration_ns = duration_ns};
  return api_call(CUPTI_RUNTIME_TRACE_CBID_cudaMemset_v3020, "cudaMemset", NULL, fill_memset, &w);
}

struct config_work { struct work w; unsigned grid[3], block[3]; };

static void fill_config_kernel(union record *r, uint32_t correlation, const void *arg) {
  const struct config_work *c = arg;
  fill_kernel(r, correlation, &c->w);
  CUpti_ActivityKernel10 *k = &r->kernel;
  k->gridX = (int32_t)c->grid[0], k->gridY = (int32_t)c->grid[1], k->gridZ = (int32_t)c->grid[2];
  k->blockX = (int32_t)c->block[0], k->blockY = (int32_t)c->block[1], k->blockZ = (int32_t)c->block[2];
  k->registersPerThread = 32;
}

EXPORT int fakecupti_launch_config(const char *kernel, uint64_t duration_ns, unsigned gx, unsigned gy, unsigned gz,
                                   unsigned bx, unsigned by, unsigned bz) {
  if (!kernel) return -1;
  struct config_work c = {{.name = kernel, .duration_ns = duration_ns}, {gx, gy, gz}, {bx, by, bz}};
  return api_call(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, "cudaLaunchKernel", kernel, fill_config_kernel, &c);
}

/* The graph's kernels carry the correlation id of the one cudaGraphLaunch call, as on hardware. */
EXPORT int fakecupti_graph_launch(const char *kernel, uint64_t duration_ns, unsigned nkernels) {
  if (!kernel) return -1;
  uint32_t correlation = atomic_fetch_add(&next_correlation, 1);
  CUpti_CallbackId cbid = CUPTI_RUNTIME_TRACE_CBID_cudaGraphLaunch_v10000;
  fire(CUPTI_CB_DOMAIN_RUNTIME_API, cbid, CUPTI_API_ENTER, "cudaGraphLaunch", NULL, correlation);
  struct work w = {.name = kernel, .duration_ns = duration_ns};
  pthread_mutex_lock(&fk.lock);
  uint32_t graph = ++fk.next_graph;
  for (unsigned i = 0; i < nkernels; i++) {
    union record r;
    memset(&r, 0, sizeof r);
    fill_kernel(&r, correlation, &w);
    r.kernel.graphId = graph;
    r.kernel.graphNodeId = i + 1;
    queue_locked(&r);
  }
  pthread_mutex_unlock(&fk.lock);
  fire(CUPTI_CB_DOMAIN_RUNTIME_API, cbid, CUPTI_API_EXIT, "cudaGraphLaunch", NULL, correlation);
  return 0;
}

struct mem_op { uint64_t bytes, address; int alloc; };

static void fill_memory(union record *r, uint32_t correlation, const void *arg) {
  const struct mem_op *m = arg;
  CUpti_ActivityMemory4 *rec = &r->memory;
  rec->kind = CUPTI_ACTIVITY_KIND_MEMORY2;
  rec->memoryOperationType = m->alloc ? CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_ALLOCATION
                                      : CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_RELEASE;
  rec->memoryKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
  rec->correlationId = correlation;
  rec->address = m->address;
  rec->bytes = m->bytes;
  rec->timestamp = gpu_now();
  rec->deviceId = 0;
  rec->contextId = 1;
}

EXPORT int fakecupti_alloc(uint64_t bytes) {
  pthread_mutex_lock(&fk.lock);
  int full = fk.n_live == MAX_LIVE_ALLOCS;
  struct mem_op m = {bytes, 0x7f0000000000ULL + (fk.next_address += 0x100000), 1};
  if (!full) {
    fk.live[fk.n_live].address = m.address;
    fk.live[fk.n_live++].bytes = bytes;
  }
  pthread_mutex_unlock(&fk.lock);
  if (full) return -1;
  return api_call(CUPTI_RUNTIME_TRACE_CBID_cudaMalloc_v3020, "cudaMalloc", NULL, fill_memory, &m);
}

EXPORT int fakecupti_free(uint64_t bytes) {
  struct mem_op m = {bytes, 0, 0};
  pthread_mutex_lock(&fk.lock);
  size_t i = fk.n_live;
  while (i > 0 && fk.live[i - 1].bytes != bytes) i--;
  if (i > 0) {
    m.address = fk.live[i - 1].address;
    memmove(&fk.live[i - 1], &fk.live[i], (fk.n_live - i) * sizeof fk.live[0]);
    fk.n_live--;
  }
  pthread_mutex_unlock(&fk.lock);
  if (i == 0) return -1;
  return api_call(CUPTI_RUNTIME_TRACE_CBID_cudaFree_v3020, "cudaFree", NULL, fill_memory, &m);
}

/* ---- issue 9: launch delays, placed work, overhead records ---- */

struct placed_work { struct work w; uint32_t stream; uint64_t start; };

static void fill_placed_kernel(union record *r, uint32_t correlation, const void *arg) {
  const struct placed_work *p = arg;
  uint64_t saved = fk.stream_free_at;
  fill_kernel(r, correlation, &p->w);
  fk.stream_free_at = saved;
  r->kernel.start = p->start ? p->start : gpu_now();
  r->kernel.end = r->kernel.completed = r->kernel.start + p->w.duration_ns;
  r->kernel.streamId = p->stream;
}

static void fill_placed_memcpy(union record *r, uint32_t correlation, const void *arg) {
  const struct placed_work *p = arg;
  uint64_t saved = fk.stream_free_at;
  fill_memcpy(r, correlation, &p->w);
  fk.stream_free_at = saved;
  r->memcpy.start = p->start;
  r->memcpy.end = p->start + p->w.duration_ns;
  r->memcpy.streamId = p->stream;
}

/* The delay counts from after the enter callback, so the measured latency is never below it. */
static void fill_delayed_kernel(union record *r, uint32_t correlation, const void *arg) {
  const struct placed_work *p = arg;
  struct placed_work now = *p;
  now.start = gpu_now() + p->start;
  fill_placed_kernel(r, correlation, &now);
}

EXPORT int fakecupti_launch_delayed(const char *kernel, uint64_t duration_ns, uint64_t launch_delay_ns) {
  if (!kernel) return -1;
  struct placed_work p = {{.name = kernel, .duration_ns = duration_ns}, 7, launch_delay_ns};
  return api_call(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, "cudaLaunchKernel", kernel, fill_delayed_kernel, &p);
}

EXPORT int fakecupti_anchor(void) {
  pthread_mutex_lock(&fk.lock);
  fk.anchor = gpu_now();
  pthread_mutex_unlock(&fk.lock);
  return 0;
}

EXPORT int fakecupti_launch_at(const char *kernel, uint32_t stream, uint64_t offset_ns, uint64_t duration_ns) {
  if (!kernel || !fk.anchor) return -1;
  struct placed_work p = {{.name = kernel, .duration_ns = duration_ns}, stream, fk.anchor + offset_ns};
  return api_call(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, "cudaLaunchKernel", kernel, fill_placed_kernel, &p);
}

EXPORT int fakecupti_memcpy_at(uint64_t bytes, uint32_t stream, uint64_t offset_ns, uint64_t duration_ns) {
  if (!fk.anchor) return -1;
  struct placed_work p = {{.bytes = bytes, .duration_ns = duration_ns}, stream, fk.anchor + offset_ns};
  return api_call(CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy_v3020, "cudaMemcpy", NULL, fill_placed_memcpy, &p);
}

EXPORT int fakecupti_overhead(int kind, uint64_t duration_ns) {
  union record r;
  memset(&r, 0, sizeof r);
  r.overhead.kind = CUPTI_ACTIVITY_KIND_OVERHEAD;
  r.overhead.overheadKind = (CUpti_ActivityOverheadKind)kind;
  r.overhead.objectKind = CUPTI_ACTIVITY_OBJECT_THREAD;
  r.overhead.start = gpu_now();
  r.overhead.end = r.overhead.start + duration_ns;
  pthread_mutex_lock(&fk.lock);
  queue_locked(&r);
  pthread_mutex_unlock(&fk.lock);
  return 0;
}

EXPORT int fakecupti_reverse(int on) {
  pthread_mutex_lock(&fk.lock);
  fk.reverse = on;
  pthread_mutex_unlock(&fk.lock);
  return 0;
}

EXPORT int fakecupti_drop(uint64_t n) {
  atomic_fetch_add(&dropped, n);
  return 0;
}

EXPORT int fakecupti_sync(void) {
  pthread_mutex_lock(&fk.lock);
  uint64_t start = gpu_now(), until = fk.stream_free_at;
  pthread_mutex_unlock(&fk.lock);
  while (gpu_now() < until) {
    struct timespec nap = {0, 20000};
    nanosleep(&nap, NULL);
  }
  union record r;
  memset(&r, 0, sizeof r);
  r.sync.kind = CUPTI_ACTIVITY_KIND_SYNCHRONIZATION;
  r.sync.type = CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_CONTEXT_SYNCHRONIZE;
  r.sync.start = start;
  r.sync.end = gpu_now();
  r.sync.correlationId = atomic_fetch_add(&next_correlation, 1);
  pthread_mutex_lock(&fk.lock);
  queue_locked(&r);
  pthread_mutex_unlock(&fk.lock);
  return 0;
}

EXPORT int fakecupti_hold(int on) {
  pthread_mutex_lock(&fk.lock);
  fk.hold = on;
  pthread_mutex_unlock(&fk.lock);
  return 0;
}

static void *deliver_main(void *arg) {
  pthread_mutex_lock(&fk.lock);
  deliver_locked();
  pthread_mutex_unlock(&fk.lock);
  return NULL;
}

EXPORT int fakecupti_deliver_async(void) {
  if (fk.async_running) fakecupti_join();
  if (pthread_create(&fk.async, NULL, deliver_main, NULL) != 0) return -1;
  fk.async_running = 1;
  return 0;
}

EXPORT int fakecupti_join(void) {
  if (!fk.async_running) return 0;
  fk.async_running = 0;
  return pthread_join(fk.async, NULL) == 0 ? 0 : -1;
}

/* ---- the CUPTI subset wprof resolves ---- */

EXPORT CUptiResult cuptiGetTimestamp(uint64_t *timestamp) {
  if (!timestamp) return CUPTI_ERROR_INVALID_PARAMETER;
  *timestamp = gpu_now();
  return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiActivityEnable(CUpti_ActivityKind kind) {
  if ((unsigned)kind >= MAX_KINDS || !record_size(kind)) return CUPTI_ERROR_NOT_COMPATIBLE;
  pthread_mutex_lock(&fk.lock);
  fk.kind_on[kind] = 1;
  pthread_mutex_unlock(&fk.lock);
  return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiActivityDisable(CUpti_ActivityKind kind) {
  if ((unsigned)kind >= MAX_KINDS) return CUPTI_ERROR_INVALID_KIND;
  pthread_mutex_lock(&fk.lock);
  fk.kind_on[kind] = 0;
  pthread_mutex_unlock(&fk.lock);
  return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiActivityRegisterCallbacks(CUpti_BuffersCallbackRequestFunc requested,
                                                  CUpti_BuffersCallbackCompleteFunc completed) {
  if (!requested || !completed) return CUPTI_ERROR_INVALID_PARAMETER;
  pthread_mutex_lock(&fk.lock);
  fk.requested = requested;
  fk.completed = completed;
  pthread_mutex_unlock(&fk.lock);
  return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiActivityFlushAll(uint32_t flag) {
  pthread_mutex_lock(&fk.lock);
  if (!fk.hold) deliver_locked();
  pthread_mutex_unlock(&fk.lock);
  return CUPTI_SUCCESS;
}

/* Records sit back to back, each padded to 8 bytes; the kind says how long one is. */
EXPORT CUptiResult cuptiActivityGetNextRecord(uint8_t *buffer, size_t valid, CUpti_Activity **record) {
  if (!buffer || !record) return CUPTI_ERROR_INVALID_PARAMETER;
  size_t at = 0;
  if (*record) at = (size_t)((uint8_t *)*record - buffer) + record_size((*record)->kind);
  if (at + sizeof(CUpti_Activity) > valid) return CUPTI_ERROR_MAX_LIMIT_REACHED;
  CUpti_Activity *next = (CUpti_Activity *)(buffer + at);
  size_t n = record_size(next->kind);
  if (!n || at + n > valid) return CUPTI_ERROR_INVALID_KIND;
  *record = next;
  return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiActivityGetNumDroppedRecords(CUcontext context, uint32_t stream, size_t *n) {
  if (!n) return CUPTI_ERROR_INVALID_PARAMETER;
  *n = (size_t)atomic_exchange(&dropped, 0); /* CUPTI reports each drop once */
  return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiSubscribe(CUpti_SubscriberHandle *subscriber, CUpti_CallbackFunc callback, void *userdata) {
  if (!subscriber) return CUPTI_ERROR_INVALID_PARAMETER;
  const char *other = getenv("FAKECUPTI_OTHER_SUBSCRIBER"); /* the fake's own switch, not wprof's */
  if (other && strcmp(other, "1") == 0) return CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED;
  pthread_mutex_lock(&fk.lock);
  int taken = fk.subscribed;
  if (!taken) {
    fk.subscribed = 1;
    fk.api_callback = callback;
    fk.api_userdata = userdata;
    *subscriber = (CUpti_SubscriberHandle)&fk;
  }
  pthread_mutex_unlock(&fk.lock);
  return taken ? CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED : CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiUnsubscribe(CUpti_SubscriberHandle subscriber) {
  if (subscriber != (CUpti_SubscriberHandle)&fk) return CUPTI_ERROR_INVALID_PARAMETER;
  pthread_mutex_lock(&fk.lock);
  fk.subscribed = 0;
  fk.api_callback = NULL;
  memset(fk.runtime_on, 0, sizeof fk.runtime_on);
  memset(fk.driver_on, 0, sizeof fk.driver_on);
  pthread_mutex_unlock(&fk.lock);
  return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiEnableCallback(uint32_t enable, CUpti_SubscriberHandle subscriber,
                                       CUpti_CallbackDomain domain, CUpti_CallbackId cbid) {
  if (subscriber != (CUpti_SubscriberHandle)&fk || cbid >= MAX_CBIDS) return CUPTI_ERROR_INVALID_PARAMETER;
  unsigned char *on = domain == CUPTI_CB_DOMAIN_RUNTIME_API ? fk.runtime_on
                      : domain == CUPTI_CB_DOMAIN_DRIVER_API ? fk.driver_on : NULL;
  if (!on) return CUPTI_ERROR_INVALID_PARAMETER;
  on[cbid] = enable != 0;
  return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiGetResultString(CUptiResult result, const char **str) {
  if (!str) return CUPTI_ERROR_INVALID_PARAMETER;
  *str = result == CUPTI_SUCCESS ? "CUPTI_SUCCESS" : "CUPTI_ERROR (fake libcupti)";
  return CUPTI_SUCCESS;
}
