/* The range recorder's shared state (ranges_threads.h): the window ranges are recorded in, and the
 * registry of threads (each registered once, under a lock) whose calling-context nodes any thread
 * finds by id. The recorder's other files read this state; this file calls none of them. */
#include "ranges_threads.h"

#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "timer.h"

int32_t range_window = -1;
int range_enabled = 1;
uint32_t range_session;
__thread struct range_thread *range_tls __attribute__((tls_model("initial-exec")));

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct range_thread *threads_head;
static uint32_t threads_count;
static struct range_thread *threads_by_id[RANGE_THREADS_MAX + 1]; /* published with release */

struct range_thread *range_thread_register(void) {
  static int tree_warned;
  wpr_timer_init(); /* ranges may come before wprof_init: calibrate before the first tick */
  struct range_thread *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  pthread_mutex_lock(&threads_lock);
  if (threads_count < RANGE_THREADS_MAX) {
    t->tid = ++threads_count;
    __atomic_store_n(&threads_by_id[t->tid], t, __ATOMIC_RELEASE);
  }
  t->next = threads_head;
  __atomic_store_n(&threads_head, t, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&threads_lock);
  if (!t->tid)
    wpr_warn_once(&tree_warned, "more than %d threads use ranges; GPU time of the later ones is not "
                  "attributed to their ranges", RANGE_THREADS_MAX);
  range_tls = t;
  return t;
}

struct range_thread *range_threads_lock(void) {
  pthread_mutex_lock(&threads_lock);
  return threads_head;
}

void range_threads_unlock(void) { pthread_mutex_unlock(&threads_lock); }

struct range_thread *range_thread_by_id(uint32_t tid) {
  if (tid == 0 || tid > RANGE_THREADS_MAX) return NULL;
  return __atomic_load_n(&threads_by_id[tid], __ATOMIC_ACQUIRE);
}

struct range_node *range_node_at(uint32_t id) {
  struct range_thread *t = range_thread_by_id(id >> NODE_INDEX_BITS);
  uint32_t idx = id & NODE_INDEX_MASK;
  if (!t || idx == 0 || idx > __atomic_load_n(&t->nnodes, __ATOMIC_ACQUIRE)) return NULL;
  struct range_node *chunk = __atomic_load_n(&t->chunks[idx >> NODE_CHUNK_BITS], __ATOMIC_ACQUIRE);
  return chunk ? &chunk[idx & (NODE_CHUNK - 1)] : NULL;
}
