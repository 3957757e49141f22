/* Buffer pool and completed queue of the cupti backend (cupti_buffers.h). One short mutex guards
 * both: CUPTI's callbacks hold it for a few instructions, never while records are being read. */
#ifdef WPROF_HAVE_CUPTI
#include "cupti_buffers.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "wprof/wprof.h"

static struct {
  pthread_mutex_t lock;
  pthread_cond_t filled_cv;
  size_t bytes;
  int count;
  uint8_t *all[WPR_CUPTI_POOL_BUFFERS];
  uint8_t *free_list[WPR_CUPTI_POOL_BUFFERS];
  int n_free;
  /* Ring of completed buffers: at most `count` exist, so it cannot overflow. */
  struct wpr_cupti_filled ring[WPR_CUPTI_POOL_BUFFERS];
  int head, n_filled;
  uint64_t refusals;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

int wpr_cupti_pool_init(size_t bytes, int count) {
  if (pool.count) return WPROF_OK; /* once per process: CUPTI may still hold buffers of a past session */
  if (count < 1 || count > WPR_CUPTI_POOL_BUFFERS) count = WPR_CUPTI_POOL_BUFFERS;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&pool.filled_cv, &attr);
  pthread_condattr_destroy(&attr);
  bytes = (bytes + 7) & ~(size_t)7;
  for (int i = 0; i < count; i++) {
    /* malloc'ed pages stay virtual until CUPTI writes records into them */
    uint8_t *b = aligned_alloc(8, bytes);
    if (!b) {
      for (int j = 0; j < i; j++) free(pool.all[j]);
      return WPROF_ENOMEM;
    }
    pool.all[i] = pool.free_list[i] = b;
  }
  pool.bytes = bytes;
  pool.n_free = pool.count = count;
  return WPROF_OK;
}

uint8_t *wpr_cupti_pool_take(size_t *bytes) {
  uint8_t *b = NULL;
  pthread_mutex_lock(&pool.lock);
  if (pool.n_free > 0) b = pool.free_list[--pool.n_free];
  else pool.refusals++;
  pthread_mutex_unlock(&pool.lock);
  *bytes = b ? pool.bytes : 0;
  return b;
}

static int owned(const uint8_t *buf) {
  for (int i = 0; i < pool.count; i++)
    if (pool.all[i] == buf) return 1;
  return 0;
}

void wpr_cupti_pool_complete(uint8_t *buf, size_t valid, void *context, uint32_t stream) {
  if (!buf || !owned(buf)) return;
  if (valid > pool.bytes) valid = pool.bytes;
  pthread_mutex_lock(&pool.lock);
  int tail = (pool.head + pool.n_filled) % WPR_CUPTI_POOL_BUFFERS;
  pool.ring[tail] = (struct wpr_cupti_filled){.buf = buf, .valid = valid, .context = context, .stream = stream};
  pool.n_filled++;
  pthread_cond_signal(&pool.filled_cv);
  pthread_mutex_unlock(&pool.lock);
}

static void deadline_in(struct timespec *ts, int ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

int wpr_cupti_pool_wait(int wait_ms) {
  struct timespec until;
  deadline_in(&until, wait_ms);
  pthread_mutex_lock(&pool.lock);
  while (pool.n_filled == 0)
    if (pthread_cond_timedwait(&pool.filled_cv, &pool.lock, &until) == ETIMEDOUT) break;
  int any = pool.n_filled > 0;
  pthread_mutex_unlock(&pool.lock);
  return any;
}

int wpr_cupti_pool_next(struct wpr_cupti_filled *out) {
  pthread_mutex_lock(&pool.lock);
  int got = pool.n_filled > 0;
  if (got) {
    *out = pool.ring[pool.head];
    pool.head = (pool.head + 1) % WPR_CUPTI_POOL_BUFFERS;
    pool.n_filled--;
  }
  pthread_mutex_unlock(&pool.lock);
  return got;
}

void wpr_cupti_pool_release(uint8_t *buf) {
  pthread_mutex_lock(&pool.lock);
  if (pool.n_free < pool.count) pool.free_list[pool.n_free++] = buf;
  pthread_mutex_unlock(&pool.lock);
}

uint64_t wpr_cupti_pool_refusals(void) {
  pthread_mutex_lock(&pool.lock);
  uint64_t n = pool.refusals;
  pthread_mutex_unlock(&pool.lock);
  return n;
}
#endif
