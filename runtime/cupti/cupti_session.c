/* The cupti backend's body (its entry in the registry is backends/backend_cupti.c): libcupti
 * dlopen'ed (cupti_api), runtime-API callbacks map each launch's correlation id to its window and
 * range (cupti_corr), fixed buffers (cupti_buffers) are read off the hot path by a worker or at
 * flush/stop/collect into /kernels rows (cupti_records). Built only with the CUDA toolkit's cupti.h. */
#ifdef WPROF_HAVE_CUPTI
#include "cupti_session.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wprof/wprof.h"
#include "breakdown.h"
#include "config.h"
#include "cupti_api.h"
#include "cupti_buffers.h"
#include "cupti_cbids.h"
#include "cupti_clock.h"
#include "cupti_corr.h"
#include "cupti_records.h"
#include "launch_latency.h"
#include "log.h"
#include "memory.h"
#include "stacks.h"
#include "timer.h"

/* How long the worker sleeps between looks when no buffer completes: bounds its idle cost. */
#define WORKER_WAIT_MS 200
/* How long the report waits for kernels still running at the end before the forced flush, which
 * hands over their records without times (rejected and counted); it stops sooner once plain flushes
 * have brought no launch's record for FINISH_IDLE_MS: what is still missing then is mostly launches
 * that will never have a record (made during stream capture, dropped), and a kernel running longer
 * than that past the last record is counted incomplete. */
#define FINISH_WAIT_MS 3000
#define FINISH_IDLE_MS 300

static const CUpti_ActivityKind required_kinds[] = {
    CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY, CUPTI_ACTIVITY_KIND_MEMSET};
#define N_REQUIRED (sizeof required_kinds / sizeof required_kinds[0])

static struct {
  int ready;
  struct wpr_cupti_api api;
  CUpti_SubscriberHandle subscriber;
  int sync_enabled;               /* SYNCHRONIZATION is optional: older CUPTIs refuse it */
  int overhead_enabled;           /* OVERHEAD (CUPTI's own cost) is optional too */
  int p2p_enabled;                /* MEMCPY2 (peer copies) is optional too */
  int host_timebase;              /* CUPTI's timestamps are wpr_time_ns (its timestamp callback) */
  int finished;                   /* the report's forced flush was done */
  int in_session;                 /* a window started since the last report */
  uint64_t dropped_before;        /* cs.dropped when this session's first window started */
  uint64_t no_record;             /* this session's launches no record came for by the report */
  int memory;                     /* WPROF_MEMORY: MEMORY2 records and the allocation callbacks */
  int memory_enabled;             /* MEMORY2 was accepted for the running window */
  _Atomic int stacks;             /* WPROF_STACKS: a call stack at each launch */
  pthread_mutex_t lock;           /* the aggregation: records, spans, dropped */
  struct wpr_gpu_span *spans;
  int n_spans, cap_spans;
  uint64_t dropped;               /* cuptiActivityGetNumDroppedRecords, summed */
  char failed_library[WPR_PATH_MAX]; /* init failed with this library: not retried, not warned again */
} cs = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- CUPTI's callbacks: hand buffers over, nothing else ---- */

void wpr_cupti_buffer_requested(uint8_t **buffer, size_t *size, size_t *max_records) {
  *buffer = wpr_cupti_pool_take(size);
  *max_records = 0; /* as many as fit */
}

void wpr_cupti_buffer_completed(void *context, uint32_t stream, uint8_t *buffer, size_t size, size_t valid) {
  wpr_cupti_pool_complete(buffer, valid, context, stream);
}

static void CUPTIAPI on_buffer_requested(uint8_t **buffer, size_t *size, size_t *max_records) {
  wpr_cupti_buffer_requested(buffer, size, max_records);
}

static void CUPTIAPI on_buffer_completed(CUcontext context, uint32_t stream, uint8_t *buffer, size_t size,
                                         size_t valid) {
  wpr_cupti_buffer_completed(context, stream, buffer, size, valid);
}

/* ---- reading completed buffers (off the hot path) ---- */

static void count_dropped(CUcontext context, uint32_t stream) {
  size_t n = 0;
  if (cs.api.activity_get_num_dropped_records(context, stream, &n) == CUPTI_SUCCESS) cs.dropped += n;
}

/* With cs.lock held: a buffer popped here is read before the lock is released, so whoever takes the
 * lock next sees every record of every buffer popped so far. */
static void drain_locked(void) {
  struct wpr_cupti_filled f;
  while (wpr_cupti_pool_next(&f)) {
    wpr_cupti_records_read(&cs.api, f.buf, f.valid, cs.spans, cs.n_spans);
    if (f.context) count_dropped(f.context, f.stream);
    wpr_cupti_pool_release(f.buf);
  }
  wpr_memory_apply(cs.spans, cs.n_spans); /* this drain's allocations and frees, in time order */
  count_dropped(NULL, 0);
}

void wpr_cupti_drain(void) {
  if (!cs.ready) return;
  pthread_mutex_lock(&cs.lock);
  drain_locked();
  pthread_mutex_unlock(&cs.lock);
}

/* Keeps buffers flowing back to the pool during long windows, so a bounded pool rarely runs dry. */
static void *worker_main(void *arg) {
  for (;;)
    if (wpr_cupti_pool_wait(WORKER_WAIT_MS)) wpr_cupti_drain();
  return NULL;
}

static int start_worker(void) {
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = pthread_create(&t, &attr, worker_main, NULL);
  pthread_attr_destroy(&attr);
  return rc == 0 ? WPROF_OK : WPROF_EBACKEND;
}

/* ---- API callbacks: on the launching thread, around the call ---- */

/* Inside a traced runtime call on this thread: the driver calls it makes are its own, and their
 * records carry the runtime call's correlation id, so they are not tagged again. A call whose exit
 * fell after the stop (callbacks off) would leave the depth up for good, so the depth belongs to one
 * window: a thread's first callback of a new window starts it at 0. */
static _Atomic uint32_t callbacks_epoch;
static _Thread_local struct { int depth; uint32_t epoch; } in_runtime_call;

static int call_failed(const CUpti_CallbackData *cb) {
  return cb->functionReturnValue && *(const int *)cb->functionReturnValue != 0; /* cudaError_t / CUresult */
}

static void CUPTIAPI on_api_call(void *userdata, CUpti_CallbackDomain domain, CUpti_CallbackId cbid,
                                 const void *data) {
  const CUpti_CallbackData *cb = data;
  if (!cb) return;
  int runtime = domain == CUPTI_CB_DOMAIN_RUNTIME_API;
  uint32_t epoch = atomic_load_explicit(&callbacks_epoch, memory_order_relaxed);
  if (in_runtime_call.epoch != epoch) in_runtime_call.depth = 0, in_runtime_call.epoch = epoch;
  if (!runtime && in_runtime_call.depth) return;
  if (cb->callbackSite == CUPTI_API_EXIT) {
    if (runtime && in_runtime_call.depth > 0) in_runtime_call.depth--;
    if (call_failed(cb)) wpr_cupti_corr_failed(cb->correlationId); /* no record will come */
    return;
  }
  if (cb->callbackSite != CUPTI_API_ENTER) return;
  if (runtime) in_runtime_call.depth++;
  int launch = wpr_cupti_cbid_is_launch(domain, cbid);
  int many = wpr_cupti_cbid_has_many_records(domain, cbid);
  int kind = launch ? (many ? WPR_CORR_LAUNCH_MULTI : WPR_CORR_LAUNCH) : (many ? WPR_CORR_CALL_MULTI : WPR_CORR_CALL);
  /* the launch's host time, on the clock the kernel's start is mapped to: its latency (launch_latency.h) */
  wpr_cupti_corr_put_at(cb->correlationId, wpr_ranges_launch_ctx(), wpr_time_ns(), kind);
  if (atomic_load_explicit(&cs.stacks, memory_order_relaxed) && (launch || wpr_cupti_cbid_is_alloc(domain, cbid)))
    wpr_stacks_capture(cb->correlationId); /* allocation callbacks run only with WPROF_MEMORY */
}

/* CUPTI's timestamps in wprof's own clock: no mapping, and no NTP step of CUPTI's default
 * CLOCK_REALTIME can move a GPU position. */
static uint64_t CUPTIAPI timestamp_now(void) { return (uint64_t)wpr_time_ns(); }

/* ---- the backend's entry points ---- */

static int init_failed(const char *what, CUptiResult rc) {
  WPR_WARN("cupti: %s failed (%s); using the host collectors", what, wpr_cupti_result_text(&cs.api, rc));
  if (cs.subscriber) cs.api.unsubscribe(cs.subscriber);
  cs.subscriber = NULL;
  wpr_cupti_api_unload(&cs.api);
  return WPROF_EBACKEND;
}

/* A session may be set up twice (at MPI_Init, then by the application): one attempt, one warning. */
int wpr_cupti_init(const struct wpr_config *cfg) {
  if (cs.ready) return WPROF_OK;
  if (strcmp(cs.failed_library, cfg->cupti_library) == 0) return WPROF_EBACKEND;
  snprintf(cs.failed_library, sizeof cs.failed_library, "%s", cfg->cupti_library);
  char err[512] = "";
  if (wpr_cupti_api_load(&cs.api, cfg->cupti_library, err, sizeof err) != WPROF_OK) {
    WPR_WARN("cupti: %s; using the host collectors", err);
    return WPROF_EBACKEND;
  }
  CUptiResult rc = cs.api.subscribe(&cs.subscriber, on_api_call, NULL);
  if (rc == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED) { /* nsys, ncu, ... attached first */
    WPR_WARN("CUPTI is already in use by another tool (another subscriber); GPU activity is not collected on "
             "this rank (host collectors)");
    wpr_cupti_note_other_subscriber(); /* a /cupti_overhead row of this rank says so in the report */
    cs.subscriber = NULL;
    wpr_cupti_api_unload(&cs.api);
    return WPROF_EBACKEND;
  }
  if (rc != CUPTI_SUCCESS) {
    cs.subscriber = NULL; /* e.g. no device */
    return init_failed("cuptiSubscribe", rc);
  }
  rc = cs.api.activity_register_callbacks(on_buffer_requested, on_buffer_completed);
  if (rc != CUPTI_SUCCESS) return init_failed("cuptiActivityRegisterCallbacks", rc);
  if (wpr_cupti_pool_init((size_t)cfg->cupti_buffer_kb * 1024, WPR_CUPTI_POOL_BUFFERS) != WPROF_OK ||
      !wpr_cupti_corr_init((size_t)cfg->cupti_buffer_kb * 1024, WPR_CUPTI_POOL_BUFFERS)) {
    char what[96];
    snprintf(what, sizeof what, "allocating %d activity buffers of %lld KiB", WPR_CUPTI_POOL_BUFFERS,
             (long long)cfg->cupti_buffer_kb);
    return init_failed(what, CUPTI_ERROR_OUT_OF_MEMORY);
  }
  /* before any kind is enabled, as the header asks */
  cs.host_timebase = cs.api.activity_register_timestamp_callback &&
                     cs.api.activity_register_timestamp_callback(timestamp_now) == CUPTI_SUCCESS;
  if (start_worker() != WPROF_OK) return init_failed("starting the reader thread", CUPTI_ERROR_UNKNOWN);
  cs.memory = cfg->memory;
  if (cfg->stacks && wpr_stacks_init() == 0) atomic_store(&cs.stacks, 1);
  cs.ready = 1;
  cs.failed_library[0] = '\0';
  WPR_DEBUG("cupti: loaded %s (CUPTI API version %u), %d buffers of %lld KiB, timestamps %s", cs.api.path,
            (unsigned)cs.api.version, WPR_CUPTI_POOL_BUFFERS, (long long)cfg->cupti_buffer_kb,
            cs.host_timebase ? "in wprof's clock" : "mapped by clock pairs");
  return WPROF_OK;
}

static int read_gpu_clock(uint64_t *ns) { return cs.api.get_timestamp(ns) == CUPTI_SUCCESS ? 0 : -1; }

/* With the timestamp callback both sides are one clock, read once: the span maps exactly. */
static int pair_read(struct wpr_clock_pair *pair) {
  if (!cs.host_timebase) return wpr_clock_pair_read(read_gpu_clock, pair);
  pair->host_ns = wpr_time_ns();
  pair->gpu_ns = (uint64_t)pair->host_ns;
  return 0;
}

static int span_open(int32_t window) {
  struct wpr_gpu_span span = {.window = window};
  if (pair_read(&span.start) != 0) return WPROF_EBACKEND;
  pthread_mutex_lock(&cs.lock);
  if (cs.n_spans == cs.cap_spans) {
    int cap = cs.cap_spans ? cs.cap_spans * 2 : 16;
    struct wpr_gpu_span *grown = realloc(cs.spans, (size_t)cap * sizeof *grown);
    if (grown) {
      cs.spans = grown;
      cs.cap_spans = cap;
    }
  }
  int ok = cs.n_spans < cs.cap_spans;
  if (ok) cs.spans[cs.n_spans++] = span;
  pthread_mutex_unlock(&cs.lock);
  return ok ? WPROF_OK : WPROF_ENOMEM;
}

/* The span of `window` closed at `stop` (or dropped when the window never opened: stop == NULL). */
static void span_close(int32_t window, const struct wpr_clock_pair *stop) {
  pthread_mutex_lock(&cs.lock);
  for (int i = cs.n_spans - 1; i >= 0; i--) {
    if (cs.spans[i].window != window || cs.spans[i].closed) continue;
    if (stop) {
      cs.spans[i].stop = *stop;
      cs.spans[i].closed = 1;
      WPR_DEBUG("cupti: window %d: GPU clock drift %.2f ppm", (int)window, wpr_gpu_span_drift_ppm(&cs.spans[i]));
    } else {
      cs.spans[i] = cs.spans[--cs.n_spans];
    }
    break;
  }
  pthread_mutex_unlock(&cs.lock);
}

static void disable_kinds(void) {
  for (size_t i = 0; i < N_REQUIRED; i++) cs.api.activity_disable(required_kinds[i]);
  if (cs.sync_enabled) cs.api.activity_disable(CUPTI_ACTIVITY_KIND_SYNCHRONIZATION);
  if (cs.memory_enabled) cs.api.activity_disable(CUPTI_ACTIVITY_KIND_MEMORY2);
  if (cs.overhead_enabled) cs.api.activity_disable(CUPTI_ACTIVITY_KIND_OVERHEAD);
  if (cs.p2p_enabled) cs.api.activity_disable(CUPTI_ACTIVITY_KIND_MEMCPY2);
  cs.sync_enabled = cs.memory_enabled = cs.overhead_enabled = cs.p2p_enabled = 0;
}

/* MEMORY2 (CUDA 11.6+): refused by an older CUPTI, which is warned once; kernels still run. */
static void enable_memory(void) {
  if (!cs.memory) return;
  CUptiResult rc = cs.api.activity_enable(CUPTI_ACTIVITY_KIND_MEMORY2);
  cs.memory_enabled = rc == CUPTI_SUCCESS;
  if (!cs.memory_enabled) {
    static int warned;
    wpr_warn_once(&warned, "cupti: WPROF_MEMORY=1 but memory records are not available (%s); /memory stays empty",
                  wpr_cupti_result_text(&cs.api, rc));
  }
}

static int enable_kinds(void) {
  for (size_t i = 0; i < N_REQUIRED; i++) {
    CUptiResult rc = cs.api.activity_enable(required_kinds[i]);
    if (rc != CUPTI_SUCCESS) {
      static int warned;
      wpr_warn_once(&warned, "cupti: cuptiActivityEnable(%d) failed (%s)", (int)required_kinds[i],
                    wpr_cupti_result_text(&cs.api, rc));
      disable_kinds();
      return WPROF_EBACKEND;
    }
  }
  cs.sync_enabled = cs.api.activity_enable(CUPTI_ACTIVITY_KIND_SYNCHRONIZATION) == CUPTI_SUCCESS;
  cs.overhead_enabled = cs.api.activity_enable(CUPTI_ACTIVITY_KIND_OVERHEAD) == CUPTI_SUCCESS;
  cs.p2p_enabled = cs.api.activity_enable(CUPTI_ACTIVITY_KIND_MEMCPY2) == CUPTI_SUCCESS;
  enable_memory();
  return WPROF_OK;
}

int wpr_cupti_start(int32_t window) {
  if (!cs.ready) return WPROF_EBACKEND;
  cs.finished = 0; /* this window's kernels are for the next report's wait */
  if (!cs.in_session) { /* the first window since the last report: the waits count from here */
    wpr_cupti_corr_new_session();
    pthread_mutex_lock(&cs.lock);
    cs.dropped_before = cs.dropped;
    pthread_mutex_unlock(&cs.lock);
    cs.no_record = 0;
    cs.in_session = 1;
  }
  atomic_fetch_add_explicit(&callbacks_epoch, 1, memory_order_relaxed);
  int rc = span_open(window);
  if (rc != WPROF_OK) return rc;
  if (enable_kinds() != WPROF_OK) {
    span_close(window, NULL);
    return WPROF_EBACKEND;
  }
  wpr_cupti_callbacks_enable(&cs.api, cs.subscriber, 1);
  if (cs.memory_enabled) wpr_cupti_memory_callbacks_enable(&cs.api, cs.subscriber, 1);
  return WPROF_OK;
}

/* A plain flush: the buffers whose records are all complete. Kernels still running keep their
 * buffer for a later flush (the next stop's, a spill's collect, the report's: the worker only reads
 * buffers CUPTI completes on its own, and never flushes), and their records are attributed then by
 * their launch's window and range. A forced flush here would hand them over
 * without times, once and never again. */
static void flush_and_drain(void) {
  cs.api.activity_flush_all(0);
  wpr_cupti_drain();
}

int wpr_cupti_stop(int32_t window) {
  if (!cs.ready) return WPROF_EBACKEND;
  struct wpr_clock_pair stop;
  int have_stop = pair_read(&stop) == 0;
  wpr_cupti_callbacks_enable(&cs.api, cs.subscriber, 0);
  if (cs.memory_enabled) wpr_cupti_memory_callbacks_enable(&cs.api, cs.subscriber, 0);
  if (have_stop) span_close(window, &stop);
  /* Records still in flight arrive at a later flush; their launch ctx or timestamp places them here. */
  flush_and_drain();
  disable_kinds();
  return WPROF_OK;
}

int wpr_cupti_flush(void) {
  if (!cs.ready) return WPROF_EBACKEND;
  flush_and_drain();
  return WPROF_OK;
}

static int64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t dropped_in_session(void) {
  pthread_mutex_lock(&cs.lock);
  uint64_t n = cs.dropped - cs.dropped_before;
  pthread_mutex_unlock(&cs.lock);
  return n;
}

int wpr_cupti_finish(void) {
  if (!cs.ready || cs.finished) return cs.ready ? WPROF_OK : WPROF_EBACKEND;
  cs.finished = 1;
  int64_t begin = monotonic_ms(), until = begin + FINISH_WAIT_MS, progress_at = begin;
  uint64_t waiting = wpr_cupti_corr_outstanding();
  for (;;) { /* kernels in flight complete their records: plain flushes hand them over */
    flush_and_drain();
    uint64_t now_waiting = wpr_cupti_corr_outstanding();
    int64_t now = monotonic_ms();
    if (now_waiting != waiting) waiting = now_waiting, progress_at = now;
    /* a dropped record's launch is never found: each drop may be one of the launches waited for */
    if (waiting <= dropped_in_session() || now >= until || now - progress_at >= FINISH_IDLE_MS) break;
    struct timespec nap = {0, 1000000};
    nanosleep(&nap, NULL);
  }
  cs.api.activity_flush_all(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED); /* the rest, complete or not */
  wpr_cupti_drain();
  cs.no_record = wpr_cupti_corr_outstanding(); /* not even an incomplete record came for these */
  cs.in_session = 0;
  WPR_DEBUG("cupti: the report waited %lld ms for records; %llu launches without any",
            (long long)(monotonic_ms() - begin), (unsigned long long)cs.no_record);
  return WPROF_OK;
}

/* Each loss with what would have avoided it: a drop with refused buffer requests means every buffer
 * was waiting to be read (larger buffers hold more); without refusals CUPTI itself ran short. */
static void warn_losses(uint64_t dropped, struct wpr_cupti_counts counts) {
  static int warned_drop, warned_lost, warned_corr, warned_incomplete, warned_uncorrelated, warned_truncated;
  uint64_t refused = wpr_cupti_pool_refusals();
  if (dropped && refused)
    wpr_warn_once(&warned_drop, "cupti: %llu activity records dropped: %llu buffer requests found all %d "
                  "buffers waiting to be read; raise WPROF_CUPTI_BUFFER_KB", (unsigned long long)dropped,
                  (unsigned long long)refused, WPR_CUPTI_POOL_BUFFERS);
  else if (dropped)
    wpr_warn_once(&warned_drop, "cupti: %llu activity records dropped by CUPTI while wprof had buffers free "
                  "(CUPTI's own limits, e.g. records of other processes or devices)", (unsigned long long)dropped);
  uint64_t corr_lost = wpr_cupti_corr_lost();
  if (corr_lost)
    wpr_warn_once(&warned_corr, "cupti: %llu launches lost their range: more launches waited for their records at "
                  "once than the correlation table holds (twice what the activity buffers hold, %u..%u slots); "
                  "their records were placed by time, without range", (unsigned long long)corr_lost,
                  WPR_CUPTI_CORR_MIN_SLOTS, WPR_CUPTI_CORR_MAX_SLOTS);
  if (counts.incomplete)
    wpr_warn_once(&warned_incomplete, "cupti: %llu records arrived without their times (kernels still running "
                  "when the report was written: %d ms after the last record, or %d ms in all); they are not counted",
                  (unsigned long long)counts.incomplete, FINISH_IDLE_MS, FINISH_WAIT_MS);
  if (counts.uncorrelated)
    wpr_warn_once(&warned_uncorrelated, "cupti: %llu records had a correlation id wprof did not know (forgotten, "
                  "or launched outside every window); they were placed by time, without range",
                  (unsigned long long)counts.uncorrelated);
  if (counts.truncated)
    wpr_warn_once(&warned_truncated, "cupti: %llu activity buffers could not be read to their end (an incomplete "
                  "or invalid record); up to %llu bytes of records after it were not read",
                  (unsigned long long)counts.truncated, (unsigned long long)counts.unread_bytes);
  uint64_t lost = counts.oom + wpr_memory_lost();
  if (lost)
    wpr_warn_once(&warned_lost, "cupti: %llu records lost to out of memory", (unsigned long long)lost);
  if (counts.unattributed)
    WPR_INFO("cupti: %llu records ran outside every window and are not reported",
             (unsigned long long)counts.unattributed);
}

static void set_dropped(struct wpio_job *job, int32_t rank, uint64_t dropped) {
  for (size_t i = 0; i < job->ranks.n; i++)
    if (job->ranks.v[i].rank == rank) job->ranks.v[i].dropped_records = dropped;
}

int wpr_cupti_collect(struct wpio_job *job, int32_t rank) {
  if (!cs.ready) return WPROF_OK;
  cs.api.activity_flush_all(0); /* collect also runs at each stop for spills: never forced here */
  pthread_mutex_lock(&cs.lock);
  drain_locked();
  for (int i = 0; i < cs.n_spans; i++) /* the breakdown clips each window's GPU intervals to its span */
    if (cs.spans[i].closed) wpr_breakdown_bounds(cs.spans[i].window, cs.spans[i].start.gpu_ns, cs.spans[i].stop.gpu_ns);
  int rc = wpr_cupti_records_collect(job, rank, cs.finished);
  if (rc == 0) rc = wpr_memory_collect(job, rank, cs.spans, cs.n_spans);
  uint64_t dropped = cs.dropped;
  struct wpr_cupti_counts counts = wpr_cupti_records_counts();
  struct wpr_cupti_losses losses = {.correlation_lost = wpr_cupti_corr_lost(), .incomplete = counts.incomplete,
                                    .uncorrelated = counts.uncorrelated, .no_record = cs.finished ? cs.no_record : 0,
                                    .truncated = counts.truncated};
  if (rc == 0) rc = wpr_cupti_losses_collect(job, rank, &losses);
  pthread_mutex_unlock(&cs.lock);
  set_dropped(job, rank, dropped);
  warn_losses(dropped, counts);
  return rc == 0 ? WPROF_OK : WPROF_ENOMEM;
}
#endif
