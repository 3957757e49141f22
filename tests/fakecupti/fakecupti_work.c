/* The fake GPU of the fake libcupti: the fakecupti_* driver interface (fakecupti.h). Each call is an
 * API call as CUPTI sees it: a new correlation id, enter and exit callbacks on the calling thread
 * (a runtime call's own driver call nested inside with an id of its own, as the CUDA runtime makes
 * one), and the record of its GPU work, carrying the runtime call's id, on one stream that runs one
 * thing at a time. */
#include "fakecupti.h"
#include "fakecupti_core.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LIVE_ALLOCS 4096

struct name { struct name *next; char text[]; };

static struct {
  uint64_t stream_free_at;
  struct name *names;
  struct { uint64_t address, bytes; } live[MAX_LIVE_ALLOCS];
  size_t n_live;
  uint64_t next_address;
  uint32_t next_graph;
  uint64_t anchor;
} gpu;

static const char *intern_locked(const char *text) {
  for (struct name *n = gpu.names; n; n = n->next)
    if (strcmp(n->text, text) == 0) return n->text;
  struct name *n = malloc(sizeof *n + strlen(text) + 1);
  if (!n) return "<out of memory>";
  strcpy(n->text, text);
  n->next = gpu.names;
  gpu.names = n;
  return n->text;
}

/* The stream runs one thing at a time: work starts when the previous is done, or now. */
static void schedule_locked(uint64_t duration_ns, uint64_t *start, uint64_t *end) {
  uint64_t now = fk_now();
  *start = gpu.stream_free_at > now ? gpu.stream_free_at : now;
  *end = *start + duration_ns;
  gpu.stream_free_at = *end;
}

/* ---- API calls ---- */

/* How CUPTI names a call: its domain and callback id, and the driver call a runtime call makes. */
struct api {
  const char *name;
  CUpti_CallbackDomain domain;
  CUpti_CallbackId cbid;
  int graph;                /* launches a graph (one record per node) */
  CUpti_CallbackId nested;  /* the driver call inside a runtime call, 0: none */
};

#define RT(n, id, g, nest) {n, CUPTI_CB_DOMAIN_RUNTIME_API, CUPTI_RUNTIME_TRACE_CBID_##id, g, CUPTI_DRIVER_TRACE_CBID_##nest}
#define DRV(n, id, g) {n, CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_##id, g, 0}

static const struct api launch_apis[] = {
    RT("cudaLaunchKernel", cudaLaunchKernel_v7000, 0, cuLaunchKernel),
    RT("cudaLaunchKernel_ptsz", cudaLaunchKernel_ptsz_v7000, 0, cuLaunchKernel_ptsz),
    RT("__cudaLaunchKernel", __cudaLaunchKernel_v13000, 0, cuLaunchKernel),
    RT("__cudaLaunchKernel_ptsz", __cudaLaunchKernel_ptsz_v13000, 0, cuLaunchKernel_ptsz),
    RT("cudaLaunchKernelExC", cudaLaunchKernelExC_v11060, 0, cuLaunchKernelEx),
    RT("cudaLaunchKernelExC_ptsz", cudaLaunchKernelExC_ptsz_v11060, 0, cuLaunchKernelEx_ptsz),
    RT("cudaLaunchCooperativeKernel", cudaLaunchCooperativeKernel_v9000, 0, cuLaunchCooperativeKernel),
    RT("cudaLaunchCooperativeKernel_ptsz", cudaLaunchCooperativeKernel_ptsz_v9000, 0, cuLaunchCooperativeKernel_ptsz),
    RT("cudaLaunchCooperativeKernelMultiDevice", cudaLaunchCooperativeKernelMultiDevice_v9000, 0,
       cuLaunchCooperativeKernelMultiDevice),
    RT("cudaGraphLaunch", cudaGraphLaunch_v10000, 1, cuGraphLaunch),
    RT("cudaGraphLaunch_ptsz", cudaGraphLaunch_ptsz_v10000, 1, cuGraphLaunch_ptsz),
    DRV("cuLaunchKernel", cuLaunchKernel, 0),
    DRV("cuLaunchKernel_ptsz", cuLaunchKernel_ptsz, 0),
    DRV("cuLaunchKernelEx", cuLaunchKernelEx, 0),
    DRV("cuLaunchKernelEx_ptsz", cuLaunchKernelEx_ptsz, 0),
    DRV("cuLaunchCooperativeKernel", cuLaunchCooperativeKernel, 0),
    DRV("cuLaunchCooperativeKernel_ptsz", cuLaunchCooperativeKernel_ptsz, 0),
    DRV("cuLaunchCooperativeKernelMultiDevice", cuLaunchCooperativeKernelMultiDevice, 0),
    DRV("cuLaunchGrid", cuLaunchGrid, 0),
    DRV("cuLaunchGridAsync", cuLaunchGridAsync, 0),
    DRV("cuLaunch", cuLaunch, 0),
    DRV("cuGraphLaunch", cuGraphLaunch, 1),
    DRV("cuGraphLaunch_ptsz", cuGraphLaunch_ptsz, 1),
};

/* By the function's name, or by its callback id's name ("cudaLaunchKernel_v7000", "__cudaLaunchKernel_v13000"). */
static const struct api *api_named(const char *name) {
  if (!name) return NULL;
  size_t len = strlen(name);
  const char *v = strrchr(name, '_');
  if (v && v[1] == 'v' && v[2] >= '0' && v[2] <= '9' && strspn(v + 2, "0123456789") == strlen(v + 2) &&
      strlen(v + 2) >= 4) /* a CUDA version suffix (v7000, v13000), not a driver _v2 */
    len = (size_t)(v - name);
  for (size_t i = 0; i < sizeof launch_apis / sizeof launch_apis[0]; i++)
    if (strlen(launch_apis[i].name) == len && strncmp(launch_apis[i].name, name, len) == 0) return &launch_apis[i];
  return NULL;
}

static const struct api runtime_launch = RT("cudaLaunchKernel", cudaLaunchKernel_v7000, 0, cuLaunchKernel);
static const struct api runtime_memcpy = RT("cudaMemcpy", cudaMemcpy_v3020, 0, cuMemcpyHtoD_v2);
static const struct api runtime_memset = RT("cudaMemset", cudaMemset_v3020, 0, cuMemsetD8_v2);

typedef void (*fill_fn)(union fk_record *, uint32_t, const void *, uint64_t *ready);

/* One API call that queues the records `fill` builds (`count` of them, e.g. a graph's nodes).
 * `status` nonzero: the call fails (no record). */
static int api_call_n(const struct api *a, const char *symbol, fill_fn fill, const void *arg, unsigned count,
                      int status) {
  uint32_t correlation = fk_next_correlation();
  fk_fire(a->domain, a->cbid, CUPTI_API_ENTER, a->name, symbol, correlation, 0);
  uint32_t inner = a->nested ? fk_next_correlation() : 0;
  if (inner) fk_fire(CUPTI_CB_DOMAIN_DRIVER_API, a->nested, CUPTI_API_ENTER, "driver", symbol, inner, 0);
  pthread_mutex_lock(&fk_lock);
  for (unsigned i = 0; i < count && status == 0; i++) {
    union fk_record r;
    memset(&r, 0, sizeof r);
    uint64_t ready = 0;
    fill(&r, correlation, arg, &ready);
    if (a->graph) {
      if (i == 0) gpu.next_graph++;
      r.kernel.graphId = gpu.next_graph;
      r.kernel.graphNodeId = i + 1;
    }
    fk_queue_locked(&r, ready);
  }
  pthread_mutex_unlock(&fk_lock);
  if (inner) fk_fire(CUPTI_CB_DOMAIN_DRIVER_API, a->nested, CUPTI_API_EXIT, "driver", symbol, inner, status);
  fk_fire(a->domain, a->cbid, CUPTI_API_EXIT, a->name, symbol, correlation, status);
  return 0;
}

static int api_call(const struct api *a, const char *symbol, fill_fn fill, const void *arg) {
  return api_call_n(a, symbol, fill, arg, 1, 0);
}

struct work { const char *name; uint64_t bytes, duration_ns; int running; };

static void fill_kernel(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  const struct work *w = arg;
  CUpti_ActivityKernel10 *k = &r->kernel;
  k->kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
  schedule_locked(w->duration_ns, &k->start, &k->end);
  k->completed = k->end;
  k->streamId = 7;
  k->gridX = k->gridY = k->gridZ = k->blockX = k->blockY = k->blockZ = 1;
  k->correlationId = correlation;
  k->name = intern_locked(w->name);
  if (w->running) { /* complete once its end has passed, in real time */
    uint64_t now = fk_now();
    *ready = fk_mono_ns() + (k->end > now ? k->end - now : 0);
  }
}

static void fill_memcpy(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
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

static void fill_memset(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  const struct work *w = arg;
  CUpti_ActivityMemset4 *m = &r->memset;
  m->kind = CUPTI_ACTIVITY_KIND_MEMSET;
  m->bytes = w->bytes;
  schedule_locked(w->duration_ns, &m->start, &m->end);
  m->streamId = 7;
  m->correlationId = correlation;
  m->memoryKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
}

FK_EXPORT int fakecupti_launch(const char *kernel, uint64_t duration_ns) {
  if (!kernel) return -1;
  struct work w = {.name = kernel, .duration_ns = duration_ns};
  return api_call(&runtime_launch, kernel, fill_kernel, &w);
}

FK_EXPORT int fakecupti_launch_api(const char *api, const char *kernel, uint64_t duration_ns) {
  const struct api *a = api_named(api);
  if (!a || !kernel) return -1;
  struct work w = {.name = kernel, .duration_ns = duration_ns};
  return api_call(a, kernel, fill_kernel, &w);
}

FK_EXPORT int fakecupti_launch_running(const char *kernel, uint64_t duration_ns) {
  if (!kernel) return -1;
  struct work w = {.name = kernel, .duration_ns = duration_ns, .running = 1};
  return api_call(&runtime_launch, kernel, fill_kernel, &w);
}

/* During stream capture the launch is recorded into a graph, not run: callbacks, no record. */
FK_EXPORT int fakecupti_launch_captured(const char *kernel) {
  if (!kernel) return -1;
  struct work w = {.name = kernel};
  return api_call_n(&runtime_launch, kernel, fill_kernel, &w, 0, 0);
}

/* A launch through a call the subscriber has no callback for (callback id 0 is never enabled): its
 * record carries a correlation id wprof never saw. */
FK_EXPORT int fakecupti_launch_unseen(const char *kernel, uint64_t duration_ns) {
  static const struct api unseen = {"cudaUnlistedLaunch", CUPTI_CB_DOMAIN_RUNTIME_API, 0, 0, 0};
  if (!kernel) return -1;
  struct work w = {.name = kernel, .duration_ns = duration_ns};
  return api_call(&unseen, kernel, fill_kernel, &w);
}

FK_EXPORT int fakecupti_launch_failed(const char *kernel) {
  if (!kernel) return -1;
  struct work w = {.name = kernel};
  return api_call_n(&runtime_launch, kernel, fill_kernel, &w, 1, 1 /* cudaErrorInvalidValue */);
}

FK_EXPORT int fakecupti_api_calls(unsigned n) {
  static const struct api get_last_error = {"cudaGetLastError", CUPTI_CB_DOMAIN_RUNTIME_API,
                                            CUPTI_RUNTIME_TRACE_CBID_cudaGetLastError_v3020, 0, 0};
  for (unsigned i = 0; i < n; i++) {
    uint32_t correlation = fk_next_correlation();
    fk_fire(get_last_error.domain, get_last_error.cbid, CUPTI_API_ENTER, get_last_error.name, NULL, correlation, 0);
    fk_fire(get_last_error.domain, get_last_error.cbid, CUPTI_API_EXIT, get_last_error.name, NULL, correlation, 0);
  }
  return 0;
}

FK_EXPORT int fakecupti_memcpy(uint64_t bytes, uint64_t duration_ns) {
  struct work w = {.bytes = bytes, .duration_ns = duration_ns};
  return api_call(&runtime_memcpy, NULL, fill_memcpy, &w);
}

FK_EXPORT int fakecupti_memset(uint64_t bytes, uint64_t duration_ns) {
  struct work w = {.bytes = bytes, .duration_ns = duration_ns};
  return api_call(&runtime_memset, NULL, fill_memset, &w);
}

static void fill_peer(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  const struct work *w = arg;
  CUpti_ActivityMemcpyPtoP4 *m = &r->peer;
  m->kind = CUPTI_ACTIVITY_KIND_MEMCPY2;
  m->copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_PTOP;
  m->srcKind = m->dstKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
  m->bytes = w->bytes;
  schedule_locked(w->duration_ns, &m->start, &m->end);
  m->streamId = 7;
  m->srcDeviceId = 0;
  m->dstDeviceId = 1;
  m->correlationId = correlation;
}

FK_EXPORT int fakecupti_memcpy_peer(uint64_t bytes, uint64_t duration_ns) {
  static const struct api peer = RT("cudaMemcpyPeerAsync", cudaMemcpyPeerAsync_v4000, 0, cuMemcpyPeerAsync);
  struct work w = {.bytes = bytes, .duration_ns = duration_ns};
  return api_call(&peer, NULL, fill_peer, &w);
}

FK_EXPORT int fakecupti_memcpy_driver(uint64_t bytes, uint64_t duration_ns) {
  static const struct api htod = DRV("cuMemcpyHtoDAsync_v2", cuMemcpyHtoDAsync_v2, 0);
  struct work w = {.bytes = bytes, .duration_ns = duration_ns};
  return api_call(&htod, NULL, fill_memcpy, &w);
}

FK_EXPORT int fakecupti_memset_driver(uint64_t bytes, uint64_t duration_ns) {
  static const struct api set = DRV("cuMemsetD32Async", cuMemsetD32Async, 0);
  struct work w = {.bytes = bytes, .duration_ns = duration_ns};
  return api_call(&set, NULL, fill_memset, &w);
}

struct config_work { struct work w; unsigned grid[3], block[3]; };

static void fill_config_kernel(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  const struct config_work *c = arg;
  fill_kernel(r, correlation, &c->w, ready);
  CUpti_ActivityKernel10 *k = &r->kernel;
  k->gridX = (int32_t)c->grid[0], k->gridY = (int32_t)c->grid[1], k->gridZ = (int32_t)c->grid[2];
  k->blockX = (int32_t)c->block[0], k->blockY = (int32_t)c->block[1], k->blockZ = (int32_t)c->block[2];
  k->registersPerThread = 32;
}

FK_EXPORT int fakecupti_launch_config(const char *kernel, uint64_t duration_ns, unsigned gx, unsigned gy,
                                      unsigned gz, unsigned bx, unsigned by, unsigned bz) {
  if (!kernel) return -1;
  struct config_work c = {{.name = kernel, .duration_ns = duration_ns}, {gx, gy, gz}, {bx, by, bz}};
  return api_call(&runtime_launch, kernel, fill_config_kernel, &c);
}

/* The graph's kernels carry the correlation id of the one cudaGraphLaunch call, as on hardware. */
FK_EXPORT int fakecupti_graph_launch(const char *kernel, uint64_t duration_ns, unsigned nkernels) {
  if (!kernel) return -1;
  struct work w = {.name = kernel, .duration_ns = duration_ns};
  return api_call_n(api_named("cudaGraphLaunch"), NULL, fill_kernel, &w, nkernels, 0);
}

/* A graph whose last `nrunning` nodes (of running_ns each) are still running when the call returns:
 * its first nodes' records can be delivered by a plain flush, the rest only once they have run. */
struct split_work { struct work quick, running; unsigned node, first_running; };

static void fill_split_node(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  struct split_work *g = (struct split_work *)arg; /* the node counter moves on */
  fill_kernel(r, correlation, g->node++ < g->first_running ? &g->quick : &g->running, ready);
}

FK_EXPORT int fakecupti_graph_launch_split(const char *kernel, uint64_t duration_ns, unsigned nkernels,
                                           unsigned nrunning, uint64_t running_ns) {
  if (!kernel || nrunning > nkernels) return -1;
  struct split_work g = {{.name = kernel, .duration_ns = duration_ns},
                         {.name = kernel, .duration_ns = running_ns, .running = 1}, 0, nkernels - nrunning};
  return api_call_n(api_named("cudaGraphLaunch"), NULL, fill_split_node, &g, nkernels, 0);
}

struct mem_op { uint64_t bytes, address; int alloc; };

static void fill_memory(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  const struct mem_op *m = arg;
  CUpti_ActivityMemory4 *rec = &r->memory;
  rec->kind = CUPTI_ACTIVITY_KIND_MEMORY2;
  rec->memoryOperationType = m->alloc ? CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_ALLOCATION
                                      : CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_RELEASE;
  rec->memoryKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
  rec->correlationId = correlation;
  rec->address = m->address;
  rec->bytes = m->bytes;
  rec->timestamp = fk_now();
  rec->deviceId = 0;
  rec->contextId = 1;
}

FK_EXPORT int fakecupti_alloc(uint64_t bytes) {
  static const struct api malloc_api = RT("cudaMalloc", cudaMalloc_v3020, 0, cuMemAlloc_v2);
  pthread_mutex_lock(&fk_lock);
  int full = gpu.n_live == MAX_LIVE_ALLOCS;
  struct mem_op m = {bytes, 0x7f0000000000ULL + (gpu.next_address += 0x100000), 1};
  if (!full) {
    gpu.live[gpu.n_live].address = m.address;
    gpu.live[gpu.n_live++].bytes = bytes;
  }
  pthread_mutex_unlock(&fk_lock);
  if (full) return -1;
  return api_call(&malloc_api, NULL, fill_memory, &m);
}

FK_EXPORT int fakecupti_free(uint64_t bytes) {
  static const struct api free_api = RT("cudaFree", cudaFree_v3020, 0, cuMemFree_v2);
  struct mem_op m = {bytes, 0, 0};
  pthread_mutex_lock(&fk_lock);
  size_t i = gpu.n_live;
  while (i > 0 && gpu.live[i - 1].bytes != bytes) i--;
  if (i > 0) {
    m.address = gpu.live[i - 1].address;
    memmove(&gpu.live[i - 1], &gpu.live[i], (gpu.n_live - i) * sizeof gpu.live[0]);
    gpu.n_live--;
  }
  pthread_mutex_unlock(&fk_lock);
  if (i == 0) return -1;
  return api_call(&free_api, NULL, fill_memory, &m);
}

/* ---- issue 9: launch delays, placed work, overhead records ---- */

struct placed_work { struct work w; uint32_t stream; uint64_t start; };

static void fill_placed_kernel(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  const struct placed_work *p = arg;
  uint64_t saved = gpu.stream_free_at;
  fill_kernel(r, correlation, &p->w, ready);
  gpu.stream_free_at = saved;
  r->kernel.start = p->start ? p->start : fk_now();
  r->kernel.end = r->kernel.completed = r->kernel.start + p->w.duration_ns;
  r->kernel.streamId = p->stream;
}

static void fill_placed_memcpy(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  const struct placed_work *p = arg;
  uint64_t saved = gpu.stream_free_at;
  fill_memcpy(r, correlation, &p->w, ready);
  gpu.stream_free_at = saved;
  r->memcpy.start = p->start;
  r->memcpy.end = p->start + p->w.duration_ns;
  r->memcpy.streamId = p->stream;
}

/* The delay counts from after the enter callback, so the measured latency is never below it. */
static void fill_delayed_kernel(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  const struct placed_work *p = arg;
  struct placed_work now = *p;
  now.start = fk_now() + p->start;
  fill_placed_kernel(r, correlation, &now, ready);
}

FK_EXPORT int fakecupti_launch_delayed(const char *kernel, uint64_t duration_ns, uint64_t launch_delay_ns) {
  if (!kernel) return -1;
  struct placed_work p = {{.name = kernel, .duration_ns = duration_ns}, 7, launch_delay_ns};
  return api_call(&runtime_launch, kernel, fill_delayed_kernel, &p);
}

/* A graph launch whose first node starts launch_delay_ns after the call, the others back to back. */
struct graph_work { struct work w; uint64_t first_start; unsigned node; };

static void fill_graph_node(union fk_record *r, uint32_t correlation, const void *arg, uint64_t *ready) {
  struct graph_work *g = (struct graph_work *)arg; /* the node counter moves on */
  struct placed_work p = {g->w, 7, g->first_start + (uint64_t)g->node++ * g->w.duration_ns};
  fill_placed_kernel(r, correlation, &p, ready);
}

FK_EXPORT int fakecupti_graph_launch_delayed(const char *kernel, uint64_t duration_ns, unsigned nkernels,
                                             uint64_t launch_delay_ns) {
  if (!kernel) return -1;
  struct graph_work g = {{.name = kernel, .duration_ns = duration_ns}, fk_now() + launch_delay_ns, 0};
  return api_call_n(api_named("cudaGraphLaunch"), NULL, fill_graph_node, &g, nkernels, 0);
}

FK_EXPORT int fakecupti_anchor(void) {
  pthread_mutex_lock(&fk_lock);
  gpu.anchor = fk_now();
  pthread_mutex_unlock(&fk_lock);
  return 0;
}

FK_EXPORT int fakecupti_launch_at(const char *kernel, uint32_t stream, uint64_t offset_ns, uint64_t duration_ns) {
  if (!kernel || !gpu.anchor) return -1;
  struct placed_work p = {{.name = kernel, .duration_ns = duration_ns}, stream, gpu.anchor + offset_ns};
  return api_call(&runtime_launch, kernel, fill_placed_kernel, &p);
}

FK_EXPORT int fakecupti_memcpy_at(uint64_t bytes, uint32_t stream, uint64_t offset_ns, uint64_t duration_ns) {
  if (!gpu.anchor) return -1;
  struct placed_work p = {{.bytes = bytes, .duration_ns = duration_ns}, stream, gpu.anchor + offset_ns};
  return api_call(&runtime_memcpy, NULL, fill_placed_memcpy, &p);
}

FK_EXPORT int fakecupti_overhead(int kind, uint64_t duration_ns) {
  union fk_record r;
  memset(&r, 0, sizeof r);
  r.overhead.kind = CUPTI_ACTIVITY_KIND_OVERHEAD;
  r.overhead.overheadKind = (CUpti_ActivityOverheadKind)kind;
  r.overhead.objectKind = CUPTI_ACTIVITY_OBJECT_THREAD;
  r.overhead.start = fk_now();
  r.overhead.end = r.overhead.start + duration_ns;
  pthread_mutex_lock(&fk_lock);
  fk_queue_locked(&r, 0);
  pthread_mutex_unlock(&fk_lock);
  return 0;
}

/* cudaDeviceSynchronize: an API call of its own (a correlation id) that returns when the stream is idle. */
FK_EXPORT int fakecupti_sync(void) {
  static const struct api sync_api = {"cudaDeviceSynchronize", CUPTI_CB_DOMAIN_RUNTIME_API,
                                      CUPTI_RUNTIME_TRACE_CBID_cudaDeviceSynchronize_v3020, 0, 0};
  uint32_t correlation = fk_next_correlation();
  fk_fire(sync_api.domain, sync_api.cbid, CUPTI_API_ENTER, sync_api.name, NULL, correlation, 0);
  pthread_mutex_lock(&fk_lock);
  uint64_t start = fk_now(), until = gpu.stream_free_at;
  pthread_mutex_unlock(&fk_lock);
  uint64_t idle_mono = fk_mono_ns() + (until > start ? until - start : 0); /* real time: steps do not count */
  while (fk_mono_ns() < idle_mono) {
    struct timespec nap = {0, 20000};
    nanosleep(&nap, NULL);
  }
  union fk_record r;
  memset(&r, 0, sizeof r);
  r.sync.kind = CUPTI_ACTIVITY_KIND_SYNCHRONIZATION;
  r.sync.type = CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_CONTEXT_SYNCHRONIZE;
  r.sync.start = start;
  r.sync.end = fk_now();
  r.sync.correlationId = correlation;
  pthread_mutex_lock(&fk_lock);
  fk_queue_locked(&r, 0);
  pthread_mutex_unlock(&fk_lock);
  fk_fire(sync_api.domain, sync_api.cbid, CUPTI_API_EXIT, sync_api.name, NULL, correlation, 0);
  return 0;
}
